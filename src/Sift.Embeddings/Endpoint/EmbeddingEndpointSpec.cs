using System.Globalization;
using System.Text.RegularExpressions;

namespace Sift.Embeddings.Endpoint;

/// <summary>
/// An OpenAI-compatible <c>/v1/embeddings</c> endpoint as written after <c>--features endpoint:</c>:
/// <c>MODEL@URL[,key-env=VAR][,dimensions=N][,batch=N]</c>, e.g.
/// <c>text-embedding-3-small@https://api.example.com/v1,key-env=OPENAI_API_KEY</c>. The key itself is never part of a
/// spec: <c>key-env</c> names the environment variable that holds it, read when the client is made and never stored,
/// logged or put in a message. <see cref="ToString"/> gives the canonical spec, safe to log.
/// </summary>
public sealed partial class EmbeddingEndpointSpec
{
    /// <summary>The longest spec accepted.</summary>
    public const int MaxLength = 2048;

    private EmbeddingEndpointSpec(string model, Uri endpoint, string? keyVariable, int? dimensions, int batchSize)
    {
        Model = model;
        Endpoint = endpoint;
        KeyEnvironmentVariable = keyVariable;
        Dimensions = dimensions;
        BatchSize = batchSize;
    }

    /// <summary>The model id sent with each request.</summary>
    public string Model { get; }

    /// <summary>The API base, e.g. <c>https://host/v1</c>; requests go to <c>{Endpoint}/embeddings</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The environment variable holding the API key; null: no key (local servers).</summary>
    public string? KeyEnvironmentVariable { get; }

    /// <summary>Dimensions to ask for (models that can shorten their vectors); null: the model's own.</summary>
    public int? Dimensions { get; }

    /// <summary>Texts per request. Default 64; 1–2,048.</summary>
    public int BatchSize { get; }

    /// <summary>The canonical spec (no key).</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Model}@{Endpoint.OriginalString}")
        + (KeyEnvironmentVariable is null ? "" : $",key-env={KeyEnvironmentVariable}")
        + (Dimensions is { } d ? string.Create(CultureInfo.InvariantCulture, $",dimensions={d}") : "")
        + (BatchSize != 64 ? string.Create(CultureInfo.InvariantCulture, $",batch={BatchSize}") : "");

    /// <summary>Parses a spec (the part after <c>endpoint:</c>).</summary>
    /// <exception cref="ConfigurationException">The spec is malformed; the message says which part.</exception>
    public static EmbeddingEndpointSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length == 0) throw Bad("is empty; write endpoint:MODEL@URL");
        if (text.Length > MaxLength) throw Bad($"is longer than {MaxLength:N0} characters");
        if (text.Any(char.IsControl)) throw Bad("contains control characters");
        var parts = text.Split(',');
        var at = parts[0].IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == parts[0].Length - 1) throw Bad("must start with MODEL@URL");
        var model = parts[0][..at].Trim();
        if (model.Length > 256 || model.Any(char.IsWhiteSpace)) throw Bad("has a model id with spaces or over 256 characters");
        if (!Uri.TryCreate(parts[0][(at + 1)..].Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw Bad("needs an absolute http or https URL after '@'");
        if (url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
            throw Bad("has a URL with user info, a query or a fragment; put a key in an environment variable and name it with key-env=");
        string? key = null;
        int? dimensions = null;
        var batch = 64;
        foreach (var option in parts.Skip(1))
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw Bad($"has an option '{Short(option)}' that is not name=value");
            var name = option[..eq].Trim().ToLowerInvariant();
            var value = option[(eq + 1)..].Trim();
            switch (name)
            {
                case "key-env":
                    if (!EnvironmentName().IsMatch(value)) throw Bad("has a key-env that is not an environment variable name (letters, digits, _)");
                    key = value;
                    break;
                case "dimensions":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d is < 1 or > 65536) throw Bad("has dimensions outside 1–65,536");
                    dimensions = d;
                    break;
                case "batch":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var b) || b is < 1 or > 2048) throw Bad("has batch outside 1–2,048");
                    batch = b;
                    break;
                default:
                    throw Bad($"has an unknown option '{Short(name)}' (known: key-env, dimensions, batch)");
            }
        }
        return new EmbeddingEndpointSpec(model, url, key, dimensions, batch);
    }

    private static string Short(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static ConfigurationException Bad(string why) => new($"The embedding endpoint spec {why}.");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvironmentName();
}
