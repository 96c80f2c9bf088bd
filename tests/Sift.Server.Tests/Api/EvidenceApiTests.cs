using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Server.Training;

namespace Sift.Server.Tests.Api;

/// <summary>A server whose live loop never polls on its own, so every model version is one a test asked for.</summary>
public sealed class QuietLoopServerFixture : ServerFixture
{
    protected override LiveLoopOptions ConfigureLiveLoop(LiveLoopOptions options) => options with { PollInterval = TimeSpan.FromHours(1) };
}

/// <summary>
/// The evidence stream over HTTP: each write leaves exactly its events (settings, import, hand-out, answer with the
/// person's provenance, undo, model and stop, export), in order and without gaps, paged by sequence number.
/// </summary>
public sealed class EvidenceApiTests(QuietLoopServerFixture server) : IClassFixture<QuietLoopServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Evidence_EachWrite_LeavesExactlyItsEvents()
    {
        using var admin = server.Client("admin");
        using var annotator = server.Client("annotator");
        using var auditor = server.Client("auditor");
        var projectId = await server.CreateProjectAsync(["a", "b"], extraSettings: new { retrain_every = 100_000 });
        var seen = 0L;

        async Task<List<JsonNode>> NewEventsAsync()
        {
            var page = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/evidence?after={seen}", Ct))!.AsArray().Select(e => e!).ToList();
            foreach (var e in page) e["seq"]!.GetValue<long>().ShouldBe(++seen, "sequence numbers follow on without gaps");
            return page;
        }

        static string Kinds(List<JsonNode> events) => string.Join(",", events.Select(e => e["kind"]!.GetValue<string>() + (e["event"]!["undo"]?.GetValue<bool>() == true ? "(undo)" : "")));

        var created = await NewEventsAsync();
        Kinds(created).ShouldBe("settings,access,access,access", "the fixture makes its annotators and reviewer members");
        created.Skip(1).Select(e => e["event"]!["change"]!.GetValue<string>() + " " + e["event"]!["user"]!.GetValue<string>())
            .ShouldBe(ServerFixture.MemberRoles.Select(m => "member-added " + m));
        created[0]["event"]!["change"]!.GetValue<string>().ShouldBe("created");

        const string Body = "{\"id\":\"e1\",\"text\":\"one\"}\n{\"id\":\"e2\",\"text\":\"two\"}\n{\"id\":\"e3\",\"text\":\"three\"}\n{\"id\":\"e4\",\"text\":\"four\"}\n{\"id\":\"e5\",\"text\":\"five\"}\n";
        (await server.ImportAsync(projectId, Body)).EnsureSuccessStatusCode();
        var imported = await NewEventsAsync();
        Kinds(imported).ShouldBe("import");
        var import = imported[0]["event"]!;
        import["imported"]!.GetValue<int>().ShouldBe(5);
        import["content_kind"]!.GetValue<string>().ShouldBe("text");
        import["sha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Body))));

        // Four answers (two per label, so a model can be fitted), each a hand-out then an answer.
        for (var i = 0; i < 4; i++)
        {
            var task = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))![0]!;
            Kinds(await NewEventsAsync()).ShouldBe("selection");
            var body = new JsonObject { ["labels"] = new JsonArray(i % 2 == 0 ? "a" : "b"), ["client_request_id"] = $"ev-{i}", ["seconds"] = 10 + i };
            var url = $"/api/projects/{projectId}/tasks/{task["task_id"]!.GetValue<long>()}/submit";
            (await annotator.PostAsJsonAsync(url, body, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            var answered = await NewEventsAsync();
            Kinds(answered).ShouldBe("answer");
            var answer = answered[0]["event"]!;
            answer["item_id"]!.GetValue<string>().ShouldStartWith("e");
            answer["provenance"]!["kind"]!.GetValue<string>().ShouldBe("person");
            answer["provenance"]!["name"]!.GetValue<string>().ShouldBe("annotator");
            answer["provenance"]!["cost"]!["seconds"]!.GetValue<double>().ShouldBe(10 + i);

            // A retry of the same answer is the same answer: no second event.
            (await annotator.PostAsJsonAsync(url, body, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await NewEventsAsync()).ShouldBeEmpty();
        }

        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var undone = await NewEventsAsync();
        Kinds(undone).ShouldBe("answer(undo)");
        undone[0]["event"]!["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ShouldBe(["b"]);
        var redo = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))![0]!;
        (await NewEventsAsync()).ShouldBeEmpty("the undone task is still the annotator's: nothing is handed out");
        (await annotator.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{redo["task_id"]!.GetValue<long>()}/submit",
            new JsonObject { ["labels"] = new JsonArray("b"), ["client_request_id"] = "ev-redo" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        Kinds(await NewEventsAsync()).ShouldBe("answer");

        (await admin.PostAsync($"/api/projects/{projectId}/train", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await TaskFlow.WaitForModelAsync(admin, projectId);
        var trained = await NewEventsAsync();
        Kinds(trained).ShouldBe("model,stop");
        trained[0]["event"]!["version"]!.GetValue<int>().ShouldBe(1);
        trained[0]["event"]!["labels"]!.GetValue<int>().ShouldBe(4);

        (await admin.GetAsync($"/api/projects/{projectId}/export?format=csv", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var exported = await NewEventsAsync();
        Kinds(exported).ShouldBe("export");
        exported[0]["event"]!["format"]!.GetValue<string>().ShouldBe("csv");
        exported[0]["event"]!["items"]!.GetValue<int>().ShouldBe(5);
        exported[0]["event"]!["by"]!.GetValue<string>().ShouldBe("admin");
        exported[0]["at"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Evidence_Pages_LinkToTheNextAndTogetherHoldTheWholeStream()
    {
        using var auditor = server.Client("auditor");
        var projectId = await server.ProjectWithItemsAsync(3);
        using var annotator = server.Client("annotator");
        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=3", null, Ct)).EnsureSuccessStatusCode();
        var whole = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/evidence", Ct))!.AsArray();
        whole.Select(e => e!["kind"]!.GetValue<string>()).ShouldBe(["settings", "access", "access", "access", "import", "selection", "selection", "selection"]);

        var paged = new List<long>();
        var next = $"/api/projects/{projectId}/evidence?limit=2";
        while (next is not null)
        {
            using var response = await auditor.GetAsync(next, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsArray();
            paged.AddRange(page.Select(e => e!["seq"]!.GetValue<long>()));
            next = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split('<', '>')[1] : null;
            if (page.Count < 2) next.ShouldBeNull("a short page is the last");
        }

        paged.ShouldBe([1, 2, 3, 4, 5, 6, 7, 8]);
        JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/evidence?after=8", Ct))!.AsArray().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("after=-1", "after")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=100000000", "limit")]
    [InlineData("after=x", "after")]
    public async Task Evidence_BadPaging_Is400NamingTheParameter(string query, string field)
    {
        using var auditor = server.Client("auditor");
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var response = await auditor.GetAsync($"/api/projects/{projectId}/evidence?{query}", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe(field);
    }


    [Fact]
    public async Task Verify_AfterWrites_IntactChainWithTheLastEntrysHead()
    {
        using var auditor = server.Client("auditor");
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(projectId, "{\"id\":\"v1\",\"text\":\"one\"}\n{\"id\":\"v2\",\"text\":\"two\"}\n")).EnsureSuccessStatusCode();

        var verdict = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/evidence/verify", Ct))!;
        var events = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/evidence", Ct))!.AsArray();

        verdict["intact"]!.GetValue<bool>().ShouldBeTrue(verdict.ToJsonString());
        verdict["entries"]!.GetValue<long>().ShouldBe(events.Count);
        verdict["head"]!.GetValue<string>().Length.ShouldBe(64);
        verdict["problem"].ShouldBeNull();
        verdict["anchored"]!.GetValue<bool>().ShouldBeFalse(); // this test server keeps no checkpoint files
    }
}
