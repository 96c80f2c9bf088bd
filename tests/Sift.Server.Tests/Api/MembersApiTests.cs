using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Api;

/// <summary>Project membership over HTTP: admins add and remove annotators and reviewers; the change takes effect at once.</summary>
public sealed class MembersApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AccessChanges_AreEvidenceOfTheProjectsTheyReach_AndNeverHoldAToken()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], members: []);
        using var admin = server.Client("admin");
        async Task<List<JsonNode>> AccessAsync() =>
            JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/evidence", Ct))!.AsArray()
                .Where(e => e!["kind"]!.GetValue<string>() == "access").Select(e => e!["event"]!).ToList();
        static string Summary(JsonNode e) => $"{e["change"]} {e["user"]} {e["role"]} by {e["by"]}";
        static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
        async Task<JsonNode> CreateAsync(string name, string role) =>
            JsonNode.Parse(await (await admin.PostAsync("/api/users", Json($$"""{"name":"{{name}}","role":"{{role}}"}"""), Ct)).Content.ReadAsStringAsync(Ct))!;

        var name = "ann-" + Guid.NewGuid().ToString("N")[..8];
        var created = await CreateAsync(name, "annotator");
        var userId = created["user"]!["id"]!.GetValue<long>();
        (await AccessAsync()).ShouldBeEmpty("an annotator reaches no project until made a member");

        (await admin.PutAsync($"/api/projects/{projectId}/members/{userId}", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PutAsync($"/api/projects/{projectId}/members/{userId}", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var rotated = JsonNode.Parse(await (await admin.PostAsync($"/api/users/{userId}/token", null, Ct)).Content.ReadAsStringAsync(Ct))!["token"]!.GetValue<string>();
        (await admin.PutAsync($"/api/users/{userId}/disabled", Json("""{"disabled":true}"""), Ct)).EnsureSuccessStatusCode();
        (await admin.DeleteAsync($"/api/projects/{projectId}/members/{userId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var auditorName = "aud-" + Guid.NewGuid().ToString("N")[..8];
        var auditor = await CreateAsync(auditorName, "auditor");

        (await AccessAsync()).Select(Summary).ShouldBe([
            $"member-added {name} annotator by admin",
            $"token-rotated {name} annotator by admin",
            $"user-disabled {name} annotator by admin",
            $"member-removed {name} annotator by admin",
            $"user-created {auditorName} auditor by admin",
        ]);
        var log = await admin.GetStringAsync($"/api/projects/{projectId}/evidence", Ct);
        log.ShouldNotContain(created["token"]!.GetValue<string>());
        log.ShouldNotContain(rotated);
        log.ShouldNotContain(auditor["token"]!.GetValue<string>());
        JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/evidence/verify", Ct))!["intact"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task PutListDelete_Member_AddsOnceListsAndRemoves()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], members: []);
        using var admin = server.Client("admin");
        var annotatorId = server.UserIds["annotator"];

        var first = await admin.PutAsync($"/api/projects/{projectId}/members/{annotatorId}", null, Ct);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        first.Headers.Location!.ToString().ShouldBe($"/api/projects/{projectId}/members/{annotatorId}");
        var again = await admin.PutAsync($"/api/projects/{projectId}/members/{annotatorId}", null, Ct);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PutAsync($"/api/projects/{projectId}/members/{server.UserIds["reviewer"]}", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var members = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/members", Ct))!.AsArray();
        members.Select(m => m!["name"]!.GetValue<string>()).ShouldBe(["annotator", "reviewer"]);
        var annotator = members[0]!.AsObject();
        annotator["user_id"]!.GetValue<long>().ShouldBe(annotatorId);
        annotator["role"]!.GetValue<string>().ShouldBe("annotator");
        annotator["disabled"]!.GetValue<bool>().ShouldBeFalse();
        annotator["added_at"]!.GetValue<DateTimeOffset>().ShouldBe(JsonNode.Parse(await again.Content.ReadAsStringAsync(Ct))!["added_at"]!.GetValue<DateTimeOffset>());

        (await admin.DeleteAsync($"/api/projects/{projectId}/members/{annotatorId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var second = await admin.DeleteAsync($"/api/projects/{projectId}/members/{annotatorId}", Ct);
        second.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await second.Content.ReadAsStringAsync(Ct)).ShouldContain("is not a member");
        JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/members", Ct))!.AsArray()
            .Select(m => m!["name"]!.GetValue<string>()).ShouldBe(["reviewer"]);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("auditor")]
    public async Task Put_AdminOrAuditor_Is400NamingUserId(string who)
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], members: []);
        using var admin = server.Client("admin");
        var response = await admin.PutAsync($"/api/projects/{projectId}/members/{server.UserIds[who]}", null, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        problem["field"]!.GetValue<string>().ShouldBe("userId");
        problem["detail"]!.GetValue<string>().ShouldContain("reach every project");
        JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/members", Ct))!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Put_UnknownUserOrProject_Is404()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], members: []);
        using var admin = server.Client("admin");
        var noUser = await admin.PutAsync($"/api/projects/{projectId}/members/987654321", null, Ct);
        noUser.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await noUser.Content.ReadAsStringAsync(Ct)).ShouldContain("User 987654321 does not exist.");
        var noProject = await admin.PutAsync($"/api/projects/987654321/members/{server.UserIds["annotator"]}", null, Ct);
        noProject.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await noProject.Content.ReadAsStringAsync(Ct)).ShouldContain("Project 987654321 does not exist.");
        (await admin.GetAsync("/api/projects/987654321/members", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.DeleteAsync($"/api/projects/987654321/members/{server.UserIds["annotator"]}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Membership_AddedAndRemoved_TakesEffectAtOnce()
    {
        var projectId = await server.ProjectWithItemsAsync(3, members: []);
        using var annotator = server.Client("annotator");
        using var other = server.Client("annotator2");
        using var admin = server.Client("admin");
        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await server.AddMemberAsync(projectId, "annotator");
        var next = await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=3", null, Ct);
        next.StatusCode.ShouldBe(HttpStatusCode.OK);
        var tasks = JsonNode.Parse(await next.Content.ReadAsStringAsync(Ct))!.AsArray();
        tasks.Count.ShouldBe(3);
        var answered = tasks[0]!["task_id"]!.GetValue<long>();
        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/{answered}/submit", Submit("a", "m1"), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await server.AddMemberAsync(projectId, "annotator2");
        (await other.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent, "the annotator holds every open item");

        (await admin.DeleteAsync($"/api/projects/{projectId}/members/{server.UserIds["annotator"]}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // The former member can no longer answer, and the two items they held go to the others straight away.
        var held = tasks[1]!["task_id"]!.GetValue<long>();
        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/{held}/submit", Submit("a", "m2"), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await annotator.GetAsync($"/api/projects/{projectId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var freed = await other.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=3", null, Ct);
        freed.StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonNode.Parse(await freed.Content.ReadAsStringAsync(Ct))!.AsArray().Select(t => t!["item_id"]!.GetValue<long>())
            .ShouldBe(tasks.Skip(1).Select(t => t!["item_id"]!.GetValue<long>()));

        // The answer given while a member stays.
        var annotations = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/annotations", Ct))!.AsArray();
        annotations.Select(a => a!["annotator"]!.GetValue<string>()).ShouldBe(["annotator"]);
    }

    private static StringContent Submit(string label, string requestId) =>
        new($$"""{"labels":["{{label}}"],"client_request_id":"{{requestId}}-{{Guid.NewGuid():N}}"}""", Encoding.UTF8, "application/json");
}
