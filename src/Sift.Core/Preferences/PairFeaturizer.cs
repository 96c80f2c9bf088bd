using System.Globalization;
using Sift.Features;
using Sift.Items;

namespace Sift.Preferences;

/// <summary>The reward model's inputs for two sets of comparisons: one difference row φ_A − φ_B per pair.</summary>
/// <param name="Pool">Differences of the pool pairs (row = pool position); the standardisation was fitted on these.</param>
/// <param name="Other">Differences of the other pairs (a test set), transformed with the pool's standardisation.</param>
/// <param name="Features">The fitted feature map (block layout and names).</param>
public sealed record PairFeatureSet(DenseMatrix Pool, DenseMatrix Other, PairFeatures Features);

/// <summary>
/// Features of preference pairs (<see cref="PairContent"/>) for the Bradley–Terry reward model: the encoder's vectors
/// of the request (<see cref="RequestText"/>) and of each response, turned into φ(prompt, response) by
/// <see cref="PairFeatures"/> (standardisation fitted on the pool's responses), and one row per pair holding
/// φ(prompt, A) − φ(prompt, B). Every text of the pool and the other items goes to the encoder in one call, so a cache
/// sees each text once. The source gives no item vectors (the diversity strategies for text do not apply). Thread-safe
/// when the encoder is.
/// </summary>
public sealed class PairFeaturizer : IFeaturizer
{
    private readonly ITextEncoder _encoder;
    private readonly string _encoderName;

    /// <summary>Creates the featuriser.</summary>
    /// <param name="encoder">The sentence encoder (usually behind a cache).</param>
    /// <param name="options">Which blocks φ holds; default all.</param>
    /// <param name="encoderName">The encoder's name in records (<c>minilm</c>, <c>endpoint</c>).</param>
    /// <exception cref="ConfigurationException">The options select no block.</exception>
    public PairFeaturizer(ITextEncoder encoder, PairFeatureOptions? options = null, string encoderName = "encoder")
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentException.ThrowIfNullOrWhiteSpace(encoderName);
        Options = options ?? new PairFeatureOptions();
        Options.Validate();
        _encoder = encoder;
        _encoderName = encoderName;
    }

    /// <inheritdoc />
    public string Name => "pair";

    /// <summary>The blocks of φ.</summary>
    public PairFeatureOptions Options { get; }

    /// <summary>
    /// The text that stands for a pair's request when it is embedded: for a conversation, its last user turn (already
    /// <see cref="PairContent.Prompt"/>); for a plain prompt in Anthropic's HH transcript form (<c>Human: … Assistant:</c>),
    /// the last <c>Human:</c> turn — the request the two replies answer, where a 256-word-piece encoder would keep only
    /// the start of a long conversation; else the whole prompt.
    /// </summary>
    public static string RequestText(PairContent pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        var prompt = pair.Prompt;
        if (pair.Conversation is not null) return prompt;
        var at = prompt.LastIndexOf("Human:", StringComparison.Ordinal);
        if (at < 0) return prompt;
        var text = prompt[(at + "Human:".Length)..];
        var end = text.LastIndexOf("Assistant:", StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }

    /// <inheritdoc />
    /// <exception cref="SiftException">An item is not a preference pair.</exception>
    public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var set = Build(Pairs(request.Pool, request.PoolIds), Pairs(request.Other, request.OtherIds), request.Progress, cancellationToken);
        var description = new Dictionary<string, object?>
        {
            ["kind"] = "pair",
            ["encoder"] = _encoderName,
            ["model"] = _encoder.ModelId,
            ["vector_dimensions"] = set.Features.VectorDimension,
            ["dimensions"] = set.Features.Dimension,
            ["blocks"] = Blocks(Options),
            ["request"] = "last user turn of a conversation or an HH transcript, else the prompt",
        };
        return Task.FromResult(new FeaturizedData(set.Pool, set.Other, null, description));
    }

    /// <summary>Embeds and featurises the pairs: the pool's differences (standardisation fitted on them) and the others'.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; vectors already cached stay cached.</exception>
    public PairFeatureSet Build(IReadOnlyList<PairContent> pool, IReadOnlyList<PairContent> other, IProgress<FeaturizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(other);
        if (pool.Count == 0) throw new SiftException("The pair features need at least one pair in the pool.");
        cancellationToken.ThrowIfCancellationRequested();
        int n = pool.Count, m = other.Count;
        var texts = new string[3 * (n + m)];
        for (var i = 0; i < n; i++)
        {
            texts[i] = RequestText(pool[i]);
            texts[n + i] = pool[i].ResponseA;
            texts[2 * n + i] = pool[i].ResponseB;
        }
        for (var i = 0; i < m; i++)
        {
            texts[3 * n + i] = RequestText(other[i]);
            texts[3 * n + m + i] = other[i].ResponseA;
            texts[3 * n + 2 * m + i] = other[i].ResponseB;
        }
        progress?.Report(new FeaturizeProgress(0, texts.Length, "embedding"));
        var stage = progress is null ? null : new StageProgress(progress);
        var all = _encoder.Encode(texts, stage, cancellationToken);
        if (all.Rows != texts.Length) throw new InvalidOperationException($"The encoder '{_encoder.ModelId}' returned {all.Rows} vectors for {texts.Length} texts.");
        all.NormalizeRows();
        progress?.Report(new FeaturizeProgress(texts.Length, texts.Length, "embedding"));
        DenseMatrix Block(int start, int rows) => new(rows, all.Columns, all.Data.AsSpan(start * all.Columns, rows * all.Columns).ToArray());

        var poolPrompts = Block(0, n);
        var poolA = Block(n, n);
        var poolB = Block(2 * n, n);
        var responseTexts = pool.Select(p => p.ResponseA).Concat(pool.Select(p => p.ResponseB)).ToList();
        var features = PairFeatures.Fit(Stack(poolPrompts, poolPrompts), Stack(poolA, poolB), responseTexts, Options);
        var poolDiff = features.Differences(poolPrompts, poolA, pool.Select(p => p.ResponseA).ToList(), poolB, pool.Select(p => p.ResponseB).ToList());
        var otherDiff = m == 0
            ? new DenseMatrix(0, features.Dimension)
            : features.Differences(Block(3 * n, m), Block(3 * n + m, m), other.Select(p => p.ResponseA).ToList(), Block(3 * n + 2 * m, m), other.Select(p => p.ResponseB).ToList());
        return new PairFeatureSet(poolDiff, otherDiff, features);
    }

    /// <summary>The blocks of <paramref name="options"/> by name, in φ's order.</summary>
    public static IReadOnlyList<string> Blocks(PairFeatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var blocks = new List<string>();
        if (options.Response) blocks.Add("response");
        if (options.Interaction) blocks.Add("interaction");
        if (options.Cosine) blocks.Add("cosine");
        if (options.Traits) blocks.Add("traits");
        return blocks;
    }

    /// <summary>Parses a comma-separated list of blocks (<c>response,interaction,cosine,traits</c>, or <c>all</c>).</summary>
    /// <exception cref="ConfigurationException">An unknown block name, or none.</exception>
    public static PairFeatureOptions ParseBlocks(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return new PairFeatureOptions();
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => s.ToLowerInvariant()).ToList();
        string[] known = ["response", "interaction", "cosine", "traits"];
        var unknown = names.FirstOrDefault(n => !known.Contains(n));
        if (unknown is not null || names.Count == 0)
        {
            throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"--pair-features: '{(unknown ?? text).Trim()}' is not a block; use 'all' or a comma-separated list of {string.Join(", ", known)}."));
        }
        var options = new PairFeatureOptions
        {
            Response = names.Contains("response"),
            Interaction = names.Contains("interaction"),
            Cosine = names.Contains("cosine"),
            Traits = names.Contains("traits"),
        };
        options.Validate();
        return options;
    }

    private static List<PairContent> Pairs(IReadOnlyList<ItemContent> items, IReadOnlyList<string> ids)
    {
        var pairs = new List<PairContent>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not PairContent pair)
            {
                var id = i < ids.Count ? ids[i] : (i + 1).ToString(CultureInfo.InvariantCulture);
                throw new SiftException($"Item '{id}' is {(items[i].Kind == ContentKind.Text ? "a text item" : items[i].Kind.ToString())}; the pair features read preference pairs only (a prompt with two responses).");
            }
            pairs.Add(pair);
        }
        return pairs;
    }

    private static DenseMatrix Stack(DenseMatrix a, DenseMatrix b) => new(a.Rows + b.Rows, a.Columns, [.. a.Data, .. b.Data]);

    private sealed class StageProgress(IProgress<FeaturizeProgress> outer) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value) => outer.Report(new FeaturizeProgress(value.Done, value.Total, "embedding"));
    }
}
