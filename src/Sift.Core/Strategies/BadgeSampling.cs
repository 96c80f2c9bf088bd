using System.Globalization;
using Sift.Features;

namespace Sift.Strategies;

/// <summary>
/// BADGE, batch active learning by diverse gradient embeddings (Ash et al. 2020): each candidate x is embedded as the
/// gradient of the log-loss of a linear softmax layer under its own predicted label ŷ = argmax p(x),
/// g_x = (p(x) − e_ŷ) ⊗ [x, 1], and the batch is chosen by k-means++ seeding over these embeddings, so it mixes
/// uncertainty (large ‖g‖) with diversity (spread-out directions).
/// </summary>
/// <remarks>
/// <para>
/// The embeddings are never materialised: with r = p − e_ŷ,
/// ⟨r_a ⊗ x̃_a, r_b ⊗ x̃_b⟩ = (r_a·r_b)(x_a·x_b + 1), so only r (candidates × classes) and the row norms are kept
/// and ‖g_a − g_b‖² = ‖r_a‖²(‖x_a‖² + 1) + ‖r_b‖²(‖x_b‖² + 1) − 2(r_a·r_b)(x_a·x_b + 1).
/// x̃ is the row of <see cref="QueryContext.Features"/> (sparse TF-IDF or dense) with a constant-1 intercept feature.
/// Works with any <see cref="Learners.IClassifier"/>: only its probabilities are read.
/// </para>
/// <para>
/// As in the reference implementation, the first pick is the candidate with the largest ‖g‖ (score ‖g‖²); each further
/// pick is drawn with probability ∝ D², the squared distance to the nearest pick so far (score = that D² at pick time),
/// from <see cref="QueryContext.CreateRandom"/>("badge"). Labeled items are not centres, as in the paper. When every
/// remaining D² is 0 (all remaining embeddings coincide with picks, e.g. a confident model gives g = 0), the pick is
/// drawn uniformly from the remaining candidates and scores 0.
/// </para>
/// <para>
/// Cost O(count · |candidates| · (classes + row length)); the distance updates run block-parallel over a fixed
/// partition and the D² total is summed block by block in a fixed order, so the picks depend only on the seed.
/// Instances are stateless and thread-safe.
/// </para>
/// </remarks>
public sealed class BadgeSampling : IQueryStrategy
{
    private const int Block = 1024;

    /// <inheritdoc />
    public string Name => "badge";

    /// <inheritdoc />
    /// <exception cref="QueryException">No model has been trained, or the feature matrix is of an unsupported kind.</exception>
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var features = context.Features;
        if (features is not DenseMatrix and not SparseMatrix)
            throw new QueryException($"The 'badge' strategy supports dense and sparse feature matrices, not {features.GetType().Name}.");
        var probabilities = context.CandidateProbabilities().ToArray();
        var k = context.Model!.ClassCount;
        var candidates = context.Candidates;
        var n = candidates.Length;

        // r = p − e_ŷ per candidate, and ‖g‖² = ‖r‖²(‖x‖² + 1).
        var r = new float[(long)n * k];
        var predicted = new int[n];
        var gNorm = new double[n];
        Parallelism.ForBlocks(n, Block, (start, length) =>
        {
            for (var i = start; i < start + length; i++)
            {
                var p = probabilities.AsSpan(i * k, k);
                var ri = r.AsSpan(i * k, k);
                var top = 0;
                for (var c = 1; c < k; c++) if (p[c] > p[top]) top = c;
                p.CopyTo(ri);
                ri[top] -= 1f;
                predicted[i] = top;
                gNorm[i] = GradientNormSquared(ri, features.RowNormSquared(candidates[i]));
            }
        });

        var minD2 = new double[n];
        Array.Fill(minD2, double.PositiveInfinity);
        var chosen = new bool[n];
        var blocks = (n + Block - 1) / Block;
        var blockSums = new double[blocks];
        // Scatter buffer for a sparse pick's row, so each candidate's x·x_pick is a gather over its own entries.
        var sparse = features as SparseMatrix;
        var scatter = sparse is null ? null : new float[features.Columns];
        var pick = -1;
        // One delegate for the whole loop: it reads the current pick, lowers min-D² and sums its block, so the pick
        // loop itself allocates nothing.
        Action<int, int> update = (start, length) =>
        {
            ReadOnlySpan<float> pickX = scatter ?? ((DenseMatrix)features).Row(candidates[pick]);
            ReadOnlySpan<float> rp = r.AsSpan(pick * k, k);
            var gp = gNorm[pick];
            double sum = 0;
            for (var i = start; i < start + length; i++)
            {
                if (chosen[i]) continue;
                var xDot = (double)features.Dot(candidates[i], pickX);
                var d = SquaredDistance(r.AsSpan(i * k, k), gNorm[i], rp, gp, xDot);
                if (d < minD2[i]) minD2[i] = d;
                sum += minD2[i];
            }
            blockSums[start / Block] = sum;
        };

        var random = context.CreateRandom(Name);
        var indices = new int[count];
        var scores = new double[count];
        var reasons = new string[count];
        for (var t = 0; t < count; t++)
        {
            double score;
            string what;
            if (t == 0)
            {
                pick = 0;
                for (var i = 1; i < n; i++) if (gNorm[i] > gNorm[pick]) pick = i;
                score = gNorm[pick];
                what = "largest gradient embedding";
            }
            else
            {
                Parallelism.ForBlocks(n, Block, update);
                double total = 0;
                foreach (var s in blockSums) total += s;
                if (total > 0 && double.IsFinite(total))
                {
                    pick = SampleProportional(minD2, chosen, blockSums, random.NextDouble() * total);
                    score = minD2[pick];
                    what = $"gradient-embedding distance {F(Math.Sqrt(score))}";
                }
                else
                {
                    pick = NthUnchosen(chosen, random.Next(n - t));
                    score = 0;
                    what = "drawn at random (every remaining gradient embedding coincides with a pick)";
                }
            }
            chosen[pick] = true;
            minD2[pick] = 0;
            if (sparse is not null && t < count - 1)
            {
                if (t > 0) Unscatter(sparse, indices[t - 1], scatter!);
                Scatter(sparse, candidates[pick], scatter!);
            }
            indices[t] = candidates[pick];
            scores[t] = score;
            reasons[t] = $"BADGE: {what} (predicted '{ClassName(context, predicted[pick])}', ‖g‖ {F(Math.Sqrt(gNorm[pick]))})";
        }
        return new QueryResult(indices, scores, reasons);
    }

    /// <summary>‖r ⊗ [x, 1]‖² = ‖r‖²(‖x‖² + 1).</summary>
    internal static double GradientNormSquared(ReadOnlySpan<float> r, double xNormSquared)
    {
        double rr = 0;
        foreach (var v in r) rr += (double)v * v;
        return rr * (xNormSquared + 1.0);
    }

    /// <summary>
    /// ‖r_a ⊗ [x_a, 1] − r_b ⊗ [x_b, 1]‖² from the two embeddings' squared norms (<see cref="GradientNormSquared"/>)
    /// and x_a·x_b, clamped at 0 against rounding (Ash et al. 2020, via ⟨a ⊗ b, c ⊗ d⟩ = (a·c)(b·d)).
    /// </summary>
    internal static double SquaredDistance(ReadOnlySpan<float> ra, double gNormA, ReadOnlySpan<float> rb, double gNormB, double xDot)
    {
        double rDot = 0;
        for (var c = 0; c < ra.Length; c++) rDot += (double)ra[c] * rb[c];
        return Math.Max(0.0, gNormA + gNormB - 2.0 * rDot * (xDot + 1.0));
    }

    private static int SampleProportional(double[] weights, bool[] chosen, double[] blockSums, double u)
    {
        // Walk whole blocks first, then within the block; rounding may leave u past the end, so keep the last positive.
        var last = -1;
        for (var b = 0; b < blockSums.Length; b++)
        {
            if (u >= blockSums[b] && b < blockSums.Length - 1)
            {
                u -= blockSums[b];
                continue;
            }
            var end = Math.Min(weights.Length, (b + 1) * Block);
            for (var i = b * Block; i < end; i++)
            {
                if (chosen[i] || !(weights[i] > 0)) continue;
                last = i;
                if (u < weights[i]) return i;
                u -= weights[i];
            }
            if (last >= 0) return last;
            u = 0;
        }
        if (last >= 0) return last;
        for (var i = weights.Length - 1; i >= 0; i--) if (!chosen[i] && weights[i] > 0) return i;
        return NthUnchosen(chosen, 0);
    }

    private static int NthUnchosen(bool[] chosen, int nth)
    {
        for (var i = 0; i < chosen.Length; i++)
            if (!chosen[i] && nth-- == 0) return i;
        throw new InvalidOperationException("No candidate left to pick.");
    }

    private static void Scatter(SparseMatrix x, int row, float[] dense)
    {
        var idx = x.RowIndices(row);
        var val = x.RowValues(row);
        for (var t = 0; t < idx.Length; t++) dense[idx[t]] = val[t];
    }

    private static void Unscatter(SparseMatrix x, int row, float[] dense)
    {
        foreach (var j in x.RowIndices(row)) dense[j] = 0;
    }

    private static string ClassName(QueryContext context, int c) =>
        context.ClassNames is { } names && c < names.Count ? names[c] : c.ToString(CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
