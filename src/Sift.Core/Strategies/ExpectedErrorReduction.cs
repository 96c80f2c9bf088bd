using System.Globalization;
using System.Numerics.Tensors;
using Sift.Features;
using Sift.Learners;

namespace Sift.Strategies;

/// <summary>
/// Expected error reduction (Roy &amp; McCallum 2001), approximated: picks the candidates whose labeling is expected to
/// lower the model's 0/1 risk on the unlabeled pool the most. Needs a <see cref="LogisticRegressionModel"/>.
/// </summary>
/// <remarks>
/// <para>
/// Exact EER retrains the model once per (candidate, label) pair and scores the whole pool; this is an honest
/// approximation of it, in three ways:
/// </para>
/// <list type="bullet">
/// <item>Only a seeded random subsample S of <see cref="CandidateSample"/> candidates is evaluated (Roy &amp; McCallum
/// also subsample); every other candidate scores −∞.</item>
/// <item>The expected future error is estimated on a seeded random subsample U of <see cref="EvaluationSample"/>
/// candidates (drawn independently of S, so the two may overlap), as the mean 0/1 risk (1/|U|) Σ_u (1 − max_c p′(c|u)).</item>
/// <item>"Retraining" is ONE gradient step of the log-loss of the added example (x, y), learning rate
/// <see cref="LearningRate"/>, on the weights of the model's trained classes only, in closed form:
/// W′ = W − η (p(x) − e_y) ⊗ [x, 1]. Only the logits change, so z′_u = z_u − η (p(x) − e_y)·(x·u + 1), computed
/// without copying W. The L2 penalty and the rest of the training set are ignored.</item>
/// </list>
/// <para>
/// Score of x ∈ S = −Σ_y p(y|x) · risk_y over the labels y with p(y|x) &gt; 10⁻³ (the rest are skipped, not
/// renormalised); higher means a larger expected error reduction. Picks are the top scores in S (seeded tie-breaks);
/// when <c>count</c> exceeds |S|, the remaining picks are the other candidates in margin order (smallest margin
/// first), reported with score −∞ and a reason saying so.
/// </para>
/// <para>
/// Cost O(|S| · |U| · (row length + labels · classes)). The candidates of S are scored block-parallel over a fixed
/// partition, each independently, so the result depends only on the seed. Instances are immutable and thread-safe.
/// </para>
/// </remarks>
public sealed class ExpectedErrorReduction : IQueryStrategy
{
    private const int Block = 8;
    private const float MinimumLabelProbability = 1e-3f;

    /// <summary>Creates the strategy.</summary>
    /// <param name="candidateSample">Candidates evaluated per round, |S| (default 200); at least 1.</param>
    /// <param name="evaluationSample">Unlabeled items the future error is estimated on, |U| (default 500); at least 1.</param>
    /// <param name="learningRate">Step size η of the one-step update (default 1.0); positive and finite.</param>
    public ExpectedErrorReduction(int candidateSample = 200, int evaluationSample = 500, double learningRate = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(candidateSample);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(evaluationSample);
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        CandidateSample = candidateSample;
        EvaluationSample = evaluationSample;
        LearningRate = learningRate;
    }

    /// <summary>Candidates evaluated per round, |S|. Default 200.</summary>
    public int CandidateSample { get; }

    /// <summary>Unlabeled items the expected future error is estimated on, |U|. Default 500.</summary>
    public int EvaluationSample { get; }

    /// <summary>Step size η of the one gradient step standing in for retraining. Default 1.0.</summary>
    public double LearningRate { get; }

    /// <inheritdoc />
    public string Name => "eer";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?>
    {
        ["candidateSample"] = CandidateSample,
        ["evaluationSample"] = EvaluationSample,
        ["learningRate"] = LearningRate,
    };

    /// <inheritdoc />
    /// <exception cref="QueryException">The model is missing or is not a logistic regression.</exception>
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var model = context.Model switch
        {
            null => throw new QueryException("The 'eer' strategy needs a trained model, and none is available yet."),
            LogisticRegressionModel lr => lr,
            var other => throw new QueryException(
                $"The 'eer' strategy needs a logistic-regression model (it updates its weights in closed form), not {other.GetType().Name}."),
        };
        var features = context.Features;
        if (features is not DenseMatrix and not SparseMatrix)
            throw new QueryException($"The 'eer' strategy supports dense and sparse feature matrices, not {features.GetType().Name}.");
        var candidates = context.Candidates;
        var n = candidates.Length;
        var k = model.ClassCount;
        var classes = model.TrainedClasses;
        var kk = classes.Count;
        var probabilities = context.CandidateProbabilities().ToArray();

        var evaluated = Subsample(n, CandidateSample, context.CreateRandom("eer-candidates"));
        var evaluation = Subsample(n, EvaluationSample, context.CreateRandom("eer-evaluation"));
        var u = evaluation.Length;
        var logits = new double[u * kk];
        double currentRisk = 0;
        for (var e = 0; e < u; e++)
        {
            var z = logits.AsSpan(e * kk, kk);
            BaseLogits(model, features, candidates[evaluation[e]], z);
            currentRisk += 1.0 - MaxSoftmax(z);
        }
        currentRisk /= u;

        // S is scored block-parallel; each candidate writes only its own slot.
        var risk = new double[evaluated.Length];
        var eta = LearningRate;
        Parallelism.ForBlocks(evaluated.Length, Block, (start, length) =>
        {
            Span<float> p = stackalloc float[kk];
            Span<double> residuals = stackalloc double[kk * kk];
            Span<int> labels = stackalloc int[kk];
            Span<double> labelRisk = stackalloc double[kk];
            Span<double> z = stackalloc double[kk];
            for (var s = start; s < start + length; s++)
            {
                var position = evaluated[s];
                var x = candidates[position];
                for (var c = 0; c < kk; c++) p[c] = probabilities[position * k + classes[c]];
                var m = 0;
                for (var y = 0; y < kk; y++)
                {
                    if (!(p[y] > MinimumLabelProbability)) continue;
                    labels[m] = y;
                    Residual(p, y, residuals.Slice(m * kk, kk));
                    labelRisk[m] = 0;
                    m++;
                }
                for (var e = 0; e < u; e++)
                {
                    var dotPlusOne = RowDot(features, x, candidates[evaluation[e]]) + 1.0;
                    var baseZ = logits.AsSpan(e * kk, kk);
                    for (var t = 0; t < m; t++)
                    {
                        StepLogits(baseZ, residuals.Slice(t * kk, kk), eta, dotPlusOne, z);
                        labelRisk[t] += 1.0 - MaxSoftmax(z);
                    }
                }
                double expected = 0;
                for (var t = 0; t < m; t++) expected += p[labels[t]] * (labelRisk[t] / u);
                risk[s] = expected;
            }
        });

        var scores = new double[n];
        Array.Fill(scores, double.NegativeInfinity);
        for (var s = 0; s < evaluated.Length; s++) scores[evaluated[s]] = -risk[s];
        var tieSeed = Seeds.Mix(context.Seed, "ties");
        var take = Math.Min(count, evaluated.Length);
        var evaluatedScores = new double[evaluated.Length];
        var evaluatedKeys = new int[evaluated.Length];
        for (var s = 0; s < evaluated.Length; s++)
        {
            evaluatedScores[s] = scores[evaluated[s]];
            evaluatedKeys[s] = candidates[evaluated[s]];
        }
        var top = TopK.Select(evaluatedScores, take, tieSeed, evaluatedKeys);

        var indices = new int[count];
        var chosen = new double[count];
        var reasons = new string[count];
        for (var t = 0; t < take; t++)
        {
            var position = evaluated[top[t]];
            indices[t] = candidates[position];
            chosen[t] = scores[position];
            reasons[t] = $"EER: expected error {F(-scores[position])} after labeling (now {F(currentRisk)}, one-step estimate on {u} items)";
        }
        if (count > take)
        {
            // Fill from outside S by margin (smallest first): the fallback is stated in the reason and scored −∞.
            var rest = new List<int>(n - evaluated.Length);
            for (var i = 0; i < n; i++) if (double.IsNegativeInfinity(scores[i])) rest.Add(i);
            var margins = new double[rest.Count];
            var keys = new int[rest.Count];
            for (var j = 0; j < rest.Count; j++)
            {
                var row = probabilities.AsSpan(rest[j] * k, k);
                var (a, b) = ProbabilityStrategy.TopTwo(row);
                margins[j] = 1.0 - ((double)row[a] - row[b]);
                keys[j] = candidates[rest[j]];
            }
            var fill = TopK.Select(margins, count - take, tieSeed, keys);
            for (var t = 0; t < fill.Length; t++)
            {
                indices[take + t] = keys[fill[t]];
                chosen[take + t] = double.NegativeInfinity;
                reasons[take + t] = $"EER: outside the {evaluated.Length} evaluated candidates; filled by margin {F(1 - margins[fill[t]])}";
            }
        }
        return new QueryResult(indices, chosen, reasons);
    }

    /// <summary>
    /// Logits of pool row <paramref name="u"/> after one log-loss gradient step on (pool row <paramref name="x"/>, trained
    /// class index <paramref name="y"/>), given x's probabilities over the trained classes (for tests; same path as
    /// <see cref="Select"/>).
    /// </summary>
    internal static void OneStepLogits(LogisticRegressionModel model, FeatureMatrix features, int x, ReadOnlySpan<float> px, int y, double eta, int u, Span<double> destination)
    {
        var kk = model.TrainedClasses.Count;
        Span<double> z = stackalloc double[kk];
        Span<double> residual = stackalloc double[kk];
        BaseLogits(model, features, u, z);
        Residual(px, y, residual);
        StepLogits(z, residual, eta, RowDot(features, x, u) + 1.0, destination);
    }

    /// <summary>Logits of one row over the model's trained classes: W·x + b.</summary>
    internal static void BaseLogits(LogisticRegressionModel model, FeatureMatrix features, int row, Span<double> z)
    {
        for (var c = 0; c < z.Length; c++) z[c] = model.Intercept(c);
        features.RowTimes(row, model.WeightsFeatureMajor, z.Length, z);
    }

    /// <summary>x·u for two rows of the same matrix.</summary>
    internal static double RowDot(FeatureMatrix features, int a, int b) => features switch
    {
        SparseMatrix s => s.RowDot(a, b),
        DenseMatrix d => TensorPrimitives.Dot<float>(d.Row(a), d.Row(b)),
        _ => throw new QueryException($"Unsupported feature matrix {features.GetType().Name}."),
    };

    // ∂(−log p_y)/∂z = p − e_y (Bishop 2006, eq. 4.109).
    private static void Residual(ReadOnlySpan<float> p, int y, Span<double> r)
    {
        for (var c = 0; c < r.Length; c++) r[c] = p[c];
        r[y] -= 1.0;
    }

    // z′ = z − η r (x·u + 1): the weight step (r ⊗ [x, 1]) applied to [u, 1].
    private static void StepLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> r, double eta, double dotPlusOne, Span<double> destination)
    {
        var scale = eta * dotPlusOne;
        for (var c = 0; c < z.Length; c++) destination[c] = z[c] - scale * r[c];
    }

    // max_c softmax(z)_c = 1 / Σ_c exp(z_c − max z).
    private static double MaxSoftmax(ReadOnlySpan<double> z)
    {
        var max = double.NegativeInfinity;
        foreach (var v in z) if (v > max) max = v;
        double sum = 0;
        foreach (var v in z) sum += Math.Exp(v - max);
        return 1.0 / sum;
    }

    // A seeded sample of `size` distinct positions in [0, n), in increasing order (partial Fisher–Yates).
    private static int[] Subsample(int n, int size, Random random)
    {
        if (size >= n) return Enumerable.Range(0, n).ToArray();
        var positions = Enumerable.Range(0, n).ToArray();
        for (var i = 0; i < size; i++)
        {
            var j = random.Next(i, n);
            (positions[i], positions[j]) = (positions[j], positions[i]);
        }
        var sample = positions[..size];
        Array.Sort(sample);
        return sample;
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
