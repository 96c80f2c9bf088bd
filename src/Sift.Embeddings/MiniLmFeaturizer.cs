using Sift.Features;

namespace Sift.Embeddings;

/// <summary>
/// MiniLM sentence embeddings as features (<c>--features minilm</c>): every item's
/// <see cref="Items.ItemContent.FeatureText"/> through <see cref="MiniLmEncoder"/> behind an embedding cache, so a
/// text is embedded once, ever — batched (<see cref="MiniLmOptions.BatchSize"/> texts per ONNX Runtime call, sorted by
/// length) and on every core (<see cref="MiniLmOptions.ThreadsPerWorker"/>). A text longer than
/// <see cref="MiniLmOptions.MaxTokens"/> word pieces (256 by default, [CLS] and [SEP] included) is cut to its first 254
/// — the rest of a long document does not count. The 384-dimensional unit vectors feed both the learner and the
/// diversity strategies (<see cref="FeaturizedData.VectorsAreEmbeddings"/>). Progress is reported per batch as stage
/// <c>embedding</c>. Thread-safe; dispose it to free the model.
/// </summary>
public sealed class MiniLmFeaturizer : IFeaturizer, IDisposable
{
    private readonly MiniLmEncoder _encoder;
    private readonly TextEncoderFeaturizer _inner;
    private readonly bool _ownsEncoder;

    /// <summary>Loads the model and opens the cache.</summary>
    /// <param name="cache">The cache; null: none (every text is embedded each time).</param>
    /// <param name="options">Encoder settings; default <c>new MiniLmOptions()</c>.</param>
    /// <exception cref="ConfigurationException">The options are invalid, or the cache belongs to another model.</exception>
    public MiniLmFeaturizer(Func<string, int, IEmbeddingCache>? cache, MiniLmOptions? options = null)
        : this(new MiniLmEncoder(options), cache, ownsEncoder: true)
    {
    }

    /// <summary>Over an encoder already loaded (tests share one); disposing disposes it only when <paramref name="ownsEncoder"/>.</summary>
    internal MiniLmFeaturizer(MiniLmEncoder encoder, Func<string, int, IEmbeddingCache>? cache, bool ownsEncoder)
    {
        _encoder = encoder;
        _ownsEncoder = ownsEncoder;
        try
        {
            ITextEncoder source = _encoder;
            if (cache is not null)
            {
                Cache = cache(_encoder.ModelId, _encoder.Dimension);
                if (!string.Equals(Cache.ModelId, _encoder.ModelId, StringComparison.Ordinal) || Cache.Dimension != _encoder.Dimension)
                    throw new ConfigurationException($"The embedding cache holds vectors of '{Cache.ModelId}', not of '{_encoder.ModelId}'.");
                source = new CachingTextEncoder(_encoder, Cache);
            }
            _inner = new TextEncoderFeaturizer(source, Name, new Dictionary<string, object?>
            {
                ["max_tokens"] = _encoder.MaxTokens,
                ["truncation"] = $"first {_encoder.MaxTokens - 2} word pieces",
                ["pooling"] = "mean",
            });
        }
        catch
        {
            if (ownsEncoder) _encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// MiniLM behind the file cache in <paramref name="cacheDirectory"/> (default
    /// <see cref="FileEmbeddingCache.DefaultDirectory"/>: <c>~/.cache/sift/embeddings</c>, or <c>$SIFT_CACHE/embeddings</c>).
    /// </summary>
    public static MiniLmFeaturizer WithFileCache(string? cacheDirectory = null, MiniLmOptions? options = null) =>
        new((model, dimension) => FileEmbeddingCache.Open(cacheDirectory ?? FileEmbeddingCache.DefaultDirectory, model, dimension), options);

    /// <inheritdoc />
    public string Name => "minilm";

    /// <summary>The model id (part of every cache key).</summary>
    public string ModelId => _encoder.ModelId;

    /// <summary>The cache in front of the encoder, when one was given.</summary>
    public IEmbeddingCache? Cache { get; }

    /// <summary>The encoder this featuriser embeds with (behind the cache when there is one), for features built from several texts per item (preference pairs).</summary>
    public ITextEncoder Encoder => _inner.Encoder;

    /// <inheritdoc />
    public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default) =>
        _inner.FeaturizeAsync(request, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsEncoder) _encoder.Dispose();
    }
}
