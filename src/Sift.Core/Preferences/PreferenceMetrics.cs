using Sift.Features;

namespace Sift.Preferences;

/// <summary>Held-out measures of a reward model on comparisons (rows of a difference matrix with their outcomes).</summary>
public static class PreferenceMetrics
{
    /// <summary>
    /// Pairwise accuracy: the share of decisive comparisons (A or B) whose preferred response the model gives the higher
    /// utility (Δ &gt; 0 for A, Δ &lt; 0 for B); Δ = 0 counts one half. Ties and "both bad" are not counted. NaN when
    /// there is no decisive comparison.
    /// </summary>
    public static double PairwiseAccuracy(BradleyTerryModel model, FeatureMatrix differences, ReadOnlySpan<int> rows, ReadOnlySpan<PreferenceOutcome> outcomes) =>
        Mean(model, differences, rows, outcomes, static (_, delta, outcome) => outcome switch
        {
            PreferenceOutcome.A or PreferenceOutcome.B => delta == 0 ? 0.5 : delta * (outcome == PreferenceOutcome.A ? 1 : -1) > 0 ? 1 : 0,
            _ => null,
        });

    /// <summary>
    /// Mean negative log-likelihood (nats) of the observed outcomes A, B and tie under the model's (calibrated)
    /// probabilities, with each probability floored at 1e-12 so a model that rules ties out scores a large, finite loss
    /// on a tie. "Both bad" is not counted. NaN when nothing is counted.
    /// </summary>
    public static double LogLoss(BradleyTerryModel model, FeatureMatrix differences, ReadOnlySpan<int> rows, ReadOnlySpan<PreferenceOutcome> outcomes) =>
        Mean(model, differences, rows, outcomes, static (m, delta, outcome) => outcome switch
        {
            PreferenceOutcome.A => Loss(m.Predict(delta).A),
            PreferenceOutcome.B => Loss(m.Predict(delta).B),
            PreferenceOutcome.Tie => Loss(m.Predict(delta).Tie),
            _ => null,
        });

    /// <summary>
    /// Mean negative log-likelihood (nats) of the decisive outcomes (A or B) under P(A ≻ B | decisive) =
    /// P(A) / (P(A) + P(B)) — for a Davidson or tie-free model σ(Δ/T) — so models with and without ties compare on the
    /// same footing. NaN when there is no decisive comparison.
    /// </summary>
    public static double DecisiveLogLoss(BradleyTerryModel model, FeatureMatrix differences, ReadOnlySpan<int> rows, ReadOnlySpan<PreferenceOutcome> outcomes) =>
        Mean(model, differences, rows, outcomes, static (m, delta, outcome) => outcome switch
        {
            PreferenceOutcome.A => Loss(m.Predict(delta).DecisiveA),
            PreferenceOutcome.B => Loss(1 - m.Predict(delta).DecisiveA),
            _ => null,
        });

    private static double Loss(double probability) => -Math.Log(Math.Max(probability, 1e-12));

    /// <summary>The mean of <paramref name="score"/> (model, Δ, outcome) over the comparisons it scores (non-null); NaN when none.</summary>
    private static double Mean(BradleyTerryModel model, FeatureMatrix differences, ReadOnlySpan<int> rows, ReadOnlySpan<PreferenceOutcome> outcomes,
        Func<BradleyTerryModel, double, PreferenceOutcome, double?> score)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(differences);
        if (rows.Length != outcomes.Length) throw new ArgumentException("Rows and outcomes differ in length.", nameof(outcomes));
        double sum = 0;
        var total = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            if (score(model, model.Difference(differences, rows[i]), outcomes[i]) is not { } value) continue;
            sum += value;
            total++;
        }
        return total > 0 ? sum / total : double.NaN;
    }

    /// <summary>
    /// Spearman rank correlation between two score vectors (average ranks for ties); used to compare recovered
    /// utilities with true ones. NaN when either vector is constant.
    /// </summary>
    public static double Spearman(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("The vectors differ in length.", nameof(b));
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average(), sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : double.NaN;
    }

    private static double[] Ranks(ReadOnlySpan<double> v)
    {
        var values = v.ToArray();
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]]) j++;
            for (var k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0;
            i = j + 1;
        }
        return ranks;
    }
}
