using System.Security.Cryptography;
using System.Text;
using Sift.Features;
using Sift.Metrics;
using Sift.Projects;
using Sift.Strategies;

namespace Sift.Learners;

/// <summary>
/// A trained model of a label schema, single- or multi-label. Single-label: one multinomial classifier (classes never
/// labeled get probability 0). Multi-label: one binary classifier per label (one-vs-rest), a label predicted when its
/// probability is at least ½. Label sets are sorted schema indices. Immutable and thread-safe.
/// </summary>
public sealed class LabelSetModel
{
    private LabelSetModel(LabelMode mode, int labelCount, int columns, IClassifier? single, IClassifier[]? binary)
    {
        Mode = mode;
        LabelCount = labelCount;
        Columns = columns;
        Single = single;
        Binary = binary;
    }

    /// <summary>Single- or multi-label.</summary>
    public LabelMode Mode { get; }

    /// <summary>Labels in the schema.</summary>
    public int LabelCount { get; }

    /// <summary>Feature columns of the matrix it was fitted on (a warm start needs the same).</summary>
    public int Columns { get; }

    /// <summary>The single-label classifier; null for a multi-label model.</summary>
    public IClassifier? Single { get; }

    /// <summary>The per-label binary classifiers (multi-label); null for a single-label model.</summary>
    public IReadOnlyList<IClassifier>? Binary { get; }

    /// <summary>A short stable hash of the parameters: the classifier's own, or one over the per-label classifiers' fingerprints.</summary>
    public string Fingerprint => Single is { } single ? single.Fingerprint
        : "ovr-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(',', Binary!.Select(b => b.Fingerprint)))))[..12];

    /// <summary>
    /// Fits on <paramref name="rows"/> of <paramref name="x"/> with their label sets, warm-starting from
    /// <paramref name="warm"/> when it is a model of the same mode and schema size.
    /// </summary>
    /// <param name="learner">Fits every classifier (the per-label ones too).</param>
    /// <param name="mode">Single- or multi-label.</param>
    /// <param name="labelCount">Labels in the schema.</param>
    /// <param name="x">The feature matrix.</param>
    /// <param name="rows">Training rows.</param>
    /// <param name="truth">Sorted schema indices of each row's labels; exactly one for single-label.</param>
    /// <param name="warm">The previous model, or null for a cold fit.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    public static LabelSetModel Fit(ILearner learner, LabelMode mode, int labelCount, FeatureMatrix x, int[] rows, IReadOnlyList<int[]> truth,
        LabelSetModel? warm, CancellationToken cancellationToken = default) => Fit(learner, mode, labelCount, x, rows, truth, warm, null, cancellationToken);

    /// <summary>
    /// <see cref="Fit(ILearner, LabelMode, int, FeatureMatrix, int[], IReadOnlyList{int[]}, LabelSetModel?, CancellationToken)"/>
    /// with per-row sample weights (null: all 1), e.g. pseudo-labels weighted down.
    /// </summary>
    public static LabelSetModel Fit(ILearner learner, LabelMode mode, int labelCount, FeatureMatrix x, int[] rows, IReadOnlyList<int[]> truth,
        LabelSetModel? warm, double[]? weights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(truth);
        if (warm is not null && (warm.Mode != mode || warm.LabelCount != labelCount)) warm = null;
        if (mode == LabelMode.Single)
        {
            var labels = new int[truth.Count];
            for (var i = 0; i < labels.Length; i++) labels[i] = truth[i][0];
            return new LabelSetModel(mode, labelCount, x.Columns, learner.Fit(new TrainingSet(x, rows, labels, labelCount, weights), warm?.Single, cancellationToken), null);
        }
        var binary = new IClassifier[labelCount];
        for (var l = 0; l < labelCount; l++)
        {
            var y = truth.Select(t => Array.BinarySearch(t, l) >= 0 ? 1 : 0).ToArray();
            binary[l] = learner.Fit(new TrainingSet(x, rows, y, 2, weights), warm?.Binary?[l], cancellationToken);
        }
        return new LabelSetModel(mode, labelCount, x.Columns, null, binary);
    }

    /// <summary>Predicted label set of each row.</summary>
    public int[][] Predict(FeatureMatrix x, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rows);
        var result = new int[rows.Length][];
        if (Single is { } single)
        {
            var p = Probabilities(single, x, rows);
            var best = Classification.ArgMax(p, single.ClassCount);
            for (var i = 0; i < rows.Length; i++) result[i] = [best[i]];
            return result;
        }
        var positive = PositiveProbabilities(x, rows);
        for (var i = 0; i < rows.Length; i++)
        {
            var set = new List<int>();
            for (var l = 0; l < LabelCount; l++) if (positive[l][i] >= 0.5f) set.Add(l);
            result[i] = [.. set];
        }
        return result;
    }

    /// <summary>Multi-label: p(label present) per label, then per row.</summary>
    /// <exception cref="InvalidOperationException">A single-label model.</exception>
    public float[][] PositiveProbabilities(FeatureMatrix x, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rows);
        var binary = Binary ?? throw new InvalidOperationException("Not a multi-label model.");
        var result = new float[LabelCount][];
        for (var l = 0; l < LabelCount; l++)
        {
            var p = Probabilities(binary[l], x, rows);
            result[l] = new float[rows.Length];
            for (var i = 0; i < rows.Length; i++) result[l][i] = p[i * 2 + 1];
        }
        return result;
    }

    /// <summary>
    /// Mean normalised uncertainty over <paramref name="rows"/>: single-label, entropy / ln K; multi-label, the mean over
    /// labels of the binary entropy / ln 2 (0 = certain, 1 = maximally unsure). Computed in fixed blocks of
    /// <see cref="QueryContext.ScanBlock"/> rows whose sums are added in block order, so the result does not depend on the
    /// number of cores. NaN for no rows.
    /// </summary>
    public double MeanNormalizedEntropy(FeatureMatrix x, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Length == 0) return double.NaN;
        var sums = new double[(rows.Length + QueryContext.ScanBlock - 1) / QueryContext.ScanBlock];
        if (Single is { } single)
        {
            var k = single.ClassCount;
            Parallelism.ForBlocks(rows.Length, QueryContext.ScanBlock, (start, length) =>
            {
                var p = new float[length * k];
                single.PredictProba(x, rows.AsSpan(start, length), p);
                double sum = 0;
                for (var i = 0; i < length; i++) sum += EntropySampling.Entropy(p.AsSpan(i * k, k));
                sums[start / QueryContext.ScanBlock] = sum;
            });
            return sums.Sum() / rows.Length / Math.Log(k);
        }
        var positive = PositiveProbabilities(x, rows);
        Parallelism.ForBlocks(rows.Length, QueryContext.ScanBlock, (start, length) =>
        {
            double sum = 0;
            for (var i = start; i < start + length; i++)
            {
                double row = 0;
                for (var l = 0; l < LabelCount; l++) row += BinaryEntropy(positive[l][i]) / Math.Log(2);
                sum += row / LabelCount;
            }
            sums[start / QueryContext.ScanBlock] = sum;
        });
        return sums.Sum() / rows.Length;
    }

    private static double BinaryEntropy(double p) =>
        (p is > 0 and < 1) ? -(p * Math.Log(p)) - ((1 - p) * Math.Log(1 - p)) : 0;

    private static float[] Probabilities(IClassifier model, FeatureMatrix x, int[] rows)
    {
        var k = model.ClassCount;
        var p = new float[rows.Length * k];
        Parallelism.ForBlocks(rows.Length, 1024, (s, n) => model.PredictProba(x, rows.AsSpan(s, n), p.AsSpan(s * k, n * k)));
        return p;
    }
}

/// <summary>Accuracy, macro-F1 and agreement over label sets (sorted schema indices). Thread-safe.</summary>
public static class LabelSetMetrics
{
    /// <summary>Share of items whose predicted set equals the truth (single-label: accuracy; multi-label: subset accuracy). NaN for no items.</summary>
    public static double Accuracy(IReadOnlyList<int[]> truth, IReadOnlyList<int[]> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        var correct = 0;
        for (var i = 0; i < truth.Count; i++) if (truth[i].AsSpan().SequenceEqual(predicted[i])) correct++;
        return truth.Count == 0 ? double.NaN : (double)correct / truth.Count;
    }

    /// <summary>Whether each prediction equals its truth.</summary>
    public static bool[] Correct(IReadOnlyList<int[]> truth, IReadOnlyList<int[]> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        return truth.Select((t, i) => t.AsSpan().SequenceEqual(predicted[i])).ToArray();
    }

    /// <summary>
    /// Single-label: macro-F1 over classes present (<see cref="Classification.MacroF1"/>). Multi-label: the mean over
    /// labels that are true or predicted somewhere of the binary F1 of "label present". NaN when no label is present.
    /// </summary>
    public static double MacroF1(LabelMode mode, int labelCount, IReadOnlyList<int[]> truth, IReadOnlyList<int[]> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (mode == LabelMode.Single)
            return Classification.MacroF1(truth.Select(t => t[0]).ToArray(), predicted.Select(p => p[0]).ToArray(), labelCount);
        double sum = 0;
        var present = 0;
        for (var l = 0; l < labelCount; l++)
        {
            int tp = 0, fp = 0, fn = 0;
            for (var i = 0; i < truth.Count; i++)
            {
                var t = Array.BinarySearch(truth[i], l) >= 0;
                var p = Array.BinarySearch(predicted[i], l) >= 0;
                if (t && p) tp++;
                else if (p) fp++;
                else if (t) fn++;
            }
            if (tp + fp + fn == 0) continue;
            present++;
            sum += 2.0 * tp / (2.0 * tp + fp + fn);
        }
        return present == 0 ? double.NaN : sum / present;
    }

    /// <summary>
    /// Cohen's κ between two predictions of the same items: single-label over the classes; multi-label over every
    /// (item, label) "present" decision, as two classes.
    /// </summary>
    public static double Kappa(LabelMode mode, int labelCount, IReadOnlyList<int[]> a, IReadOnlyList<int[]> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (mode == LabelMode.Single)
            return Classification.CohenKappa(a.Select(x => x[0]).ToArray(), b.Select(x => x[0]).ToArray(), labelCount);
        var fa = new int[a.Count * labelCount];
        var fb = new int[b.Count * labelCount];
        for (var i = 0; i < a.Count; i++)
        {
            foreach (var l in a[i]) fa[i * labelCount + l] = 1;
            foreach (var l in b[i]) fb[i * labelCount + l] = 1;
        }
        return Classification.CohenKappa(fa, fb, 2);
    }
}
