using Sift.Evidence;

namespace Sift.Server.Governance;

/// <summary>
/// A checkpoint file: one signed <see cref="Checkpoint"/> per line, appended, never rewritten. For a simulation's
/// <c>evidence.jsonl</c> it is <c>evidence.checkpoints.jsonl</c> beside it.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The checkpoint file of a JSON-lines log: <c>NAME.checkpoints.jsonl</c> beside <c>NAME.jsonl</c>.</summary>
    public static string For(string logPath)
    {
        var directory = Path.GetDirectoryName(logPath) ?? "";
        var name = Path.GetFileName(logPath);
        var stem = name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? name[..^".jsonl".Length] : name;
        return Path.Combine(directory, stem + ".checkpoints.jsonl");
    }

    /// <summary>Appends one checkpoint and flushes it to disk.</summary>
    public static void Append(string path, Checkpoint checkpoint)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true))
        {
            writer.Write(checkpoint.ToLine());
            writer.Write('\n');
        }
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Reads every checkpoint; a line that is not one is an error naming the file and line.</summary>
    /// <exception cref="SiftException">A line is not a checkpoint.</exception>
    public static IReadOnlyList<Checkpoint> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var result = new List<Checkpoint>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0) continue;
            result.Add(Checkpoint.ParseLine(line) ?? throw new SiftException($"{path}, line {number}: not a checkpoint (the checkpoint file was altered or damaged)."));
        }
        return result;
    }
}
