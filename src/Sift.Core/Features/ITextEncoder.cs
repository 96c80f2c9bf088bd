namespace Sift.Features;

/// <summary>
/// Turns texts into dense vectors: an in-process sentence encoder, an embedding endpoint, or either behind a cache
/// (<see cref="CachingTextEncoder"/>).
/// </summary>
/// <remarks>
/// Implementations must be deterministic: the same text gives the same vector, so that a vector computed once can
/// be cached under <see cref="ModelId"/> and reused by any later run or process.
/// </remarks>
public interface ITextEncoder
{
    /// <summary>
    /// Names the model and every setting that changes its vectors (weights, vocabulary, truncation, pooling); part of
    /// every cache key, so two encoders with the same id must give the same vectors.
    /// </summary>
    string ModelId { get; }

    /// <summary>Length of every vector.</summary>
    int Dimension { get; }

    /// <summary>Encodes <paramref name="texts"/>, one row each, in the same order.</summary>
    /// <param name="texts">The texts; empty ones are allowed.</param>
    /// <param name="progress">Receives progress now and then (texts done out of the total); may be null.</param>
    /// <param name="cancellationToken">Stops the work; rows not yet computed are then lost.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>How far an <see cref="ITextEncoder.Encode"/> call has come.</summary>
/// <param name="Done">Texts done so far, cached ones included.</param>
/// <param name="Total">Texts in the call.</param>
/// <param name="Cached">Of <paramref name="Done"/>, how many came from a cache (or repeated an earlier text of the call) rather than from the model.</param>
public readonly record struct EncodeProgress(int Done, int Total, int Cached);
