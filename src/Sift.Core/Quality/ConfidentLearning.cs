using Sift.Features;
using Sift.Learners;

namespace Sift.Quality;

/// <summary>A training label that is likely wrong.</summary>
/// <param name="Index">Index into the labels given to <see cref="ConfidentLearning.Find"/>.</param>
/// <param name="Given">The given (resolved) class.</param>
/// <param name="Suggested">The class the out-of-sample model is confident about instead.</param>
/// <param name="Wrong">Estimated probability that the given label is wrong: 1 − p̂(given), out of sample.</param>
public sealed record LikelyMislabeled(int Index, int Given, int Suggested, double Wrong);

/// <summary>
/// Confident learning (Northcutt, Jiang &amp; Chuang 2021, "Confident Learning: Estimating Uncertainty in Dataset Labels",
/// §3.1 the confident joint): with out-of-sample predicted probabilities p̂, class c's threshold t_c is the mean
/// p̂_c over the items labeled c; an item labeled y is likely mislabeled when some other class c has p̂_c ≥ t_c (it is
/// confidently c) and p̂_y &lt; t_y. Per-class thresholds keep a rare or hard class from being flagged wholesale. Pure.
/// </summary>
public static class ConfidentLearning
{
    /// <summary>The likely-mislabeled items, most likely wrong first (then by index).</summary>
    /// <param name="given">Each item's given class.</param>
    /// <param name="probabilities">Each item's out-of-sample class probabilities (items × classes, row-major).</param>
    /// <param name="classes">Number of classes.</param>
    public static IReadOnlyList<LikelyMislabeled> Find(IReadOnlyList<int> given, ReadOnlySpan<float> probabilities, int classes)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (probabilities.Length != given.Count * classes) throw new ArgumentException($"Give {classes} probabilities per item.", nameof(probabilities));
        var sum = new double[classes];
        var count = new int[classes];
        for (var i = 0; i < given.Count; i++)
        {
            sum[given[i]] += probabilities[i * classes + given[i]];
            count[given[i]]++;
        }
        var threshold = new double[classes];
        for (var c = 0; c < classes; c++) threshold[c] = count[c] == 0 ? double.PositiveInfinity : sum[c] / count[c];
        var found = new List<LikelyMislabeled>();
        for (var i = 0; i < given.Count; i++)
        {
            var row = probabilities.Slice(i * classes, classes);
            var y = given[i];
            if (row[y] >= threshold[y]) continue;
            int best = -1;
            for (var c = 0; c < classes; c++)
                if (c != y && row[c] >= threshold[c] && (best < 0 || row[c] > row[best])) best = c;
            if (best >= 0) found.Add(new LikelyMislabeled(i, y, best, 1 - row[y]));
        }
        return found.OrderByDescending(f => f.Wrong).ThenBy(f => f.Index).ToList();
    }

    /// <summary>
    /// Out-of-sample class probabilities of every labeled row by k-fold cross-validation: rows are dealt to
    /// <paramref name="folds"/> folds in a seeded random order, and each fold is predicted by a model fitted on the others.
    /// Returns rows × classes, row-major, in the order of <paramref name="rows"/>.
    /// </summary>
    public static float[] OutOfSample(ILearner learner, FeatureMatrix x, int[] rows, int[] labels, int classes, int folds, ulong seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var n = rows.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => Seeds.Mix(seed, (ulong)i)).ToArray();
        var fold = new int[n];
        for (var k = 0; k < n; k++) fold[order[k]] = k % folds;
        var result = new float[n * classes];
        for (var f = 0; f < folds; f++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var train = Enumerable.Range(0, n).Where(i => fold[i] != f).ToArray();
            var test = Enumerable.Range(0, n).Where(i => fold[i] == f).ToArray();
            if (test.Length == 0) continue;
            var model = learner.Fit(new TrainingSet(x, train.Select(i => rows[i]).ToArray(), train.Select(i => labels[i]).ToArray(), classes), null, cancellationToken);
            var predicted = new float[test.Length * classes];
            model.PredictProba(x, test.Select(i => rows[i]).ToArray(), predicted);
            for (var t = 0; t < test.Length; t++) predicted.AsSpan(t * classes, classes).CopyTo(result.AsSpan(test[t] * classes, classes));
        }
        return result;
    }
}

/// <summary>
/// Relabel or label something new? Both are valued in the same unit, the effective number of correct training labels,
/// under the classic random-label-noise model (Angluin &amp; Laird 1988): n labels with noise rate η teach about as much as
/// n(1 − 2η)² clean ones. A new label (noisy at rate η) adds d/dn = (1 − 2η)². Relabeling an item whose label is wrong
/// with probability q, by an annotator right with probability a, removes a wrong label with probability q·a, and one
/// fewer wrong label raises n(1 − 2η)² by about 4(1 − 2η) (d/dη = −4n(1 − 2η), η moves by 1/n). So relabel when
/// q·a·4(1 − 2η) &gt; (1 − 2η)², i.e. q·a &gt; (1 − 2η)/4. Pure.
/// </summary>
public static class RelabelValue
{
    /// <summary>Expected value of one new label at noise rate <paramref name="noise"/>.</summary>
    public static double New(double noise) => Math.Pow(1 - 2 * Math.Clamp(noise, 0, 0.5), 2);

    /// <summary>Expected value of relabeling an item wrong with probability <paramref name="wrong"/>, by an annotator of accuracy <paramref name="accuracy"/>.</summary>
    public static double Relabel(double wrong, double accuracy, double noise) => Math.Clamp(wrong, 0, 1) * Math.Clamp(accuracy, 0, 1) * 4 * (1 - 2 * Math.Clamp(noise, 0, 0.5));
}
