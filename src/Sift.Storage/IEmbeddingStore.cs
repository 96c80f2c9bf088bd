using Sift.Features;

namespace Sift.Storage;

/// <summary>
/// The server's embedding cache: sentence vectors kept by <see cref="EmbeddingKey"/> (SHA-256 of the model id and the
/// text in <see cref="EmbeddingText"/> normal form — the key the CLI's file cache uses), shared by every project of the
/// database, so a text is embedded once per model whichever project holds it. A vector is stored compactly (float32,
/// little-endian) with its model id and dimension.
/// </summary>
/// <remarks>
/// <para><b>Damage is never trusted.</b> A stored row is usable only when its model id and dimension are the ones asked
/// for, its byte length is exactly dimension × 4 and every value is finite; any other row reads as missing (so its text
/// is embedded again) and the next <see cref="PutEmbeddingsAsync"/> of its key replaces it.</para>
/// <para>Implemented by both store backends beside <see cref="Sift.Projects.ISiftStore"/>; thread-safe and safe across
/// processes sharing one database. Every put is one transaction, durable when it returns.</para>
/// </remarks>
public interface IEmbeddingStore
{
    /// <summary>
    /// Looks up <paramref name="keys"/>: element i of the result is the vector of key i, or null when it is not stored
    /// or its row is unusable (see the remarks). Any number of keys; repeated keys are answered each time.
    /// </summary>
    /// <param name="modelId">The model whose vectors are wanted (<see cref="ITextEncoder.ModelId"/>).</param>
    /// <param name="dimension">Length of every vector of that model.</param>
    /// <param name="keys">The keys, each made with <paramref name="modelId"/>.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is blank or holds a NUL, or <paramref name="dimension"/> is below 1.</exception>
    Task<IReadOnlyList<float[]?>> GetEmbeddingsAsync(string modelId, int dimension, IReadOnlyList<EmbeddingKey> keys, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores row i of <paramref name="vectors"/> as the vector of key i, in one transaction, durable on return.
    /// Idempotent: a key already stored with a usable vector keeps it (a vector once stored never changes); a missing
    /// or unusable row is written; a key repeated within the call is stored once (its first row).
    /// </summary>
    /// <param name="modelId">The model that computed the vectors.</param>
    /// <param name="keys">The keys, each made with <paramref name="modelId"/>.</param>
    /// <param name="vectors">One row per key (at least as many rows as keys); its column count is the dimension.</param>
    /// <param name="cancellationToken">Cancels the write (nothing is stored then).</param>
    /// <returns>How many rows were written (0 when every key was already stored).</returns>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is blank or holds a NUL, there are fewer rows than keys, or a value is not finite.</exception>
    Task<int> PutEmbeddingsAsync(string modelId, IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors, CancellationToken cancellationToken = default);
}
