using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Embeddings.Tests.Endpoint;

/// <summary>
/// TEST DOUBLE of an OpenAI-compatible embeddings server: real HTTP on loopback (HttpListener) answering
/// <c>POST /v1/embeddings</c> in the wire format — a list of <c>embedding</c> objects with <c>index</c>, float arrays or
/// base64 little-endian floats as the request's <c>encoding_format</c> asks, <c>usage</c> — with vectors made from a
/// hash of each input text (<see cref="VectorOf"/>), so tests know what to expect. A test may script a failure
/// (<see cref="FailWith"/>) or a reply with too few vectors (<see cref="DropOne"/>). Every request is recorded. Not a model.
/// </summary>
internal sealed class EmbeddingsWireDouble : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Path, string? Authorization, JsonObject Body)> _requests = new();
    private readonly Task _loop;

    public EmbeddingsWireDouble(int dimension = 8)
    {
        Dimension = dimension;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/v1");
        _listener.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    public int Dimension { get; }

    /// <summary>When set, every request is answered with this status and an OpenAI error object.</summary>
    public int? FailWith { get; set; }

    /// <summary>When set, replies leave out the last vector.</summary>
    public bool DropOne { get; set; }

    public IReadOnlyList<(string Path, string? Authorization, JsonObject Body)> Requests => _requests.ToList();

    /// <summary>The double's vector of a text: SHA-256 bytes scaled to [-1, 1).</summary>
    public static float[] VectorOf(string text, int dimension)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Enumerable.Range(0, dimension).Select(i => (hash[i % 32] - 128) / 128f).ToArray();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                await AnswerAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var body = JsonNode.Parse(text) as JsonObject ?? [];
        _requests.Enqueue((context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], body));
        string reply;
        var status = 200;
        if (context.Request.HttpMethod != "POST" || context.Request.Url.AbsolutePath != "/v1/embeddings")
        {
            status = 404;
            reply = """{"error":{"message":"no route","type":"invalid_request_error"}}""";
        }
        else if (FailWith is { } fail)
        {
            status = fail;
            reply = """{"error":{"message":"scripted failure","type":"invalid_request_error","code":"scripted"}}""";
        }
        else
        {
            var inputs = body["input"] is JsonArray array ? array.Select(n => n!.GetValue<string>()).ToList() : [body["input"]!.GetValue<string>()];
            var dimension = body["dimensions"]?.GetValue<int>() ?? Dimension;
            var base64 = body["encoding_format"]?.GetValue<string>() == "base64";
            var data = new JsonArray();
            for (var i = 0; i < inputs.Count - (DropOne ? 1 : 0); i++)
            {
                var vector = VectorOf(inputs[i], dimension);
                JsonNode embedding = base64
                    ? JsonValue.Create(Convert.ToBase64String(vector.SelectMany(BitConverter.GetBytes).ToArray()))
                    : new JsonArray(vector.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
                data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
            }
            reply = new JsonObject
            {
                ["object"] = "list",
                ["data"] = data,
                ["model"] = body["model"]?.GetValue<string>(),
                ["usage"] = new JsonObject { ["prompt_tokens"] = inputs.Count, ["total_tokens"] = inputs.Count },
            }.ToJsonString();
        }
        var bytes = Encoding.UTF8.GetBytes(reply);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public void Dispose()
    {
        if (!_listener.IsListening) return;
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }
    }
}
