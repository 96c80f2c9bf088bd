namespace Sift.Features;

/// <summary>
/// Features from a sentence encoder (<see cref="ITextEncoder"/>: the in-process MiniLM, an embedding endpoint, either
/// behind a cache): one dense vector per item, scaled to unit length, used both by the learner and by the diversity
/// strategies. Pool and other items go to the encoder in one call (so a cache sees every text once); nothing is fitted
/// on the pool, so the other items' vectors never depend on it. An encoder cuts long texts at its own limit (MiniLM:
/// 256 word pieces). Holds only the encoder; thread-safe when the encoder is.
/// </summary>
public sealed class TextEncoderFeaturizer : IFeaturizer
{
    private readonly ITextEncoder _encoder;
    private readonly IReadOnlyDictionary<string, object?> _details;

    /// <summary>Creates the featuriser.</summary>
    /// <param name="encoder">The encoder (usually a <see cref="CachingTextEncoder"/>).</param>
    /// <param name="name">The name in feature specs and records, e.g. <c>minilm</c>.</param>
    /// <param name="details">Extra description entries (truncation limit, endpoint); must not hold secrets.</param>
    public TextEncoderFeaturizer(ITextEncoder encoder, string name, IReadOnlyDictionary<string, object?>? details = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _encoder = encoder;
        Name = name;
        _details = details ?? new Dictionary<string, object?>();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The encoder.</summary>
    public ITextEncoder Encoder => _encoder;

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException">Cancelled; vectors already cached stay cached.</exception>
    public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var pool = request.Pool.Count;
        var texts = new string[pool + request.Other.Count];
        for (var i = 0; i < pool; i++) texts[i] = request.Pool[i].FeatureText;
        for (var i = 0; i < request.Other.Count; i++) texts[pool + i] = request.Other[i].FeatureText;
        var progress = request.Progress is { } outer ? new StageProgress(outer) : null;
        request.Progress?.Report(new FeaturizeProgress(0, texts.Length, "embedding"));
        var all = _encoder.Encode(texts, progress, cancellationToken);
        if (all.Rows != texts.Length) throw new InvalidOperationException($"The encoder '{_encoder.ModelId}' returned {all.Rows} vectors for {texts.Length} texts.");
        all.NormalizeRows();
        var d = all.Columns;
        var poolMatrix = new DenseMatrix(pool, d, all.Data.AsSpan(0, pool * d).ToArray());
        var other = new DenseMatrix(request.Other.Count, d, all.Data.AsSpan(pool * d).ToArray());
        request.Progress?.Report(new FeaturizeProgress(texts.Length, texts.Length, "embedding"));
        var description = new Dictionary<string, object?>(_details)
        {
            ["kind"] = Name,
            ["model"] = _encoder.ModelId,
            ["dimensions"] = d,
            ["normalized"] = true,
        };
        return Task.FromResult(new FeaturizedData(poolMatrix, other, () => poolMatrix, description) { VectorsAreEmbeddings = true });
    }

    private sealed class StageProgress(IProgress<FeaturizeProgress> outer) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value) => outer.Report(new FeaturizeProgress(value.Done, value.Total, "embedding"));
    }
}
