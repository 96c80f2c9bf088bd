using Sift.Items;

namespace Sift.Features;

/// <summary>Progress of a long featurisation (embedding a large pool).</summary>
/// <param name="Done">Items featurised so far (cache hits included).</param>
/// <param name="Total">Items to featurise.</param>
/// <param name="Stage">What is running, in words (<c>tf-idf</c>, <c>embedding</c>).</param>
public readonly record struct FeaturizeProgress(int Done, int Total, string Stage);

/// <summary>What to featurise: the pool (fitted on) and, optionally, other items transformed with what the pool fitted (a test set).</summary>
public sealed class FeaturizeRequest
{
    /// <summary>Creates a request.</summary>
    public FeaturizeRequest(IReadOnlyList<string> poolIds, IReadOnlyList<ItemContent> pool)
    {
        ArgumentNullException.ThrowIfNull(poolIds);
        ArgumentNullException.ThrowIfNull(pool);
        if (poolIds.Count != pool.Count) throw new ArgumentException("Pool ids and contents differ in length.", nameof(pool));
        PoolIds = poolIds;
        Pool = pool;
    }

    /// <summary>Pool item ids (row = position), for sources keyed by id (user-supplied vectors).</summary>
    public IReadOnlyList<string> PoolIds { get; }

    /// <summary>Pool contents; a featuriser that learns from data (TF-IDF vocabulary, LSA) fits on these only.</summary>
    public IReadOnlyList<ItemContent> Pool { get; }

    /// <summary>Ids of the other items (a test set); aligned with <see cref="Other"/>.</summary>
    public IReadOnlyList<string> OtherIds { get; init; } = [];

    /// <summary>Items transformed with what was fitted on the pool, never fitted on (a test set).</summary>
    public IReadOnlyList<ItemContent> Other { get; init; } = [];

    /// <summary>Seed for any random choice (LSA's randomized SVD).</summary>
    public ulong Seed { get; init; }

    /// <summary>Receives progress, when set.</summary>
    public IProgress<FeaturizeProgress>? Progress { get; init; }
}

/// <summary>
/// Featurised items: the learner's features for the pool and the other items, and dense unit vectors of the pool for
/// the diversity strategies (CoreSet, k-means, BADGE's clustering, density, de-duplication).
/// </summary>
public sealed class FeaturizedData
{
    private readonly Lazy<DenseMatrix>? _vectors;

    /// <summary>Creates the result; <paramref name="vectors"/> is computed on first use (null: the source gives no vectors).</summary>
    public FeaturizedData(FeatureMatrix pool, FeatureMatrix? other, Func<DenseMatrix>? vectors, IReadOnlyDictionary<string, object?> description)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(description);
        Pool = pool;
        Other = other;
        Description = description;
        _vectors = vectors is null ? null : new Lazy<DenseMatrix>(vectors, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The learner's features of the pool (row = pool position).</summary>
    public FeatureMatrix Pool { get; }

    /// <summary>The learner's features of the other items, when any were given.</summary>
    public FeatureMatrix? Other { get; }

    /// <summary>Whether the source gives <see cref="Vectors"/> (a strategy that needs embeddings fails before the first round without them).</summary>
    public bool HasVectors => _vectors is not null;

    /// <summary>Dense unit-length vectors of the pool for the diversity strategies; computed on first use.</summary>
    /// <exception cref="InvalidOperationException">The source gives no vectors (<see cref="HasVectors"/> is false).</exception>
    public DenseMatrix Vectors => (_vectors ?? throw new InvalidOperationException("This feature source gives no vectors.")).Value;

    /// <summary>What produced the features, for results and the evidence record (kind, parameters, dimensions).</summary>
    public IReadOnlyDictionary<string, object?> Description { get; }

    /// <summary>
    /// Whether <see cref="Vectors"/> are a pretrained encoder's sentence embeddings (a model that knows words it has not
    /// seen labeled) rather than derived from the learner's own features (LSA of TF-IDF). A concatenation takes its
    /// vectors from such a block first. Default false.
    /// </summary>
    public bool VectorsAreEmbeddings { get; init; }
}

/// <summary>
/// A feature source: turns item contents into the learner's features (TF-IDF, a sentence encoder, an embedding
/// endpoint, user-supplied vectors, or a weighted concatenation of those). Holds only options; the fitted state is in
/// the returned <see cref="FeaturizedData"/>. Implementations are thread-safe.
/// </summary>
public interface IFeaturizer
{
    /// <summary>Short name as in <c>--features NAME</c> (<c>tfidf</c>, <c>minilm</c>, <c>tfidf+minilm</c>).</summary>
    string Name { get; }

    /// <summary>Fits on the pool and transforms the pool and the other items.</summary>
    Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default);
}
