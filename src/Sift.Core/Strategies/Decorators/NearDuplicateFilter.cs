using System.Globalization;
using System.Numerics.Tensors;
using Sift.Features;

namespace Sift.Strategies;

/// <summary>
/// Keeps near-duplicates out of one batch: no two picked items have cosine similarity above
/// <see cref="MaxCosine"/>, so annotators do not label the same text twice in a round.
/// </summary>
/// <remarks>
/// <para>Similarity is measured on <see cref="QueryContext.Embeddings"/> when present, else on
/// <see cref="QueryContext.Features"/> (e.g. TF-IDF rows), as a·b / (|a| |b|). A zero vector has no direction: its
/// cosine with anything is 0 by convention, so it is never filtered.</para>
/// <para>The inner strategy is asked for a ranked list of min(candidates, 4 × count) items; items are kept greedily in
/// rank order unless too similar to one already kept. If fewer than <c>count</c> survive, the list is doubled (up to
/// every candidate) and the greedy pass is repeated. When even the whole pool cannot supply <c>count</c> mutually
/// distinct items, the batch is filled with the best-ranked rejected items, and their reasons say so. Kept items come
/// first, in rank order, then any fill-ins.</para>
/// <para>Cost: the greedy pass is O(list × count) similarity computations. Instances are immutable and thread-safe
/// when the inner strategy is.</para>
/// </remarks>
public sealed class NearDuplicateFilter : IQueryStrategy, INestedStrategy
{
    private readonly IQueryStrategy _inner;
    private readonly int _depth;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="maxCosine"/> in [-1, 1] (default 0.95).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCosine"/> is outside [-1, 1] or NaN.</exception>
    /// <exception cref="ArgumentException">The composition would nest deeper than <see cref="StrategyCatalog.MaxNesting"/>.</exception>
    public NearDuplicateFilter(IQueryStrategy inner, double maxCosine = 0.95)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (maxCosine is < -1 or > 1 || double.IsNaN(maxCosine))
            throw new ArgumentOutOfRangeException(nameof(maxCosine), "The cosine threshold must be in [-1, 1].");
        _depth = StrategyNesting.Wrap(inner, nameof(inner));
        _inner = inner;
        MaxCosine = maxCosine;
    }

    int INestedStrategy.Depth => _depth;

    /// <summary>The largest cosine similarity allowed between two items of one batch.</summary>
    public double MaxCosine { get; }

    /// <inheritdoc />
    public string Name => $"{_inner.Name}+dedup";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters =>
        new Dictionary<string, object?>(_inner.Parameters) { ["maxCosine"] = MaxCosine, ["inner"] = _inner.Name };

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var vectors = new Vectors(context);
        var n = context.Candidates.Length;
        var length = (int)Math.Min(n, 4L * count);
        while (true)
        {
            var ranked = _inner.Select(context, length);
            var kept = new List<int>(count);
            var rejected = new List<(int Position, int Twin, double Cosine)>();
            for (var p = 0; p < ranked.Count && kept.Count < count; p++)
            {
                var (twin, cos) = MostSimilar(vectors, ranked.Indices[p], kept.Select(k => ranked.Indices[k]));
                if (cos > MaxCosine) rejected.Add((p, twin, cos));
                else kept.Add(p);
            }
            if (kept.Count < count && length < n)
            {
                length = (int)Math.Min(n, 2L * length);
                continue;
            }
            var indices = new List<int>(count);
            var scores = new List<double>(count);
            var reasons = new List<string>(count);
            foreach (var p in kept)
            {
                indices.Add(ranked.Indices[p]);
                scores.Add(ranked.Scores[p]);
                reasons.Add(ranked.Reasons[p]);
            }
            foreach (var (p, twin, cos) in rejected.Take(count - kept.Count))
            {
                indices.Add(ranked.Indices[p]);
                scores.Add(ranked.Scores[p]);
                reasons.Add($"{ranked.Reasons[p]}; near-duplicate of pool item {twin.ToString(CultureInfo.InvariantCulture)} " +
                    $"(cosine {cos.ToString("0.###", CultureInfo.InvariantCulture)}), kept to fill the batch: " +
                    $"only {kept.Count.ToString(CultureInfo.InvariantCulture)} candidates of the whole pool pass the cosine ≤ {MaxCosine.ToString(CultureInfo.InvariantCulture)} filter");
            }
            return new QueryResult(indices.ToArray(), scores.ToArray(), reasons.ToArray());
        }
    }

    private static (int Twin, double Cosine) MostSimilar(Vectors vectors, int item, IEnumerable<int> others)
    {
        var best = (Twin: -1, Cosine: double.NegativeInfinity);
        foreach (var o in others)
        {
            var c = vectors.Cosine(item, o);
            if (c > best.Cosine) best = (o, c);
        }
        return best;
    }

    /// <summary>Cosine similarity between pool rows of the embeddings (or features), with cached norms.</summary>
    private sealed class Vectors(QueryContext context)
    {
        private readonly DenseMatrix? _dense = context.Embeddings ?? context.Features as DenseMatrix;
        private readonly FeatureMatrix _features = context.Features;
        private readonly Dictionary<int, double> _norms = [];
        private readonly Dictionary<int, double[]> _rows = [];

        public double Cosine(int a, int b)
        {
            var na = Norm(a);
            var nb = Norm(b);
            if (na <= 0 || nb <= 0) return 0;
            return Dot(a, b) / (na * nb);
        }

        private double Norm(int row)
        {
            if (!_norms.TryGetValue(row, out var n))
                _norms[row] = n = Math.Sqrt(_dense is { } d ? d.RowNormSquared(row) : _features.RowNormSquared(row));
            return n;
        }

        private double Dot(int a, int b)
        {
            if (_dense is { } d) return TensorPrimitives.Dot<float>(d.Row(a), d.Row(b));
            if (_features is SparseMatrix s) return s.RowDot(a, b);
            // Any other matrix: expand one row densely and use the generic kernel.
            if (!_rows.TryGetValue(b, out var row))
            {
                row = new double[_features.Columns];
                _features.AddScaledRow(b, 1.0, row);
                _rows[b] = row;
            }
            return _features.Dot(a, row);
        }
    }
}
