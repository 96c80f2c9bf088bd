namespace Sift.Features;

/// <summary>
/// Produces dense vectors for pool items, as the diversity strategies need (CoreSet, k-means, BADGE).
/// Implementations: LSA (truncated SVD of TF-IDF) and user-supplied vectors keyed by item id.
/// </summary>
public interface IDenseEmbedder
{
    /// <summary>Short name for the evidence record.</summary>
    string Name { get; }

    /// <summary>Vectors for the given items, one row each, in the same order.</summary>
    /// <param name="itemIds">Item ids, for sources keyed by id.</param>
    /// <param name="tfidf">The pool's TF-IDF matrix (rows aligned with <paramref name="itemIds"/>), for sources derived from it.</param>
    DenseMatrix Embed(IReadOnlyList<string> itemIds, SparseMatrix tfidf);
}
