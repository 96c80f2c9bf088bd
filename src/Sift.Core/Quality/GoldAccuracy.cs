namespace Sift.Quality;

/// <summary>Correct answers out of the gold items that were measured.</summary>
/// <param name="Items">Gold items measured.</param>
/// <param name="Correct">Of those, items answered with the gold label.</param>
public sealed record GoldScore(int Items, int Correct)
{
    /// <summary>Correct / Items; null when no item was measured.</summary>
    public double? Accuracy => Items == 0 ? null : (double)Correct / Items;
}

/// <summary>One annotator's answers on gold items.</summary>
/// <param name="Annotator">The annotator (index into <see cref="RatingTable.AnnotatorNames"/>).</param>
/// <param name="Score">The gold items this annotator rated, and how many they got right.</param>
public sealed record AnnotatorGoldScore(int Annotator, GoldScore Score);

/// <summary>Accuracy against gold labels of each annotator, of the majority vote and of Dawid–Skene (<see cref="GoldAccuracy.Compare"/>).</summary>
/// <param name="GoldItems">Items of the table with a gold label, rated or not.</param>
/// <param name="RatedGoldItems">Of those, items with at least one rating: the only ones measured.</param>
/// <param name="Annotators">Per annotator, in annotator order: measured on the gold items they rated.</param>
/// <param name="Majority">Majority vote, measured on the rated gold items whose most chosen label is unique.</param>
/// <param name="MajorityTies">Rated gold items on which the majority ties: majority vote gives no label, so they are not in <paramref name="Majority"/>.</param>
/// <param name="DawidSkene">Dawid–Skene, measured on every rated gold item (it labels ties too).</param>
/// <param name="DawidSkeneOnMajorityItems">Dawid–Skene on exactly the items <paramref name="Majority"/> is measured on, for a like-for-like comparison.</param>
public sealed record GoldComparison(
    int GoldItems, int RatedGoldItems, IReadOnlyList<AnnotatorGoldScore> Annotators, GoldScore Majority, int MajorityTies,
    GoldScore DawidSkene, GoldScore DawidSkeneOnMajorityItems);

/// <summary>
/// Scores annotators and aggregated labels against gold (trusted) labels. Gold labels only measure here: they take no
/// part in <see cref="DawidSkene"/>'s fit or in the majority vote. A gold label that is not one of the table's
/// categories (nobody chose it) counts every answer on that item as wrong. Pure and thread-safe.
/// </summary>
public static class GoldAccuracy
{
    /// <summary>Compares each annotator's ratings and each item's aggregated labels with the gold labels.</summary>
    /// <param name="table">The ratings.</param>
    /// <param name="gold">Gold category names by item id (<see cref="RatingTable.ItemIds"/>); ids not in the table are ignored.</param>
    /// <param name="majority">Majority-vote labels per item (<see cref="MajorityVote.Labels"/>; <see cref="MajorityVote.NoLabel"/> on a tie).</param>
    /// <param name="dawidSkene">Dawid–Skene labels per item (<see cref="DawidSkeneResult.Labels"/>).</param>
    /// <exception cref="ArgumentException">The label lists are not one per item of the table.</exception>
    public static GoldComparison Compare(RatingTable table, IReadOnlyDictionary<string, string> gold, IReadOnlyList<int> majority, IReadOnlyList<int> dawidSkene)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(majority);
        ArgumentNullException.ThrowIfNull(dawidSkene);
        if (majority.Count != table.Items) throw new ArgumentException($"Give one majority label per item ({table.Items}), not {majority.Count}.", nameof(majority));
        if (dawidSkene.Count != table.Items) throw new ArgumentException($"Give one Dawid–Skene label per item ({table.Items}), not {dawidSkene.Count}.", nameof(dawidSkene));

        var category = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < table.Categories; c++) category[table.CategoryNames[c]] = c;

        var measured = new int[table.Annotators];
        var right = new int[table.Annotators];
        int goldItems = 0, rated = 0, ties = 0;
        int majorityItems = 0, majorityRight = 0, dsRight = 0, dsRightOnMajority = 0;
        for (var i = 0; i < table.Items; i++)
        {
            if (!gold.TryGetValue(table.ItemIds[i], out var name)) continue;
            goldItems++;
            if (table.RatingsOf(i) == 0) continue;
            rated++;
            // −1 (no category) never equals a label, so a gold label nobody chose makes every answer wrong.
            var truth = category.GetValueOrDefault(name, -1);
            var who = table.AnnotatorsOf(i);
            var what = table.LabelsOf(i);
            for (var r = 0; r < who.Length; r++)
            {
                measured[who[r]]++;
                if (what[r] == truth) right[who[r]]++;
            }

            var dsCorrect = dawidSkene[i] == truth;
            if (dsCorrect) dsRight++;
            if (majority[i] == MajorityVote.NoLabel)
            {
                ties++;
                continue;
            }

            majorityItems++;
            if (majority[i] == truth) majorityRight++;
            if (dsCorrect) dsRightOnMajority++;
        }

        var annotators = Enumerable.Range(0, table.Annotators).Select(a => new AnnotatorGoldScore(a, new GoldScore(measured[a], right[a]))).ToList();
        return new GoldComparison(goldItems, rated, annotators, new GoldScore(majorityItems, majorityRight), ties,
            new GoldScore(rated, dsRight), new GoldScore(majorityItems, dsRightOnMajority));
    }
}
