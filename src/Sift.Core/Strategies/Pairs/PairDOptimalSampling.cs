using System.Globalization;
using System.Numerics.Tensors;

namespace Sift.Strategies;

/// <summary>
/// <c>pair-dopt</c>: a D-optimal batch of comparisons for the reward model — greedily the pairs that most increase the
/// log-determinant of the Fisher information about the utility weights w (Shen et al. 2025, "Active Reward Modeling";
/// Chaloner &amp; Verdinelli 1995 for Bayesian D-optimality).
/// </summary>
/// <remarks>
/// <para>A comparison with difference vector z = φ_A − φ_B and current Δ = w·z carries information C·I(Δ)·zzᵀ about w,
/// where I(Δ) is the tie model's Fisher information about Δ (p(1 − p) for Bradley–Terry, see
/// <c>BradleyTerryModel.Information</c>). The prior is the current model's information: M = I + C·Σ_labeled I(Δ)·zzᵀ
/// (the identity from the fit's ½‖w‖² penalty). Adding pair j raises log det M by log(1 + cⱼ·zⱼᵀM⁻¹zⱼ) (matrix
/// determinant lemma); after a pick, M⁻¹ changes by Sherman–Morrison and every remaining score by one dot product.
/// Before any model exists Δ = 0 for every pair (I = ¼).</para>
/// <para>Computation: M is factorised once (Cholesky, O(d³)), the candidates are whitened (vⱼ = L⁻¹zⱼ, O(n·d²)); each
/// pick then costs O(n·d). Optional diversity guard: pairs whose difference has |cosine| above
/// <see cref="MaxCosine"/> with an already picked one are passed over while others remain (then the batch is filled in
/// gain order, and the reasons say so). Deterministic: exact ties in gain go to a seeded key of the pool index.</para>
/// </remarks>
public sealed class PairDOptimalSampling : IQueryStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="maxCosine">Diversity guard: largest |cosine| between the differences of two pairs in one batch; null (default) for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCosine"/> is outside [0, 1].</exception>
    public PairDOptimalSampling(double? maxCosine = null)
    {
        if (maxCosine is { } m && !(m is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxCosine), maxCosine, "The cosine cap must be in [0, 1].");
        MaxCosine = maxCosine;
    }

    /// <summary>The diversity guard's cosine cap; null when off.</summary>
    public double? MaxCosine { get; }

    /// <inheritdoc />
    public string Name => "pair-dopt";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?> { ["maxCosine"] = MaxCosine };

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var pairs = PairQueryInputs.Require(context, Name);
        var z = pairs.Differences;
        var d = z.Columns;
        var candidates = context.Candidates;
        var n = candidates.Length;
        if ((long)n * d > Array.MaxLength) throw new QueryException($"'{Name}' cannot hold {n} candidates × {d} features; score a random subset (@N).");
        var model = pairs.Model;
        double Weight(int row) => pairs.C * (model is null ? 0.25 : model.Information(model.Difference(z, row)));

        var labeled = context.LabeledIndices.Where(r => (uint)r < (uint)z.Rows).Distinct().Order().ToArray();
        var chol = Prior(z, labeled, Weight);
        Cholesky(chol, d);

        var v = new double[n * d];
        var s = new double[n];
        var c = new double[n];
        Parallelism.ForBlocks(n, 128, (start, length) =>
        {
            for (var j = start; j < start + length; j++)
            {
                var row = z.Row(candidates[j]);
                var vj = v.AsSpan(j * d, d);
                // Forward substitution: v = L⁻¹z.
                for (var i = 0; i < d; i++)
                    vj[i] = (row[i] - TensorPrimitives.Dot(chol.AsSpan(i * d, i), vj[..i])) / chol[i * d + i];
                s[j] = TensorPrimitives.Dot(vj, vj);
                c[j] = Weight(candidates[j]);
            }
        });

        var tieSeed = Seeds.Mix(context.Seed, "pair-dopt");
        var taken = new bool[n];
        var guarded = new bool[n];
        var norms = MaxCosine is null ? null : candidates.Select(r => Math.Sqrt(z.RowNormSquared(r))).ToArray();
        var directions = new List<(double[] U, double Beta)>(count);
        var indices = new int[count];
        var scores = new double[count];
        var reasons = new string[count];
        for (var k = 0; k < count; k++)
        {
            var best = Best(s, c, taken, guarded, candidates, tieSeed);
            var fill = best < 0;
            if (fill) best = Best(s, c, taken, null, candidates, tieSeed);
            var gain = Math.Log(1 + c[best] * Math.Max(0, s[best]));
            taken[best] = true;
            indices[k] = candidates[best];
            scores[k] = gain;
            reasons[k] = Reason(model, z, candidates[best], gain, c[best] / pairs.C, fill);
            if (k == count - 1) break;

            // ũ = (I + Σ cᵢvᵢvᵢᵀ)⁻¹ v* by the stored Sherman–Morrison terms; then sⱼ −= β (vⱼ·ũ)².
            var u = v.AsSpan(best * d, d).ToArray();
            foreach (var (ui, bi) in directions)
            {
                var a = bi * TensorPrimitives.Dot(ui, v.AsSpan(best * d, d));
                TensorPrimitives.MultiplyAdd(ui, -a, u, u);
            }
            var beta = c[best] / (1 + c[best] * Math.Max(0, s[best]));
            directions.Add((u, beta));
            Parallelism.ForBlocks(n, 512, (start, length) =>
            {
                for (var j = start; j < start + length; j++)
                {
                    if (taken[j]) continue;
                    var dot = TensorPrimitives.Dot(v.AsSpan(j * d, d), u);
                    s[j] -= beta * dot * dot;
                }
            });
            if (norms is not null)
            {
                var pickedRow = candidates[best];
                var pickedNorm = norms[best];
                var cap = MaxCosine!.Value;
                Parallelism.ForBlocks(n, 512, (start, length) =>
                {
                    for (var j = start; j < start + length; j++)
                    {
                        if (taken[j] || guarded[j] || norms[j] == 0 || pickedNorm == 0) continue;
                        var cos = TensorPrimitives.Dot(z.Row(candidates[j]), z.Row(pickedRow)) / (norms[j] * pickedNorm);
                        if (Math.Abs(cos) > cap) guarded[j] = true;
                    }
                });
            }
        }
        return new QueryResult(indices, scores, reasons)
        {
            Details = new Dictionary<string, object?> { ["log_det_gain"] = scores.Sum(), ["prior_labeled"] = labeled.Length },
        };
    }

    private static int Best(double[] s, double[] c, bool[] taken, bool[]? guarded, int[] candidates, ulong tieSeed)
    {
        var best = -1;
        double bestGain = double.NegativeInfinity, bestKey = 0;
        for (var j = 0; j < s.Length; j++)
        {
            if (taken[j] || (guarded is not null && guarded[j])) continue;
            // log(1 + x) is increasing: compare c·s directly.
            var g = c[j] * Math.Max(0, s[j]);
            if (g < bestGain) continue;
            var key = Seeds.Uniform(tieSeed, candidates[j]);
            if (g > bestGain || key > bestKey)
            {
                best = j;
                bestGain = g;
                bestKey = key;
            }
        }
        return best;
    }

    /// <summary>M = I + Σ cₗ zₗzₗᵀ over the labeled rows, row-major d × d.</summary>
    private static double[] Prior(Features.DenseMatrix z, int[] labeled, Func<int, double> weight)
    {
        var d = z.Columns;
        var m = new double[d * d];
        for (var i = 0; i < d; i++) m[i * d + i] = 1;
        if (labeled.Length == 0) return m;
        var rows = new double[labeled.Length][];
        var weights = new double[labeled.Length];
        for (var l = 0; l < labeled.Length; l++)
        {
            var zl = z.Row(labeled[l]);
            rows[l] = new double[d];
            for (var j = 0; j < d; j++) rows[l][j] = zl[j];
            weights[l] = weight(labeled[l]);
        }
        // Each thread owns a block of M's rows, and adds the labeled rows in order: the sum does not depend on cores.
        Parallelism.ForBlocks(d, 16, (start, length) =>
        {
            for (var a = start; a < start + length; a++)
            {
                var ma = m.AsSpan(a * d, d);
                for (var l = 0; l < rows.Length; l++)
                {
                    var coefficient = weights[l] * rows[l][a];
                    if (coefficient != 0) TensorPrimitives.MultiplyAdd(rows[l], coefficient, ma, ma);
                }
            }
        });
        return m;
    }

    /// <summary>Overwrites the lower triangle of the symmetric positive definite <paramref name="m"/> with its Cholesky factor L (M = LLᵀ).</summary>
    private static void Cholesky(double[] m, int d)
    {
        for (var i = 0; i < d; i++)
        {
            var li = m.AsSpan(i * d, d);
            for (var j = 0; j <= i; j++)
            {
                var sum = m[i * d + j] - TensorPrimitives.Dot(li[..j], m.AsSpan(j * d, j));
                if (i == j)
                {
                    // M ⪰ I, so this stays positive up to rounding.
                    li[i] = Math.Sqrt(Math.Max(sum, 1e-12));
                }
                else
                {
                    li[j] = sum / m[j * d + j];
                }
            }
        }
    }

    private static string Reason(Preferences.BradleyTerryModel? model, Features.DenseMatrix z, int row, double gain, double information, bool fill)
    {
        var p = model?.Predict(model.Difference(z, row));
        var text = string.Create(CultureInfo.InvariantCulture, $"D-optimal: log-det gain {gain:0.####}, Fisher information {information:0.###}");
        if (p is { } q) text += string.Create(CultureInfo.InvariantCulture, $", P(A≻B)={q.A:0.###}");
        return fill ? text + " (fill-in: every other pair is within the cosine cap of one already picked)" : text;
    }
}
