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
/// Optionally M simulated reviewers loop read endpoints (agreement, every page of the annotation log, dashboard) at the
/// same time, and the server's resident memory is sampled from /proc when its process id is given.
/// </summary>
internal static class LoadBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>What simulated reviewers read in a loop while the annotators work.</summary>
    /// <param name="Reviewers">How many reviewers (0: none).</param>
    /// <param name="Reads">Which reads, in loop order: <c>agreement</c>, <c>annotations</c> (every page), <c>tasks</c> (every page of the hand-out log), <c>dashboard</c>.</param>
    /// <param name="ServerPid">The server's process id, to sample its resident memory (0: not sampled).</param>
    public sealed record ReviewerLoad(int Reviewers, string[] Reads, int ServerPid);

    public static async Task<int> RunAsync(string url, string adminToken, int[] clientCounts, double seconds, int items, string label, int retrainEvery, ReviewerLoad? reviewers = null)
    {
        reviewers ??= new ReviewerLoad(0, [], 0);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        Console.WriteLine($"# load benchmark against {url} ({label}); {Environment.ProcessorCount} cores; {seconds:0} s per run; {items} items; retrain every {retrainEvery} labels"
            + (reviewers.Reviewers > 0 ? $"; {reviewers.Reviewers} reviewers looping {string.Join(" + ", reviewers.Reads)}" : ""));
        Console.WriteLine("| backend | clients | acknowledged submits/s | submit p50 ms | submit p99 ms | fetch p50 ms | fetch p99 ms | cycle p99 ms | lost | doubled | over-k |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var clients in clientCounts)
        {
            var run = await RunOnceAsync(http, adminToken, clients, seconds, items, label, retrainEvery, reviewers).ConfigureAwait(false);
            Console.WriteLine(run);
        }
        return 0;
    }

    private static async Task<string> RunOnceAsync(HttpClient http, string adminToken, int clients, double seconds, int items, string label, int retrainEvery, ReviewerLoad reviewers)
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
            tokens[c] = user["token"]!.GetValue<string>();
        }

        var reviewerTokens = new string[reviewers.Reviewers];
        for (var r = 0; r < reviewers.Reviewers; r++)
        {
            var user = await SendAsync(http, adminToken, HttpMethod.Post, "/api/users", new { name = $"{name}-r{r}", role = "reviewer" }).ConfigureAwait(false);
            reviewerTokens[r] = user["token"]!.GetValue<string>();
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
        var readLatencies = reviewers.Reads.ToDictionary(r => r, _ => new ConcurrentBag<double>(), StringComparer.Ordinal);
        var readers = reviewerTokens.Select(token => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var read in reviewers.Reads)
                {
                    if (stop.IsCancellationRequested) break;
                    // Paged logs are read to the end, following the Link header's rel="next" (a server without paging answers in one response).
                    string? path = read switch
                    {
                        "agreement" => $"/api/projects/{projectId}/agreement",
                        "annotations" => $"/api/projects/{projectId}/annotations",
                        "tasks" => $"/api/projects/{projectId}/tasks",
                        "dashboard" => $"/api/projects/{projectId}/dashboard",
                        _ => throw new ArgumentException($"unknown read '{read}' (agreement, annotations, tasks, dashboard)"),
                    };
                    while (path is not null && !stop.IsCancellationRequested)
                    {
                        var start = Stopwatch.GetTimestamp();
                        using var request = new HttpRequestMessage(HttpMethod.Get, path);
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                        try
                        {
                            using var response = await http.SendAsync(request, stop.Token).ConfigureAwait(false);
                            await response.Content.ReadAsByteArrayAsync(stop.Token).ConfigureAwait(false);
                            readLatencies[read].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                            if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); break; }
                            path = NextLink(response);
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                }
            }
        })).ToArray();
        long peakRss = 0;
        var sampler = reviewers.ServerPid > 0 ? Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, ResidentBytes(reviewers.ServerPid));
                try { await Task.Delay(100, stop.Token).ConfigureAwait(false); } catch (OperationCanceledException) { break; }
            }
        }) : Task.CompletedTask;
        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = wall.Elapsed.TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(readers).ConfigureAwait(false);
        await sampler.ConfigureAwait(false);

        // Verify through the API: every acknowledged annotation stored once; no item answered or held by more than k = 1.
        var annotations = await GetAllPagesAsync(http, adminToken, $"/api/projects/{projectId}/annotations?limit=10000").ConfigureAwait(false);
        var stored = annotations.Select(a => a!["id"]!.GetValue<long>()).ToHashSet();
        var lost = acknowledged.Keys.Count(id => !stored.Contains(id));
        var doubled = annotations.GroupBy(a => a!["item_id"]!.GetValue<long>()).Count(g => g.Count() > 1);
        var taskLog = await GetAllPagesAsync(http, adminToken, $"/api/projects/{projectId}/tasks?limit=10000").ConfigureAwait(false);
        var overK = taskLog.Where(t => t!["state"]!.GetValue<string>() is "leased" or "submitted")
            .GroupBy(t => t!["item_id"]!.GetValue<long>()).Count(g => g.Count() > 1);
        var rate = acknowledged.Count / elapsed;
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {clients} | {rate:0} | {P(submitLatencies, 50):0.0} | {P(submitLatencies, 99):0.0} | {P(fetchLatencies, 50):0.0} | {P(fetchLatencies, 99):0.0} | {P(cycleLatencies, 99):0.0} | {lost} | {doubled} | {overK} |");
        if (errors > 0) row += string.Create(CultureInfo.InvariantCulture, $" ({errors} failed requests)");
        if (reviewers.Reviewers > 0)
        {
            var reads = string.Join("; ", readLatencies.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{r.Key}: {r.Value.Count} requests, p50 {P(r.Value, 50):0.0} ms, p99 {P(r.Value, 99):0.0} ms, max {(r.Value.IsEmpty ? double.NaN : r.Value.Max()):0.0} ms")));
            row += string.Create(CultureInfo.InvariantCulture, $"\n#   {reviewers.Reviewers} reviewers — {reads}; submit max {(submitLatencies.IsEmpty ? double.NaN : submitLatencies.Max()):0.0} ms");
        }
        if (reviewers.ServerPid > 0) row += string.Create(CultureInfo.InvariantCulture, $"\n#   server peak RSS {peakRss / (1024.0 * 1024.0):0} MB");
        return row;
    }

    /// <summary>The target of a <c>Link: &lt;…&gt;; rel="next"</c> header, or null.</summary>
    private static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var value in values)
        {
            foreach (var part in value.Split(','))
            {
                var open = part.IndexOf('<', StringComparison.Ordinal);
                var close = part.IndexOf('>', StringComparison.Ordinal);
                if (open >= 0 && close > open && part.Contains("rel=\"next\"", StringComparison.Ordinal)) return part[(open + 1)..close];
            }
        }
        return null;
    }

    /// <summary>Every element of a JSON array endpoint, following its pages.</summary>
    private static async Task<List<JsonNode?>> GetAllPagesAsync(HttpClient http, string token, string path)
    {
        var all = new List<JsonNode?>();
        for (string? next = path; next is not null;)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {next}: {(int)response.StatusCode} {text}");
            all.AddRange(((JsonArray)JsonNode.Parse(text)!).Select(n => n?.DeepClone()));
            next = NextLink(response);
        }
        return all;
    }

    /// <summary>VmRSS of a process in bytes (0 when it cannot be read).</summary>
    private static long ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }
        return 0;
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
