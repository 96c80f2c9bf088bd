using System.Globalization;
using System.Text.RegularExpressions;

namespace Sift.Llm.Endpoint;

/// <summary>Whether to ask an endpoint for a JSON-schema constrained reply.</summary>
public enum JsonSchemaMode
{
    /// <summary>Send the schema; if the server rejects it (HTTP 400 naming the response format), stop sending it and parse strictly.</summary>
    Auto,

    /// <summary>Always send the schema; a server that rejects it declines every item.</summary>
    On,

    /// <summary>Never send it; replies are parsed strictly.</summary>
    Off,
}

/// <summary>
/// An OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio). The key is not
/// an option: only the name of the environment variable that holds it, read when the client is created and never
/// stored, logged or put in a message. Checked by <see cref="Validate"/>.
/// </summary>
public sealed partial class OpenAiEndpointOptions
{
    /// <summary>The model id sent with each request. Required.</summary>
    public required string Model { get; init; }

    /// <summary>The API base, e.g. <c>https://host/v1</c> (requests go to <c>{Endpoint}/chat/completions</c>). Required; http or https; no user info, query or fragment.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The environment variable holding the API key; null for servers that need none (then no Authorization header is sent).</summary>
    public string? KeyEnvironmentVariable { get; init; }

    /// <summary>Time allowed for one attempt, response body included (default 60 s; above 0, at most 1 h).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a time-out, a dropped or cut-off connection, HTTP 408, 429 or 5xx (default 3; 0–10).</summary>
    public int Retries { get; init; } = 3;

    /// <summary>First back-off delay, doubled each retry with jitter (default 1 s; 0–10 min).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts, also the cap on a server's <c>Retry-After</c> (default 30 s; 0–10 min).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether to send the answer's JSON schema as the response format (default <see cref="JsonSchemaMode.Auto"/>).</summary>
    public JsonSchemaMode JsonSchema { get; init; } = JsonSchemaMode.Auto;

    /// <summary>Seed of the back-off jitter (default 0).</summary>
    public ulong JitterSeed { get; init; }

    /// <summary>Throws a <see cref="ConfigurationException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Model) || Model.Length > 256 || Model.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ConfigurationException("The endpoint's model id must have 1–256 characters and no spaces.");
        CheckEndpoint(Endpoint);
        if (KeyEnvironmentVariable is not null && !EnvironmentName().IsMatch(KeyEnvironmentVariable))
            throw new ConfigurationException("key-env must name an environment variable (letters, digits and _, not starting with a digit, at most 128 characters).");
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1)) throw new ConfigurationException("The endpoint time-out must be above 0 and at most 1 hour.");
        if (Retries is < 0 or > 10) throw new ConfigurationException($"Retries must be between 0 and 10 (got {Retries.ToString(CultureInfo.InvariantCulture)}).");
        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromMinutes(10)) throw new ConfigurationException("The retry delay must be between 0 and 10 minutes.");
        if (MaxRetryDelay < TimeSpan.Zero || MaxRetryDelay > TimeSpan.FromMinutes(10)) throw new ConfigurationException("The longest retry delay must be between 0 and 10 minutes.");
    }

    internal static void CheckEndpoint(Uri? endpoint)
    {
        if (endpoint is null || !endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            throw new ConfigurationException("The endpoint URL must be an absolute http or https URL.");
        if (endpoint.OriginalString.Length > 2048) throw new ConfigurationException("The endpoint URL is longer than 2,048 characters.");
        if (endpoint.UserInfo.Length > 0) throw new ConfigurationException("The endpoint URL may not carry user info; put the key in an environment variable and name it with key-env=.");
        if (endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0) throw new ConfigurationException("The endpoint URL may not carry a query or fragment; put a key in an environment variable and name it with key-env=.");
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvironmentName();
}
