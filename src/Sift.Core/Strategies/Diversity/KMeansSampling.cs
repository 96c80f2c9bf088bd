using System.Globalization;
using System.Numerics.Tensors;

namespace Sift.Strategies;

/// <summary>
/// Representative sampling by k-means: clusters the candidates' <see cref="QueryContext.Embeddings"/> into
/// k = <c>count</c> clusters and picks, per cluster, the candidate nearest its centroid (Zhdanov 2019,
/// "Diverse mini-batch active learning", without the uncertainty pre-filter). Needs no model.
/// </summary>
/// <remarks>
/// Seeding is k-means++ (Arthur &amp; Vassilvitskii 2007) with the round's seeded generator, followed by Lloyd
/// iterations until no assignment changes or <see cref="MaxIterations"/> is reached. A cluster left empty
/// is represented by the remaining candidate farthest from its own centroid. Picks come largest cluster first;
/// score = cluster size. Assignment runs block-parallel over a fixed partition and centroids are summed in
/// candidate order, so the result depends only on the seed. Instances are immutable and thread-safe.
/// </remarks>
public sealed class KMeansSampling : IQueryStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="maxIterations">Most Lloyd iterations (default 20); at least 1.</param>
    public KMeansSampling(int maxIterations = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        MaxIterations = maxIterations;
    }

    /// <summary>Most Lloyd iterations. Default 20.</summary>
    public int MaxIterations { get; }

    /// <inheritdoc />
    public string Name => "kmeans";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?> { ["maxIterations"] = MaxIterations };

    /// <inheritdoc />
    /// <exception cref="QueryException">The context has no embeddings.</exception>
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var x = EmbeddingSupport.Require(context, Name);
        var candidates = context.Candidates;
        var n = candidates.Length;
        var dims = x.Columns;
        var k = count;
        var norms = EmbeddingSupport.SquaredNorms(x, candidates);
        var centroids = new float[k * dims];
        var centroidNorms = new float[k];

        SeedPlusPlus(context.CreateRandom(Name), x, candidates, norms, centroids, centroidNorms, k);

        // Lloyd (1982): assign each candidate to its nearest centroid, then move centroids to their members' mean.
        var assignment = new int[n];
        Array.Fill(assignment, -1);
        var distance = new float[n];
        var blocks = (n + EmbeddingSupport.Block - 1) / EmbeddingSupport.Block;
        var changedPerBlock = new int[blocks];
        var nearest = new int[n];
        void Assign()
        {
            EmbeddingSupport.Nearest(x, candidates, norms, centroids, k, distance, nearest);
            Parallelism.ForBlocks(n, EmbeddingSupport.Block, (start, length) =>
            {
                var changed = 0;
                for (var i = start; i < start + length; i++)
                {
                    if (assignment[i] != nearest[i]) changed++;
                    assignment[i] = nearest[i];
                }
                changedPerBlock[start / EmbeddingSupport.Block] = changed;
            });
        }

        var sums = new double[k * dims];
        var sizes = new int[k];
        for (var iteration = 0; ; iteration++)
        {
            Assign();
            if (changedPerBlock.Sum() == 0 || iteration == MaxIterations) break;
            Array.Clear(sums);
            Array.Clear(sizes);
            for (var i = 0; i < n; i++)
            {
                var j = assignment[i];
                sizes[j]++;
                var row = x.Row(candidates[i]);
                var sum = sums.AsSpan(j * dims, dims);
                for (var c = 0; c < dims; c++) sum[c] += row[c];
            }
            for (var j = 0; j < k; j++)
            {
                if (sizes[j] == 0) continue; // an empty cluster keeps its centroid
                var centroid = centroids.AsSpan(j * dims, dims);
                for (var c = 0; c < dims; c++) centroid[c] = (float)(sums[j * dims + c] / sizes[j]);
                centroidNorms[j] = TensorPrimitives.Dot<float>(centroid, centroid);
            }
        }

        return Pick(candidates, assignment, distance, k);
    }

    private static void SeedPlusPlus(Random rng, Features.DenseMatrix x, int[] candidates, float[] norms, float[] centroids, float[] centroidNorms, int k)
    {
        var n = candidates.Length;
        var dims = x.Columns;
        var d2 = new float[n];
        var chosen = new bool[n];
        var next = rng.Next(n);
        for (var j = 0; j < k; j++)
        {
            chosen[next] = true;
            x.Row(candidates[next]).CopyTo(centroids.AsSpan(j * dims, dims));
            centroidNorms[j] = norms[next];
            if (j == k - 1) break;
            var centroid = centroids.AsSpan(j * dims, dims).ToArray();
            var centroidNorm = norms[next];
            var first = j == 0;
            Parallelism.ForBlocks(n, EmbeddingSupport.Block, (start, length) =>
            {
                for (var i = start; i < start + length; i++)
                {
                    var d = EmbeddingSupport.SquaredDistance(norms[i], centroidNorm, TensorPrimitives.Dot<float>(x.Row(candidates[i]), centroid));
                    d2[i] = first ? d : Math.Min(d2[i], d);
                }
            });
            // k-means++: the next centre is drawn with probability ∝ D(x)², among candidates not yet chosen.
            double total = 0;
            for (var i = 0; i < n; i++) if (!chosen[i]) total += d2[i];
            next = -1;
            if (total > 0)
            {
                var r = rng.NextDouble() * total;
                double cumulative = 0;
                for (var i = 0; i < n; i++)
                {
                    if (chosen[i] || d2[i] <= 0) continue;
                    cumulative += d2[i];
                    next = i;
                    if (cumulative > r) break;
                }
            }
            if (next < 0)
            {
                // Every remaining candidate coincides with a centre: take a random unchosen one.
                var skip = rng.Next(n - j - 1);
                for (var i = 0; i < n; i++)
                {
                    if (chosen[i]) continue;
                    if (skip-- == 0) { next = i; break; }
                }
            }
        }
    }

    private static QueryResult Pick(int[] candidates, int[] assignment, float[] distance, int k)
    {
        var n = candidates.Length;
        var sizes = new int[k];
        var nearest = new int[k];
        Array.Fill(nearest, -1);
        for (var i = 0; i < n; i++)
        {
            var j = assignment[i];
            sizes[j]++;
            if (nearest[j] < 0 || distance[i] < distance[nearest[j]]) nearest[j] = i;
        }
        var order = Enumerable.Range(0, k).Where(j => sizes[j] > 0).OrderByDescending(j => sizes[j]).ThenBy(j => j).ToArray();
        var indices = new int[k];
        var scores = new double[k];
        var reasons = new string[k];
        var taken = new bool[n];
        var p = 0;
        foreach (var j in order)
        {
            var i = nearest[j];
            taken[i] = true;
            indices[p] = candidates[i];
            scores[p] = sizes[j];
            reasons[p] = $"nearest to centroid of cluster {p} ({sizes[j]} items)";
            p++;
        }
        for (; p < k; p++)
        {
            var far = -1;
            for (var i = 0; i < n; i++)
                if (!taken[i] && (far < 0 || distance[i] > distance[far])) far = i;
            taken[far] = true;
            indices[p] = candidates[far];
            scores[p] = 0;
            reasons[p] = $"cluster {p} came out empty; farthest remaining item from its centroid (distance {Math.Sqrt(distance[far]).ToString("0.###", CultureInfo.InvariantCulture)})";
        }
        return new QueryResult(indices, scores, reasons);
    }
}
