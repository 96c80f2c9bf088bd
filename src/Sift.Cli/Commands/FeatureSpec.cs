using System.Globalization;
using Sift.Embeddings;
using Sift.Embeddings.Endpoint;
using Sift.Features;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>--features</c>: one feature source or several joined by '+', each weighted by <c>--feature-weights</c>:
/// <c>tfidf</c>, <c>minilm</c>, <c>endpoint:MODEL@URL[,key-env=VAR][,dimensions=N][,batch=N]</c>, <c>file:PATH</c>.
/// A '+' inside a path or URL stays there when what follows it is not a source name.
/// </summary>
internal sealed class FeatureSpec : IDisposable
{
    /// <summary>Help text of <c>--features</c>.</summary>
    public const string Help =
        "Feature source, or several joined by '+' (side by side, weighted by --feature-weights): 'tfidf' (fitted on the pool; --analyzer, --ngrams, --min-df), " +
        "'minilm' (all-MiniLM-L6-v2 sentence embeddings in process, texts cut at 256 word pieces, cached in ~/.cache/sift/embeddings or $SIFT_CACHE/embeddings; " +
        "fill the cache ahead with 'sift embed'), 'endpoint:MODEL@URL[,key-env=VAR][,dimensions=N][,batch=N]' (an OpenAI-compatible /v1/embeddings server; " +
        "the key is read from the environment variable VAR, never written anywhere; cached like minilm), or 'file:PATH' (user vectors as JSON Lines, " +
        "{\"id\": ..., \"vector\": [...]} for every pool and test item). With an encoder in the mix, the diversity strategies and the k-means seed set use its vectors.";

    private readonly List<IDisposable> _owned = [];

    private FeatureSpec(IFeaturizer featurizer) => Featurizer = featurizer;

    /// <summary>The feature source.</summary>
    public IFeaturizer Featurizer { get; private set; }

    /// <summary>Splits a spec into its parts.</summary>
    /// <exception cref="ConfigurationException">An empty part or an unknown source.</exception>
    public static IReadOnlyList<string> Parts(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = new List<string>();
        foreach (var piece in spec.Split('+'))
        {
            if (parts.Count > 0 && piece.Trim().Length > 0 && !StartsPart(piece)) parts[^1] += "+" + piece;
            else parts.Add(piece);
        }
        foreach (var part in parts)
        {
            if (!StartsPart(part) || part.Trim().Length == 0)
                throw new ConfigurationException($"--features: unknown feature source '{(part.Length > 60 ? part[..60] + "…" : part)}'; use tfidf, minilm, endpoint:MODEL@URL or file:PATH, joined by '+'.");
        }
        return parts.Select(p => p.Trim()).ToList();
    }

    private static bool StartsPart(string piece)
    {
        var p = piece.Trim();
        return p.Equals("tfidf", StringComparison.OrdinalIgnoreCase) || p.Equals("minilm", StringComparison.OrdinalIgnoreCase)
            || (p.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && p.Length > 5)
            || (p.StartsWith("endpoint:", StringComparison.OrdinalIgnoreCase) && p.Length > 9);
    }

    /// <summary>Parses <c>--feature-weights</c>: comma-separated numbers above 0, one per part (null or empty: all 1).</summary>
    /// <exception cref="ConfigurationException">Not numbers, not one per part, or not above 0.</exception>
    public static double[] Weights(string? text, int parts)
    {
        if (string.IsNullOrWhiteSpace(text)) return Enumerable.Repeat(1.0, parts).ToArray();
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        if (items.Length != parts) throw new ConfigurationException($"--feature-weights gives {items.Length} weights for {parts} feature sources; give one per source, e.g. 1,0.5.");
        var weights = new double[parts];
        for (var i = 0; i < parts; i++)
        {
            if (!double.TryParse(items[i], NumberStyles.Float, CultureInfo.InvariantCulture, out weights[i]) || !double.IsFinite(weights[i]) || weights[i] <= 0)
                throw new ConfigurationException($"--feature-weights: '{items[i]}' is not a number above 0.");
        }
        return weights;
    }

    /// <summary>Builds the feature source (loading MiniLM or opening an endpoint when named).</summary>
    /// <param name="spec">The <c>--features</c> value.</param>
    /// <param name="weights">The <c>--feature-weights</c> value, or null.</param>
    /// <param name="tfidf">Settings of a <c>tfidf</c> part.</param>
    /// <param name="cacheDirectory">Embedding cache folder; null: <see cref="FileEmbeddingCache.DefaultDirectory"/>.</param>
    /// <param name="cancellationToken">Cancels an endpoint's probe request.</param>
    /// <exception cref="ConfigurationException">The spec is malformed, or a file does not exist.</exception>
    /// <exception cref="ImportException">A vector file does not read (names file, line and field).</exception>
    public static FeatureSpec Create(string spec, string? weights, TfidfOptions tfidf, string? cacheDirectory, CancellationToken cancellationToken)
    {
        var parts = Parts(spec);
        var w = Weights(weights, parts.Count);
        var result = new FeatureSpec(null!);
        try
        {
            var blocks = parts.Select((p, i) => new FeatureBlock(result.One(p, tfidf, cacheDirectory, cancellationToken), w[i])).ToList();
            result.Featurizer = blocks.Count == 1 && w[0] == 1 ? blocks[0].Featurizer : new ConcatFeaturizer(blocks);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private IFeaturizer One(string part, TfidfOptions tfidf, string? cacheDirectory, CancellationToken cancellationToken)
    {
        if (part.Equals("tfidf", StringComparison.OrdinalIgnoreCase)) return new TfidfFeaturizer(tfidf);
        if (part.Equals("minilm", StringComparison.OrdinalIgnoreCase))
        {
            var minilm = MiniLmFeaturizer.WithFileCache(cacheDirectory);
            _owned.Add(minilm);
            return minilm;
        }
        if (part.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var path = part[5..];
            if (!File.Exists(path)) throw new ConfigurationException($"--features: there is no file '{path}'.");
            using var stream = File.OpenRead(path);
            return new VectorsFeaturizer(VectorFileReader.Read(stream, Path.GetFileName(path)), Path.GetFileName(path));
        }
        var endpoint = EmbeddingEndpointSpec.Parse(part[9..]);
        var encoder = EndpointTextEncoder.Create(endpoint, cancellationToken);
        _owned.Add(encoder);
        var cache = FileEmbeddingCache.Open(cacheDirectory ?? FileEmbeddingCache.DefaultDirectory, encoder.ModelId, encoder.Dimension);
        return new TextEncoderFeaturizer(new CachingTextEncoder(encoder, cache), "endpoint", new Dictionary<string, object?>
        {
            ["endpoint"] = endpoint.ToString(),
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        _owned.Clear();
    }
}
