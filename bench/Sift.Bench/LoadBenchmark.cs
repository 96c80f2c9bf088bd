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
            await SendAsync(http, adminToken, HttpMethod.Put, $"/api/projects/{projectId}/members/{user["user"]!["id"]!.GetValue<long>()}", null).ConfigureAwait(false);
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
                Interlocked.Add(ref errors, await SubmitAsync(http, projectId, taskId, token, payload, submitLatencies, acknowledged).ConfigureAwait(false));
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

    /// <summary>
    /// Labeling under a busy server (issue 9): on one server, a project of <paramref name="items"/> items labeled by
    /// <paramref name="clients"/> annotators with the trainer idle and no reviewers (the baseline), then a second project
    /// of the same size whose trainer retrains every <paramref name="retrainEvery"/> labels (so it re-ranks the whole
    /// pool back to back) while the same number of annotators label it and <paramref name="reviewers"/> reviewers loop
    /// over its dashboard, annotations and agreement endpoints. Prints both rows, the ratio, the reviewers' latencies and
    /// how much of the window the trainer was running.
    /// </summary>
    public static async Task<int> RunBusyAsync(string url, string adminToken, int clients, int reviewers, double seconds, int items, string label, int retrainEvery, bool pageReviewers = false)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(10) };
        Console.WriteLine($"# busy-server load benchmark against {url} ({label}); {Environment.ProcessorCount} cores; {seconds:0} s per run; {items:N0} items per project; " +
            $"{clients} annotators; busy: retrain every {retrainEvery} labels, {reviewers} reviewers " +
            (pageReviewers ? "with the dashboard page open (it polls every 4 s)" : "reading dashboard, annotations and agreement back to back"));

        var idleProject = await CreateProjectAsync(http, adminToken, $"idle-{label}", items, retrainEvery: 100_000, exploration: 0.0, heldOut: 0.0).ConfigureAwait(false);
        var idleTokens = await UsersAsync(http, adminToken, idleProject, $"idle-{label}", "annotator", clients).ConfigureAwait(false);
        var idle = await AnnotateAsync(http, idleProject, idleTokens, seconds, CancellationToken.None).ConfigureAwait(false);
        var idleCheck = await VerifyAsync(http, adminToken, idleProject, idle).ConfigureAwait(false);

        // The busy project uses the defaults a user gets (margin-kmeans, 10% exploration, 10% held out) and trains its first
        // model before the window, so the window sees retrains of a trained project, not the first TF-IDF/LSA fit.
        var busyProject = await CreateProjectAsync(http, adminToken, $"busy-{label}", items, retrainEvery, exploration: 0.1, heldOut: 0.1).ConfigureAwait(false);
        var busyTokens = await UsersAsync(http, adminToken, busyProject, $"busy-{label}", "annotator", clients).ConfigureAwait(false);
        var reviewerTokens = await UsersAsync(http, adminToken, busyProject, $"review-{label}", "reviewer", reviewers).ConfigureAwait(false);
        var warm = Stopwatch.StartNew();
        // Enough labels for the first model (a few more: some land on held-out items), then wait for it.
        var seeded = 0;
        while (seeded < retrainEvery * 3 / 2)
        {
            var stats = await AnnotateAsync(http, busyProject, busyTokens.Take(1).ToArray(), 0.2, CancellationToken.None).ConfigureAwait(false);
            seeded += stats.Acknowledged.Count;
        }
        while (true)
        {
            var view = await GetAsync(http, adminToken, $"/api/projects/{busyProject}/dashboard").ConfigureAwait(false);
            if (view["model_version"]!.GetValue<int>() >= 1 && view["trainer"]!["state"]!.GetValue<string>() == "done") break;
            if (warm.Elapsed > TimeSpan.FromMinutes(30)) throw new InvalidOperationException("no first model after 30 minutes");
            await Task.Delay(500).ConfigureAwait(false);
        }
        var versionsBefore = (await GetAsync(http, adminToken, $"/api/projects/{busyProject}/dashboard").ConfigureAwait(false))["model_version"]!.GetValue<int>();
        Console.WriteLine($"# first model of the busy project ({seeded} labels) after {warm.Elapsed.TotalSeconds:0} s");

        using var window = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var reviewLatencies = (pageReviewers
                ? new[] { "dashboard", "learning-curve.svg", "agreement" }
                : new[] { "dashboard", "annotations", "agreement" })
            .ToDictionary(e => e, _ => new ConcurrentBag<double>());
        var reviewErrors = 0;
        async Task<JsonNode?> ReviewAsync(int r, string endpoint)
        {
            var start = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{busyProject}/{endpoint}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", reviewerTokens[r]);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            reviewLatencies[endpoint].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (!response.IsSuccessStatusCode) Interlocked.Increment(ref reviewErrors);
            return response.IsSuccessStatusCode && endpoint != "learning-curve.svg" ? JsonNode.Parse(body) : null;
        }

        // Page mode: each reviewer has the dashboard page open, which (wwwroot/js/pages/dashboard.js) reads the dashboard
        // every 4 s, the learning curve when the model changed and the agreement report when the answer count changed
        // (or the last report was not up to date). Loop mode: each reviewer reads the three endpoints back to back.
        var reviewing = pageReviewers ? Enumerable.Range(0, reviewers).Select(r => Task.Run(async () =>
        {
            string? curveKey = null;
            long? agreementKey = null;
            // Pages opened at staggered moments (seeded), not in lockstep.
            await Task.Delay(TimeSpan.FromMilliseconds(new Random(r).Next(4000))).ConfigureAwait(false);
            while (!window.IsCancellationRequested)
            {
                var view = await ReviewAsync(r, "dashboard").ConfigureAwait(false);
                if (view is not null)
                {
                    var key = $"{view["model_version"]}:{view["learning_curve"]!.AsArray().Count}";
                    if (key != curveKey) { curveKey = key; await ReviewAsync(r, "learning-curve.svg").ConfigureAwait(false); }
                    var answers = view["counts"]!["annotations"]!.GetValue<long>();
                    if (answers != agreementKey)
                    {
                        agreementKey = answers;
                        var agreement = await ReviewAsync(r, "agreement").ConfigureAwait(false);
                        if (agreement?["up_to_date"]?.GetValue<bool>() == false) agreementKey = null;
                    }
                }
                try
                {
                    await Task.Delay(4000, window.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        })).ToArray() : Enumerable.Range(0, reviewers).Select(r => Task.Run(async () =>
        {
            var endpoints = reviewLatencies.Keys.ToArray();
            for (var n = r; !window.IsCancellationRequested; n++)
            {
                var endpoint = endpoints[n % endpoints.Length];
                var start = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{busyProject}/{endpoint}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", reviewerTokens[r]);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
                reviewLatencies[endpoint].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref reviewErrors);
            }
        })).ToArray();
        var trainerSamples = new List<string>();
        var sampling = Task.Run(async () =>
        {
            while (!window.IsCancellationRequested)
            {
                var view = await GetAsync(http, adminToken, $"/api/projects/{busyProject}/dashboard").ConfigureAwait(false);
                trainerSamples.Add(view["trainer"]!["state"]!.GetValue<string>());
                try
                {
                    await Task.Delay(250, window.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
        var busy = await AnnotateAsync(http, busyProject, busyTokens, seconds, CancellationToken.None).ConfigureAwait(false);
        await Task.WhenAll(reviewing).ConfigureAwait(false);
        await sampling.ConfigureAwait(false);
        var busyCheck = await VerifyAsync(http, adminToken, busyProject, busy).ConfigureAwait(false);
        var after = await GetAsync(http, adminToken, $"/api/projects/{busyProject}/dashboard").ConfigureAwait(false);
        var retrains = after["model_version"]!.GetValue<int>() - versionsBefore;
        var handout = await GetAllPagesAsync(http, adminToken, $"/api/projects/{busyProject}/tasks?limit=10000").ConfigureAwait(false);
        var beyond = handout.Count(t => t!["reason"]!.GetValue<string>().StartsWith("beyond the stored ranking", StringComparison.Ordinal));

        Console.WriteLine("| backend | run | acknowledged submits/s | submit p50 ms | submit p99 ms | fetch p50 ms | fetch p99 ms | cycle p99 ms | lost | doubled | over-k |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(Row(label, "idle", idle, idleCheck));
        Console.WriteLine(Row(label, "busy", busy, busyCheck));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# busy / idle = {busy.Rate / idle.Rate:0.00}; trainer running in {trainerSamples.Count(s => s == "running") * 100.0 / Math.Max(1, trainerSamples.Count):0}% of {trainerSamples.Count} samples; " +
            $"{retrains} retrains finished in the window; {beyond} tasks handed out beyond the stored ranking"));
        foreach (var (endpoint, latencies) in reviewLatencies)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# reviewers {endpoint}: {latencies.Count / seconds:0.0} requests/s, p50 {P(latencies, 50):0} ms, p99 {P(latencies, 99):0} ms"));
        if (reviewErrors > 0) Console.WriteLine($"# {reviewErrors} reviewer requests failed");
        return 0;
    }

    /// <summary>
    /// Submits an answer, retried with the same client request id until acknowledged (at most 3 tries; network errors
    /// are not expected on loopback); records each try's latency and the acknowledged annotation. Returns the failed tries.
    /// </summary>
    private static async Task<int> SubmitAsync(HttpClient http, long projectId, long taskId, string token, string payload,
        ConcurrentBag<double> submitLatencies, ConcurrentDictionary<long, long> acknowledged)
    {
        var failed = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var start = Stopwatch.GetTimestamp();
            using var submit = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/tasks/{taskId}/submit") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            submit.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var submitResponse = await http.SendAsync(submit).ConfigureAwait(false);
            submitLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (submitResponse.IsSuccessStatusCode)
            {
                var ack = JsonNode.Parse(await submitResponse.Content.ReadAsStringAsync().ConfigureAwait(false))!;
                acknowledged.TryAdd(ack["annotation_id"]!.GetValue<long>(), taskId);
                return failed;
            }
            failed++;
        }
        return failed;
    }

    private sealed record RunStats(double Rate, ConcurrentBag<double> Submit, ConcurrentBag<double> Fetch, ConcurrentBag<double> Cycle, ConcurrentDictionary<long, long> Acknowledged, int Errors);

    private sealed record Check(int Lost, int Doubled, int OverK);

    private static string Row(string label, string run, RunStats stats, Check check)
    {
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {run} | {stats.Rate:0} | {P(stats.Submit, 50):0.0} | {P(stats.Submit, 99):0.0} | {P(stats.Fetch, 50):0.0} | {P(stats.Fetch, 99):0.0} | {P(stats.Cycle, 99):0.0} | {check.Lost} | {check.Doubled} | {check.OverK} |");
        return stats.Errors > 0 ? row + string.Create(CultureInfo.InvariantCulture, $" ({stats.Errors} failed requests)") : row;
    }

    /// <summary>Synthetic texts over a seeded 2,000-word vocabulary (12–30 words each), so TF-IDF and the model have real work.</summary>
    private static string SyntheticBody(int items)
    {
        var random = new Random(20260301);
        var words = Enumerable.Range(0, 2000).Select(w => string.Concat(Enumerable.Range(0, 3 + w % 6).Select(_ => (char)('a' + random.Next(26))))).ToArray();
        var body = new StringBuilder(items * 160);
        for (var i = 0; i < items; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"i{i}\",\"text\":\"");
            var length = 12 + random.Next(19);
            for (var w = 0; w < length; w++)
            {
                if (w > 0) body.Append(' ');
                // Zipf-like: low word indices are common.
                body.Append(words[(int)(words.Length * Math.Pow(random.NextDouble(), 2.5))]);
            }
            body.Append("\"}\n");
        }
        return body.ToString();
    }

    private static async Task<long> CreateProjectAsync(HttpClient http, string adminToken, string prefix, int items, int retrainEvery, double exploration, double heldOut)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..40];
        var project = await SendAsync(http, adminToken, HttpMethod.Post, "/api/projects", new
        {
            name,
            settings = new { mode = "single", labels = new[] { "positive", "negative" }, overlap = 1, retrain_every = retrainEvery, exploration_share = exploration, held_out_share = heldOut },
            instructions = "Load benchmark.",
        }).ConfigureAwait(false);
        var projectId = project["id"]!.GetValue<long>();
        using var import = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/items?format=jsonl") { Content = new StringContent(SyntheticBody(items), Encoding.UTF8, "application/x-ndjson") };
        import.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await http.SendAsync(import).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"import failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        return projectId;
    }

    /// <summary>Creates users of the role who are members of the project; returns their tokens.</summary>
    private static async Task<string[]> UsersAsync(HttpClient http, string adminToken, long projectId, string prefix, string role, int count)
    {
        var tokens = new string[count];
        var tag = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < count; i++)
        {
            var user = await SendAsync(http, adminToken, HttpMethod.Post, "/api/users", new { name = $"{prefix}-{tag}-{i}", role }).ConfigureAwait(false);
            await SendAsync(http, adminToken, HttpMethod.Put, $"/api/projects/{projectId}/members/{user["user"]!["id"]!.GetValue<long>()}", null).ConfigureAwait(false);
            tokens[i] = user["token"]!.GetValue<string>();
        }
        return tokens;
    }

    /// <summary>Each annotator loops fetch-next + submit for <paramref name="seconds"/> (or until the queue is empty for them).</summary>
    private static async Task<RunStats> AnnotateAsync(HttpClient http, long projectId, string[] tokens, double seconds, CancellationToken cancellationToken)
    {
        var submitLatencies = new ConcurrentBag<double>();
        var fetchLatencies = new ConcurrentBag<double>();
        var cycleLatencies = new ConcurrentBag<double>();
        var acknowledged = new ConcurrentDictionary<long, long>();
        var errors = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        var wall = Stopwatch.StartNew();
        var workers = tokens.Select((token, c) => Task.Run(async () =>
        {
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
                var task = JsonNode.Parse(await nextResponse.Content.ReadAsStringAsync().ConfigureAwait(false))![0]!;
                var taskId = task["task_id"]!.GetValue<long>();
                var payload = JsonSerializer.Serialize(new { labels = new[] { random.Next(2) == 0 ? "positive" : "negative" }, client_request_id = Guid.NewGuid().ToString("N") }, Json);
                Interlocked.Add(ref errors, await SubmitAsync(http, projectId, taskId, token, payload, submitLatencies, acknowledged).ConfigureAwait(false));
                cycleLatencies.Add(Stopwatch.GetElapsedTime(cycle).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return new RunStats(acknowledged.Count / wall.Elapsed.TotalSeconds, submitLatencies, fetchLatencies, cycleLatencies, acknowledged, errors);
    }

    /// <summary>Through the API: every acknowledged annotation stored once; no item answered or held by more than k = 1.</summary>
    private static async Task<Check> VerifyAsync(HttpClient http, string adminToken, long projectId, RunStats stats)
    {
        var annotations = await GetAllPagesAsync(http, adminToken, $"/api/projects/{projectId}/annotations?limit=10000").ConfigureAwait(false);
        var stored = annotations.Select(a => a!["id"]!.GetValue<long>()).ToHashSet();
        var taskLog = await GetAllPagesAsync(http, adminToken, $"/api/projects/{projectId}/tasks?limit=10000").ConfigureAwait(false);
        return new Check(
            stats.Acknowledged.Keys.Count(id => !stored.Contains(id)),
            annotations.GroupBy(a => a!["item_id"]!.GetValue<long>()).Count(g => g.Count() > 1),
            taskLog.Where(t => t!["state"]!.GetValue<string>() is "leased" or "submitted").GroupBy(t => t!["item_id"]!.GetValue<long>()).Count(g => g.Count() > 1));
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
