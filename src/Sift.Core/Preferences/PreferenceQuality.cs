using Sift.Items;

namespace Sift.Preferences;

/// <summary>A share with its 95% Wilson score interval (Wilson 1927).</summary>
/// <param name="Count">Trials.</param>
/// <param name="Hits">Successes.</param>
/// <param name="Share">Hits ÷ count; NaN when there are no trials.</param>
/// <param name="Low">Lower end of the interval (0 when there are no trials).</param>
/// <param name="High">Upper end of the interval (1 when there are no trials).</param>
public readonly record struct ShareInterval(int Count, int Hits, double Share, double Low, double High)
{
    /// <summary>The share of <paramref name="hits"/> in <paramref name="count"/> with its 95% Wilson interval.</summary>
    public static ShareInterval Wilson(int count, int hits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (hits < 0 || hits > count) throw new ArgumentOutOfRangeException(nameof(hits), hits, "must be between 0 and the count.");
        if (count == 0) return new ShareInterval(0, 0, double.NaN, 0, 1);
        const double z = 1.959963984540054;
        double n = count, p = hits / n;
        var denominator = 1 + z * z / n;
        var centre = (p + z * z / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator;
        return new ShareInterval(count, hits, p, Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Whether <paramref name="value"/> lies inside the interval.</summary>
    public bool Contains(double value) => value >= Low && value <= High;
}

/// <summary>One answer to a comparison as the position-bias and noise measures read it.</summary>
/// <param name="ItemId">The comparison.</param>
/// <param name="Annotator">Who answered.</param>
/// <param name="Label">The answer, in stored sides (<see cref="PairLabels"/>).</param>
/// <param name="SidesSwapped">Whether the page showed stored B first; null when not recorded.</param>
public readonly record struct PairAnswer(long ItemId, string Annotator, string Label, bool? SidesSwapped);

/// <summary>
/// Quality measures of preference answers: position bias (does the response shown first win more than half of the
/// decisive answers?) and the annotator noise that a DPO run's <c>label_smoothing</c> can account for. Pure and
/// thread-safe.
/// </summary>
public static class PreferenceQuality
{
    /// <summary>
    /// The share of decisive answers (A or B) that chose the response shown first, with its 95% interval; answers
    /// without a recorded side order are left out. Without position bias the interval holds ½.
    /// </summary>
    public static ShareInterval FirstShownWins(IEnumerable<PairAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        int n = 0, first = 0;
        foreach (var a in answers)
        {
            if (a.SidesSwapped is not { } swapped || a.Label is not (PairLabels.A or PairLabels.B)) continue;
            n++;
            // Not swapped: A was shown first. Swapped: B was.
            if ((a.Label == PairLabels.A) != swapped) first++;
        }
        return ShareInterval.Wilson(n, first);
    }

    /// <summary>
    /// Disagreement between annotators on the same comparison, over their decisive answers: every pair of two
    /// annotators' decisive answers to one item counts once; <c>Hits</c> are the pairs that disagree.
    /// </summary>
    public static ShareInterval DecisiveDisagreement(IEnumerable<PairAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        int pairs = 0, disagree = 0;
        foreach (var item in answers.Where(a => a.Label is PairLabels.A or PairLabels.B).GroupBy(a => a.ItemId))
        {
            // One answer per annotator (their latest given last).
            var labels = item.GroupBy(a => a.Annotator, StringComparer.Ordinal).Select(g => g.Last().Label).ToList();
            for (var i = 0; i < labels.Count; i++)
                for (var j = i + 1; j < labels.Count; j++)
                {
                    pairs++;
                    if (labels[i] != labels[j]) disagree++;
                }
        }
        return ShareInterval.Wilson(pairs, disagree);
    }

    /// <summary>
    /// The flip probability ε of one decisive answer, from the disagreement rate d of two annotators on the same pair:
    /// if each answer is the truth flipped with probability ε independently, d = 2ε(1 − ε), so ε = (1 − √(1 − 2d)) / 2
    /// (d ≥ ½ gives ½: no signal). This is the <c>label_smoothing</c> of conservative DPO (cDPO; Mitchell 2023, TRL's
    /// <c>DPOConfig.label_smoothing</c>) for data labeled by one such annotator; a majority of several is less noisy.
    /// </summary>
    public static double FlipProbability(double disagreement)
    {
        if (double.IsNaN(disagreement)) return double.NaN;
        var d = Math.Clamp(disagreement, 0, 0.5);
        return (1 - Math.Sqrt(1 - 2 * d)) / 2;
    }
}
