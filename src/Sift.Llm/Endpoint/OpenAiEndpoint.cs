using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenAI;
using ChatClient = OpenAI.Chat.ChatClient;
using ChatCompletion = OpenAI.Chat.ChatCompletion;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;
using Polly.Timeout;

namespace Sift.Llm.Endpoint;

/// <summary>Creates chat clients for OpenAI-compatible endpoints.</summary>
public static class OpenAiEndpoint
{
    /// <summary>
    /// A chat client for the endpoint: Microsoft.Extensions.AI's OpenAI client over an HTTP pipeline with bounded
    /// retries and time-outs, JSON-schema replies with a fall-back for servers that refuse them, token log-probabilities
    /// as <see cref="TokenLogprob"/> when asked (<see cref="TokenLogprob.RequestKey"/>), and failures as one-sentence
    /// <see cref="LlmException"/>s that never contain the key. Dispose it to close its connections.
    /// </summary>
    /// <param name="options">The endpoint; validated here.</param>
    /// <param name="timeProvider">Clock for time-outs and back-off (default: the system clock).</param>
    /// <param name="logger">Receives retries and fall-backs (status codes and counts only).</param>
    /// <exception cref="ConfigurationException">An option is invalid, or the key's environment variable is not set.</exception>
    public static IChatClient Create(OpenAiEndpointOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string? key = null;
        if (options.KeyEnvironmentVariable is { } name)
        {
            key = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(key)) throw new ConfigurationException($"The environment variable {name} named by key-env is not set.");
        }
        var time = timeProvider ?? TimeProvider.System;
        var log = logger ?? NullLogger.Instance;
        var handler = new ResilientHttpHandler(options, key is not null, time, log,
            new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = options.Timeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        // The pipeline above owns retries and time-outs; the SDK's own are turned off (its network time-out only
        // bounds the whole sequence of attempts).
        var total = options.Timeout * (options.Retries + 1) + options.MaxRetryDelay * options.Retries + TimeSpan.FromSeconds(30);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = options.Endpoint,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = total,
        };
        var chat = new ChatClient(options.Model, new ApiKeyCredential(key ?? "no-key"), clientOptions);
        return new EndpointChatClient(chat.AsIChatClient(), options, key, http, log);
    }
}

/// <summary>The endpoint client's additions over Microsoft.Extensions.AI's: fall-backs, log-probabilities, error translation, key redaction.</summary>
internal sealed partial class EndpointChatClient(IChatClient inner, OpenAiEndpointOptions options, string? key, HttpClient http, ILogger logger) : IChatClient
{
    private volatile bool _schemaRefused;
    private volatile bool _logprobsRefused;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        // At most two fall-backs (schema, log-probabilities), each taken once for the client's lifetime.
        for (var attempt = 0; ; attempt++)
        {
            var (effective, sentSchema, sentLogprobs) = Prepare(chatOptions);
            try
            {
                var response = await inner.GetResponseAsync(list, effective, cancellationToken);
                AttachLogprobs(response);
                return response;
            }
            catch (ClientResultException e) when (e.Status == 400 && attempt < 2 && FallBack(e, sentSchema, sentLogprobs))
            {
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw Translate(e);
            }
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Labeling needs whole replies (and their log-probabilities): streaming is the whole reply as updates.
        var response = await GetResponseAsync(messages, chatOptions, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType.IsInstanceOfType(this)) return this;
        return inner.GetService(serviceType, serviceKey);
    }

    public void Dispose()
    {
        inner.Dispose();
        http.Dispose();
    }

    private (ChatOptions Options, bool Schema, bool Logprobs) Prepare(ChatOptions? chatOptions)
    {
        var o = chatOptions?.Clone() ?? new ChatOptions();
        var top = 0;
        if (o.AdditionalProperties is { } extra && extra.TryGetValue(TokenLogprob.RequestKey, out var value))
        {
            if (value is int k) top = Math.Clamp(k, 1, 20);
            // A copy without Sift's own key (it is not for the server; the caller's options stay as they were).
            o.AdditionalProperties = new AdditionalPropertiesDictionary(extra.Where(p => p.Key != TokenLogprob.RequestKey));
        }
        var format = o.ResponseFormat as ChatResponseFormatJson;
        var schema = format?.Schema is not null;
        if (schema && (options.JsonSchema == JsonSchemaMode.Off || (options.JsonSchema == JsonSchemaMode.Auto && _schemaRefused)))
        {
            o.ResponseFormat = null;
            schema = false;
        }
        var logprobs = top > 0 && !_logprobsRefused;
        if (schema || logprobs)
        {
            // OpenAI-specific parts go in the SDK's own options: strict schema (so the server constrains decoding to the
            // label set where it can) and log-probabilities. Microsoft.Extensions.AI fills in the rest.
            var raw = new ChatCompletionOptions();
            if (logprobs)
            {
                raw.IncludeLogProbabilities = true;
                raw.TopLogProbabilityCount = top;
            }
            if (schema)
            {
                raw.ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat(format!.SchemaName ?? "answer",
                    BinaryData.FromString(format.Schema!.Value.GetRawText()), format.SchemaDescription, jsonSchemaIsStrict: true);
                o.ResponseFormat = null;
            }
            o.RawRepresentationFactory = _ => raw;
        }
        return (o, schema, logprobs);
    }

    // A 400 that names the response format or log-probabilities: the server does not support them; stop sending them.
    private bool FallBack(ClientResultException e, bool sentSchema, bool sentLogprobs)
    {
        var body = ServerMessage(e);
        if (sentSchema && options.JsonSchema == JsonSchemaMode.Auto
            && (body.Contains("response_format", StringComparison.OrdinalIgnoreCase) || body.Contains("json_schema", StringComparison.OrdinalIgnoreCase) || body.Contains("schema", StringComparison.OrdinalIgnoreCase)))
        {
            _schemaRefused = true;
            LogFallBack(logger, "JSON-schema response format");
            return true;
        }
        if (sentLogprobs && body.Contains("logprobs", StringComparison.OrdinalIgnoreCase))
        {
            _logprobsRefused = true;
            LogFallBack(logger, "log-probabilities");
            return true;
        }
        return false;
    }

    private static void AttachLogprobs(ChatResponse response)
    {
        if (response.RawRepresentation is not ChatCompletion { ContentTokenLogProbabilities: { Count: > 0 } tokens }) return;
        (response.AdditionalProperties ??= [])[TokenLogprob.ResponseKey] = tokens
            .Select(t => new TokenLogprob(t.Token, t.LogProbability, t.TopLogProbabilities.Select(a => new TokenAlternative(a.Token, a.LogProbability)).ToList()))
            .ToList();
    }

    private int Attempts => options.Retries + 1;

    private string Url => options.Endpoint.ToString();

    // One sentence per failure; the server's own words only after redaction. SDK exceptions are not kept as inner
    // exceptions: their messages quote response bodies, which a careless server may fill with the request's headers.
    private LlmException Translate(Exception e)
    {
        if (e is ClientResultException { Status: > 0 } status) return FromStatus(status.Status, ServerMessage(status));
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case TimeoutRejectedException:
                    return new LlmRequestException($"The endpoint did not answer within {Seconds(options.Timeout)} in {Attempts} attempts.");
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError } h:
                    return new LlmUnavailableException($"The endpoint {Url} could not be reached ({Words(h.HttpRequestError)}) in {Attempts} attempts.");
                case HttpRequestException or IOException:
                    return new LlmRequestException($"The endpoint's responses were cut off or broken in {Attempts} attempts.");
                case JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException:
                    return new LlmRequestException("The endpoint's reply is not a valid chat completion.", invalidOutput: true);
            }
        }
        LogUnexpected(logger, e.GetType().Name);
        return new LlmRequestException($"The endpoint call failed unexpectedly ({e.GetType().Name}).");
    }

    private LlmException FromStatus(int status, string message)
    {
        var code = status.ToString(CultureInfo.InvariantCulture);
        var said = message.Length > 0 ? ": " + message.TrimEnd('.') : "";
        return status switch
        {
            401 or 403 when key is null => new LlmUnavailableException($"The endpoint {Url} requires a key (HTTP {code}); name the environment variable that holds it with key-env=."),
            401 or 403 => new LlmUnavailableException($"The endpoint {Url} refused the key in environment variable {options.KeyEnvironmentVariable} (HTTP {code})."),
            404 => new LlmUnavailableException($"The endpoint {Url} has no chat completions for model '{options.Model}' (HTTP 404)."),
            429 => new LlmRequestException($"The endpoint was still rate-limiting (HTTP 429) after {Attempts} attempts."),
            >= 500 => new LlmRequestException($"The endpoint failed with HTTP {code} in {Attempts} attempts."),
            _ => new LlmRequestException($"The endpoint rejected the request (HTTP {code}){said}."),
        };
    }

    // The server's error message (OpenAI's {"error":{"message":…}} or plain text): one line, at most 200 characters, key removed.
    private string ServerMessage(ClientResultException e)
    {
        string text;
        try
        {
            text = e.GetRawResponse()?.Content?.ToString() ?? "";
        }
        catch (InvalidOperationException)
        {
            text = "";
        }
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error))
                text = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.ToString() : error.ToString();
        }
        catch (JsonException)
        {
        }
        text = Redact(string.Join(" ", text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim());
        text = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return text.Length > 200 ? text[..200] + "…" : text;
    }

    private string Redact(string text) => key is { Length: > 0 } k ? text.Replace(k, "[redacted]", StringComparison.Ordinal) : text;

    private static string Seconds(TimeSpan t) => t.TotalSeconds >= 1
        ? t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static string Words(HttpRequestError error) => error switch
    {
        HttpRequestError.ConnectionError => "connection refused or dropped",
        HttpRequestError.NameResolutionError => "host name not found",
        HttpRequestError.SecureConnectionError => "TLS failed",
        HttpRequestError.ProxyTunnelError => "proxy failed",
        _ => error.ToString(),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model endpoint refused the {Feature}; continuing without it")]
    private static partial void LogFallBack(ILogger logger, string feature);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model endpoint call failed with an unexpected {ExceptionType}")]
    private static partial void LogUnexpected(ILogger logger, string exceptionType);
}
