using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Projects;

namespace Sift.Server.Tests.Api;

/// <summary>
/// How the API reads a request (docs/server-design.md, "Requests"): JSON only as application/json, no duplicate keys,
/// enum values exactly as the API writes them; and what it does not give away (the request's Host, the trainer's owner).
/// </summary>
public sealed class RequestRulesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task JsonEndpoint_BodyNotSentAsJson_Is415ProblemDetails(string? contentType)
    {
        var projectId = await server.ProjectWithItemsAsync(2);
        using var annotator = server.Client("annotator");
        var task = (await TaskFlow.NextAsync(annotator, projectId)).Single();
        using var admin = server.Client("admin");

        var create = await admin.PostAsync("/api/projects", Body("""{"name":"ct","settings":{"labels":["a","b"]}}""", contentType), Ct);
        var submit = await annotator.PostAsync($"/api/projects/{projectId}/tasks/{task["task_id"]}/submit", Body("""{"labels":["a"],"client_request_id":"r1"}""", contentType), Ct);

        foreach (var response in new[] { create, submit })
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType, text);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            JsonNode.Parse(text)!["field"]!.GetValue<string>().ShouldBe("body");
        }

        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task UnknownApiPath_WithABody_IsStill404()
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsync("/api/no-such-thing", Body("{}", "text/plain"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string, string> DuplicateKeys => new()
    {
        // path, body, field named
        { "/api/users", """{"name":"dup-user","role":"annotator","role":"admin"}""", "role" },
        { "/api/users", """{"name":"dup-a","name":"dup-b","role":"annotator"}""", "name" },
        { "/api/projects", """{"name":"dup-p","settings":{"labels":["a","b"],"overlap":1,"overlap":3}}""", "settings.overlap" },
    };

    [Theory]
    [MemberData(nameof(DuplicateKeys))]
    public async Task JsonBody_DuplicateKey_Is400NamingTheKey(string path, string body, string field)
    {
        using var admin = server.Client("admin");
        var users = (await server.Store.ListUsersAsync(Ct)).Count;
        var projects = (await server.Store.ListProjectsAsync(Ct)).Count;

        var response = await admin.PostAsync(path, Body(body, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        var problem = JsonNode.Parse(text)!;
        problem["field"]!.GetValue<string>().ShouldBe(field, text);
        problem["detail"]!.GetValue<string>().ShouldContain("more than once");
        (await server.Store.ListUsersAsync(Ct)).Count.ShouldBe(users);
        (await server.Store.ListProjectsAsync(Ct)).Count.ShouldBe(projects);
    }

    [Fact]
    public async Task JsonBody_UnpairedSurrogateInAKey_Is400()
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsync("/api/users", Body("""{"name":"s","role":"annotator","\udc00":1}""", "application/json"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("ADMIN")]
    [InlineData(" admin")]
    [InlineData("0")]
    public async Task CreateUser_RoleNotExactlyAsTheApiWritesIt_Is400NamingRole(string role)
    {
        using var admin = server.Client("admin");
        var body = new JsonObject { ["name"] = "r-" + Guid.NewGuid().ToString("N")[..8], ["role"] = role }.ToJsonString();

        var response = await admin.PostAsync("/api/users", Body(body, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        var problem = JsonNode.Parse(text)!;
        problem["field"]!.GetValue<string>().ShouldBe("role");
        problem["detail"]!.GetValue<string>().ShouldContain("admin, annotator, reviewer, auditor");
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("auditor")]
    public async Task CreateUser_RoleInSnakeCase_IsAccepted(string role)
    {
        using var admin = server.Client("admin");
        var body = new JsonObject { ["name"] = "r-" + Guid.NewGuid().ToString("N")[..8], ["role"] = role }.ToJsonString();

        var response = await admin.PostAsync("/api/users", Body(body, "application/json"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["user"]!["role"]!.GetValue<string>().ShouldBe(role);
    }

    [Fact]
    public async Task CreateProject_ModeNotExactlyAsTheApiWritesIt_Is400NamingMode()
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsync("/api/projects", Body("""{"name":"mode-case","settings":{"labels":["a","b"],"mode":"Multi"}}""", "application/json"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("settings.mode");
    }

    [Fact]
    public async Task OpenApiDocument_DoesNotEchoTheRequestHost()
    {
        using var client = server.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Host = "evil.example";

        var response = await client.SendAsync(request, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        text.ShouldNotContain("evil.example");
        JsonNode.Parse(text)!.AsObject().ContainsKey("servers").ShouldBeFalse();
    }

    [Fact]
    public async Task OpenApiDocument_DescribesJsonBodiesAndEnumsAsStrings()
    {
        using var client = server.Client(null);
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", Ct))!;
        document["paths"]!["/api/users"]!["post"]!["requestBody"]!["content"]!.AsObject().Select(p => p.Key).ShouldBe(["application/json"]);
        document["paths"]!["/api/projects/{projectId}/items"]!["post"]!["requestBody"]!["content"]!.AsObject().Select(p => p.Key).ShouldBe(["application/x-ndjson", "text/csv"]);
        var role = document["components"]!["schemas"]!["Role"]!;
        // "model": model annotators' users, shown in the user list; POST /api/users refuses it.
        role["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["admin", "annotator", "reviewer", "auditor", "model"]);
    }

    [Fact]
    public async Task Dashboard_TrainerOwner_OnlyShownToAdmins()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        await server.Store.SetTrainerStatusAsync(new TrainerStatus(projectId, TrainerState.Done, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 1.5, null, "build-host-7:4242:abc"), Ct);

        foreach (var (who, seesOwner) in new[] { ("admin", true), ("reviewer", false), ("auditor", false) })
        {
            using var client = server.Client(who);
            var text = await client.GetStringAsync($"/api/projects/{projectId}/dashboard", Ct);
            var trainer = JsonNode.Parse(text)!["trainer"]!;
            trainer["state"]!.GetValue<string>().ShouldBe("done");
            if (seesOwner) trainer["owner"]!.GetValue<string>().ShouldBe("build-host-7:4242:abc");
            else text.ShouldNotContain("build-host-7", customMessage: who);
        }
    }

    private static HttpContent Body(string json, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        if (contentType is not null) content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }
}
