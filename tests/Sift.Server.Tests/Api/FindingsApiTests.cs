using System.Net;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Api;

/// <summary>Issue 14's findings that the API answers for: the OpenAPI document, why a token is refused, undo's earlier answer, chart sizes.</summary>
public sealed class FindingsApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenApiDocument_DeclaresBearerAuth_DocumentsErrorAnswers_AndHasNoEncodedEntities()
    {
        using var client = server.Client(null);
        var text = await client.GetStringAsync("/openapi/v1.json", Ct);
        var document = JsonNode.Parse(text)!;

        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        ((string)scheme["type"]!).ShouldBe("http");
        ((string)scheme["scheme"]!).ShouldBe("bearer");
        text.ShouldNotContain("&amp;");
        text.ShouldNotContain("&lt;");

        var paths = document["paths"]!.AsObject();
        var operations = paths.SelectMany(p => p.Value!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "delete").Select(o => (Path: p.Key, Method: o.Key, Op: o.Value!))).ToList();
        operations.Count.ShouldBeGreaterThan(20);
        foreach (var (path, method, op) in operations)
        {
            var responses = op["responses"]!.AsObject();
            var where = $"{method.ToUpperInvariant()} {path}";
            responses.ContainsKey("400").ShouldBeTrue(where);
            if (!path.StartsWith("/api/", StringComparison.Ordinal)) continue;
            responses.ContainsKey("401").ShouldBeTrue(where);
            responses.ContainsKey("403").ShouldBeTrue(where);
            op["security"]!.AsArray().Single()!.AsObject().ContainsKey("Bearer").ShouldBeTrue(where);
            if (path.Contains("id}", StringComparison.OrdinalIgnoreCase)) responses.ContainsKey("404").ShouldBeTrue(where);
            ((string?)responses["401"]!["content"]!["application/problem+json"]!["schema"]!["type"]).ShouldBe("object");
        }
        // A summary that held "after=&amp;limit=" in its doc comment reads as the reader means it.
        var annotations = paths["/api/projects/{projectId}/annotations"]!["get"]!;
        (((string?)annotations["summary"]) ?? (string?)annotations["description"] ?? "").ShouldNotContain("&amp;");
    }

    [Fact]
    public async Task RotatedToken_IsRefusedWithASentenceSayingWhy()
    {
        using var admin = server.Client("admin");
        var created = JsonNode.Parse(await (await admin.PostAsync("/api/users", Json(new JsonObject { ["name"] = $"rot-{Guid.NewGuid():N}"[..12], ["role"] = "annotator" }), Ct))
            .Content.ReadAsStringAsync(Ct))!;
        var token = (string)created["token"]!;
        var id = (long)created["user"]!["id"]!;
        (await admin.PostAsync($"/api/users/{id}/token", null, Ct)).EnsureSuccessStatusCode();

        using var old = new HttpClient { BaseAddress = server.Url };
        old.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var refused = await old.GetAsync("/api/me", Ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!;
        ((string)problem["detail"]!).ShouldContain("an admin rotated it, or the server issued new tokens when it started");

        using var none = server.Client(null);
        var anonymous = JsonNode.Parse(await (await none.GetAsync("/api/me", Ct)).Content.ReadAsStringAsync(Ct))!;
        ((string)anonymous["detail"]!).ShouldBe("Send a valid token in the header 'Authorization: Bearer <token>'.");
    }

    [Fact]
    public async Task Undo_ReturnsTheWithdrawnAnswer_ToItsAnnotatorOnly()
    {
        var projectId = await server.ProjectWithItemsAsync(3, mode: "multi");
        var labels = (await ProjectLabelsAsync(projectId)).Take(2).ToArray();
        using var annotator = server.Client("annotator");
        var task = (await TaskFlow.NextAsync(annotator, projectId))[0];
        await TaskFlow.SubmitAsync(annotator, projectId, (long)task["task_id"]!, labels, Guid.NewGuid().ToString());

        var undone = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        ((long)undone["task_id"]!).ShouldBe((long)task["task_id"]!);
        undone["labels"]!.AsArray().Select(l => (string)l!).ShouldBe(labels);

        // A task handed out normally carries no labels.
        var next = (await TaskFlow.NextAsync(annotator, projectId, 2)).Last();
        next.ContainsKey("labels").ShouldBeFalse();
    }

    [Theory]
    [InlineData("width=100", "width")]
    [InlineData("width=5000", "width")]
    [InlineData("width=400&height=50", "height")]
    public async Task LearningCurve_SizeOutOfRange_Is400NamingTheField(string query, string field)
    {
        var projectId = await server.ProjectWithItemsAsync(2);
        using var admin = server.Client("admin");
        var response = await admin.GetAsync($"/api/projects/{projectId}/learning-curve.svg?{query}", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain(field);
    }

    [Fact]
    public async Task LearningCurve_AtPhoneWidth_IsDrawnAtThatSizeWithTheLegendUnderThePlot()
    {
        var projectId = await server.ProjectWithItemsAsync(2);
        using var reviewer = server.Client("reviewer");
        var svg = await reviewer.GetStringAsync($"/api/projects/{projectId}/learning-curve.svg?width=340&height=260", Ct);
        svg.ShouldContain("width=\"340\" height=\"260\" viewBox=\"0 0 340 260\"");
        using var annotator = server.Client("annotator");
        (await annotator.GetAsync($"/api/projects/{projectId}/learning-curve.svg?width=340", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private async Task<List<string>> ProjectLabelsAsync(long projectId)
    {
        using var admin = server.Client("admin");
        var project = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}", Ct))!;
        return project["settings"]!["labels"]!.AsArray().Select(l => (string)l!).ToList();
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
