using System.CommandLine;
using System.Globalization;
using Sift.Cli.Governance;
using Sift.Evidence;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift verify PATH</c>: checks a hash-chained evidence log — a <c>simulate</c> output folder or an
/// <c>evidence.jsonl</c> — against itself and its signed checkpoints, and names the first edited, deleted, inserted or
/// reordered entry, a cut tail or a rewritten chain. Exit code 0 when intact, 1 when not.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A simulate output folder or an evidence.jsonl file." };
        var checkpoints = new Option<string?>("--checkpoints") { Description = "The checkpoint file (default: NAME.checkpoints.jsonl beside NAME.jsonl)." };
        var keyId = new Option<string?>("--key-id") { Description = "Trust only checkpoints signed by this key id (printed by an earlier verify, or by the machine that signed)." };
        var command = new Command("verify", "Check a hash-chained evidence log and its signed checkpoints; exit 0 when intact, 1 naming the first bad entry otherwise.")
        {
            path, checkpoints, keyId,
        };
        command.SetAction(parse =>
        {
            var target = parse.GetValue(path)!;
            var log = Directory.Exists(target) ? Path.Combine(target, "evidence.jsonl") : target;
            if (!File.Exists(log))
                throw new ConfigurationException(Directory.Exists(target) ? $"{target}: no evidence.jsonl in this folder." : $"{target}: no such file or folder.");
            var checkpointPath = parse.GetValue(checkpoints) ?? CheckpointFile.For(log);
            var signed = CheckpointFile.Read(checkpointPath);
            var result = EvidenceChain.Verify(Entries(log), signed, parse.GetValue(keyId), EvidenceFile.SimulationScope);
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
