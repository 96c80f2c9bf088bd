using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sift.Evidence;
using Sift.Projects;

namespace Sift.Server.Governance;

/// <summary>
/// Where the server anchors its evidence chains: one checkpoint file per project, <c>project-ID.checkpoints.jsonl</c>,
/// in a folder outside the database — by default beside the SQLite file (<c>FILE.checkpoints/</c>), or
/// <c>sift-checkpoints/</c> in the working folder for PostgreSQL.
/// </summary>
public static class ServerCheckpoints
{
    /// <summary>The log a project's checkpoints name.</summary>
    public static string Scope(long projectId) => string.Create(CultureInfo.InvariantCulture, $"project:{projectId}");

    /// <summary>A project's checkpoint file in <paramref name="directory"/>.</summary>
    public static string FileFor(string directory, long projectId) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"project-{projectId}.checkpoints.jsonl"));

    /// <summary>The default folder for a SQLite file (<paramref name="sqlitePath"/>) or, when null, for PostgreSQL.</summary>
    public static string DefaultDirectory(string? sqlitePath) => sqlitePath is null ? "sift-checkpoints" : sqlitePath + ".checkpoints";

    /// <summary>
    /// A project's stored evidence as <see cref="EvidenceChain.Verify"/> reads it, page by page (the whole log is never
    /// held): each entry with its row number, null for a row stored without a hash. Blocks on the store's reads, so
    /// a server runs it off the request thread.
    /// </summary>
    public static IEnumerable<(long Line, ChainEntry? Entry)> StoredChain(IEvidenceStore store, long projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        for (long after = 0, row = 0; ;)
        {
            var page = store.ReadEvidenceAsync(projectId, after, Paging.MaxLimit, cancellationToken).GetAwaiter().GetResult();
            if (page.Count == 0) yield break;
            foreach (var stored in page) yield return (++row, stored.Hash.Length == 0 ? null : stored.ToChainEntry());
            after = page[^1].Seq;
        }
    }
}

/// <summary>How the server anchors its evidence (<see cref="CheckpointWriter"/>).</summary>
public sealed record CheckpointOptions
{
    /// <summary>The folder for the checkpoint files (created when missing).</summary>
    public required string Directory { get; init; }

    /// <summary>How often the heads are signed (default 5 minutes); also once at start and once at a clean stop.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The signing key file; <see cref="CheckpointKey.DefaultPath"/> when null.</summary>
    public string? KeyPath { get; init; }
}

/// <summary>
/// Signs each project's evidence head into its checkpoint file every <see cref="CheckpointOptions.Interval"/>, when it
/// moved. Before signing it checks that the new entries chain onto the last checkpoint (so it never anchors an edited
/// log); a break is logged as an error and that project is not signed again until an operator looks (<c>sift verify</c>).
/// </summary>
public sealed partial class CheckpointWriter(ISiftStore store, CheckpointOptions options, TimeProvider time, ILogger<CheckpointWriter>? logger = null) : BackgroundService
{
    private readonly Dictionary<long, (long Seq, string Hash)> _signed = [];
    private readonly HashSet<long> _broken = [];
    private System.Security.Cryptography.ECDsa? _key;

    /// <summary>Signs every project whose head moved since its last checkpoint; returns how many were signed.</summary>
    public async Task<int> CheckpointAllAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.Directory);
        _key ??= CheckpointKey.LoadOrCreate(options.KeyPath);
        var signed = 0;
        foreach (var project in await store.ListProjectsAsync(cancellationToken))
        {
            if (_broken.Contains(project.Id)) continue;
            var file = ServerCheckpoints.FileFor(options.Directory, project.Id);
            if (!_signed.TryGetValue(project.Id, out var last))
            {
                var existing = CheckpointFile.Read(file);
                last = existing.Count == 0 ? (0, EvidenceChain.Genesis) : (existing[^1].Seq, existing[^1].Hash);
            }
            var head = await NewHeadAsync(project.Id, last, cancellationToken);
            if (head is null) continue;
            CheckpointFile.Append(file, Checkpoint.Sign(_key, ServerCheckpoints.Scope(project.Id), head.Value.Seq, head.Value.Hash, time.GetUtcNow()));
            _signed[project.Id] = head.Value;
            signed++;
        }
        return signed;
    }

    /// <summary>The head after <paramref name="last"/> when the log moved and chains onto it; null otherwise.</summary>
    private async Task<(long Seq, string Hash)?> NewHeadAsync(long projectId, (long Seq, string Hash) last, CancellationToken cancellationToken)
    {
        var (seq, prev) = last;
        var moved = false;
        while (true)
        {
            var page = await store.ReadEvidenceAsync(projectId, seq, Paging.MaxLimit, cancellationToken);
            if (page.Count == 0) break;
            foreach (var entry in page)
            {
                if (!entry.ToChainEntry().Follows(seq, prev))
                {
                    _broken.Add(projectId);
                    if (logger is not null) LogBroken(logger, projectId, seq + 1);
                    return null;
                }
                (seq, prev, moved) = (entry.Seq, entry.Hash, true);
            }
        }
        if (seq < last.Seq) return null;
        return moved ? (seq, prev) : null;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunOnceAsync(stoppingToken);
                await Task.Delay(options.Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last pass runs in StopAsync.
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await RunOnceAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _key?.Dispose();
        base.Dispose();
    }

    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CheckpointAllAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SiftException or System.Data.Common.DbException)
        {
            if (logger is not null) LogFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Evidence of project {ProjectId} does not chain from entry {Seq} on: not checkpointed again; run sift verify.")]
    private static partial void LogBroken(ILogger logger, long projectId, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evidence checkpoint failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
