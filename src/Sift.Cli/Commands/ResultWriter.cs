using System.Globalization;
using System.Text;
using System.Text.Json;
using Sift.Data;
using Sift.Evidence;
using Sift.Plots;
using Sift.Simulation;

namespace Sift.Cli.Commands;

/// <summary>Writes a simulation's files: results.json, curves.csv, evidence.jsonl, learning-curves.svg. Each file is written atomically.</summary>
internal static class ResultWriter
{
    /// <summary>Writes every output file into <paramref name="directory"/> (created if needed).</summary>
    public static void Write(string directory, SimulationOutput output, bool writeEvidence = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        Directory.CreateDirectory(directory);
        var result = output.Result;
        WriteAtomically(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(result, SiftJson.Indented) + "\n");

        var csv = new StringBuilder("strategy,seed,round,labels,accuracy,macro_f1,fit_seconds,query_seconds\n");
        foreach (var run in result.Runs)
            for (var r = 0; r < run.Rounds.Count; r++)
            {
                var x = run.Rounds[r];
                csv.Append(CultureInfo.InvariantCulture, $"{CsvCells.Field(run.Strategy)},{run.Seed},{r},{x.Labels},{x.Accuracy:R},{x.MacroF1:R},{x.FitSeconds:0.######},{x.QuerySeconds:0.######}\n");
            }
        WriteAtomically(Path.Combine(directory, "curves.csv"), csv.ToString());

        if (writeEvidence)
        {
            var evidence = new StringBuilder();
            foreach (var e in output.Evidence) evidence.Append(JsonSerializer.Serialize(e, SiftJson.Compact)).Append('\n');
            WriteAtomically(Path.Combine(directory, "evidence.jsonl"), evidence.ToString());
        }

        WriteAtomically(Path.Combine(directory, "learning-curves.svg"), RenderCurves(result));
    }

    /// <summary>The learning-curve chart: mean over seeds per strategy with a min–max band, the full-data ceiling dashed.</summary>
    public static string RenderCurves(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var series = result.Summary.Select(s =>
        {
            var curve = Summaries.MeanCurve(result.Runs.Where(r => r.Strategy == s.Strategy));
            return new CurveSeries(s.Strategy, curve.Select(p => (double)p.Labels).ToList(), curve.Select(p => p.Mean).ToList(),
                curve.Select(p => p.Min).ToList(), curve.Select(p => p.Max).ToList());
        }).ToList();
        var folder = Path.GetFileName(Path.GetDirectoryName(result.Dataset.Train));
        var title = $"{(string.IsNullOrEmpty(folder) ? result.Dataset.Train : folder)}: test accuracy vs labels";
        return LearningCurveSvg.Render(series, result.FullData.Accuracy, "full data", new ChartOptions { Title = title });
    }

    /// <summary>Writes through a temporary file and a rename, so a reader never sees half a file.</summary>
    public static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
