using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Sift.Server.Tests.Api;

/// <summary>What every response shares (headers, ProblemDetails), the OpenAPI document, the UI fallback and request validation.</summary>
public sealed class ApiBasicsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, "/healthz", 200)]
    [InlineData(null, "/", 200)]
    [InlineData(null, "/annotate/3", 200)]
    [InlineData(null, "/openapi/v1.json", 200)]
    [InlineData(null, "/api/me", 401)]
    [InlineData("annotator", "/api/users", 403)]
    [InlineData("admin", "/api/projects/987654321", 404)]
    [InlineData("admin", "/api/nothing-here", 404)]
    [InlineData(null, "/no-such-file.js", 404)]
    public async Task AnyResponse_CarriesTheSecurityHeaders(string? who, string path, int status)
    {
        using var client = server.Client(who);
        var response = await client.GetAsync(path, Ct);

        ((int)response.StatusCode).ShouldBe(status);
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldBe("default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("no-referrer");
        if (status >= 400) response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task UiPaths_ServeIndexHtml_ApiPathsNever()
    {
        using var client = server.Client(null);
        var page = await client.GetAsync("/dashboard/1", Ct);
        page.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        var api = await client.GetAsync("/api/dashboard/1", Ct);
        api.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Content.ReadAsStringAsync(Ct)).ShouldNotContain("<html", Case.Insensitive);
    }

    [Fact]
    public async Task OpenApiDocument_ListsEveryApiEndpoint()
    {
        using var client = server.Client(null);
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", Ct))!;
        var paths = document["paths"]!.AsObject();

        var source = server.App.Services.GetRequiredService<EndpointDataSource>();
        var expected = source.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal) && !e.RoutePattern.RawText.Contains("**", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Path: OpenApiPath(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .ToList();

        expected.Count.ShouldBeGreaterThan(20);
        foreach (var (path, method) in expected)
        {
            paths.ContainsKey(path).ShouldBeTrue($"{path} is missing from the OpenAPI document");
            paths[path]!.AsObject().ContainsKey(method).ShouldBeTrue($"{method.ToUpperInvariant()} {path} is missing from the OpenAPI document");
        }
    }

    [Fact]
    public async Task OpenApiDocument_UsesSnakeCaseNames()
    {
        using var client = server.Client(null);
        var document = await client.GetStringAsync("/openapi/v1.json", Ct);
        document.ShouldContain("\"client_request_id\"");
        document.ShouldNotContain("\"clientRequestId\"");
    }

    [Fact]
    public async Task UnexpectedError_Is500ProblemDetails_WithoutInternals()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sift-500-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var app = SiftServerApp.Build(new SiftServerOptions { Port = 0, MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.None }, s => s.AddSiftSqlite(Path.Combine(directory, "sift.db")));
        app.MapGet("/boom", string () => throw new InvalidOperationException("secret connection string Password=hunter2")).AllowAnonymous();
        await app.StartAsync(Ct);
        try
        {
            using var client = new HttpClient { BaseAddress = SiftServerApp.GetUrl(app) };
            var response = await client.GetAsync("/boom", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);

            response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            JsonNode.Parse(body)!["status"]!.GetValue<int>().ShouldBe(500);
            body.ShouldNotContain("hunter2");
            body.ShouldNotContain("InvalidOperationException");
            body.ShouldNotContain(" at ");
            response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Bodies_OverTheirLimits_Are413ProblemDetails_AndImportNothing()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sift-413-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var app = SiftServerApp.Build(new SiftServerOptions { Port = 0, MaxImportBytes = 4096 }, s => s.AddSiftSqlite(Path.Combine(directory, "sift.db")));
        await app.StartAsync(Ct);
        try
        {
            var store = app.Services.GetRequiredService<Sift.Projects.ISiftStore>();
            var token = Sift.Server.Auth.UserTokens.NewToken();
            var admin = await store.CreateUserAsync("admin", Sift.Projects.Role.Admin, Sift.Server.Auth.UserTokens.Hash(token), DateTimeOffset.UtcNow, Ct);
            var project = await store.CreateProjectAsync("limits", new Sift.Projects.ProjectSettings { Labels = ["a", "b"] }, "", admin.Id, DateTimeOffset.UtcNow, Ct);
            using var client = new HttpClient { BaseAddress = SiftServerApp.GetUrl(app) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);

            var lines = string.Join('\n', Enumerable.Range(0, 200).Select(i => $$"""{"id":"{{i}}","text":"some text for item {{i}}"}"""));
            var import = await client.PostAsync($"/api/projects/{project.Id}/items", new StringContent(lines, Encoding.UTF8, "application/x-ndjson"), Ct);
            var json = await client.PutAsync($"/api/projects/{project.Id}/instructions", new StringContent($$"""{"markdown":"{{new string('x', 1_100_000)}}"}""", Encoding.UTF8, "application/json"), Ct);

            foreach (var response in new[] { import, json })
            {
                response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
                response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
                var problem = await response.Content.ReadAsStringAsync(Ct);
                JsonNode.Parse(problem)!["field"].ShouldNotBeNull(problem).GetValue<string>().ShouldBe("body", problem);
            }

            (await store.GetItemsAsync(project.Id, Ct)).ShouldBeEmpty();
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    public static TheoryData<string, string> BadProjects => new()
    {
        { """{"name":"x","settings":{}}""", "settings.labels" },
        { """{"name":"x","settings":{"labels":["only"]}}""", "settings.labels" },
        { """{"name":"x","settings":{"labels":["a","a"]}}""", "settings.labels" },
        { """{"name":"x","settings":{"labels":["a","b"],"overlap":0}}""", "settings.overlap" },
        { """{"name":"x","settings":{"labels":["a","b"],"strategy":"telepathy"}}""", "settings.strategy" },
        { """{"name":"x","settings":{"labels":["a","b"],"stop_rule":"never("}}""", "settings.stop_rule" },
        { """{"name":"x","settings":{"labels":["a","b"],"lease_seconds":1}}""", "settings.lease_seconds" },
        { """{"name":"x","settings":{"labels":["a","b"],"exploration_share":2}}""", "settings.exploration_share" },
        { """{"name":"x","settings":{"labels":["a","b"],"mode":"sideways"}}""", "settings.mode" },
        { """{"name":"x","settings":{"labels":["a","b"],"overlap":"two"}}""", "settings.overlap" },
        { """{"name":"","settings":{"labels":["a","b"]}}""", "name" },
        { """{"settings":{"labels":["a","b"]}}""", "name" },
        { """{"name":null,"settings":{"labels":["a","b"]}}""", "name" },
        { """{"name":"x"}""", "settings" },
        { """{"name":"x",""", "body" },
        { "", "body" },
    };

    [Theory]
    [MemberData(nameof(BadProjects))]
    public async Task CreateProject_Invalid_Is400NamingTheField(string json, string field)
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsync("/api/projects", new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(body)!;
        problem["field"]!.GetValue<string>().ShouldBe(field, body);
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        body.ShouldNotContain("Sift.Server");
    }

    [Fact]
    public async Task CreateProject_NameTaken_Is409()
    {
        using var admin = server.Client("admin");
        var json = "{\"name\":\"dup-" + Guid.NewGuid().ToString("N") + "\",\"settings\":{\"labels\":[\"a\",\"b\"]}}";
        (await admin.PostAsync("/api/projects", new StringContent(json, Encoding.UTF8, "application/json"), Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var second = await admin.PostAsync("/api/projects", new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        second.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task ProjectSettingsAndInstructions_RoundTripThroughTheApi()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");

        var put = await admin.PutAsync($"/api/projects/{projectId}/settings",
            new StringContent("""{"labels":["a","b","c"],"overlap":3,"lease_seconds":60,"strategy":"margin","retrain_every":5}""", Encoding.UTF8, "application/json"), Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync(Ct));
        var instructions = await admin.PutAsync($"/api/projects/{projectId}/instructions",
            new StringContent("""{"markdown":"# New rules"}""", Encoding.UTF8, "application/json"), Ct);
        JsonNode.Parse(await instructions.Content.ReadAsStringAsync(Ct))!["version"]!.GetValue<int>().ShouldBe(2);

        using var annotator = server.Client("annotator");
        var project = JsonNode.Parse(await annotator.GetStringAsync($"/api/projects/{projectId}", Ct))!;
        project["settings"]!["labels"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["a", "b", "c"]);
        project["settings"]!["overlap"]!.GetValue<int>().ShouldBe(3);
        project["settings"]!["lease_seconds"]!.GetValue<double>().ShouldBe(60);
        project["settings"]!["mode"]!.GetValue<string>().ShouldBe("single");
        project["instructions"]!["version"]!.GetValue<int>().ShouldBe(2);
        project["instructions"]!["markdown"]!.GetValue<string>().ShouldBe("# New rules");
    }

    [Fact]
    public async Task UpdateSettings_RemovingALabelInUse_Is400()
    {
        var projectId = await server.ProjectWithItemsAsync(2);
        using var annotator = server.Client("annotator");
        var task = (await TaskFlow.NextAsync(annotator, projectId)).Single();
        await TaskFlow.SubmitAsync(annotator, projectId, task["task_id"]!.GetValue<long>(), ["b"], "x-1");
        using var admin = server.Client("admin");

        var response = await admin.PutAsync($"/api/projects/{projectId}/settings", new StringContent("""{"labels":["a","c"]}""", Encoding.UTF8, "application/json"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("labels");
    }

    [Fact]
    public async Task Me_ReturnsTheCaller_WithRoleAsString()
    {
        using var reviewer = server.Client("reviewer");
        var me = JsonNode.Parse(await reviewer.GetStringAsync("/api/me", Ct))!;
        me["name"]!.GetValue<string>().ShouldBe("reviewer");
        me["role"]!.GetValue<string>().ShouldBe("reviewer");
        me["id"]!.GetValue<long>().ShouldBe(server.UserIds["reviewer"]);
    }

    [Fact]
    public async Task CreateUser_BadRole_Is400NamingRole()
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsync("/api/users", new StringContent("""{"name":"someone","role":"overlord"}""", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("role");
    }

    [Fact]
    public async Task DisableYourself_Is409()
    {
        using var admin = server.Client("admin");
        var response = await admin.PutAsync($"/api/users/{server.UserIds["admin"]}/disabled", new StringContent("""{"disabled":true}""", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    /// <summary><c>/api/projects/{projectId:long}/tasks</c> → <c>/api/projects/{projectId}/tasks</c>.</summary>
    private static string OpenApiPath(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, "\\{([^}:]+)(:[^}]+)?\\}", "{$1}");
}
