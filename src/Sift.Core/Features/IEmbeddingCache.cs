namespace Sift.Features;

/// <summary>
/// Vectors of one model, kept by <see cref="EmbeddingKey"/> so that no text is embedded twice: a file for the CLI,
/// a table for the server. Used through <see cref="CachingTextEncoder"/>.
/// </summary>
/// <remarks>Implementations are safe to call from several threads; a vector once added never changes.</remarks>
public interface IEmbeddingCache
{
    /// <summary>The model whose vectors this cache holds (<see cref="ITextEncoder.ModelId"/>).</summary>
    string ModelId { get; }

    /// <summary>Length of every vector.</summary>
    int Dimension { get; }

    /// <summary>
    /// Looks up <paramref name="keys"/>: copies each vector found into the same row of <paramref name="destination"/>
    /// and sets <paramref name="found"/> at that index; other rows are left as they are.
    /// </summary>
    /// <returns>How many keys were found.</returns>
    int Get(IReadOnlyList<EmbeddingKey> keys, DenseMatrix destination, Span<bool> found);

    /// <summary>
    /// Stores the vectors of <paramref name="keys"/> (row i of <paramref name="vectors"/> for key i) durably before
    /// returning; keys already present are skipped.
    /// </summary>
    void Add(IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors);
}
