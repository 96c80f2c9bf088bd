using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Sift.Llm.Endpoint;
using Sift.Llm.Gguf;

namespace Sift.Llm;

/// <summary>Which kind of model a spec names.</summary>
public enum LlmBackend
{
    /// <summary>A GGUF file run in-process (<c>gguf:PATH</c>).</summary>
    Gguf,

    /// <summary>An OpenAI-compatible endpoint (<c>openai:MODEL@URL</c>).</summary>
    OpenAi,
}

/// <summary>
/// A model annotator as written on the command line or in a project's settings:
/// <c>gguf:PATH[,option=value…]</c> or <c>openai:MODEL@URL[,option=value…]</c>. Options: <c>shots</c>, <c>samples</c>,
/// <c>price-in</c> and <c>price-out</c> (per 1,000 tokens), <c>template</c>; for endpoints also <c>key-env</c> (the
/// name of the environment variable holding the key — never the key), <c>concurrency</c>, <c>timeout</c> (<c>30</c>,
/// <c>30s</c>, <c>500ms</c>, <c>2m</c>), <c>retries</c>, <c>logprobs</c> (<c>on</c>/<c>off</c>) and <c>schema</c>
/// (<c>auto</c>/<c>on</c>/<c>off</c>); for GGUF files <c>context</c> and <c>threads</c>. Paths and URLs may not contain
/// commas. <see cref="ToString"/> gives the canonical spec, safe to log and store.
/// </summary>
public sealed class LlmSpec
{
    /// <summary>The longest spec accepted.</summary>
    public const int MaxLength = 4096;

    private static readonly string[] Common = ["shots", "samples", "price-in", "price-out", "template"];
    private static readonly string[] EndpointOnly = ["key-env", "concurrency", "timeout", "retries", "logprobs", "schema"];
    private static readonly string[] GgufOnly = ["context", "threads"];

    private readonly string _canonical;

    private LlmSpec(LlmBackend backend, LlmOracleOptions oracle, GgufOptions? gguf, OpenAiEndpointOptions? endpoint, string canonical)
    {
        Backend = backend;
        Oracle = oracle;
        Gguf = gguf;
        Endpoint = endpoint;
        _canonical = canonical;
    }

    /// <summary>The kind of model.</summary>
    public LlmBackend Backend { get; }

    /// <summary>The oracle's options (name, prompt, confidence, prices).</summary>
    public LlmOracleOptions Oracle { get; }

    /// <summary>The GGUF model, for <see cref="LlmBackend.Gguf"/>.</summary>
    public GgufOptions? Gguf { get; }

    /// <summary>The endpoint, for <see cref="LlmBackend.OpenAi"/>.</summary>
    public OpenAiEndpointOptions? Endpoint { get; }

    /// <summary>The canonical spec (options sorted, defaults omitted); contains no key.</summary>
    public override string ToString() => _canonical;

    /// <summary>Parses a spec.</summary>
    /// <exception cref="ConfigurationException">The spec is malformed; the message says which part and why.</exception>
    public static LlmSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length == 0) throw Bad("is empty; write gguf:PATH or openai:MODEL@URL");
        if (text.Length > MaxLength) throw Bad($"is longer than {MaxLength:N0} characters");
        if (text.Any(char.IsControl)) throw Bad("contains control characters");
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon < 0 ? "" : text[..colon].ToLowerInvariant();
        var segments = text[(colon + 1)..].Split(',');
        var target = segments[0].Trim();
        var options = ParseOptions(segments.Skip(1));
        return scheme switch
        {
            "gguf" => ParseGguf(target, options),
            "openai" => ParseOpenAi(target, options),
            _ => throw Bad("must start with gguf: or openai: (gguf:PATH or openai:MODEL@URL)"),
        };
    }

    private static Dictionary<string, string> ParseOptions(IEnumerable<string> segments)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in segments)
        {
            var segment = raw.Trim();
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw Bad($"has '{Clip(segment)}' where an option name=value belongs (paths and URLs may not contain commas)");
            var name = segment[..eq].Trim().ToLowerInvariant();
            var value = segment[(eq + 1)..].Trim();
            if (value.Length == 0 || value.Length > 256) throw Bad($"option '{Clip(name)}' needs a value of 1–256 characters");
            if (!options.TryAdd(name, value)) throw Bad($"gives option '{Clip(name)}' twice");
        }
        return options;
    }

    private static LlmSpec ParseGguf(string path, Dictionary<string, string> options)
    {
        if (path.Length == 0) throw Bad("names no GGUF file (gguf:PATH)");
        if (path.Length > 1024) throw Bad("has a GGUF path longer than 1,024 characters");
        CheckNames(options, "gguf", GgufOnly);
        var name = "gguf:" + Path.GetFileName(path);
        var oracle = OracleOptions(name, options, concurrency: 1);
        var gguf = new GgufOptions
        {
            Path = path,
            ContextSize = Int(options, "context", 2048, 128, 131072),
            Threads = Int(options, "threads", 0, 0, 64),
        };
        Validate(oracle.Validate);
        Validate(gguf.Validate);
        return new LlmSpec(LlmBackend.Gguf, oracle, gguf, null, Canonical("gguf:" + path, options));
    }

    private static LlmSpec ParseOpenAi(string target, Dictionary<string, string> options)
    {
        var at = IndexOfUrl(target);
        if (at <= 0) throw Bad("must read openai:MODEL@URL, with an http or https URL after the @");
        var model = target[..at];
        var url = target[(at + 1)..];
        if (model.Length > 256 || model.Any(char.IsWhiteSpace)) throw Bad("has a model id that is longer than 256 characters or contains spaces");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw Bad($"has '{Clip(url)}', which is not a URL");
        Validate(() => OpenAiEndpointOptions.CheckEndpoint(uri));
        CheckNames(options, "openai", EndpointOnly);
        var oracle = OracleOptions("openai:" + model, options, Int(options, "concurrency", 4, 1, 64));
        var endpoint = new OpenAiEndpointOptions
        {
            Model = model,
            Endpoint = uri,
            KeyEnvironmentVariable = options.GetValueOrDefault("key-env"),
            Timeout = Duration(options, "timeout", TimeSpan.FromSeconds(60)),
            Retries = Int(options, "retries", 3, 0, 10),
            JsonSchema = options.GetValueOrDefault("schema") switch
            {
                null or "auto" => JsonSchemaMode.Auto,
                "on" => JsonSchemaMode.On,
                "off" => JsonSchemaMode.Off,
                var v => throw Bad($"option 'schema' must be auto, on or off (got '{Clip(v)}')"),
            },
        };
        Validate(oracle.Validate);
        Validate(endpoint.Validate);
        return new LlmSpec(LlmBackend.OpenAi, oracle, null, endpoint, Canonical($"openai:{model}@{url}", options));
    }

    private static int IndexOfUrl(string target)
    {
        var http = target.IndexOf("@http://", StringComparison.OrdinalIgnoreCase);
        var https = target.IndexOf("@https://", StringComparison.OrdinalIgnoreCase);
        return http < 0 ? https : https < 0 ? http : Math.Min(http, https);
    }

    private static LlmOracleOptions OracleOptions(string name, Dictionary<string, string> options, int concurrency) => new()
    {
        Name = name,
        Template = options.GetValueOrDefault("template") ?? Prompts.PromptTemplates.Label1,
        Shots = Int(options, "shots", 4, 0, 32),
        Samples = Int(options, "samples", 5, 1, 20),
        InputPricePer1K = Price(options, "price-in"),
        OutputPricePer1K = Price(options, "price-out"),
        UseLogprobs = Switch(options, "logprobs", true),
        Concurrency = concurrency,
    };

    private static void CheckNames(Dictionary<string, string> options, string backend, string[] specific)
    {
        foreach (var name in options.Keys)
        {
            if (Common.Contains(name) || specific.Contains(name)) continue;
            var other = backend == "gguf" ? EndpointOnly : GgufOnly;
            if (other.Contains(name)) throw Bad($"option '{name}' does not apply to {backend} models");
            throw Bad($"has the unknown option '{Clip(name)}' (known for {backend}: {string.Join(", ", Common.Concat(specific))})");
        }
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback, int min, int max)
    {
        if (!options.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw Bad($"option '{name}' must be a whole number from {min} to {max} (got '{Clip(text)}')");
        return value;
    }

    private static double Price(Dictionary<string, string> options, string name)
    {
        if (!options.TryGetValue(name, out var text)) return 0;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value > 1000)
            throw Bad($"option '{name}' must be a price per 1,000 tokens from 0 to 1000 (got '{Clip(text)}')");
        return value;
    }

    private static bool Switch(Dictionary<string, string> options, string name, bool fallback) => options.GetValueOrDefault(name) switch
    {
        null => fallback,
        "on" or "true" => true,
        "off" or "false" => false,
        var v => throw Bad($"option '{name}' must be on or off (got '{Clip(v)}')"),
    };

    private static TimeSpan Duration(Dictionary<string, string> options, string name, TimeSpan fallback)
    {
        if (!options.TryGetValue(name, out var text)) return fallback;
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !(value > 0) || value * unit > 3600)
            throw Bad($"option '{name}' must be a duration above 0 and at most 1 hour, like 30s, 500ms or 2m (got '{Clip(text)}')");
        return TimeSpan.FromSeconds(value * unit);
    }

    private static string Canonical(string target, Dictionary<string, string> options)
    {
        var sb = new StringBuilder(target);
        foreach (var (name, value) in options.OrderBy(o => o.Key, StringComparer.Ordinal)) sb.Append(',').Append(name).Append('=').Append(value);
        return sb.ToString();
    }

    private static void Validate(Action validate)
    {
        try
        {
            validate();
        }
        catch (ConfigurationException e)
        {
            throw Bad(char.ToLowerInvariant(e.Message[0]) + e.Message[1..].TrimEnd('.'));
        }
    }

    private static string Clip(string text) => text.Length > 60 ? text[..60] + "…" : text;

    private static ConfigurationException Bad(string problem) => new($"The LLM spec {problem}.");
}

/// <summary>Builds LLM oracles from specs.</summary>
public static class LlmOracles
{
    /// <summary>
    /// Creates the oracle a spec names, owning its back end (dispose the oracle to free it): a GGUF model is loaded now;
    /// an endpoint's key is read from its environment variable now.
    /// </summary>
    /// <param name="spec">The parsed spec.</param>
    /// <param name="timeProvider">Clock for latency, answer times, time-outs and back-off (default: the system clock).</param>
    /// <param name="loggerFactory">Logs for the oracle and its back end (default: none).</param>
    /// <param name="embeddings">Vectors for choosing the nearest few-shot examples (default: seeded random choice).</param>
    /// <exception cref="ConfigurationException">The GGUF file cannot be loaded, or the key's environment variable is not set; one sentence.</exception>
    public static LlmOracle Create(LlmSpec spec, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IChatClient client = spec.Backend switch
        {
            LlmBackend.Gguf => GgufChatClient.Load(spec.Gguf!),
            _ => OpenAiEndpoint.Create(spec.Endpoint!, timeProvider, loggerFactory?.CreateLogger("Sift.Llm.Endpoint")),
        };
        return new LlmOracle(client, spec.Oracle, timeProvider, loggerFactory?.CreateLogger<LlmOracle>(), embeddings, ownsClient: true);
    }
}
