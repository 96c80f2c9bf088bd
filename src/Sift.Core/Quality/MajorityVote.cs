namespace Sift.Quality;

/// <summary>
/// Majority (plurality) vote over each item's ratings: the baseline that <see cref="DawidSkene"/> is compared with, and
/// the rule the server uses to resolve single-label items (<see cref="Projects.LabelResolution"/>). Pure and thread-safe.
/// </summary>
public static class MajorityVote
{
    /// <summary>Marks an item without a label: no ratings, or a tie for the most ratings.</summary>
    public const int NoLabel = -1;

    /// <summary>Each item's most chosen category, or <see cref="NoLabel"/> when it has no ratings or the most chosen categories tie.</summary>
    public static int[] Labels(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var labels = new int[table.Items];
        var counts = new int[table.Categories];
        for (var i = 0; i < table.Items; i++)
        {
            Array.Clear(counts);
            foreach (var label in table.LabelsOf(i)) counts[label]++;
            labels[i] = Agreement.UniqueArgMax(counts);
        }
        return labels;
    }

    /// <summary>
    /// Soft vote: each item's share of ratings per category, as a flat items × categories array (rows of unrated
    /// items are all zero). This is how <see cref="DawidSkene"/> starts (Dawid &amp; Skene 1979, §4).
    /// </summary>
    public static double[] Shares(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var shares = new double[table.Items * table.Categories];
        for (var i = 0; i < table.Items; i++)
        {
            var n = table.RatingsOf(i);
            foreach (var label in table.LabelsOf(i)) shares[i * table.Categories + label] += 1.0 / n;
        }
        return shares;
    }

    /// <summary>
    /// How another labeling (e.g. Dawid–Skene's) compares with the majority vote: the rated items with a unique majority,
    /// how many of those it labels differently, and the rated items whose majority ties.
    /// </summary>
    public static (int WithMajority, int Differs, int Ties) Compare(RatingTable table, IReadOnlyList<int> majority, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(table);
        int withMajority = 0, differs = 0, ties = 0;
        for (var i = 0; i < table.Items; i++)
        {
            if (table.RatingsOf(i) == 0) continue;
            if (majority[i] == NoLabel)
            {
                ties++;
                continue;
            }

            withMajority++;
            if (labels[i] != majority[i]) differs++;
        }
        return (withMajority, differs, ties);
    }
}
