using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Sift.Llm.Endpoint;

/// <summary>
/// The endpoint's HTTP resilience (Polly): each attempt has <see cref="OpenAiEndpointOptions.Timeout"/>, body included
/// (a response cut off mid-body fails the attempt); time-outs, dropped connections, HTTP 408/429/5xx are retried up to
/// <see cref="OpenAiEndpointOptions.Retries"/> times with seeded, jittered exponential back-off, waiting what a 429 or
/// 503 asks in <c>Retry-After</c> (capped at <see cref="OpenAiEndpointOptions.MaxRetryDelay"/>). Logs status codes and
/// delays only — never headers or bodies.
/// </summary>
internal sealed partial class ResilientHttpHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly bool _sendKey;
    private readonly ILogger _logger;
    private readonly Random _jitter;
    private readonly Lock _jitterGate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxDelay;

    public ResilientHttpHandler(OpenAiEndpointOptions options, bool sendKey, TimeProvider time, ILogger logger, HttpMessageHandler inner) : base(inner)
    {
        _sendKey = sendKey;
        _logger = logger;
        _time = time;
        _maxDelay = options.MaxRetryDelay;
        _jitter = Seeds.Random(options.JitterSeed);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.Retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                Randomizer = NextJitter,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    LogRetry(_logger, args.AttemptNumber + 1, options.Retries, Describe(args.Outcome), (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }
        _pipeline = builder.AddTimeout(options.Timeout).Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // The SDK needs a credential even for servers without keys; such servers get no Authorization header.
        if (!_sendKey) request.Headers.Authorization = null;
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        return await _pipeline.ExecuteAsync(async token =>
        {
            using var attempt = Copy(request, body);
            var response = await base.SendAsync(attempt, token);
            try
            {
                await response.Content.LoadIntoBufferAsync(token);
            }
            catch
            {
                response.Dispose();
                throw;
            }
            return response;
        }, cancellationToken);
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers) copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var header in request.Content!.Headers) copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        return copy;
    }

    private double NextJitter()
    {
        lock (_jitterGate) return _jitter.NextDouble();
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { } r && (r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500),
        HttpRequestException or IOException or TimeoutRejectedException => true,
        _ => false,
    };

    // Retry-After (seconds or a date) when the server sends it, capped; null lets the back-off decide.
    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response?.Headers.RetryAfter is not { } retryAfter) return null;
        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is not { } w) return null;
        return w < TimeSpan.Zero ? TimeSpan.Zero : w > _maxDelay ? _maxDelay : w;
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null => "HTTP " + ((int)outcome.Result!.StatusCode).ToString(CultureInfo.InvariantCulture),
        TimeoutRejectedException => "a time-out",
        HttpRequestException h => h.HttpRequestError.ToString(),
        var e => e.GetType().Name,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model endpoint: retry {Attempt} of {Retries} after {Outcome}, waiting {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, int retries, string outcome, long delayMs);
}
