using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sift.Projects;
using Sift.Server.Auth;

namespace Sift.Server.Tests.Api;

/// <summary>
/// Every endpoint the app maps, called anonymously and as each role: the design table (docs/server-design.md) says who
/// may. The endpoints are read from the app itself, so a new endpoint without a row here fails the test. Endpoints of a
/// project are called on a project whose annotators and reviewer are members and on one where they are not: a
/// non-member annotator or reviewer gets exactly the 404 of a project that does not exist; admins and auditors need no
/// membership.
/// </summary>
public sealed class AuthorizationMatrixTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Anonymous = "anonymous";
    private static readonly string[] Everyone = ["admin", "annotator", "reviewer", "auditor"];
    private static readonly string[] AdminOnly = ["admin"];
    private static readonly string[] Annotate = ["admin", "annotator"];
    private static readonly string[] Review = ["admin", "reviewer", "auditor"];
    private static readonly string[] Audit = ["admin", "auditor"];
    private static readonly string[] Decide = ["admin", "reviewer"];

    /// <summary>"METHOD pattern" → the roles allowed, or null for anonymous endpoints.</summary>
    private static readonly Dictionary<string, string[]?> Table = new()
    {
        ["GET /healthz"] = null,
        ["GET /openapi/{documentName}.json"] = null,
        ["GET /api/{**path}"] = null,
        ["GET {*path:nonfile}"] = null,
        ["HEAD {*path:nonfile}"] = null,
        ["GET {*path:file}"] = null,
        ["GET /api/me"] = Everyone,
        ["GET /api/projects"] = Everyone,
        ["POST /api/projects"] = AdminOnly,
        ["GET /api/projects/{projectId:long}"] = Everyone,
        ["PUT /api/projects/{projectId:long}/settings"] = AdminOnly,
        ["PUT /api/projects/{projectId:long}/instructions"] = AdminOnly,
        ["POST /api/projects/{projectId:long}/items"] = AdminOnly,
        ["GET /api/projects/{projectId:long}/export"] = Audit,
        ["POST /api/projects/{projectId:long}/tasks/next"] = Annotate,
        ["POST /api/projects/{projectId:long}/tasks/{taskId:long}/submit"] = Annotate,
        ["POST /api/projects/{projectId:long}/tasks/{taskId:long}/skip"] = Annotate,
        ["POST /api/projects/{projectId:long}/tasks/undo"] = Annotate,
        ["GET /api/projects/{projectId:long}/my-progress"] = Annotate,
        ["GET /api/projects/{projectId:long}/my-answers"] = Annotate,
        ["POST /api/projects/{projectId:long}/my-answers/{annotationId:long}"] = Annotate,
        ["GET /api/projects/{projectId:long}/dashboard"] = Review,
        ["GET /api/projects/{projectId:long}/learning-curve.svg"] = Review,
        ["GET /api/projects/{projectId:long}/annotations"] = Review,
        ["GET /api/projects/{projectId:long}/agreement"] = Review,
        ["GET /api/projects/{projectId:long}/preferences"] = Review,
        ["GET /api/projects/{projectId:long}/tasks"] = Audit,
        ["GET /api/projects/{projectId:long}/evidence"] = Audit,
        ["GET /api/projects/{projectId:long}/evidence/verify"] = Audit,
        ["GET /api/projects/{projectId:long}/report"] = Audit,
        ["GET /api/projects/{projectId:long}/items/{itemId:long}/original"] = AdminOnly,
        ["GET /api/projects/{projectId:long}/privacy"] = AdminOnly,
        ["POST /api/projects/{projectId:long}/train"] = AdminOnly,
        ["GET /api/projects/{projectId:long}/members"] = AdminOnly,
        ["PUT /api/projects/{projectId:long}/members/{userId:long}"] = AdminOnly,
        ["DELETE /api/projects/{projectId:long}/members/{userId:long}"] = AdminOnly,
        ["GET /api/projects/{projectId:long}/model-annotators"] = AdminOnly,
        ["POST /api/projects/{projectId:long}/model-annotators"] = AdminOnly,
        ["PUT /api/projects/{projectId:long}/model-annotators/{annotatorId:long}/enabled"] = AdminOnly,
        ["GET /api/projects/{projectId:long}/oracles"] = Review,
        ["GET /api/projects/{projectId:long}/annotator-stats"] = AdminOnly,
        ["GET /api/projects/{projectId:long}/gold"] = Audit,
        ["PUT /api/projects/{projectId:long}/gold"] = AdminOnly,
        ["GET /api/projects/{projectId:long}/gold/annotators"] = Review,
        ["GET /api/projects/{projectId:long}/review/queue"] = Review,
        ["GET /api/projects/{projectId:long}/review/items/{itemId:long}"] = Review,
        ["POST /api/projects/{projectId:long}/review/items/{itemId:long}"] = Decide,
        ["GET /api/users"] = AdminOnly,
        ["POST /api/users"] = AdminOnly,
        ["POST /api/users/{userId:long}/token"] = AdminOnly,
        ["PUT /api/users/{userId:long}/disabled"] = AdminOnly,
    };

    [Fact]
    public void Table_ListsEveryMappedEndpoint_AndNothingElse()
    {
        var mapped = MappedEndpoints().Select(e => e.Key).ToHashSet();
        mapped.Except(Table.Keys).ShouldBeEmpty("endpoints without a row in the authorization table");
        Table.Keys.Except(mapped).ShouldBeEmpty("rows for endpoints the app does not map");
    }

    [Fact]
    public void EveryProjectRoute_NamesTheProjectAsProjectId_SoTheMembershipCheckSeesIt()
    {
        foreach (var (key, _, pattern) in MappedEndpoints().Where(e => e.Pattern.StartsWith("/api/projects/", StringComparison.Ordinal)))
            pattern.ShouldStartWith("/api/projects/{" + ProjectAccess.RouteParameter + ":long}", customMessage: key);
    }

    [Fact]
    public async Task EveryEndpoint_EachCallerMemberOrNot_IsAllowedOrRefusedAsTheTableSays()
    {
        var memberProject = await server.ProjectWithItemsAsync(5);
        var otherProject = await server.ProjectWithItemsAsync(5, members: []);
        var throwaway = await server.Store.CreateUserAsync("throwaway-" + Guid.NewGuid().ToString("N")[..8], Role.Annotator, UserTokens.Hash(UserTokens.NewToken()), DateTimeOffset.UtcNow);
        var failures = new List<string>();

        foreach (var (key, method, pattern) in MappedEndpoints())
        {
            var ofProject = pattern.Contains("{projectId:long}", StringComparison.Ordinal);
            foreach (var projectId in ofProject ? [memberProject, otherProject] : new[] { memberProject })
            {
                var member = projectId == memberProject;
                var path = PathFor(pattern, projectId, throwaway.Id);
                var allowed = Table[key];
                foreach (var caller in Everyone.Prepend(Anonymous))
                {
                    var (status, problem) = await CallAsync(caller, method, path);
                    var expected = allowed is null ? "allowed"
                        : caller == Anonymous ? "401"
                        : !allowed.Contains(caller) ? "403"
                        : ofProject && !member && caller is "annotator" or "reviewer" ? "404"
                        : "allowed";
                    var ok = expected switch
                    {
                        "401" => status == 401,
                        "403" => status == 403,
                        "404" => IsMissingProject(status, problem, projectId),
                        _ => status is not (401 or 403) && status < 500 && !(ofProject && IsMissingProject(status, problem, projectId)),
                    };
                    var who = ofProject ? $"{caller} ({(member ? "member" : "not a member")})" : caller;
                    if (!ok) failures.Add($"{key} as {who}: expected {expected}, got {status} {problem?["detail"]}");
                    if (status is 401 or 403 || expected == "404")
                    {
                        problem.ShouldNotBeNull($"{key} as {who}: a ProblemDetails body");
                        problem["status"]!.GetValue<int>().ShouldBe(status);
                    }

                    if (expected == "404")
                    {
                        // Word for word what a project that does not exist answers: nothing tells the two apart.
                        var missing = await CallAsync(caller, method, PathFor(pattern, 987654320, throwaway.Id));
                        missing.Status.ShouldBe(404, $"{key} as {who}, missing project");
                        Comparable(missing.Problem!, 987654320).ShouldBe(Comparable(problem!, projectId), $"{key} as {who}");
                    }
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task ListProjects_AnnotatorsAndReviewers_SeeOnlyTheirProjects_AdminsAndAuditorsSeeAll()
    {
        var theirs = await server.CreateProjectAsync(["a", "b"]);
        var annotatorOnly = await server.CreateProjectAsync(["a", "b"], members: ["annotator"]);
        var nobodys = await server.CreateProjectAsync(["a", "b"], members: []);
        var expected = new Dictionary<string, long[]>
        {
            ["annotator"] = [theirs, annotatorOnly],
            ["annotator2"] = [theirs],
            ["reviewer"] = [theirs],
            ["admin"] = [theirs, annotatorOnly, nobodys],
            ["auditor"] = [theirs, annotatorOnly, nobodys],
        };
        foreach (var (who, ids) in expected)
        {
            using var client = server.Client(who);
            var listed = JsonNode.Parse(await client.GetStringAsync("/api/projects", TestContext.Current.CancellationToken))!.AsArray()
                .Select(p => p!["id"]!.GetValue<long>()).Where(id => id == theirs || id == annotatorOnly || id == nobodys);
            listed.ShouldBe(ids, who);
        }
    }

    private static string PathFor(string pattern, long projectId, long userId) => pattern
        .Replace("{projectId:long}", projectId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{taskId:long}", "987654321", StringComparison.Ordinal)
        .Replace("{annotatorId:long}", "987654322", StringComparison.Ordinal)
        .Replace("{annotationId:long}", "987654323", StringComparison.Ordinal)
        .Replace("{itemId:long}", "987654324", StringComparison.Ordinal)
        .Replace("{userId:long}", userId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{documentName}", "v1", StringComparison.Ordinal)
        .Replace("{**path}", "no-such-endpoint", StringComparison.Ordinal)
        .Replace("{*path:nonfile}", "annotate/1", StringComparison.Ordinal)
        .Replace("{*path:file}", "missing.js", StringComparison.Ordinal);

    /// <summary>Calls as <paramref name="caller"/> (an empty JSON body for POST and PUT); the status and the ProblemDetails body, if any.</summary>
    private async Task<(int Status, JsonNode? Problem)> CallAsync(string caller, string method, string path)
    {
        using var client = server.Client(caller == Anonymous ? null : caller);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT") request.Content = new StringContent("", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var isProblem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        if ((int)response.StatusCode is 401 or 403) isProblem.ShouldBeTrue($"{method} {path} as {caller}: {(int)response.StatusCode} is ProblemDetails");
        return ((int)response.StatusCode, isProblem ? JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)) : null);
    }

    /// <summary>The 404 of a project that does not exist (or that the caller may not know of).</summary>
    private static bool IsMissingProject(int status, JsonNode? problem, long projectId) =>
        status == 404 && problem?["detail"]?.GetValue<string>() == $"Project {projectId} does not exist.";

    /// <summary>The problem without what differs per request (trace id) and with the project id masked.</summary>
    private static string Comparable(JsonNode problem, long projectId)
    {
        var copy = problem.DeepClone().AsObject();
        copy.Remove("trace_id");
        copy.Remove("traceId");
        // Only the detail names the project; the type URI ("…section-15.5.5") must stay as it is whatever the id.
        if (copy["detail"] is JsonValue detail && detail.TryGetValue(out string? text))
        {
            copy["detail"] = System.Text.RegularExpressions.Regex.Replace(
                text, $@"\b{projectId.ToString(CultureInfo.InvariantCulture)}\b", "{id}");
        }

        return copy.ToJsonString();
    }

    [Fact]
    public async Task DisabledUser_TokenStopsWorking_AtOnce()
    {
        using var admin = server.Client("admin");
        var created = await CreateUserAsync(admin, "annotator");
        using var user = new HttpClient { BaseAddress = server.Url };
        user.DefaultRequestHeaders.Authorization = new("Bearer", created.Token);
        (await user.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var disable = await admin.PutAsync($"/api/users/{created.Id}/disabled", Json("""{"disabled":true}"""), TestContext.Current.CancellationToken);
        disable.StatusCode.ShouldBe(HttpStatusCode.OK);

        (await user.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RotateToken_OldTokenRefused_NewTokenAccepted()
    {
        using var admin = server.Client("admin");
        var created = await CreateUserAsync(admin, "reviewer");
        var rotated = await admin.PostAsync($"/api/users/{created.Id}/token", null, TestContext.Current.CancellationToken);
        var newToken = JsonNode.Parse(await rotated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["token"]!.GetValue<string>();
        newToken.ShouldStartWith("sift_");
        newToken.ShouldNotBe(created.Token);

        using var old = new HttpClient { BaseAddress = server.Url };
        old.DefaultRequestHeaders.Authorization = new("Bearer", created.Token);
        (await old.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var fresh = new HttpClient { BaseAddress = server.Url };
        fresh.DefaultRequestHeaders.Authorization = new("Bearer", newToken);
        (await fresh.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task CreateUser_TokenShownOnce_OnlyItsHashStored()
    {
        using var admin = server.Client("admin");
        var created = await CreateUserAsync(admin, "auditor");
        created.Token.ShouldMatch("^sift_[A-Za-z0-9_-]{43}$");

        var stored = await server.Store.FindUserByTokenHashAsync(UserTokens.Hash(created.Token), TestContext.Current.CancellationToken);
        stored.ShouldNotBeNull().Id.ShouldBe(created.Id);
        var list = await admin.GetStringAsync("/api/users", TestContext.Current.CancellationToken);
        list.ShouldNotContain(created.Token);
        list.ShouldNotContain(UserTokens.Hash(created.Token));
    }

    [Fact]
    public async Task WrongOrMalformedToken_Is401ProblemDetails()
    {
        foreach (var header in new[] { "Bearer sift_nope", "Basic abc", "Bearer " })
        {
            using var client = new HttpClient { BaseAddress = server.Url };
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
            var response = await client.GetAsync("/api/me", TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, header);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        }
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<(long Id, string Token)> CreateUserAsync(HttpClient admin, string role)
    {
        var response = await admin.PostAsync("/api/users", Json($$"""{"name":"u-{{Guid.NewGuid():N}}","role":"{{role}}"}"""), TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        return (body["user"]!["id"]!.GetValue<long>(), body["token"]!.GetValue<string>());
    }

    private List<(string Key, string Method, string Pattern)> MappedEndpoints()
    {
        var source = server.App.Services.GetRequiredService<EndpointDataSource>();
        var result = new List<(string, string, string)>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods) result.Add(($"{method} {pattern}", method, pattern.StartsWith('/') ? pattern : "/" + pattern));
        }

        return result;
    }
}
