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
    /// <summary>
    /// Writes results.json, curves.csv and learning-curves.svg into <paramref name="directory"/> (created if needed);
    /// evidence.jsonl is written while the simulation runs (<see cref="EvidenceFile"/>).
    /// </summary>
    public static void Write(string directory, SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(result, SiftJson.Indented) + "\n");

        var csv = new StringBuilder("strategy,seed,round,labels,accuracy,macro_f1,fit_seconds,query_seconds\n");
        foreach (var run in result.Runs)
            for (var r = 0; r < run.Rounds.Count; r++)
            {
                var x = run.Rounds[r];
                csv.Append(CultureInfo.InvariantCulture, $"{CsvCells.Field(run.Strategy)},{run.Seed},{r},{x.Labels},{x.Accuracy:R},{x.MacroF1:R},{x.FitSeconds:0.######},{x.QuerySeconds:0.######}\n");
            }
        WriteAtomically(Path.Combine(directory, "curves.csv"), csv.ToString());

        WriteAtomically(Path.Combine(directory, "learning-curves.svg"), RenderCurves(result));
        WriteAtomically(Path.Combine(directory, "reliability.svg"), RenderReliability(result));
        if (result.RoutingCalibration is { } calibration)
        {
            // Stated confidence dashed, after the router's calibrator solid; empty bins carry no point.
            var series = calibration.SelectMany(m => new[]
            {
                new ReliabilitySeries($"{m.Model} stated", Bins(m.Stated), Dashed: true),
                new ReliabilitySeries($"{m.Model} calibrated", Bins(m.Calibrated)),
            }).ToList();
            WriteAtomically(Path.Combine(directory, "reliability-llm.svg"), ReliabilityDiagramSvg.Render(series, "Simulated LLMs: reliability of stated and calibrated confidence"));
        }
    }

    /// <summary>
    /// The reliability diagram of each strategy's last models, bins pooled over seeds: after temperature scaling when it
    /// was fitted (the model's own probabilities dashed beside it), else the model's own.
    /// </summary>
    public static string RenderReliability(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var series = new List<ReliabilitySeries>();
        foreach (var s in result.Summary)
        {
            var runs = result.Runs.Where(r => r.Strategy == s.Strategy).ToList();
            var after = Summaries.PooledBins(runs, calibrated: true);
            var before = Summaries.PooledBins(runs, calibrated: false);
            if (after is not null) series.Add(new ReliabilitySeries($"{s.Strategy}, T-scaled", after));
            if (before is not null) series.Add(new ReliabilitySeries(after is null ? s.Strategy : $"{s.Strategy}, raw", before, Dashed: after is not null));
        }
        var folder = Path.GetFileName(Path.GetDirectoryName(result.Dataset.Train));
        return ReliabilityDiagramSvg.Render(series, $"{(string.IsNullOrEmpty(folder) ? result.Dataset.Train : folder)}: calibration of the last models (test set)");
    }

    private static List<Metrics.ReliabilityBin> Bins(IReadOnlyList<Simulation.Routing.ReliabilityPoint> points) =>
        points.Select(p => new Metrics.ReliabilityBin(p.Lower, p.Upper, p.Count, p.Confidence ?? double.NaN, p.Accuracy ?? double.NaN)).ToList();

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

/// <summary>
/// The evidence file of a simulation, written as the runs finish: lines go to <c>evidence.jsonl.tmp</c> in the output
/// directory and <see cref="Commit"/> renames it to <c>evidence.jsonl</c>, so a reader never sees half a file and a
/// failed run leaves the previous file in place. The lines are hash-chained; the commit signs a checkpoint of the
/// chain's head into <c>evidence.checkpoints.jsonl</c> (the key: <see cref="Sift.Server.Governance.CheckpointKey"/>), so
/// <c>sift verify</c> catches a cut tail or a rewritten chain as well as an edited line.
/// </summary>
internal sealed class EvidenceFile : IDisposable
{
    private readonly string _path;
    private readonly StreamWriter _writer;
    private readonly TimeProvider _time;
    private readonly string? _keyPath;

    /// <summary>Opens the temporary file in <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">The output directory.</param>
    /// <param name="time">The clock that stamps the checkpoint; the system clock when null.</param>
    /// <param name="keyPath">The signing key file; <see cref="Sift.Server.Governance.CheckpointKey.DefaultPath"/> when null.</param>
    public EvidenceFile(string directory, TimeProvider? time = null, string? keyPath = null)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "evidence.jsonl");
        _time = time ?? TimeProvider.System;
        _keyPath = keyPath;
        _writer = new StreamWriter(_path + ".tmp", append: false, new UTF8Encoding(false));
        Sink = new JsonLinesEvidenceSink(_writer);
    }

    /// <summary>Receives the events.</summary>
    public JsonLinesEvidenceSink Sink { get; }

    /// <summary>Flushes the file, moves it into place and signs a checkpoint of its last entry.</summary>
    public void Commit()
    {
        _writer.Flush();
        _writer.Dispose();
        var checkpoints = Sift.Server.Governance.CheckpointFile.For(_path);
        // The old run's checkpoints describe the old file: gone first, so a crash before the new one is written leaves
        // an unanchored log, never a false "rewritten".
        File.Delete(checkpoints);
        File.Move(_path + ".tmp", _path, overwrite: true);
        var (seq, hash) = Sink.Head;
        if (seq == 0) return;
        using var key = Sift.Server.Governance.CheckpointKey.LoadOrCreate(_keyPath);
        Sift.Server.Governance.CheckpointFile.Append(checkpoints, Checkpoint.Sign(key, SimulationScope, seq, hash, _time.GetUtcNow()));
    }

    /// <summary>The scope a simulation's checkpoints name.</summary>
    public const string SimulationScope = "simulation";

    /// <inheritdoc />
    public void Dispose()
    {
        _writer.Dispose();
        File.Delete(_path + ".tmp");
    }
}
