using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Bench;

/// <summary>
/// Load benchmark of the labeling server over loopback HTTP: N simulated annotators each loop fetch-next + submit
/// against a running <c>sift serve</c>. Reports acknowledged submits per second and latency percentiles, then checks
/// through the API that every acknowledged submit is stored exactly once and no item has more holders than allowed.
/// </summary>
internal static class LoadBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(string url, string adminToken, int[] clientCounts, double seconds, int items, string label, int retrainEvery)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        Console.WriteLine($"# load benchmark against {url} ({label}); {Environment.ProcessorCount} cores; {seconds:0} s per run; {items} items; retrain every {retrainEvery} labels");
        Console.WriteLine("| backend | clients | acknowledged submits/s | submit p50 ms | submit p99 ms | fetch p50 ms | fetch p99 ms | cycle p99 ms | lost | doubled | over-k |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var clients in clientCounts)
        {
            var run = await RunOnceAsync(http, adminToken, clients, seconds, items, label, retrainEvery).ConfigureAwait(false);
            Console.WriteLine(run);
        }
        return 0;
    }

    private static async Task<string> RunOnceAsync(HttpClient http, string adminToken, int clients, double seconds, int items, string label, int retrainEvery)
    {
        var name = $"load-{label}-{clients}-{Guid.NewGuid():N}"[..40];
        var project = await SendAsync(http, adminToken, HttpMethod.Post, "/api/projects", new
        {
            name,
            settings = new { mode = "single", labels = new[] { "positive", "negative" }, overlap = 1, retrain_every = retrainEvery, exploration_share = 0.0, held_out_share = 0.0 },
            instructions = "Load benchmark.",
        }).ConfigureAwait(false);
        var projectId = project["id"]!.GetValue<long>();
        var body = new StringBuilder();
        for (var i = 0; i < items; i++)
            body.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"i{i}\",\"text\":\"synthetic item {i} with a few words of text to label number {i % 97}\"}}\n");
        using (var import = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/items?format=jsonl") { Content = new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson") })
        {
            import.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            using var response = await http.SendAsync(import).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"import failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
        var tokens = new string[clients];
        for (var c = 0; c < clients; c++)
        {
            var user = await SendAsync(http, adminToken, HttpMethod.Post, "/api/users", new { name = $"{name}-a{c}", role = "annotator" }).ConfigureAwait(false);
            await SendAsync(http, adminToken, HttpMethod.Put, $"/api/projects/{projectId}/members/{user["user"]!["id"]!.GetValue<long>()}", null).ConfigureAwait(false);
            tokens[c] = user["token"]!.GetValue<string>();
        }

        var submitLatencies = new ConcurrentBag<double>();
        var fetchLatencies = new ConcurrentBag<double>();
        var cycleLatencies = new ConcurrentBag<double>();
        var acknowledged = new ConcurrentDictionary<long, long>(); // annotation id → task id
        var errors = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var wall = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var token = tokens[c];
            var random = new Random(c);
            while (!stop.IsCancellationRequested)
            {
                var cycle = Stopwatch.GetTimestamp();
                var start = Stopwatch.GetTimestamp();
                using var next = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/tasks/next");
                next.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var nextResponse = await http.SendAsync(next).ConfigureAwait(false);
                fetchLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (nextResponse.StatusCode == HttpStatusCode.NoContent) break;
                if (!nextResponse.IsSuccessStatusCode) { Interlocked.Increment(ref errors); continue; }
                var tasks = JsonNode.Parse(await nextResponse.Content.ReadAsStringAsync().ConfigureAwait(false))!;
                var task = (tasks is JsonArray array ? array[0] : tasks["tasks"] is JsonArray inner ? inner[0] : tasks)!;
                var taskId = task["task_id"]!.GetValue<long>();
                var requestId = Guid.NewGuid().ToString("N");
                var payload = JsonSerializer.Serialize(new { labels = new[] { random.Next(2) == 0 ? "positive" : "negative" }, client_request_id = requestId }, Json);
                // A submit is retried with the same client request id until acknowledged (network errors are not expected on loopback).
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    start = Stopwatch.GetTimestamp();
                    using var submit = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/tasks/{taskId}/submit") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
                    submit.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var submitResponse = await http.SendAsync(submit).ConfigureAwait(false);
                    submitLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (submitResponse.IsSuccessStatusCode)
                    {
                        var ack = JsonNode.Parse(await submitResponse.Content.ReadAsStringAsync().ConfigureAwait(false))!;
                        acknowledged.TryAdd(ack["annotation_id"]!.GetValue<long>(), taskId);
                        break;
                    }
                    Interlocked.Increment(ref errors);
                }
                cycleLatencies.Add(Stopwatch.GetElapsedTime(cycle).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = wall.Elapsed.TotalSeconds;

        // Verify through the API: every acknowledged annotation stored once; no item answered or held by more than k = 1.
        var annotations = (JsonArray)await GetAsync(http, adminToken, $"/api/projects/{projectId}/annotations").ConfigureAwait(false);
        var stored = annotations.Select(a => a!["id"]!.GetValue<long>()).ToHashSet();
        var lost = acknowledged.Keys.Count(id => !stored.Contains(id));
        var doubled = annotations.GroupBy(a => a!["item_id"]!.GetValue<long>()).Count(g => g.Count() > 1);
        var taskLog = (JsonArray)await GetAsync(http, adminToken, $"/api/projects/{projectId}/tasks").ConfigureAwait(false);
        var overK = taskLog.Where(t => t!["state"]!.GetValue<string>() is "leased" or "submitted")
            .GroupBy(t => t!["item_id"]!.GetValue<long>()).Count(g => g.Count() > 1);
        var rate = acknowledged.Count / elapsed;
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {clients} | {rate:0} | {P(submitLatencies, 50):0.0} | {P(submitLatencies, 99):0.0} | {P(fetchLatencies, 50):0.0} | {P(fetchLatencies, 99):0.0} | {P(cycleLatencies, 99):0.0} | {lost} | {doubled} | {overK} |");
        return errors > 0 ? row + string.Create(CultureInfo.InvariantCulture, $" ({errors} failed requests)") : row;
    }

    private static double P(ConcurrentBag<double> values, double percentile)
    {
        var sorted = values.ToArray();
        if (sorted.Length == 0) return double.NaN;
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static Task<JsonNode> GetAsync(HttpClient http, string token, string path) => SendAsync(http, token, HttpMethod.Get, path, body: null);

    private static async Task<JsonNode> SendAsync(HttpClient http, string token, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
