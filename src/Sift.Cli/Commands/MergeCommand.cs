using System.CommandLine;
using System.Text.Json;
using Sift.Evidence;
using Sift.Simulation;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift merge</c>: combines the results of several <c>simulate</c> runs on the same data (e.g. strategy groups run in
/// separate processes or on separate machines) into one results.json, curves.csv and learning-curves.svg, with the
/// summary recomputed over all runs. Evidence stays in each part's evidence.jsonl.
/// </summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("results") { Description = "results.json files of simulate runs on the same train/test files.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "Output directory.", Required = true };
        var command = new Command("merge", "Merge the results.json of several simulate runs on the same data into one (summary recomputed).") { inputs, output };
        command.SetAction(parse =>
        {
            var merged = Merge(parse.GetValue(inputs)!);
            ResultWriter.Write(parse.GetValue(output)!, merged);
            Console.WriteLine($"merged {merged.Runs.Count} runs of {merged.Summary.Count} strategies into {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }

    /// <summary>Merges results; runs of the same strategy and seed are taken from the first file that has them.</summary>
    /// <exception cref="SiftException">A file is unreadable, or the files are about different data.</exception>
    public static SimulationResult Merge(IReadOnlyList<string> paths)
    {
        var parts = paths.Select(Load).ToList();
        var first = parts[0].Result;
        foreach (var (path, part) in parts.Skip(1))
        {
            if (part.Dataset.Train != first.Dataset.Train || part.Dataset.Test != first.Dataset.Test || part.Dataset.PoolSize != first.Dataset.PoolSize)
                throw new SiftException($"{path}: it was run on {part.Dataset.Train} / {part.Dataset.Test}, not on {first.Dataset.Train} / {first.Dataset.Test}.");
        }
        var runs = new List<RunResult>();
        var seen = new HashSet<(string, int)>();
        foreach (var (_, part) in parts)
            foreach (var run in part.Runs)
                if (seen.Add((run.Strategy, run.Seed))) runs.Add(run);
        var order = runs.Select(r => r.Strategy).Distinct().OrderBy(s => s == "random" ? 0 : 1).ToList();
        var config = new Dictionary<string, object?>(first.Config) { ["merged_from"] = paths.ToList(), ["strategies"] = order };
        return new SimulationResult(first.Dataset, config, first.FullData, runs, Summaries.Compute(runs, first.FullData.Accuracy, order));
    }

    private static (string Path, SimulationResult Result) Load(string path)
    {
        try
        {
            var result = JsonSerializer.Deserialize<SimulationResult>(File.ReadAllText(path), SiftJson.Indented)
                ?? throw new SiftException($"{path}: empty results file.");
            return (path, result);
        }
        catch (FileNotFoundException)
        {
            throw new SiftException($"file not found: {path}");
        }
        catch (JsonException e)
        {
            throw new SiftException($"{path}: not a simulate results.json ({e.Message}).");
        }
    }
}
