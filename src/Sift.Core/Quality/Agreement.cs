namespace Sift.Quality;

/// <summary>Distance between categories for Krippendorff's α (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", §C).</summary>
public enum AlphaLevel
{
    /// <summary>Categories are names: δ² = 0 when equal, 1 otherwise.</summary>
    Nominal,

    /// <summary>Categories are ranks in index order: δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)².</summary>
    Ordinal,

    /// <summary>Categories are numbers (their values, or their indices when no values are given): δ²_ck = (v_c − v_k)².</summary>
    Interval,
}

/// <summary>Agreement between two annotators on the items both rated.</summary>
/// <param name="First">The annotator with the lower index.</param>
/// <param name="Second">The annotator with the higher index.</param>
/// <param name="SharedItems">Items both rated.</param>
/// <param name="PercentAgreement">Share of shared items on which they chose the same category; null when they share none.</param>
/// <param name="Kappa">Cohen's κ on the shared items; null when undefined (no shared items, or both chose one and the same category throughout).</param>
public sealed record PairAgreement(int First, int Second, int SharedItems, double? PercentAgreement, double? Kappa);

/// <summary>How often an annotator agrees with the plurality of the other annotators on the same items.</summary>
/// <param name="Annotator">The annotator.</param>
/// <param name="Ratings">Items the annotator rated.</param>
/// <param name="Compared">Of those, items on which the other annotators have a unique most-chosen category (items nobody else rated, or on which the others tie, are left out).</param>
/// <param name="Agreed">Of the compared items, those on which the annotator chose that category.</param>
/// <param name="Agreement">Agreed / Compared; null when nothing was compared.</param>
public sealed record AnnotatorAgreement(int Annotator, int Ratings, int Compared, int Agreed, double? Agreement);

/// <summary>Every agreement measure of one rating table (see <see cref="Agreement.Summarize"/>).</summary>
/// <param name="Items">Items, rated or not.</param>
/// <param name="RatedItems">Items with at least one rating.</param>
/// <param name="PairableItems">Items with at least two ratings: the only ones any agreement measure uses.</param>
/// <param name="Annotators">Annotators.</param>
/// <param name="Ratings">Ratings.</param>
/// <param name="PercentAgreement"><see cref="Agreement.PercentAgreement"/>.</param>
/// <param name="FleissKappa"><see cref="Agreement.FleissKappa(RatingTable)"/>.</param>
/// <param name="KrippendorffAlpha"><see cref="Agreement.KrippendorffAlpha(RatingTable, AlphaLevel, IReadOnlyList{double}?)"/>, nominal.</param>
/// <param name="Pairs"><see cref="Agreement.Pairwise"/>.</param>
/// <param name="PerAnnotator"><see cref="Agreement.WithMajorityOfOthers"/>.</param>
public sealed record AgreementSummary(
    int Items, int RatedItems, int PairableItems, int Annotators, int Ratings,
    double? PercentAgreement, double? FleissKappa, double? KrippendorffAlpha,
    IReadOnlyList<PairAgreement> Pairs, IReadOnlyList<AnnotatorAgreement> PerAnnotator);

/// <summary>
/// Inter-annotator agreement for nominal ratings with missing values. Every measure uses only items with at least two
/// ratings. A measure that is undefined for the data — no pairable items, or every rating in one category so that
/// chance agreement is 1 and κ/α would be 0/0 — is <see langword="null"/>; nothing here throws because of the shape
/// of the data. All methods are pure and thread-safe.
/// </summary>
public static class Agreement
{
    /// <summary>
    /// Observed agreement: the mean over items with n_i ≥ 2 ratings of the share of agreeing ordered rater pairs,
    /// P_i = Σ_c n_ic (n_ic − 1) / (n_i (n_i − 1)) (Fleiss 1971, eq. 2, generalised to n_i). Null when no item has two ratings.
    /// </summary>
    public static double? PercentAgreement(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var counts = table.CategoryCounts();
        var (sum, items) = (0.0, 0);
        for (var i = 0; i < table.Items; i++)
        {
            var n = table.RatingsOf(i);
            if (n < 2) continue;
            sum += ItemAgreement(counts.AsSpan(i * table.Categories, table.Categories), n);
            items++;
        }
        return items == 0 ? null : sum / items;
    }

    /// <summary>
    /// Fleiss' κ (Fleiss 1971) over the items with at least two ratings. With n_i ratings of item i:
    /// P_i = Σ_c n_ic (n_ic − 1) / (n_i (n_i − 1)), P̄ = mean of P_i, p_c = Σ_i n_ic / Σ_i n_i, P_e = Σ_c p_c²,
    /// κ = (P̄ − P_e) / (1 − P_e). With the same number of ratings for every item this is exactly Fleiss' formula; a
    /// varying number is handled by the per-item n_i above (each item weighs the same in P̄, each rating the same in p_c).
    /// Annotator identities play no part: Fleiss' κ treats the raters of each item as interchangeable. Prefer
    /// Krippendorff's α when many ratings are missing. Null when no item has two ratings or only one category is used.
    /// </summary>
    public static double? FleissKappa(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return Fleiss(table.CategoryCounts(), table.Items, table.Categories);
    }

    /// <summary>Fleiss' κ from an items × categories table of counts (how many raters put item i in category c); see <see cref="FleissKappa(RatingTable)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public static double? FleissKappa(int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return Fleiss(Flatten(counts), counts.GetLength(0), counts.GetLength(1));
    }

    /// <summary>
    /// Krippendorff's α = 1 − D_o / D_e for data with missing values, in the coincidence-matrix form of Krippendorff
    /// (2011), "Computing Krippendorff's Alpha-Reliability", §A–C: over units with m_u ≥ 2 values,
    /// o_ck = Σ_u n_uck / (m_u − 1) where n_uck counts ordered pairs of values (c, k) in unit u; n_c = Σ_k o_ck; n = Σ_c n_c;
    /// α = 1 − (n − 1) Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck. Null when no unit has two values or fewer than two distinct
    /// values are pairable (D_e = 0).
    /// </summary>
    /// <param name="table">The ratings.</param>
    /// <param name="level">The distance between categories. Default nominal.</param>
    /// <param name="values">Numeric value of each category for <see cref="AlphaLevel.Interval"/> (default: the category index); ignored otherwise.</param>
    public static double? KrippendorffAlpha(RatingTable table, AlphaLevel level = AlphaLevel.Nominal, IReadOnlyList<double>? values = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        return Alpha(table.CategoryCounts(), table.Items, table.Categories, level, values);
    }

    /// <summary>Krippendorff's α from a units × categories table of value counts; see <see cref="KrippendorffAlpha(RatingTable, AlphaLevel, IReadOnlyList{double}?)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public static double? KrippendorffAlpha(int[,] counts, AlphaLevel level = AlphaLevel.Nominal, IReadOnlyList<double>? values = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return Alpha(Flatten(counts), counts.GetLength(0), counts.GetLength(1), level, values);
    }

    /// <summary>
    /// Cohen's κ (Cohen 1960) between two annotators on the items both rated: (p_o − p_e) / (1 − p_e), with p_e from each
    /// annotator's own category shares on those items. Null when they share no item, or when p_e = 1 (both chose one and
    /// the same category for every shared item). Unlike <see cref="Metrics.Classification.CohenKappa"/>, which compares two
    /// models and calls identical constant predictions 1, this calls that case undefined, as α and Fleiss' κ do.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An annotator index is out of range.</exception>
    public static double? CohenKappa(RatingTable table, int first, int second)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(second);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(first, table.Annotators);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(second, table.Annotators);
        var stats = new int[2 + 2 * table.Categories];
        for (var i = 0; i < table.Items; i++)
        {
            int a = table.Get(i, first), b = table.Get(i, second);
            if (a != RatingTable.Missing && b != RatingTable.Missing) Count(stats, table.Categories, a, b);
        }
        return Kappa(stats, table.Categories);
    }

    /// <summary>Agreement of every pair of annotators that share at least one item, ordered by (first, second).</summary>
    public static IReadOnlyList<PairAgreement> Pairwise(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var categories = table.Categories;
        // Per co-rating pair: [shared, agreed, first's counts…, second's counts…]; allocated per pair, never per item.
        var pairs = new Dictionary<(int, int), int[]>();
        for (var i = 0; i < table.Items; i++)
        {
            var who = table.AnnotatorsOf(i);
            var what = table.LabelsOf(i);
            for (var x = 0; x < who.Length; x++)
            {
                for (var y = x + 1; y < who.Length; y++)
                {
                    // Annotators within an item are in increasing order, so (who[x], who[y]) is (lower, higher).
                    if (!pairs.TryGetValue((who[x], who[y]), out var stats))
                        pairs[(who[x], who[y])] = stats = new int[2 + 2 * categories];
                    Count(stats, categories, what[x], what[y]);
                }
            }
        }
        return pairs.OrderBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2)
            .Select(p => new PairAgreement(p.Key.Item1, p.Key.Item2, p.Value[0], (double)p.Value[1] / p.Value[0], Kappa(p.Value, categories)))
            .ToList();
    }

    /// <summary>
    /// Cohen's κ for every pair of annotators as a symmetric annotators × annotators matrix; null where a pair shares no
    /// item or κ is undefined, and on the diagonal (an annotator is not compared with themself).
    /// </summary>
    public static double?[,] KappaMatrix(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var matrix = new double?[table.Annotators, table.Annotators];
        foreach (var p in Pairwise(table)) matrix[p.First, p.Second] = matrix[p.Second, p.First] = p.Kappa;
        return matrix;
    }

    /// <summary>
    /// For each annotator, agreement with the plurality of the other annotators: on each item the annotator rated, the
    /// category most chosen by the others, when unique (ties and items nobody else rated are not compared).
    /// </summary>
    public static IReadOnlyList<AnnotatorAgreement> WithMajorityOfOthers(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var categories = table.Categories;
        var ratings = new int[table.Annotators];
        var compared = new int[table.Annotators];
        var agreed = new int[table.Annotators];
        var counts = new int[categories];
        for (var i = 0; i < table.Items; i++)
        {
            var who = table.AnnotatorsOf(i);
            var what = table.LabelsOf(i);
            Array.Clear(counts);
            foreach (var label in what) counts[label]++;
            for (var r = 0; r < who.Length; r++)
            {
                ratings[who[r]]++;
                counts[what[r]]--;
                var plurality = UniqueArgMax(counts);
                counts[what[r]]++;
                if (plurality < 0) continue;
                compared[who[r]]++;
                if (plurality == what[r]) agreed[who[r]]++;
            }
        }
        return Enumerable.Range(0, table.Annotators)
            .Select(a => new AnnotatorAgreement(a, ratings[a], compared[a], agreed[a], compared[a] == 0 ? null : (double)agreed[a] / compared[a]))
            .ToList();
    }

    /// <summary>Every measure above (α nominal).</summary>
    public static AgreementSummary Summarize(RatingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        int rated = 0, pairable = 0;
        for (var i = 0; i < table.Items; i++)
        {
            var n = table.RatingsOf(i);
            if (n >= 1) rated++;
            if (n >= 2) pairable++;
        }
        return new AgreementSummary(table.Items, rated, pairable, table.Annotators, table.Ratings,
            PercentAgreement(table), FleissKappa(table), KrippendorffAlpha(table), Pairwise(table), WithMajorityOfOthers(table));
    }

    /// <summary>The index of the unique largest count, or −1 when all are zero or the largest is tied.</summary>
    internal static int UniqueArgMax(ReadOnlySpan<int> counts)
    {
        int best = -1, bestCount = 0;
        var tied = false;
        for (var c = 0; c < counts.Length; c++)
        {
            if (counts[c] > bestCount) (best, bestCount, tied) = (c, counts[c], false);
            else if (counts[c] == bestCount && bestCount > 0) tied = true;
        }
        return tied ? -1 : best;
    }

    private static double ItemAgreement(ReadOnlySpan<int> counts, int n)
    {
        long agreeing = 0;
        foreach (var c in counts) agreeing += (long)c * (c - 1);
        return (double)agreeing / ((long)n * (n - 1));
    }

    private static double? Fleiss(int[] counts, int items, int categories)
    {
        var totals = new long[categories];
        long ratings = 0;
        var (sum, pairable) = (0.0, 0);
        for (var i = 0; i < items; i++)
        {
            var row = counts.AsSpan(i * categories, categories);
            var n = 0;
            foreach (var c in row) n += c;
            if (n < 2) continue;
            sum += ItemAgreement(row, n);
            pairable++;
            for (var c = 0; c < categories; c++) totals[c] += row[c];
            ratings += n;
        }
        if (pairable == 0 || UsedCategories(totals) < 2) return null;
        var pe = 0.0;
        foreach (var t in totals) pe += (double)t / ratings * ((double)t / ratings);
        return (sum / pairable - pe) / (1 - pe);
    }

    private static double? Alpha(int[] counts, int units, int categories, AlphaLevel level, IReadOnlyList<double>? values)
    {
        if (values is not null && values.Count != categories)
            throw new ArgumentException($"Give one value per category ({categories}), not {values.Count}.", nameof(values));
        // Coincidence matrix (Krippendorff 2011, §A): each unit's ordered value pairs weighted 1 / (m_u − 1).
        var o = new double[categories * categories];
        for (var u = 0; u < units; u++)
        {
            var row = counts.AsSpan(u * categories, categories);
            var m = 0;
            foreach (var c in row) m += c;
            if (m < 2) continue;
            for (var c = 0; c < categories; c++)
            {
                if (row[c] == 0) continue;
                for (var k = 0; k < categories; k++)
                    o[c * categories + k] += (double)row[c] * (row[k] - (c == k ? 1 : 0)) / (m - 1);
            }
        }
        var marginal = new double[categories];
        var n = 0.0;
        for (var c = 0; c < categories; c++)
        {
            for (var k = 0; k < categories; k++) marginal[c] += o[c * categories + k];
            n += marginal[c];
        }
        if (n == 0 || UsedCategories(marginal) < 2) return null;

        double observed = 0, expected = 0;
        for (var c = 0; c < categories; c++)
        {
            for (var k = 0; k < categories; k++)
            {
                if (c == k) continue;
                var d = Distance(level, c, k, marginal, values);
                observed += o[c * categories + k] * d;
                expected += marginal[c] * marginal[k] * d;
            }
        }
        // Krippendorff 2011, §C: α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck.
        return expected == 0 ? null : 1 - (n - 1) * observed / expected;
    }

    /// <summary>δ²_ck (Krippendorff 2011, §C).</summary>
    private static double Distance(AlphaLevel level, int c, int k, double[] marginal, IReadOnlyList<double>? values)
    {
        switch (level)
        {
            case AlphaLevel.Nominal:
                return 1;
            case AlphaLevel.Interval:
                var d = values is null ? c - k : values[c] - values[k];
                return d * d;
            case AlphaLevel.Ordinal:
                var (lo, hi) = c < k ? (c, k) : (k, c);
                var between = 0.0;
                for (var g = lo; g <= hi; g++) between += marginal[g];
                var r = between - (marginal[c] + marginal[k]) / 2;
                return r * r;
            default:
                throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown level.");
        }
    }

    private static int UsedCategories<T>(T[] totals) where T : System.Numerics.INumber<T>
    {
        var used = 0;
        foreach (var t in totals) if (t > T.Zero) used++;
        return used;
    }

    private static void Count(int[] stats, int categories, int a, int b)
    {
        stats[0]++;
        if (a == b) stats[1]++;
        stats[2 + a]++;
        stats[2 + categories + b]++;
    }

    private static double? Kappa(int[] stats, int categories)
    {
        var shared = stats[0];
        if (shared == 0) return null;
        var pe = 0.0;
        for (var c = 0; c < categories; c++)
        {
            // p_e = 1 exactly when both put every shared item in the same single category.
            if (stats[2 + c] == shared && stats[2 + categories + c] == shared) return null;
            pe += (double)stats[2 + c] / shared * ((double)stats[2 + categories + c] / shared);
        }
        var po = (double)stats[1] / shared;
        return (po - pe) / (1 - pe);
    }

    private static int[] Flatten(int[,] counts)
    {
        int rows = counts.GetLength(0), columns = counts.GetLength(1);
        var flat = new int[rows * columns];
        for (var i = 0; i < rows; i++)
        {
            for (var c = 0; c < columns; c++)
            {
                if (counts[i, c] < 0) throw new ArgumentOutOfRangeException(nameof(counts), counts[i, c], $"Count ({i}, {c}) is negative.");
                flat[i * columns + c] = counts[i, c];
            }
        }
        return flat;
    }
}
