namespace Sift.Features;

/// <summary>
/// Dense vectors supplied by the user (for example sentence embeddings read by <see cref="VectorFileReader"/>),
/// looked up by item id. Immutable and thread-safe.
/// </summary>
public sealed class PrecomputedEmbedder : IDenseEmbedder
{
    private readonly Dictionary<string, float[]> _vectors;

    /// <summary>Creates an embedder over a copy of <paramref name="vectors"/> (ids compared ordinally).</summary>
    /// <param name="vectors">Vectors by item id; non-empty, all of the same dimension, finite values.</param>
    /// <param name="normalizeRows">Whether output rows are scaled to unit L2 norm. Default true.</param>
    /// <param name="name">Short name for the evidence record. Default "vectors".</param>
    /// <exception cref="ArgumentException">No vectors, an empty or non-finite vector, differing dimensions, or a blank name.</exception>
    public PrecomputedEmbedder(IReadOnlyDictionary<string, float[]> vectors, bool normalizeRows = true, string name = "vectors")
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (vectors.Count == 0) throw new ArgumentException("At least one vector is needed.", nameof(vectors));

        _vectors = new Dictionary<string, float[]>(vectors.Count, StringComparer.Ordinal);
        foreach (var (id, vector) in vectors)
        {
            if (vector is null || vector.Length == 0)
                throw new ArgumentException($"The vector of item '{id}' is empty.", nameof(vectors));
            if (Dimension == 0) Dimension = vector.Length;
            else if (vector.Length != Dimension)
                throw new ArgumentException($"The vector of item '{id}' has {vector.Length} dimensions, others have {Dimension}.", nameof(vectors));
            foreach (var v in vector)
            {
                if (!float.IsFinite(v))
                    throw new ArgumentException($"The vector of item '{id}' holds a non-finite value.", nameof(vectors));
            }
            _vectors.Add(id, vector);
        }
        NormalizeRows = normalizeRows;
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Dimension of every vector.</summary>
    public int Dimension { get; }

    /// <summary>Whether output rows are scaled to unit L2 norm.</summary>
    public bool NormalizeRows { get; }

    /// <summary>Number of vectors held.</summary>
    public int Count => _vectors.Count;

    /// <summary>Returns the vectors of <paramref name="itemIds"/>, one row each, in the same order.</summary>
    /// <param name="itemIds">Item ids to look up.</param>
    /// <param name="tfidf">Not used; may be null.</param>
    /// <exception cref="SiftException">Some items have no vector; the message names the first and the count.</exception>
    public DenseMatrix Embed(IReadOnlyList<string> itemIds, SparseMatrix tfidf) => Embed(itemIds);

    /// <summary>Returns the vectors of <paramref name="itemIds"/>, one row each, in the same order.</summary>
    /// <param name="itemIds">Item ids to look up.</param>
    /// <exception cref="SiftException">Some items have no vector; the message names the first and the count.</exception>
    public DenseMatrix Embed(IReadOnlyList<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        var matrix = new DenseMatrix(itemIds.Count, Dimension);
        string? firstMissing = null;
        var missing = 0;
        for (var i = 0; i < itemIds.Count; i++)
        {
            if (_vectors.TryGetValue(itemIds[i], out var vector))
            {
                vector.CopyTo(matrix.Row(i));
            }
            else
            {
                firstMissing ??= itemIds[i];
                missing++;
            }
        }
        if (firstMissing is not null)
        {
            throw new SiftException(missing == 1
                ? $"No vector for item '{firstMissing}' (1 of {itemIds.Count} items has no vector)."
                : $"No vector for item '{firstMissing}' ({missing} of {itemIds.Count} items have no vector).");
        }
        if (NormalizeRows) matrix.NormalizeRows();
        return matrix;
    }
}
