using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Projects;

namespace Sift.Server.Tests.Api;

/// <summary>
/// Issue 9, item 1: strategy and stop-rule specs over their limits are refused with a 400 naming the field, on create
/// and on settings update, and the process stays up; a project stored with such specs (bypassing validation) still
/// answers its dashboard, export and agreement, and shows its trainer failed until its settings are fixed.
/// </summary>
public sealed class SettingsLimitsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Decorated(int decorators) => "margin" + string.Concat(Enumerable.Repeat("+explore(0.1)", decorators));

    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("any(", levels)) + "labels(5)" + new string(')', levels);

    public static TheoryData<string, string, string> OverTheLimits => new()
    {
        { "strategy", Decorated(70_000), "is 910,006 characters long; at most 1,000 are accepted" },
        { "strategy", Decorated(9), "has 9 decorators; at most 8 are accepted" },
        { "stop_rule", string.Concat(Enumerable.Repeat("any(", 20_000)), "it is 80,000 characters long; at most 1,000 are accepted" },
        { "stop_rule", Nested(5_000), "it is 25,009 characters long; at most 1,000 are accepted" },
        { "stop_rule", Nested(17), "nested more than 16 deep" },
    };

    [Theory]
    [MemberData(nameof(OverTheLimits))]
    public async Task CreateProject_SpecOverItsLimit_Is400NamingTheField_ProcessStaysUp(string field, string spec, string problem)
    {
        using var admin = server.Client("admin");
        var name = "limits-" + Guid.NewGuid().ToString("N")[..12];
        var response = await admin.PostAsync("/api/projects", Json("{\"name\":\"" + name + "\",\"settings\":{\"labels\":[\"a\",\"b\"],\"" + field + "\":\"" + spec + "\"}}"), Ct);

        await ShouldBeProblemAsync(response, "settings." + field, problem);
        (await admin.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.Store.ListProjectsAsync(Ct)).ShouldNotContain(p => p.Name == name);
    }

    [Theory]
    [MemberData(nameof(OverTheLimits))]
    public async Task UpdateSettings_SpecOverItsLimit_Is400NamingTheField_SettingsUnchanged(string field, string spec, string problem)
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");
        var response = await admin.PutAsync($"/api/projects/{projectId}/settings", Json("{\"labels\":[\"a\",\"b\"],\"" + field + "\":\"" + spec + "\"}"), Ct);

        await ShouldBeProblemAsync(response, field, problem);
        (await admin.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var stored = (await server.Store.GetProjectAsync(projectId, Ct))!.Settings;
        stored.Strategy.ShouldBe(new ProjectSettings().Strategy);
        stored.StopRule.ShouldBe(new ProjectSettings().StopRule);
    }

    [Fact]
    public async Task CreateProject_SpecsAtTheirLimits_AreAccepted()
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = "limits-" + Guid.NewGuid().ToString("N")[..12],
            ["settings"] = new JsonObject { ["labels"] = new JsonArray("a", "b"), ["strategy"] = Decorated(8), ["stop_rule"] = Nested(16) },
        }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task StoredProjectWithSpecsOverTheLimits_ReadsAnswer_TrainerShowsTheFailure_FixingTheSettingsRecovers()
    {
        // Written as an older version (or a hand edit of the database) could have: straight through the store.
        var settings = new ProjectSettings { Labels = ["a", "b"], HeldOutShare = 0, Strategy = Decorated(70_000), StopRule = Nested(20_000) };
        var project = await server.Store.CreateProjectAsync("stored-" + Guid.NewGuid().ToString("N")[..12], settings, "", server.UserIds["admin"], DateTimeOffset.UtcNow, Ct);
        var lines = string.Join('\n', Enumerable.Range(0, 30).Select(i => $$"""{"id":"i{{i}}","text":"item number {{i}} about {{(i % 2 == 0 ? "apples" : "pears")}}"}"""));
        (await server.ImportAsync(project.Id, lines)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await server.AddMemberAsync(project.Id, "annotator");
        using var annotator = server.Client("annotator");
        for (var i = 0; i < 4; i++)
        {
            var next = await annotator.PostAsync($"/api/projects/{project.Id}/tasks/next", null, Ct);
            var task = JsonNode.Parse(await next.Content.ReadAsStringAsync(Ct))![0]!;
            var submit = await annotator.PostAsJsonAsync($"/api/projects/{project.Id}/tasks/{task["task_id"]!.GetValue<long>()}/submit",
                new JsonObject { ["labels"] = new JsonArray(i % 2 == 0 ? "a" : "b"), ["client_request_id"] = $"limits-{i}" }, Ct);
            submit.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var admin = server.Client("admin");
        (await admin.PostAsync($"/api/projects/{project.Id}/train", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var dashboard = await WaitForTrainerAsync(admin, project.Id, "failed");
        dashboard["trainer"]!["error"]!.GetValue<string>().ShouldStartWith("Not trained until the settings are fixed: strategy: Strategy 'margin+explore(0.1)");
        dashboard["stop"]!["rule"]!.GetValue<string>().Length.ShouldBeLessThan(120);
        foreach (var path in new[] { "export?format=jsonl", "export?format=csv", "agreement", "learning-curve.svg", "annotations", "tasks" })
        {
            var read = await admin.GetAsync($"/api/projects/{project.Id}/{path}", Ct);
            read.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }

        var fix = await admin.PutAsJsonAsync($"/api/projects/{project.Id}/settings", new JsonObject { ["labels"] = new JsonArray("a", "b"), ["held_out_share"] = 0.0 }, Ct);
        fix.StatusCode.ShouldBe(HttpStatusCode.OK, await fix.Content.ReadAsStringAsync(Ct));
        var fixedDashboard = await WaitForTrainerAsync(admin, project.Id, "done");
        fixedDashboard["trainer"]!["error"].ShouldBeNull();
    }

    /// <summary>A JSON body written as a client would (not through a serializer that escapes '+' as \u002B).</summary>
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, string field, string problem)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body.Length > 500 ? body[..500] : body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var json = JsonNode.Parse(body)!;
        json["field"]!.GetValue<string>().ShouldBe(field, body);
        json["detail"]!.GetValue<string>().ShouldContain(problem, Case.Sensitive, body);
        body.Length.ShouldBeLessThan(1_000); // the spec is quoted by its start, never echoed whole
    }

    private static async Task<JsonNode> WaitForTrainerAsync(HttpClient admin, long projectId, string state)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var view = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/dashboard", Ct))!;
            if (view["trainer"]!["state"]!.GetValue<string>() == state) return view;
            await Task.Delay(100, timeout.Token);
        }
    }
}
