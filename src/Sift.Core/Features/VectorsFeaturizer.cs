namespace Sift.Features;

/// <summary>
/// User-supplied vectors as features (for example sentence embeddings read by <see cref="VectorFileReader"/>), looked
/// up by item id: the learner trains on them and the diversity strategies use them, rows scaled to unit length. Every
/// pool and other item needs a vector. Immutable and thread-safe.
/// </summary>
public sealed class VectorsFeaturizer : IFeaturizer
{
    private readonly PrecomputedEmbedder _vectors;

    /// <summary>Creates the featuriser over a copy of <paramref name="vectors"/>.</summary>
    /// <param name="vectors">Vectors by item id (ordinal); non-empty, one dimension, finite values.</param>
    /// <param name="source">Where they came from (a file name), for messages and the record.</param>
    /// <exception cref="ArgumentException">No vectors, an empty or non-finite vector, or differing dimensions.</exception>
    public VectorsFeaturizer(IReadOnlyDictionary<string, float[]> vectors, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        _vectors = new PrecomputedEmbedder(vectors);
        Source = source;
    }

    /// <summary>Where the vectors came from.</summary>
    public string Source { get; }

    /// <summary>Dimension of every vector.</summary>
    public int Dimension => _vectors.Dimension;

    /// <inheritdoc />
    public string Name => "vectors";

    /// <inheritdoc />
    /// <exception cref="SiftException">An item has no vector; the message names the source, the first such item and the count.</exception>
    public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var pool = Lookup(request.PoolIds);
        var other = Lookup(request.OtherIds);
        var description = new Dictionary<string, object?>
        {
            ["kind"] = Name,
            ["source"] = Source,
            ["dimensions"] = Dimension,
            ["normalized"] = true,
        };
        // User vectors are usually a pretrained encoder's: a concatenation prefers them to LSA for the diversity strategies.
        return Task.FromResult(new FeaturizedData(pool, other, () => pool, description) { VectorsAreEmbeddings = true });
    }

    private DenseMatrix Lookup(IReadOnlyList<string> ids)
    {
        try
        {
            return _vectors.Embed(ids);
        }
        catch (SiftException e)
        {
            throw new SiftException($"{Source}: {e.Message}", e);
        }
    }
}
