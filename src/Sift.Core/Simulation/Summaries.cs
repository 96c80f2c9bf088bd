namespace Sift.Simulation;

/// <summary>Summaries over seeds: mean learning curves, area under them, labels needed to reach a share of the ceiling.</summary>
public static class Summaries
{
    /// <summary>Mean accuracy over runs at each label count (runs that stopped early do not count past their end).</summary>
    public static IReadOnlyList<(int Labels, double Mean, double Min, double Max)> MeanCurve(IEnumerable<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.SelectMany(r => r.Rounds).GroupBy(r => r.Labels).OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Average(r => r.Accuracy), g.Min(r => r.Accuracy), g.Max(r => r.Accuracy))).ToList();
    }

    /// <summary>
    /// First label count at which the mean curve reaches <paramref name="target"/>, interpolating linearly between the
    /// round below and the round that reaches it (rounded up); null if it never does.
    /// </summary>
    public static int? LabelsToReach(IReadOnlyList<(int Labels, double Mean, double Min, double Max)> curve, double target)
    {
        ArgumentNullException.ThrowIfNull(curve);
        for (var i = 0; i < curve.Count; i++)
        {
            if (curve[i].Mean < target) continue;
            if (i == 0) return curve[0].Labels;
            var (l0, a0, _, _) = curve[i - 1];
            var (l1, a1, _, _) = curve[i];
            var x = l0 + (target - a0) / (a1 - a0) * (l1 - l0);
            return (int)Math.Ceiling(x - 1e-9);
        }
        return null;
    }

    /// <summary>Builds the per-strategy summary rows, in <paramref name="order"/>.</summary>
    public static IReadOnlyList<StrategySummary> Compute(IReadOnlyList<RunResult> runs, double fullAccuracy, IReadOnlyList<string> order)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(order);
        var curves = order.ToDictionary(s => s, s => MeanCurve(runs.Where(r => r.Strategy == s)));
        int? To(string s, double share) => curves[s].Count == 0 ? null : LabelsToReach(curves[s], share * fullAccuracy);
        var random95 = curves.ContainsKey("random") ? To("random", 0.95) : null;
        var random98 = curves.ContainsKey("random") ? To("random", 0.98) : null;
        var randomFinal = curves.TryGetValue("random", out var rc) && rc.Count > 0 ? rc[^1] : default((int Labels, double Mean, double Min, double Max)?);
        return order.Where(s => curves[s].Count > 0).Select(s =>
        {
            var c = curves[s];
            var to95 = To(s, 0.95);
            var to98 = To(s, 0.98);
            var roundSeconds = runs.Where(r => r.Strategy == s).SelectMany(r => r.Rounds).Select(r => r.FitSeconds + r.QuerySeconds).Order().ToList();
            var arms = runs.Where(r => r.Strategy == s).SelectMany(r => r.Rounds.Select((x, i) => (x.Arm, Late: i >= r.Rounds.Count / 2))).Where(x => x.Arm is not null).ToList();
            return new StrategySummary(s, c.Average(p => p.Mean), to95, to98, Ratio(random95, to95), Ratio(random98, to98))
            {
                FinalAccuracy = c[^1].Mean,
                LabelsToRandomFinal = randomFinal is { } rf ? LabelsToReach(c, rf.Mean) : null,
                SavingsVsRandomFinal = randomFinal is { } rf2 ? Ratio(rf2.Labels, LabelsToReach(c, rf2.Mean)) : null,
                // Random never got there within its budget: it needs more than its final labels, so the ratio is at least this.
                SavingsVsRandom95AtLeast = random95 is null && s != "random" && randomFinal is { } rf3 ? Ratio(rf3.Labels, to95) : null,
                SavingsVsRandom98AtLeast = random98 is null && s != "random" && randomFinal is { } rf4 ? Ratio(rf4.Labels, to98) : null,
                FinalLabels = c[^1].Labels,
                Ece = MeanOf(runs.Where(r => r.Strategy == s).Select(r => r.Calibration?.Ece)),
                EceCalibrated = MeanOf(runs.Where(r => r.Strategy == s).Select(r => r.Calibration?.EceCalibrated)),
                Temperature = MeanOf(runs.Where(r => r.Strategy == s).Select(r => r.Calibration?.Temperature)),
                MedianRoundSeconds = roundSeconds.Count == 0 ? 0 : roundSeconds[roundSeconds.Count / 2],
                ArmShares = arms.Count == 0 ? null : arms.GroupBy(x => x.Arm!).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => Math.Round((double)g.Count() / arms.Count, 4)),
                SettledOn = arms.Count == 0 ? null : arms.Where(x => x.Late).GroupBy(x => x.Arm!)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault(),
            };
        }).ToList();
    }

    private static double? MeanOf(IEnumerable<double?> values)
    {
        var list = values.Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).ToList();
        return list.Count == 0 ? null : Math.Round(list.Average(), 6);
    }

    /// <summary>
    /// Reliability bins pooled over runs (counts added, means weighted by count); <paramref name="calibrated"/> picks the
    /// bins after temperature scaling. Null when no run has such bins.
    /// </summary>
    public static IReadOnlyList<Metrics.ReliabilityBin>? PooledBins(IEnumerable<RunResult> runs, bool calibrated)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var sets = runs.Select(r => calibrated ? r.Calibration?.BinsCalibrated : r.Calibration?.Bins).Where(b => b is { Count: > 0 }).ToList();
        if (sets.Count == 0) return null;
        var m = sets[0]!.Count;
        var result = new Metrics.ReliabilityBin[m];
        for (var b = 0; b < m; b++)
        {
            int count = 0;
            double conf = 0, acc = 0;
            foreach (var set in sets)
            {
                var x = set![b];
                if (x.Count == 0) continue;
                count += x.Count;
                conf += x.Confidence * x.Count;
                acc += x.Accuracy * x.Count;
            }
            result[b] = new Metrics.ReliabilityBin(sets[0]![b].Lower, sets[0]![b].Upper, count, count == 0 ? double.NaN : conf / count, count == 0 ? double.NaN : acc / count);
        }
        return result;
    }

    private static double? Ratio(int? random, int? strategy) =>
        random is null || strategy is null || strategy == 0 ? null : Math.Round((double)random.Value / strategy.Value, 4);
}
