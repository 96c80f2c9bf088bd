using System.CommandLine;
using System.Globalization;
using Sift.Server.Governance;
using Sift.Evidence;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift verify PATH</c> or <c>sift verify --db FILE|--postgres CONN --project ID</c>: checks a hash-chained
/// evidence log — a <c>simulate</c> output folder, an <c>evidence.jsonl</c>, or a server project's evidence read from
/// its database without changing it — against itself and its signed checkpoints, and names the first edited, deleted,
/// inserted or reordered entry, a cut tail or a rewritten chain. Exit code 0 when intact, 1 when not.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var path = new Argument<string?>("path") { Description = "A simulate output folder or an evidence.jsonl file (or give --project with --db/--postgres).", Arity = ArgumentArity.ZeroOrOne };
        var db = new Option<string?>("--db") { Description = "A server's SQLite database file; with --project." };
        var postgres = new Option<string?>("--postgres") { Description = "A server's PostgreSQL connection string (instead of --db); with --project." };
        var project = new Option<long?>("--project") { Description = "The project whose evidence to verify, read from --db or --postgres (nothing is written)." };
        var checkpoints = new Option<string?>("--checkpoints") { Description = "The checkpoint file (default: NAME.checkpoints.jsonl beside NAME.jsonl; for a database, the server's checkpoint folder's project-ID.checkpoints.jsonl)." };
        var keyId = new Option<string?>("--key-id") { Description = "Trust only checkpoints signed by this key id (printed by an earlier verify, or by the machine that signed)." };
        var head = new Option<string[]>("--head") { Description = "A chain head SEQ:HASH kept outside the log (an export's X-Sift-Evidence-Head header); the log must still hold it. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("verify", "Check a hash-chained evidence log and its signed checkpoints; exit 0 when intact, 1 naming the first bad entry otherwise.")
        {
            path, db, postgres, project, checkpoints, keyId, head,
        };
        command.SetAction(async (parse, ct) =>
        {
            var heads = new ChainHead.Watcher([.. (parse.GetValue(head) ?? []).Select(ChainHead.Parse)]);
            if (parse.GetValue(project) is { } projectId)
            {
                var (choice, file) = EvidenceSource.Project(parse.GetValue(path), parse.GetValue(db), parse.GetValue(postgres), parse.GetValue(checkpoints), projectId);
                var signedByServer = CheckpointFile.Read(file);
                await using var store = choice.Open();
                var verdict = await EvidenceSource.ReadProjectAsync(store, choice, projectId, "the evidence",
                    () => Task.FromResult(heads.Check(EvidenceChain.Verify(heads.Watch(ServerCheckpoints.StoredChain(store, projectId, ct)), signedByServer, parse.GetValue(keyId), ServerCheckpoints.Scope(projectId)))), ct);
                return Report(parse.InvocationConfiguration.Output, $"{choice.Describe()}, project {projectId}", verdict, signedByServer);
            }
            var log = EvidenceSource.LogFile(parse.GetValue(path));
            var checkpointPath = parse.GetValue(checkpoints) ?? CheckpointFile.For(log);
            var signed = CheckpointFile.Read(checkpointPath);
            var result = heads.Check(EvidenceChain.Verify(heads.Watch(Entries(log)), signed, parse.GetValue(keyId), EvidenceFile.SimulationScope));
            return Report(parse.InvocationConfiguration.Output, log, result, signed);
        });
        return command;
    }

    private static IEnumerable<(long Line, ChainEntry? Entry)> Entries(string path)
    {
        var number = 0L;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            yield return (number, EvidenceChain.ParseLine(line));
        }
    }

    /// <summary>Prints the verdict; returns the exit code.</summary>
    internal static int Report(TextWriter output, string name, ChainVerification result, IReadOnlyList<Checkpoint> checkpoints)
    {
        if (result.Problem is { } problem)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: NOT intact ({Kebab(problem.Kind)}). {problem.Message}"));
            if (result.Entries > 0) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Entries 1–{result.Entries} verify."));
            return 1;
        }
        var keys = string.Join(", ", checkpoints.Select(c => c.KeyId).Distinct(StringComparer.Ordinal));
        output.WriteLine(checkpoints.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{name}: intact as a chain: {result.Entries:N0} entries, head {result.Head}. No checkpoint, so a cut tail or a rewrite of the whole chain cannot be ruled out.")
            : string.Create(CultureInfo.InvariantCulture, $"{name}: intact: {result.Entries:N0} entries, head {result.Head}; {result.CheckpointsMatched} checkpoint(s) matched, signed by key {keys}."));
        return 0;
    }

    private static string Kebab(ChainProblemKind kind) => kind switch
    {
        ChainProblemKind.BadCheckpoint => "bad-checkpoint",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
