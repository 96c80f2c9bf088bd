using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Api;

/// <summary>Small helpers for the annotation flow over HTTP.</summary>
internal static class TaskFlow
{
    /// <summary>Waits (up to two minutes) until the project's trainer has finished a run that made a model; fails on a failed run.</summary>
    public static async Task WaitForModelAsync(HttpClient admin, long projectId)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        while (true)
        {
            var view = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/dashboard", TestContext.Current.CancellationToken))!;
            if (view["trainer"]!["state"]!.GetValue<string>() == "done" && view["model_version"]?.GetValue<int>() >= 1) return;
            view["trainer"]!["state"]!.GetValue<string>().ShouldNotBe("failed", view.ToJsonString());
            await Task.Delay(100, timeout.Token);
        }
    }

    public static async Task<List<JsonObject>> NextAsync(HttpClient client, long projectId, int prefetch = 1)
    {
        var response = await client.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch={prefetch}", null, TestContext.Current.CancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent) return [];
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsArray().Select(n => n!.AsObject()).ToList();
    }

    public static Task<HttpResponseMessage> PostSubmitAsync(HttpClient client, long projectId, long taskId, string[] labels, string requestId) =>
        client.PostAsync($"/api/projects/{projectId}/tasks/{taskId}/submit",
            new StringContent(new JsonObject { ["labels"] = new JsonArray(labels.Select(l => (JsonNode)l).ToArray()), ["client_request_id"] = requestId }.ToJsonString(), Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

    public static async Task<JsonObject> SubmitAsync(HttpClient client, long projectId, long taskId, string[] labels, string requestId)
    {
        var response = await PostSubmitAsync(client, projectId, taskId, labels, requestId);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }
}

/// <summary>Hand-out, submit (idempotent), skip and undo over HTTP, and what annotators may see.</summary>
public sealed class HandoutTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Next_WithPrefetch_TopsUpToN_AndRepeatsTheSameLiveTasks()
    {
        var projectId = await server.ProjectWithItemsAsync(6);
        using var annotator = server.Client("annotator");

        var first = await TaskFlow.NextAsync(annotator, projectId, 2);
        var again = await TaskFlow.NextAsync(annotator, projectId, 2);
        var more = await TaskFlow.NextAsync(annotator, projectId, 3);

        first.Count.ShouldBe(2);
        again.Select(t => t["task_id"]!.GetValue<long>()).ShouldBe(first.Select(t => t["task_id"]!.GetValue<long>()));
        more.Count.ShouldBe(3);
        more.Take(2).Select(t => t["task_id"]!.GetValue<long>()).ShouldBe(first.Select(t => t["task_id"]!.GetValue<long>()));
        more.Select(t => t["item_id"]!.GetValue<long>()).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public async Task Next_TaskShape_HasOnlyKindTextAndInstructionsVersion_NoScoresReasonsOrGold()
    {
        var projectId = await server.CreateProjectAsync(["zebra", "yak"]);
        (await server.ImportAsync(projectId, "{\"id\":\"1\",\"text\":\"first\",\"label\":\"zebra\"}\n{\"id\":\"2\",\"text\":\"second\",\"label\":\"yak\"}\n")).EnsureSuccessStatusCode();
        using var annotator = server.Client("annotator");

        var response = await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=2", null, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        foreach (var task in JsonNode.Parse(body)!.AsArray())
            task!.AsObject().Select(p => p.Key).Order().ShouldBe(["content_kind", "expires_at", "instructions_version", "item_id", "task_id", "text"]);
        body.ShouldNotContain("zebra");
        body.ShouldNotContain("yak");
    }

    [Fact]
    public async Task Annotator_NeverSeesGoldOrOthersAnswers_OrTheirTasks()
    {
        var projectId = await server.CreateProjectAsync(["zebra", "yak"], overlap: 2);
        (await server.ImportAsync(projectId, "{\"id\":\"1\",\"text\":\"first\",\"label\":\"zebra\"}\n")).EnsureSuccessStatusCode();
        using var one = server.Client("annotator");
        using var two = server.Client("annotator2");

        var mine = (await TaskFlow.NextAsync(one, projectId)).Single();
        await TaskFlow.SubmitAsync(one, projectId, mine["task_id"]!.GetValue<long>(), ["yak"], "a-1");
        var theirs = (await TaskFlow.NextAsync(two, projectId)).Single();

        theirs["item_id"]!.GetValue<long>().ShouldBe(mine["item_id"]!.GetValue<long>());
        theirs.ToJsonString().ShouldNotContain("yak");
        theirs.ToJsonString().ShouldNotContain("zebra");
        var progress = await two.GetStringAsync($"/api/projects/{projectId}/my-progress", Ct);
        JsonNode.Parse(progress)!["submitted"]!.GetValue<int>().ShouldBe(0);

        // The other annotator's task cannot be answered, skipped, or read through their undo.
        (await TaskFlow.PostSubmitAsync(two, projectId, mine["task_id"]!.GetValue<long>(), ["zebra"], "b-1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await two.PostAsync($"/api/projects/{projectId}/tasks/{mine["task_id"]}/skip", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await two.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        foreach (var path in new[] { "annotations", "tasks", "export", "dashboard" })
            (await two.GetAsync($"/api/projects/{projectId}/{path}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
        var project = await two.GetStringAsync($"/api/projects/{projectId}", Ct);
        project.ShouldNotContain("gold");
    }

    [Fact]
    public async Task Submit_RetriedWithTheSameRequestId_CountsOnce()
    {
        var projectId = await server.ProjectWithItemsAsync(3);
        using var annotator = server.Client("annotator");
        var task = (await TaskFlow.NextAsync(annotator, projectId)).Single();
        var taskId = task["task_id"]!.GetValue<long>();

        var first = await TaskFlow.SubmitAsync(annotator, projectId, taskId, ["a"], "req-1");
        var retry = await TaskFlow.SubmitAsync(annotator, projectId, taskId, ["a"], "req-1");

        first["duplicate"]!.GetValue<bool>().ShouldBeFalse();
        retry["duplicate"]!.GetValue<bool>().ShouldBeTrue();
        retry["annotation_id"]!.GetValue<long>().ShouldBe(first["annotation_id"]!.GetValue<long>());
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).Count.ShouldBe(1);

        // Answering the same task again under a new request id is a conflict, not a second answer.
        var again = await TaskFlow.PostSubmitAsync(annotator, projectId, taskId, ["b"], "req-2");
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Skip_ThenUndo_ReturnsTheLastAnsweredTask()
    {
        var projectId = await server.ProjectWithItemsAsync(4);
        using var annotator = server.Client("annotator");
        var tasks = await TaskFlow.NextAsync(annotator, projectId, 2);
        var answered = tasks[0]["task_id"]!.GetValue<long>();
        var skipped = tasks[1]["task_id"]!.GetValue<long>();
        await TaskFlow.SubmitAsync(annotator, projectId, answered, ["b"], "s-1");

        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/{skipped}/skip", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/{skipped}/skip", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var undo = await annotator.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct);
        undo.StatusCode.ShouldBe(HttpStatusCode.OK);
        var reopened = JsonNode.Parse(await undo.Content.ReadAsStringAsync(Ct))!;

        reopened["task_id"]!.GetValue<long>().ShouldBe(answered);
        reopened["text"]!.GetValue<string>().ShouldBe(tasks[0]["text"]!.GetValue<string>());
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
        var next = await TaskFlow.NextAsync(annotator, projectId, 3);
        next.Select(t => t["task_id"]!.GetValue<long>()).ShouldContain(answered);
        next.Select(t => t["task_id"]!.GetValue<long>()).ShouldNotContain(skipped);

        var resubmit = await TaskFlow.SubmitAsync(annotator, projectId, answered, ["a"], "s-2");
        resubmit["duplicate"]!.GetValue<bool>().ShouldBeFalse();
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).Single().Labels.ShouldBe(["a"]);
    }

    [Theory]
    [InlineData("single", new[] { "c" })]
    [InlineData("single", new[] { "a", "b" })]
    [InlineData("single", new string[0])]
    [InlineData("multi", new[] { "a", "a" })]
    [InlineData("multi", new[] { "a", "nope" })]
    public async Task Submit_LabelsOutsideTheSchema_Is400NamingLabels(string mode, string[] labels)
    {
        var projectId = await server.ProjectWithItemsAsync(2, mode: mode);
        using var annotator = server.Client("annotator");
        var task = (await TaskFlow.NextAsync(annotator, projectId)).Single();

        var response = await TaskFlow.PostSubmitAsync(annotator, projectId, task["task_id"]!.GetValue<long>(), labels, "bad-1");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("labels");
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Submit_MultiLabel_AcceptsASubset()
    {
        var projectId = await server.ProjectWithItemsAsync(2, mode: "multi");
        using var annotator = server.Client("annotator");
        var tasks = await TaskFlow.NextAsync(annotator, projectId, 2);
        await TaskFlow.SubmitAsync(annotator, projectId, tasks[0]["task_id"]!.GetValue<long>(), ["b", "a"], "m-1");
        await TaskFlow.SubmitAsync(annotator, projectId, tasks[1]["task_id"]!.GetValue<long>(), [], "m-2");
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("prefetch=0")]
    [InlineData("prefetch=4")]
    [InlineData("prefetch=abc")]
    public async Task Next_BadPrefetch_Is400NamingPrefetch(string query)
    {
        var projectId = await server.ProjectWithItemsAsync(1);
        using var annotator = server.Client("annotator");
        var response = await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?{query}", null, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("prefetch");
    }

    [Fact]
    public async Task Next_WhenEverythingIsHandedOut_Is204()
    {
        var projectId = await server.ProjectWithItemsAsync(1);
        using var one = server.Client("annotator");
        using var two = server.Client("annotator2");
        (await TaskFlow.NextAsync(one, projectId)).Count.ShouldBe(1);
        (await TaskFlow.NextAsync(two, projectId)).ShouldBeEmpty();
    }

    [Fact]
    public async Task HandoutLog_ForAuditors_RecordsWhyEachTaskWasChosen()
    {
        var projectId = await server.ProjectWithItemsAsync(3);
        using var annotator = server.Client("annotator");
        await TaskFlow.NextAsync(annotator, projectId, 2);
        using var auditor = server.Client("auditor");

        var log = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/tasks", Ct))!.AsArray();

        log.Count.ShouldBe(2);
        foreach (var row in log)
        {
            row!["annotator"]!.GetValue<string>().ShouldBe("annotator");
            row["state"]!.GetValue<string>().ShouldBe("leased");
            row["reason"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
            row["model_version"]!.GetValue<int>().ShouldBe(0);
        }
    }
}
