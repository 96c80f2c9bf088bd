using System.Globalization;
using System.Numerics.Tensors;

namespace Sift.Strategies;

/// <summary>
/// Core-set sampling by greedy k-center (Sener &amp; Savarese 2018, Algorithm 1): each pick is the candidate
/// farthest (Euclidean, in <see cref="QueryContext.Embeddings"/>) from the labeled items and the picks so far,
/// so the batch covers the embedding space. Needs no model.
/// </summary>
/// <remarks>
/// Score = the pick's distance to its nearest labeled or already chosen item at pick time. When nothing is
/// labeled the first pick is drawn at random from the seed and scores 0 (it has no distance to anything).
/// Costs O((|labeled| + count) · |candidates| · dims); the distance updates run block-parallel over a fixed
/// partition, so the picks do not depend on the number of cores. Exact distance ties go to the earlier candidate.
/// Rows are expected L2-normalised (d² = 2 − 2·a·b) but other rows work too (d² = |a|² + |b|² − 2·a·b).
/// Instances are stateless and thread-safe.
/// </remarks>
public sealed class CoreSetSampling : IQueryStrategy
{
    /// <inheritdoc />
    public string Name => "coreset";

    /// <inheritdoc />
    /// <exception cref="QueryException">The context has no embeddings.</exception>
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var x = EmbeddingSupport.Require(context, Name);
        var candidates = context.Candidates;
        var n = candidates.Length;
        var norms = EmbeddingSupport.SquaredNorms(x, candidates);

        // minD2[i]: squared distance from candidate i to the nearest labeled/chosen item; chosen ones are -inf.
        var minD2 = new float[n];
        Array.Fill(minD2, float.PositiveInfinity);
        var labeled = context.LabeledIndices.ToArray();
        if (labeled.Length > 0) EmbeddingSupport.MinSquaredDistances(x, candidates, norms, labeled, minD2);

        var blocks = (n + EmbeddingSupport.Block - 1) / EmbeddingSupport.Block;
        var blockBest = new int[blocks];
        var pick = -1;
        // One delegate for the whole loop: it reads the current pick, updates distances and finds each block's
        // farthest candidate, so the pick loop itself allocates nothing.
        Action<int, int> update = (start, length) =>
        {
            var p = x.Row(candidates[pick]);
            var pNorm = norms[pick];
            var best = -1;
            for (var i = start; i < start + length; i++)
            {
                var d = EmbeddingSupport.SquaredDistance(norms[i], pNorm, TensorPrimitives.Dot<float>(x.Row(candidates[i]), p));
                if (d < minD2[i]) minD2[i] = d;
                if (minD2[i] >= 0 && (best < 0 || minD2[i] > minD2[best])) best = i;
            }
            blockBest[start / EmbeddingSupport.Block] = best;
        };

        var indices = new int[count];
        var scores = new double[count];
        var reasons = new string[count];
        var randomFirst = labeled.Length == 0;
        if (randomFirst) pick = context.CreateRandom(Name).Next(n);
        else pick = ArgMax(minD2);

        for (var k = 0; k < count; k++)
        {
            indices[k] = candidates[pick];
            if (randomFirst && k == 0)
            {
                scores[k] = 0;
                reasons[k] = "k-center: first pick drawn at random (nothing labeled yet)";
            }
            else
            {
                var distance = Math.Sqrt(minD2[pick]);
                scores[k] = distance;
                reasons[k] = $"k-center: distance {distance.ToString("0.###", CultureInfo.InvariantCulture)} to nearest labeled/chosen item";
            }
            if (k == count - 1) break;
            minD2[pick] = float.NegativeInfinity;
            Parallelism.ForBlocks(n, EmbeddingSupport.Block, update);
            pick = -1;
            foreach (var b in blockBest)
                if (b >= 0 && (pick < 0 || minD2[b] > minD2[pick])) pick = b;
        }
        return new QueryResult(indices, scores, reasons);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
