using Sift.Evidence;
using Sift.Features;
using Sift.Projects;

namespace Sift.Server.Embedding;

/// <summary>
/// The project's <c>features</c> setting (<see cref="ProjectSettings.Features"/>) as the trainer builds it: TF-IDF, the
/// server encoder's stored vectors, or both side by side (weights 1 and 1, as <c>sift simulate --features tfidf+minilm</c>).
/// With encoder vectors in the mix the diversity strategies use them (<see cref="ConcatFeaturizer"/>).
/// </summary>
internal static class ProjectFeatures
{
    public const string Tfidf = "tfidf";
    public const string Encoder = "minilm";
    public const string Both = "tfidf+minilm";

    /// <summary>TF-IDF of the item text (word 1–2-grams, min_df 2, or every term for a pool with no term in two items) with LSA vectors.</summary>
    public static IFeaturizer TfidfFeaturizer { get; } = new TfidfFeaturizer(fallBackToEveryTerm: true);

    /// <summary>Whether the setting needs the sentence encoder's vectors.</summary>
    public static bool NeedsEncoder(string features) => features is Encoder or Both;

    /// <summary>The featuriser of <paramref name="kind"/>; <paramref name="vectors"/> answers the encoder's part (required unless the kind is TF-IDF).</summary>
    public static IFeaturizer Create(string kind, ITextEncoder? vectors)
    {
        if (kind == Tfidf) return TfidfFeaturizer;
        ArgumentNullException.ThrowIfNull(vectors);
        var encoder = new TextEncoderFeaturizer(vectors, Encoder);
        return kind switch
        {
            Encoder => encoder,
            Both => new ConcatFeaturizer([new FeatureBlock(TfidfFeaturizer), new FeatureBlock(encoder)]),
            _ => throw new ConfigurationException($"features: must be 'tfidf', 'minilm' or 'tfidf+minilm', not '{kind}'."),
        };
    }
}

/// <summary>
/// What the trainer is to use for one fit: the features <see cref="Kind"/> it plans (the project's setting when every
/// item has a stored vector, else TF-IDF and a <see cref="Note"/> saying why), and how to read the vectors when its
/// cached features do not already hold them.
/// </summary>
internal sealed class FeatureChoice
{
    private readonly Func<IReadOnlyList<Item>, CancellationToken, ITextEncoder?>? _load;

    private FeatureChoice(string kind, string? note, Func<IReadOnlyList<Item>, CancellationToken, ITextEncoder?>? load)
    {
        Kind = kind;
        Note = note;
        _load = load;
    }

    /// <summary>TF-IDF, as every project trained before the encoder existed (and as tests that name no choice).</summary>
    public static FeatureChoice TfidfOnly { get; } = new(ProjectFeatures.Tfidf, null, null);

    /// <summary>TF-IDF although the project asks for more; <paramref name="note"/> says why (e.g. "waiting for vectors: 10 of 50 items").</summary>
    public static FeatureChoice Waiting(string note) => new(ProjectFeatures.Tfidf, note, null);

    /// <summary><paramref name="kind"/> with encoder vectors read by <paramref name="load"/> (null from it: some item lacks one).</summary>
    public static FeatureChoice WithVectors(string kind, Func<IReadOnlyList<Item>, CancellationToken, ITextEncoder?> load) => new(kind, null, load);

    /// <summary>The features planned: <c>tfidf</c>, <c>minilm</c> or <c>tfidf+minilm</c>.</summary>
    public string Kind { get; }

    /// <summary>Why the project's setting is not what is used, or null.</summary>
    public string? Note { get; }

    /// <summary>The encoder vectors of <paramref name="items"/> (each item's text), or null when some item has none.</summary>
    public ITextEncoder? LoadVectors(IReadOnlyList<Item> items, CancellationToken cancellationToken) => _load?.Invoke(items, cancellationToken);
}

/// <summary>
/// An <see cref="ITextEncoder"/> that answers from vectors read from the store beforehand: the trainer never runs the
/// model (the background worker does). A text whose vector was not read is an error. Thread-safe.
/// </summary>
internal sealed class StoredVectorsEncoder(string modelId, int dimension, IReadOnlyDictionary<EmbeddingKey, float[]> vectors) : ITextEncoder
{
    public string ModelId { get; } = modelId;

    public int Dimension { get; } = dimension;

    public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new DenseMatrix(texts.Count, Dimension);
        for (var i = 0; i < texts.Count; i++)
        {
            if (!vectors.TryGetValue(EmbeddingKey.Create(ModelId, texts[i]), out var vector))
                throw new InvalidOperationException($"Text {i} has no stored vector of '{ModelId}'.");
            vector.CopyTo(result.Row(i));
        }
        progress?.Report(new EncodeProgress(texts.Count, texts.Count, texts.Count));
        return result;
    }
}

/// <summary>
/// The live loop changed the features it trains on (TF-IDF → the project's setting once every item has its vector, or
/// back when the setting asks for TF-IDF). Appended to the project's evidence after the first model version on the new
/// features; that version's <see cref="ModelEvent"/> names its features too.
/// </summary>
/// <param name="ModelVersion">The first model version trained on <paramref name="To"/>.</param>
/// <param name="From">The features of the model version before it.</param>
/// <param name="To">The features now in use.</param>
/// <param name="Reason">Why, in words.</param>
internal sealed record FeaturesEvent(int ModelVersion, string From, string To, string Reason) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "features";

    /// <summary>The encoder's model id, when encoder vectors are in use.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoder { get; init; }
}
