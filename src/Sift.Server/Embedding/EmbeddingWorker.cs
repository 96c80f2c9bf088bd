using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sift.Features;
using Sift.Projects;
using Sift.Server.Training;
using Sift.Storage;

namespace Sift.Server.Embedding;

/// <summary>
/// Embeds, in the background, the items of every project whose features need the sentence encoder: after an import
/// (<see cref="Request"/>), for every project when the server starts, and each <see cref="EmbeddingOptions.PollInterval"/>
/// for items it was not told about. A project's items are looked up in the store's embedding cache first
/// (<see cref="IEmbeddingStore"/>, keyed by model and normalised text), so no text is embedded twice — not within a
/// project, not across projects, not after a restart; the rest go to the encoder in batches of
/// <see cref="EmbeddingOptions.BatchSize"/>, each stored as soon as it is done. A killed server resumes from the stored
/// vectors; a stopped one stops within a batch. Labeling never waits for it: hand-out does not look at vectors, and the
/// trainer uses TF-IDF until every item has its vector (<see cref="EmbeddingStatus"/>). Thread-safe.
/// </summary>
internal sealed class EmbeddingWorker
{
    private const int Page = 1_000;

    private readonly ISiftStore _store;
    private readonly IEmbeddingStore? _vectors;
    private readonly SentenceEncoderHost _encoder;
    private readonly EmbeddingStatus _status;
    private readonly TimeProvider _time;
    private readonly EmbeddingOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, byte> _requested = new();
    private readonly SemaphoreSlim _wake = new(0, 1);

    public EmbeddingWorker(ISiftStore store, IEmbeddingStore? vectors, SentenceEncoderHost encoder, EmbeddingStatus status, TimeProvider time,
        EmbeddingOptions options, ILogger<EmbeddingWorker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _vectors = vectors;
        _encoder = encoder;
        _status = status;
        _time = time;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Test hook: called before each batch goes to the encoder, with the project and the batch's texts.</summary>
    internal Action<long, IReadOnlyList<string>>? BatchStarting { get; set; }

    /// <summary>Asks the worker to look at the project soon (after an import, or a change of its features). Cheap.</summary>
    public void Request(long projectId)
    {
        _requested[projectId] = 0;
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled: every project at start and at each poll, requested ones at once.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // never hold up the host's start
        var nextPoll = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            var ids = new SortedSet<long>(_requested.Keys);
            foreach (var id in ids) _requested.TryRemove(id, out _);
            if (_time.GetUtcNow() >= nextPoll)
            {
                nextPoll = _time.GetUtcNow() + _options.PollInterval;
                try
                {
                    ids.UnionWith((await _store.ListProjectsAsync(cancellationToken).ConfigureAwait(false)).Select(p => p.Id));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "Embedding: could not list projects.");
                }
            }

            foreach (var id in ids)
            {
                if (cancellationToken.IsCancellationRequested) break;
                try
                {
                    await EmbedProjectAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // The worker outlives one project's trouble; the next poll tries again.
                    _logger.LogWarning(ex, "Embedding: project {ProjectId} could not be embedded.", id);
                    _status.Fail(id, LiveLoop.OneSentence(ex));
                }
            }

            var wait = nextPoll - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero || !_requested.IsEmpty) continue;
            using var timer = new CancellationTokenSource(wait, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await _wake.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The poll interval passed.
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Brings one project's vectors up to date: counts which of its items (after those already known to have theirs)
    /// lack a vector, then embeds those texts batch by batch. Used by the background loop; tests call it directly.
    /// </summary>
    internal async Task<EmbedOutcome> EmbedProjectAsync(long projectId, CancellationToken cancellationToken)
    {
        var project = await _store.GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false);
        if (project is null || !ProjectFeatures.NeedsEncoder(project.Settings.Features))
        {
            _status.Forget(projectId);
            return EmbedOutcome.NotNeeded;
        }
        if (!_encoder.Configured)
        {
            _status.Fail(projectId, SentenceEncoderHost.NoEncoder);
            return EmbedOutcome.Failed;
        }
        if (_vectors is null)
        {
            _status.Fail(projectId, "This server's store keeps no embeddings, so the project trains on TF-IDF features only.");
            return EmbedOutcome.Failed;
        }

        var (covered, coveredItems) = _status.Covered(projectId);
        // The common case at every poll: nothing new since the last look (one indexed read, no texts).
        if (_status.IsDone(projectId) && (await _store.GetItemsPageAsync(projectId, covered, 1, cancellationToken).ConfigureAwait(false)).Count == 0)
            return EmbedOutcome.UpToDate;

        ITextEncoder encoder;
        try
        {
            encoder = await _encoder.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _status.Fail(projectId, "The sentence encoder could not be loaded: " + LiveLoop.OneSentence(ex));
            return EmbedOutcome.Failed;
        }
        var model = encoder.ModelId;
        var dimension = encoder.Dimension;

        // Pass 1: which items after the covered ones have no usable vector (keys only; texts are read again in pass 2,
        // so a large project is never held in memory).
        var missing = new Dictionary<EmbeddingKey, int>();
        var done = coveredItems;
        var total = coveredItems;
        var last = covered;
        for (var after = covered; ;)
        {
            var page = await _store.GetItemsPageAsync(projectId, after, Page, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0) break;
            var keys = page.Select(i => EmbeddingKey.Create(model, i.Text)).ToList();
            var found = await _vectors.GetEmbeddingsAsync(model, dimension, keys, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < keys.Count; i++)
            {
                total++;
                if (found[i] is not null) done++;
                else missing[keys[i]] = missing.GetValueOrDefault(keys[i]) + 1;
            }
            after = last = page[^1].Id;
        }
        _status.Scanned(projectId, model, done, total);
        if (missing.Count == 0)
        {
            _status.Completed(projectId, last);
            return EmbedOutcome.UpToDate;
        }

        // Pass 2: the missing texts, each once, in batches; each batch is stored before the next begins.
        var batch = new List<(EmbeddingKey Key, string Text)>(_options.BatchSize);
        var batchItems = new Dictionary<EmbeddingKey, int>();
        for (var after = covered; after < last;)
        {
            var page = await _store.GetItemsPageAsync(projectId, after, Page, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0) break;
            foreach (var item in page)
            {
                if (item.Id > last) break;
                var key = EmbeddingKey.Create(model, item.Text);
                // Removed when queued: a text that several items share goes to the encoder once.
                if (!missing.Remove(key, out var items)) continue;
                batch.Add((key, EmbeddingText.Normalize(item.Text)));
                batchItems[key] = items;
                if (batch.Count == _options.BatchSize) await EmbedBatchAsync(projectId, encoder, batch, batchItems, cancellationToken).ConfigureAwait(false);
            }
            after = page[^1].Id;
        }
        if (batch.Count > 0) await EmbedBatchAsync(projectId, encoder, batch, batchItems, cancellationToken).ConfigureAwait(false);
        _status.Completed(projectId, last);
        return EmbedOutcome.Embedded;
    }

    private async Task EmbedBatchAsync(long projectId, ITextEncoder encoder, List<(EmbeddingKey Key, string Text)> batch,
        Dictionary<EmbeddingKey, int> batchItems, CancellationToken cancellationToken)
    {
        var model = encoder.ModelId;
        // Another process sharing the database may have stored some of them meanwhile.
        var stored = await _vectors!.GetEmbeddingsAsync(model, encoder.Dimension, batch.Select(b => b.Key).ToList(), cancellationToken).ConfigureAwait(false);
        var already = 0;
        var todo = new List<(EmbeddingKey Key, string Text)>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (stored[i] is not null) already += batchItems[batch[i].Key];
            else todo.Add(batch[i]);
        }
        if (already > 0) _status.Added(projectId, already, embedded: false);
        if (todo.Count > 0)
        {
            var texts = todo.Select(t => t.Text).ToArray();
            BatchStarting?.Invoke(projectId, texts);
            _status.BatchStarting(projectId);
            var vectors = await TrainerThread.RunAsync(() => encoder.Encode(texts, null, cancellationToken), _encoder.LowPriority, "sift-embedding").ConfigureAwait(false);
            if (vectors.Rows != texts.Length || vectors.Columns != encoder.Dimension)
                throw new InvalidOperationException($"The encoder '{model}' returned {vectors.Rows}×{vectors.Columns} for {texts.Length} texts of dimension {encoder.Dimension}.");
            await _vectors.PutEmbeddingsAsync(model, todo.Select(t => t.Key).ToList(), vectors, cancellationToken).ConfigureAwait(false);
            _status.Added(projectId, todo.Sum(t => batchItems[t.Key]), embedded: true);
        }
        foreach (var (key, _) in batch) batchItems.Remove(key);
        batch.Clear();
    }
}

/// <summary>What one look at a project's vectors did.</summary>
internal enum EmbedOutcome
{
    /// <summary>The project is gone or its features need no encoder.</summary>
    NotNeeded,

    /// <summary>Every item already had its vector.</summary>
    UpToDate,

    /// <summary>Some items were embedded (or found stored by another process meanwhile); now every item has its vector.</summary>
    Embedded,

    /// <summary>No encoder, no embedding store, or the encoder did not load (the status says which).</summary>
    Failed,
}

/// <summary>Runs the process's <see cref="EmbeddingWorker"/> for the host's lifetime.</summary>
internal sealed class EmbeddingWorkerService(EmbeddingWorker worker) : BackgroundService
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => worker.RunAsync(stoppingToken);
}
