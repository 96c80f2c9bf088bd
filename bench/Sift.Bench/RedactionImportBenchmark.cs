using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Bench;

/// <summary>
/// <c>Sift.Bench pii-import --url URL --token ADMIN_TOKEN [--corpus src/Sift.Cli/Demo/spam-assassin.jsonl.gz] [--repeats 5]</c>:
/// the cost of redaction on import, measured end to end against a running <c>sift serve</c> (a real process): the
/// demo corpus (6,046 SpamAssassin e-mails, 9 MB of real mail with real addresses) is uploaded whole into a new
/// project with redaction on and into one with it off, alternately, <c>--repeats</c> times each; the time is the POST
/// until the import's answer (read, redact, store in one transaction). Prints the medians in items/s and MB/s, their
/// ratio, and what was found (from the redaction events).
/// </summary>
internal static class RedactionImportBenchmark
{
    public static async Task<int> RunAsync(string url, string token, string corpusPath, int repeats)
    {
        var body = await ReadCorpusAsync(corpusPath).ConfigureAwait(false);
        var lines = body.Count(b => b == (byte)'\n');
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# redaction on import against {url}: {lines:N0} items, {body.Length / 1e6:0.0} MB per upload; {repeats} uploads each, alternating; {Environment.ProcessorCount} cores, load average {LoadAverage()}"));

        var times = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        JsonObject? totals = null;
        var redactedItems = 0;
        // One warm-up pair first (JIT, page cache, SQLite file growth), not counted.
        for (var round = -1; round < repeats; round++)
        {
            foreach (var redact in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var project = await CreateProjectAsync(http, redact).ConfigureAwait(false);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                var clock = Stopwatch.StartNew();
                using var response = await http.PostAsync($"/api/projects/{project}/items?format=jsonl", content).ConfigureAwait(false);
                var seconds = clock.Elapsed.TotalSeconds;
                var answer = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"import failed: {(int)response.StatusCode} {answer}");
                var imported = JsonNode.Parse(answer)!["imported"]!.GetValue<int>();
                if (imported != lines) throw new InvalidOperationException($"imported {imported} of {lines} items");
                if (round >= 0) times[redact].Add(seconds);
                if (redact && totals is null) (totals, redactedItems) = await FindingsAsync(http, project).ConfigureAwait(false);
            }
        }

        double Median(List<double> xs) { var s = xs.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
        var on = Median(times[true]);
        var off = Median(times[false]);
        Console.WriteLine("| redaction | median s per import | items/s | MB/s | all runs (s) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (label, redact, median) in new[] { ("off", false, off), ("on (every kind)", true, on) })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {median:0.00} | {lines / median:N0} | {body.Length / 1e6 / median:0.0} | {string.Join(", ", times[redact].Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio on/off: {on / off:0.00} (redaction adds {(on - off) / lines * 1e3:0.000} ms per item)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"redacted items: {redactedItems:N0} of {lines:N0}; findings: {totals?.ToJsonString() ?? "{}"}"));
        return 0;
    }

    private static async Task<byte[]> ReadCorpusAsync(string path)
    {
        await using var file = File.OpenRead(path);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        await gzip.CopyToAsync(buffer).ConfigureAwait(false);
        var bytes = buffer.ToArray();
        return bytes.Length > 0 && bytes[^1] != (byte)'\n' ? [.. bytes, (byte)'\n'] : bytes;
    }

    private static async Task<long> CreateProjectAsync(HttpClient http, bool redact)
    {
        var name = $"pii-import-{(redact ? "on" : "off")}-{Guid.NewGuid():N}"[..36];
        var settings = new JsonObject
        {
            ["labels"] = new JsonArray("spam", "ham"),
            ["features"] = "tfidf",
            ["retrain_every"] = 100_000,
            ["privacy"] = new JsonObject { ["redact"] = redact },
        };
        using var response = await http.PostAsJsonAsync("/api/projects", new JsonObject { ["name"] = name, ["settings"] = settings }).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"create failed: {text}");
        return JsonNode.Parse(text)!["id"]!.GetValue<long>();
    }

    private static async Task<(JsonObject Totals, int Items)> FindingsAsync(HttpClient http, long project)
    {
        var totals = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var items = 0;
        var events = JsonNode.Parse(await http.GetStringAsync($"/api/projects/{project}/evidence?limit=10000").ConfigureAwait(false))!.AsArray();
        foreach (var e in events.Where(e => e!["kind"]!.GetValue<string>() == "redaction"))
        {
            items += e!["event"]!["items"]!.AsArray().Count;
            foreach (var (kind, count) in e["event"]!["totals"]!.AsObject()) totals[kind] = totals.GetValueOrDefault(kind) + count!.GetValue<int>();
        }
        var json = new JsonObject();
        foreach (var (kind, count) in totals) json[kind] = count;
        return (json, items);
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
