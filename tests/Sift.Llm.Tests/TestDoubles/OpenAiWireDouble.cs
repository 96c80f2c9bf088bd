using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Llm.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE of an OpenAI-compatible server: a loopback HTTP/1.1 listener on raw sockets that answers
/// <c>POST /v1/chat/completions</c> with whatever the test's handler scripts, in the real wire format (chat.completion
/// objects with <c>usage</c> and optional <c>logprobs</c>, OpenAI error objects, <c>Retry-After</c>) — and also with what
/// real servers sometimes send: slow replies, bodies cut off before their Content-Length, malformed JSON. Raw sockets
/// rather than Kestrel so a reply can break the protocol on purpose. Every request is recorded. Not a model: it knows
/// nothing but its script.
/// </summary>
internal sealed class OpenAiWireDouble : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<WireRequest, WireReply> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<WireRequest> _requests = new();
    private readonly Task _loop;

    private OpenAiWireDouble(Func<WireRequest, WireReply> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>Starts a double that answers each chat-completions request with <paramref name="handler"/>'s reply.</summary>
    public static OpenAiWireDouble Start(Func<WireRequest, WireReply> handler) => new(handler);

    /// <summary>Starts a double that answers the n-th request (0-based) with the n-th reply, repeating the last.</summary>
    public static OpenAiWireDouble Script(params WireReply[] replies)
    {
        var next = -1;
        return new(_ => replies[Math.Min(Interlocked.Increment(ref next), replies.Length - 1)]);
    }

    /// <summary>The API base to give a client: <c>http://127.0.0.1:PORT/v1</c>.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}/v1");

    /// <summary>The requests received so far, in arrival order.</summary>
    public IReadOnlyList<WireRequest> Requests => _requests.ToList();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await WireRequest.ReadAsync(stream, _stop.Token);
                if (request is null) return;
                _requests.Enqueue(request);
                var reply = request.Method == "POST" && request.Path == "/v1/chat/completions"
                    ? _handler(request)
                    : WireReply.Error(404, $"No route for {request.Method} {request.Path}.");
                await reply.WriteAsync(stream, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client gave up (a time-out) or the double is stopping.
            }
        }
    }
}

/// <summary>A request as received by <see cref="OpenAiWireDouble"/>.</summary>
internal sealed class WireRequest
{
    public required string Method { get; init; }
    public required string Path { get; init; }
    public required IReadOnlyDictionary<string, string> Headers { get; init; }
    public required string Body { get; init; }

    /// <summary>The body as JSON (null when it is not JSON).</summary>
    public JsonObject? Json => JsonNode.Parse(Body) as JsonObject;

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    public IReadOnlyList<(string Role, string Content)> Messages =>
        Json?["messages"]?.AsArray().Select(m => (m!["role"]!.GetValue<string>(), Content(m["content"]))).ToList() ?? [];

    /// <summary>The text of the last fenced user message (the item, not a correction after it) between its BEGIN ITEM and END ITEM lines.</summary>
    public string ItemText
    {
        get
        {
            var last = Messages.Last(m => m.Role == "user" && m.Content.StartsWith("-----BEGIN ITEM ", StringComparison.Ordinal)).Content;
            var begin = last.IndexOf('\n', StringComparison.Ordinal);
            var end = last.LastIndexOf("\n-----END ITEM ", StringComparison.Ordinal);
            return begin < 0 || end < begin ? last : last[(begin + 1)..end];
        }
    }

    public string? ResponseFormatType => Json?["response_format"]?["type"]?.GetValue<string>();

    public bool Logprobs => Json?["logprobs"]?.GetValue<bool>() ?? false;

    private static string Content(JsonNode? content) => content switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    internal static async Task<WireRequest?> ReadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray())) < 0)
        {
            var n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0) return null;
            buffer.AddRange(chunk.AsSpan(0, n));
        }
        var head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray()).Split("\r\n");
        var requestLine = head[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var rest = buffer.GetRange(headerEnd + 4, buffer.Count - headerEnd - 4);
        byte[] body;
        if (headers.TryGetValue("content-length", out var lengthText))
        {
            var length = int.Parse(lengthText, CultureInfo.InvariantCulture);
            while (rest.Count < length)
            {
                var n = await stream.ReadAsync(chunk, cancellationToken);
                if (n == 0) return null;
                rest.AddRange(chunk.AsSpan(0, n));
            }
            body = rest.GetRange(0, length).ToArray();
        }
        else if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new List<byte>();
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(rest, "\r\n"u8.ToArray())) < 0)
                {
                    var n = await stream.ReadAsync(chunk, cancellationToken);
                    if (n == 0) return null;
                    rest.AddRange(chunk.AsSpan(0, n));
                }
                var size = int.Parse(Encoding.ASCII.GetString(rest.GetRange(0, lineEnd).ToArray()).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                rest.RemoveRange(0, lineEnd + 2);
                while (rest.Count < size + 2)
                {
                    var n = await stream.ReadAsync(chunk, cancellationToken);
                    if (n == 0) return null;
                    rest.AddRange(chunk.AsSpan(0, n));
                }
                if (size == 0) break;
                decoded.AddRange(rest.GetRange(0, size));
                rest.RemoveRange(0, size + 2);
            }
            body = decoded.ToArray();
        }
        else
        {
            body = [];
        }
        return new WireRequest { Method = requestLine[0], Path = requestLine[1], Headers = headers, Body = Encoding.UTF8.GetString(body) };
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++) match = haystack[i + j] == needle[j];
            if (match) return i;
        }
        return -1;
    }
}

/// <summary>One token of a scripted reply's <c>logprobs.content</c>: its text, probability and the alternatives listed with it.</summary>
internal sealed record WireToken(string Token, double Probability, params (string Token, double Probability)[] Top);

/// <summary>What <see cref="OpenAiWireDouble"/> sends back.</summary>
internal abstract class WireReply
{
    public abstract Task WriteAsync(NetworkStream stream, CancellationToken cancellationToken);

    /// <summary>A chat.completion with one choice, <c>usage</c>, and <c>logprobs</c> when tokens are given (they must spell the content).</summary>
    public static WireReply Completion(string content, IReadOnlyList<WireToken>? logprobs = null, int promptTokens = 120, int completionTokens = 7, string finishReason = "stop")
    {
        var choice = new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null },
            ["logprobs"] = logprobs is null ? null : new JsonObject
            {
                ["content"] = new JsonArray(logprobs.Select(t => (JsonNode)new JsonObject
                {
                    ["token"] = t.Token,
                    ["logprob"] = Math.Log(t.Probability),
                    ["bytes"] = Bytes(t.Token),
                    ["top_logprobs"] = new JsonArray(t.Top.Select(a => (JsonNode)new JsonObject
                    {
                        ["token"] = a.Token,
                        ["logprob"] = Math.Log(a.Probability),
                        ["bytes"] = Bytes(a.Token),
                    }).ToArray()),
                }).ToArray()),
                ["refusal"] = null,
            },
            ["finish_reason"] = finishReason,
        };
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-double",
            ["object"] = "chat.completion",
            ["created"] = 1_767_225_600,
            ["model"] = "double-model",
            ["choices"] = new JsonArray(choice),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
        };
        return new Raw(200, body.ToJsonString(), "application/json", []);
    }

    /// <summary>The single-label reply <c>{"label":"…"}</c> tokenised as <c>{"</c>, <c>label</c>, <c>":"</c>, the label, <c>"}</c>, with the given alternatives at the label's position (probabilities).</summary>
    public static WireReply LabelWithLogprobs(string label, double probability, params (string Token, double Probability)[] alternatives) =>
        Completion($"{{\"label\":\"{label}\"}}",
        [
            new("{\"", 0.99), new("label", 0.99), new("\":\"", 0.99),
            new(label, probability, [(label, probability), .. alternatives]),
            new("\"}", 0.99),
        ]);

    /// <summary>An OpenAI error object with the status (and headers such as Retry-After).</summary>
    public static WireReply Error(int status, string message, params (string Name, string Value)[] headers) =>
        new Raw(status, new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = null, ["code"] = null } }.ToJsonString(),
            "application/json", headers);

    /// <summary>Exactly this body with this status (for malformed JSON).</summary>
    public static WireReply Body(int status, string body, string contentType = "application/json") => new Raw(status, body, contentType, []);

    /// <summary>Headers announcing the whole body, then only its first half, then the connection closes.</summary>
    public static WireReply Truncated(WireReply full) => new Cut((Raw)full);

    /// <summary>Waits, then sends <paramref name="then"/> (the client may give up first).</summary>
    public static WireReply Slow(TimeSpan delay, WireReply then) => new Delayed(delay, then);

    private static JsonArray Bytes(string token) => new(Encoding.UTF8.GetBytes(token).Select(b => (JsonNode)b).ToArray());

    private sealed class Raw(int status, string body, string contentType, (string Name, string Value)[] headers) : WireReply
    {
        public byte[] Payload { get; } = Encoding.UTF8.GetBytes(body);

        public byte[] Head(int contentLength)
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n");
            sb.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nContent-Length: {contentLength}\r\nConnection: close\r\n");
            foreach (var (name, value) in headers) sb.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
            return Encoding.ASCII.GetBytes(sb.Append("\r\n").ToString());
        }

        public override async Task WriteAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(Head(Payload.Length), cancellationToken);
            await stream.WriteAsync(Payload, cancellationToken);
        }

        private static string ReasonPhrase(int status) => status switch
        {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Status",
        };
    }

    private sealed class Cut(Raw full) : WireReply
    {
        public override async Task WriteAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(full.Head(full.Payload.Length), cancellationToken);
            await stream.WriteAsync(full.Payload.AsMemory(0, full.Payload.Length / 2), cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

    private sealed class Delayed(TimeSpan delay, WireReply then) : WireReply
    {
        public override async Task WriteAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            await then.WriteAsync(stream, cancellationToken);
        }
    }
}
