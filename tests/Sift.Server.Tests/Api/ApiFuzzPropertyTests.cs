using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FSharp.Core;
using Sift.Projects;
using Sift.Server.Auth;

namespace Sift.Server.Tests.Api;

/// <summary>
/// FsCheck properties over the whole HTTP API, over real HTTP: random path values, query strings, content types and
/// bodies against every endpoint the app maps (read from its <see cref="EndpointDataSource"/>; query parameter names
/// and body schemas come from its OpenAPI document, so a new endpoint is covered without a change here), as admin and
/// as annotator. Never a 5xx; every error is ProblemDetails JSON carrying its status; after a 4xx nothing stored has
/// changed (projects and their settings, instructions and members, users, items, gold labels, tasks and annotations,
/// with their states). A fixed seed and a bounded number of cases keep it short in CI; <c>SIFT_FUZZ_CASES=N</c> runs more,
/// <c>SIFT_FUZZ_SEED=S</c> another seed (see docs/fuzzing.md).
/// </summary>
public sealed class ApiFuzzPropertyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int DefaultCases = 1000;
    private const ulong DefaultSeed = 20261206;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("SIFT_FUZZ_CASES"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultCases;

    private static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable("SIFT_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;

    [Fact]
    public async Task AnyRequest_AsAdminOrAnnotator_NeverA5xx_ErrorsAreProblemDetails_AndA4xxChangesNothing()
    {
        var world = await World.CreateAsync(server);
        var requests = RequestGen(world).ToArbitrary();
        var config = Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed, 0x9E3779B97F4A7C15UL | 1), FSharpOption<int>.None)));

        // One request at a time, each judged on its own: the property blocks on the request (on the thread pool, away
        // from the test's synchronization context) because FsCheck's runner is synchronous.
        Prop.ForAll(requests, (ApiRequest request) =>
        {
            var problem = Task.Run(() => CheckAsync(world, request)).GetAwaiter().GetResult();
            if (problem is not null) throw new InvalidOperationException($"{problem}\n  request: {request}");
        }).Check(config);
    }

    /// <summary>
    /// With <c>SIFT_FUZZ_SURVEY=1</c>: runs every case instead of stopping at the first failure, and lists each kind of
    /// failure once (endpoint, status and problem) with one request that shows it. Skipped otherwise.
    /// </summary>
    [Fact]
    public async Task Survey_EveryFailureKind_ListedOnce()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("SIFT_FUZZ_SURVEY") == "1", "set SIFT_FUZZ_SURVEY=1 to survey");
        var world = await World.CreateAsync(server);
        var kinds = new Dictionary<string, (int Count, ApiRequest Example, string Problem)>(StringComparer.Ordinal);
        foreach (var (request, endpoint) in Gen.Sample(RequestAndEndpointGen(world), Cases, new Rnd(Seed, 0x9E3779B97F4A7C15UL | 1), 10))
        {
            var problem = await CheckAsync(world, request);
            if (problem is null) continue;
            var key = $"{endpoint.Method} {endpoint.Pattern} {problem.Split(':', 2)[0]}";
            kinds[key] = kinds.TryGetValue(key, out var k) ? (k.Count + 1, k.Example, k.Problem) : (1, request, problem);
        }

        var report = string.Join("\n", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Value.Count,5}× {k.Key}\n       {Shorten(k.Value.Problem, 300)}\n       {k.Value.Example}"));
        var statuses = string.Join(", ", world.Statuses.GroupBy(x => x).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));
        var summary = $"{world.Statuses.Count} requests; statuses {statuses}; {world.KestrelRejections} bare 400s from Kestrel for %00 in the path";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        kinds.ShouldBeEmpty($"{summary}\n{report}");
    }

    /// <summary>Sends the request and says what is wrong with the answer, or null.</summary>
    private async Task<string?> CheckAsync(World world, ApiRequest request)
    {
        var before = await FingerprintAsync();
        using var client = server.Client(request.Caller);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.PathAndQuery);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        }

        using var response = await client.SendAsync(message, Ct);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(Ct);
        world.Statuses.Add(status);
        if (status >= 500) return $"{status}: {Shorten(body)}";
        if (status < 400) return null;

        // Kestrel itself refuses a path holding an encoded NUL (%00) with a bare 400 and closes the connection, before
        // any of the app's middleware runs: no ProblemDetails is possible there, and nothing was read or stored.
        if (status == 400 && body.Length == 0 && request.PathAndQuery.Split('?')[0].Contains("%00", StringComparison.Ordinal))
        {
            world.KestrelRejections++;
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"{status} answered as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not ProblemDetails: {Shorten(body)}";
        try
        {
            // A HEAD answer has the headers of the GET answer and no body.
            if (request.Method != "HEAD" && (JsonNode.Parse(body) is not JsonObject problem || problem["status"]?.GetValue<int>() != status))
                return $"{status} ProblemDetails without its status: {Shorten(body)}";
        }
        catch (JsonException)
        {
            return $"{status} ProblemDetails that is not JSON: {Shorten(body)}";
        }

        var after = await FingerprintAsync();
        return after == before ? null : $"{status} but the stored state changed:\n    before {Shorten(before, 2000)}\n    after  {Shorten(after, 2000)}";
    }

    /// <summary>Everything a request could change that counts, as text: equal texts mean nothing changed.</summary>
    private async Task<string> FingerprintAsync()
    {
        var store = server.Store;
        var text = new StringBuilder();
        foreach (var user in await store.ListUsersAsync(Ct)) text.Append(CultureInfo.InvariantCulture, $"u{user.Id}:{user.Name}:{user.Role}:{user.Disabled};");
        foreach (var project in await store.ListProjectsAsync(Ct))
        {
            var id = project.Id;
            var instructions = await store.GetInstructionsAsync(id, null, Ct);
            var items = await store.GetItemsAsync(id, Ct);
            var gold = await store.GetGoldLabelsAsync(id, Ct);
            var tasks = await store.GetTasksAsync(id, Ct);
            var annotations = await store.GetAnnotationsAsync(id, null, includeUndone: true, Ct);
            var members = await store.ListMembersAsync(id, Ct);
            text.Append(CultureInfo.InvariantCulture, $"\np{id}:{project.Name}:{JsonSerializer.Serialize(project.Settings)}:v{instructions?.Version}:{instructions?.Markdown.GetHashCode(StringComparison.Ordinal)}")
                .Append(CultureInfo.InvariantCulture, $" items={items.Count} held_out={items.Count(i => i.HeldOut)} gold={gold.Count}")
                .Append(" tasks=").AppendJoin(',', tasks.Select(t => $"{t.Id}{t.State}"))
                .Append(" annotations=").AppendJoin(',', annotations.Select(a => $"{a.Id}{(a.Undone ? "u" : "")}"))
                .Append(" members=").AppendJoin(',', members.Select(m => m.UserId));
        }

        return text.ToString();
    }

    // ---- what is generated ---------------------------------------------------------------------------------------

    /// <summary>One request: who sends it, and exactly what is sent.</summary>
    public sealed record ApiRequest(string Caller, string Method, string PathAndQuery, string? ContentType, byte[]? Body)
    {
        public override string ToString()
        {
            var body = Body is null ? "" : " body " + (Body.Length > 600 ? JsonSerializer.Serialize(Encoding.UTF8.GetString(Body, 0, 600)) + $"… ({Body.Length} bytes)" : JsonSerializer.Serialize(Encoding.UTF8.GetString(Body)));
            return $"{Caller}: {Method} {PathAndQuery}{(ContentType is null ? "" : " [" + ContentType + "]")}{body}";
        }
    }

    private static Gen<ApiRequest> RequestGen(World world) => RequestAndEndpointGen(world).Select(r => r.Request);

    private static Gen<(ApiRequest Request, WorldEndpoint Endpoint)> RequestAndEndpointGen(World world) =>
        from endpoint in Gen.Elements(world.Endpoints.ToArray())
        from caller in Gen.Elements("admin", "annotator")
        from path in PathGen(world, endpoint.Pattern)
        from query in QueryGen(world.QueryNames(endpoint))
        from content in endpoint.Method is "POST" or "PUT" or "PATCH" ? BodyGen(world, endpoint) : Gen.Constant<(string?, byte[]?)>((null, null))
        select (new ApiRequest(caller, endpoint.Method, path + query, content.Item1, content.Item2), endpoint);

    /// <summary>The route pattern with its parameters filled in: mostly real ids, sometimes ids that do not exist, sometimes a broken path.</summary>
    private static Gen<string> PathGen(World world, string pattern)
    {
        Gen<string> Id(long[] real) => Gen.Frequency(
            (8, Gen.Elements(real).Select(v => v.ToString(CultureInfo.InvariantCulture))),
            (2, Gen.Elements("0", "-1", "987654321", "9223372036854775807", "9223372036854775808", "1e3", "abc", "%00", "%20")));
        var segments = pattern.Split('/');
        var parts = segments.Select(segment => segment switch
        {
            "{projectId:long}" => Id(world.ProjectIds),
            "{taskId:long}" => Id(world.TaskIds),
            "{userId:long}" => Id(world.UserIds),
            "{documentName}" => Gen.Elements("v1", "v1", "v2", "..%2f", "x"),
            _ when segment.StartsWith('{') => Gen.Elements("annotate/1", "x.js", "a/b/c", "%2e%2e/%2e%2e/etc/passwd", "index.html", "", "api", "%00"),
            _ => Gen.Constant(segment),
        }).ToArray();
        var filled = parts.Aggregate(Gen.Constant(""), (acc, part) => from a in acc from p in part select a.Length == 0 && p.Length == 0 ? "" : a + "/" + p)
            .Select(p => p.StartsWith("//", StringComparison.Ordinal) ? p[1..] : p);
        return Gen.Frequency(
            (12, filled),
            (1, filled.Select(p => p + "/extra")),
            (1, filled.Select(p => p.Replace("/api/", "/api//", StringComparison.Ordinal))));
    }

    private static readonly string[] QueryValues =
    [
        "", "1", "0", "-1", "true", "false", "True", "yes", "jsonl", "csv", "JSONL", "xml", "text", "label", "id", "a", "a,b", "null",
        "%00", "%ff", "%", "%zz", "2147483648", "99999999999999999999", "1e3", "%F0%9F%98%80", "%3Cscript%3E", "..%2f..%2f", new string('q', 300),
    ];

    private static Gen<string> QueryGen(string[] names) =>
        from count in Gen.Frequency((3, Gen.Constant(0)), (4, Gen.Choose(1, 2)), (1, Gen.Choose(3, 6)))
        from pairs in Gen.ListOf(from n in Gen.Elements(names) from v in Gen.Elements(QueryValues) select n + "=" + v, count)
        select pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);

    private static readonly string[] JsonTypes = ["application/json", "application/json; charset=utf-8"];
    private static readonly string?[] OddTypes = [null, "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json; charset=latin1", "text/csv", "application/x-ndjson"];

    private static Gen<(string?, byte[]?)> BodyGen(World world, WorldEndpoint endpoint)
    {
        var isImport = endpoint.Pattern.EndsWith("/items", StringComparison.Ordinal);
        var schema = world.BodySchema(endpoint);
        var json = schema is null ? JsonGen(3) : SchemaGen(world, schema, 3);
        var text = Gen.Frequency(
            (6, json.Select(n => n?.ToJsonString() ?? "null")),
            (2, json.Select(n => n?.ToJsonString() ?? "null").SelectMany(MutateText)),
            (1, Gen.Elements("", " ", "{", "[]", "null", "\"x\"", "{\"a\":1,\"a\":2}", "{}")),
            (isImport ? 8 : 0, ImportBodyGen()));
        var bytes = Gen.Frequency(
            (9, text.Select(Encoding.UTF8.GetBytes)),
            (1, from n in Gen.Choose(0, 64) from raw in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n) select raw));
        var type = Gen.Frequency(
            (8, isImport ? Gen.Elements<string?>("application/x-ndjson", "text/csv", "application/json") : Gen.Elements<string?>(JsonTypes)),
            (2, Gen.Elements(OddTypes)));
        return Gen.Frequency(
            (10, from t in type from b in bytes select (t, (byte[]?)b)),
            (1, Gen.Constant<(string?, byte[]?)>((null, null))));
    }

    /// <summary>JSON Lines or CSV in the shape of an import, with odd values here and there.</summary>
    private static Gen<string> ImportBodyGen()
    {
        var value = Gen.Elements("\"a\"", "\"b\"", "\"x\"", "\"a;b\"", "null", "1", "1.5", "true", "[\"a\"]", "{}", "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"a\\u0000\"", "\"=cmd|calc\"");
        var field = Gen.Elements("id", "text", "label", "group", "cost", "meta", "Text", "extra", "\\u0000");
        var line = from n in Gen.Choose(0, 5)
                   from pairs in Gen.ListOf(from f in field from v in value select $"\"{f}\":{v}", n)
                   from text in Gen.Elements("\"text\":\"hello\",", "\"text\":\"x\",", "", "\"text\":\"a\\u0000b\",", "\"id\":\"\\u0000\",\"text\":\"t\",", "\"text\":\"t\",\"group\":\"g\\u0000\",")
                   select "{" + text + string.Join(',', pairs) + "}";
        var jsonl = from n in Gen.Choose(1, 4) from lines in Gen.ListOf(line, n) select string.Join('\n', lines);
        var cell = Gen.Elements("a", "b", "hello", "", "\"q,\"\"x\"\"\"", "\"unterminated", "a;b", "1e400", "-1", "=1+1");
        var csv = from header in Gen.Elements("id,text,label", "text", "text,label,group,cost", "id,text,text", "x,y")
                  from count in Gen.Choose(0, 3)
                  from rows in Gen.ListOf(from n in Gen.Choose(1, 4) from cells in Gen.ListOf(cell, n) select string.Join(',', cells), count)
                  select header + "\n" + string.Join('\n', rows);
        return Gen.OneOf(jsonl, csv);
    }

    /// <summary>Breaks JSON text a little: a NUL or an unpaired surrogate escape inside a string, a repeated key, a cut.</summary>
    private static Gen<string> MutateText(string json) =>
        from at in Gen.Choose(0, json.Length)
        from how in Gen.Choose(0, 5)
        select how switch
        {
            0 => json.Replace("\":\"", "\":\"\\u0000", StringComparison.Ordinal),
            1 => json.Replace("\":\"", "\":\"\\ud800", StringComparison.Ordinal),
            2 => json.Length > 1 && json[0] == '{' ? json[..^1] + (json.Length > 2 ? "," : "") + json[1..] : json, // every key twice
            3 => json[..at],
            4 => json.Insert(at, "\u0000"),
            _ => json.Replace("\":\"", "\":\"\\udc00x", StringComparison.Ordinal),
        };

    private static readonly string[] Strings =
    [
        "", " ", "a", "b", "c", "x", "A", "admin", "annotator", "reviewer", "auditor", "Admin", "ANNOTATOR", "single", "multi", "Multi",
        "margin", "random", "auto", "margin+explore(0.1)", "margin+explore(2)", "nope", "margin@0", "labels(3)", "any(labels(5),rounds(2))",
        "any(", "labels(-1)", "\u0000", "a\u0000", "😀", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "\n", "\t",
        "null", "true", "-1", "1e309", new string('x', 300),
    ];

    private static readonly double[] Numbers = [0, 1, -1, 2, 3, 5, 20, 50, 51, 0.5, -0.5, 0.999, 1.0000001, 100_000, 100_001, int.MaxValue, 2147483648d, 9.3e18, 1.8e19, 1e308, -1e308];

    private static Gen<JsonNode?> JsonGen(int depth)
    {
        var leaf = Gen.OneOf(
            Gen.Constant<JsonNode?>(null),
            Gen.Elements(Strings).Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.Elements(Numbers).Select(n => (JsonNode?)JsonValue.Create(n)),
            Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)));
        if (depth == 0) return leaf;
        var inner = JsonGen(depth - 1);
        var array = from n in Gen.Choose(0, 3) from items in Gen.ListOf(inner, n) select (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray());
        var obj = from n in Gen.Choose(0, 4)
                  from pairs in Gen.ListOf(from k in Gen.Elements(Strings.Take(20).Append("labels").Append("name").ToArray()) from v in inner select (k, v), n)
                  select (JsonNode?)Object(pairs);
        return Gen.Frequency((4, leaf), (1, array), (2, obj));
    }

    /// <summary>A value for an OpenAPI schema, mostly of the right shape and sometimes not (any JSON instead).</summary>
    private static Gen<JsonNode?> SchemaGen(World world, JsonNode schema, int depth)
    {
        schema = world.Resolve(schema);
        var wrong = JsonGen(Math.Min(depth, 1));
        if (schema["enum"] is JsonArray values && values.Count > 0)
        {
            var names = values.Select(v => v?.ToString() ?? "").ToArray();
            return Gen.Frequency((6, Gen.Elements(names).Select(n => (JsonNode?)JsonValue.Create(n))), (1, Gen.Elements(names).Select(n => (JsonNode?)JsonValue.Create(n.ToUpperInvariant()))), (1, wrong));
        }

        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => t?.ToString()).ToArray(),
            JsonValue one => [one.ToString()],
            _ => schema["properties"] is not null ? ["object"] : [],
        };
        var right = types.FirstOrDefault(t => t != "null") switch
        {
            "object" when depth > 0 && schema["properties"] is JsonObject properties => ObjectGen(world, properties, depth),
            "array" when depth > 0 => from n in Gen.Choose(0, 3)
                                      from items in Gen.ListOf(SchemaGen(world, schema["items"] ?? new JsonObject(), depth - 1), n)
                                      select (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray()),
            "string" => Gen.Elements(Strings).Select(s => (JsonNode?)JsonValue.Create(s)),
            "integer" => Gen.Elements(Numbers).Select(n => (JsonNode?)JsonValue.Create(Math.Abs(n) < 1e15 ? Math.Round(n) : n)),
            "number" => Gen.Elements(Numbers).Select(n => (JsonNode?)JsonValue.Create(n)),
            "boolean" => Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
            _ => wrong,
        };
        return Gen.Frequency((8, right), (1, wrong), (types.Contains("null") ? 1 : 0, Gen.Constant<JsonNode?>(null)));
    }

    private static Gen<JsonNode?> ObjectGen(World world, JsonObject properties, int depth)
    {
        var fields = properties.Select(p => from include in Gen.Frequency((5, Gen.Constant(true)), (1, Gen.Constant(false)))
                                            from value in SchemaGen(world, p.Value!, depth - 1)
                                            select include ? ((string, JsonNode?)?)(p.Key, value) : null).ToArray();
        var extra = Gen.Frequency((6, Gen.Constant<(string, JsonNode?)?>(null)), (1, from v in JsonGen(1) select ((string, JsonNode?)?)("unexpected", v)));
        return from values in fields.Aggregate(Gen.Constant(new List<(string, JsonNode?)>()), (acc, f) => from list in acc from v in f select v is { } x ? [.. list, x] : list)
               from e in extra
               select (JsonNode?)Object(e is { } x ? [.. values, x] : values);
    }

    private static JsonObject Object(IEnumerable<(string Key, JsonNode? Value)> pairs)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in pairs) obj[key] = value?.DeepClone();
        return obj;
    }

    private static string Shorten(string text, int max = 400) => text.Length <= max ? text : text[..max] + "…";

    // ---- the world the requests act on ---------------------------------------------------------------------------

    private sealed record WorldEndpoint(string Method, string Pattern);

    /// <summary>Endpoints, real ids to aim at, and the OpenAPI document; built once per run through the API itself.</summary>
    private sealed class World
    {
        private JsonObject _document = null!;

        public List<WorldEndpoint> Endpoints { get; } = [];

        public long[] ProjectIds { get; private set; } = [];

        public long[] TaskIds { get; private set; } = [];

        public long[] UserIds { get; private set; } = [];

        public List<int> Statuses { get; } = [];

        public int KestrelRejections { get; set; }

        public static async Task<World> CreateAsync(ServerFixture server)
        {
            var world = new World();
            foreach (var endpoint in server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
            {
                var pattern = endpoint.RoutePattern.RawText ?? "";
                foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                    world.Endpoints.Add(new(method, pattern.StartsWith('/') ? pattern : "/" + pattern));
            }

            using var anonymous = server.Client(null);
            world._document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json", Ct))!.AsObject();

            // Two projects with items, and an annotator with a submitted, a skipped and three leased tasks in the first.
            var single = await server.ProjectWithItemsAsync(12);
            var multi = await server.CreateProjectAsync(["x", "y", "z"], "multi");
            (await server.ImportAsync(multi, string.Join('\n', Enumerable.Range(0, 8).Select(i => $$"""{"id":"m{{i}}","text":"multi {{i}}"}""")))).EnsureSuccessStatusCode();
            using var annotator = server.Client("annotator");
            async Task<List<long>> NextAsync()
            {
                var next = await annotator.PostAsync($"/api/projects/{single}/tasks/next?prefetch=3", null, Ct);
                next.EnsureSuccessStatusCode();
                return JsonNode.Parse(await next.Content.ReadAsStringAsync(Ct))!.AsArray().Select(t => t!["task_id"]!.GetValue<long>()).ToList();
            }

            var tasks = await NextAsync();
            (await annotator.PostAsync($"/api/projects/{single}/tasks/{tasks[0]}/submit", Json("""{"labels":["a"],"client_request_id":"fuzz-setup"}"""), Ct)).EnsureSuccessStatusCode();
            (await annotator.PostAsync($"/api/projects/{single}/tasks/{tasks[1]}/skip", null, Ct)).EnsureSuccessStatusCode();
            tasks = [.. tasks.Union(await NextAsync())];
            tasks.Count.ShouldBe(5);
            var users = new List<long>();
            for (var i = 0; i < 2; i++)
                users.Add((await server.Store.CreateUserAsync("fuzz-" + Guid.NewGuid().ToString("N")[..8], Role.Annotator, UserTokens.Hash(UserTokens.NewToken()), DateTimeOffset.UtcNow, Ct)).Id);

            world.ProjectIds = [single, multi];
            world.TaskIds = [.. tasks];
            world.UserIds = [.. users];
            return world;
        }

        /// <summary>The query parameter names the OpenAPI document gives the endpoint, and a few every endpoint is tried with.</summary>
        public string[] QueryNames(WorldEndpoint endpoint)
        {
            var names = new List<string> { "format", "include_undone", "includeUndone", "next", "version", "limit" };
            if (Operation(endpoint)?["parameters"] is JsonArray parameters)
            {
                foreach (var p in parameters)
                {
                    var resolved = p is null ? null : Resolve(p);
                    if (resolved?["in"]?.ToString() == "query" && resolved["name"]?.ToString() is { } name) names.Add(name);
                }
            }

            return [.. names.Distinct(StringComparer.Ordinal)];
        }

        /// <summary>The endpoint's JSON request body schema, if the OpenAPI document has one.</summary>
        public JsonNode? BodySchema(WorldEndpoint endpoint) =>
            Operation(endpoint)?["requestBody"] is JsonNode body && Resolve(body)["content"] is JsonObject content
                ? content.FirstOrDefault(c => c.Key.Contains("json", StringComparison.Ordinal)).Value?["schema"]
                : null;

        public JsonNode Resolve(JsonNode node)
        {
            for (var i = 0; i < 10 && node["$ref"]?.ToString() is { } reference && reference.StartsWith("#/", StringComparison.Ordinal); i++)
            {
                JsonNode? target = _document;
                foreach (var part in reference[2..].Split('/')) target = target?[part];
                if (target is null) break;
                node = target;
            }

            return node;
        }

        private JsonNode? Operation(WorldEndpoint endpoint)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(endpoint.Pattern, @"\{([^}:]+)(:[^}]+)?\}", "{$1}");
            return _document["paths"]?[path]?[endpoint.Method.ToLowerInvariant()];
        }

        private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
    }
}
