using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sift.Items;
using Sift.Projects;

namespace Sift.Server.Tests.Api;

/// <summary>
/// Item content kinds over HTTP (a project's content is fixed when it is made; pair rows go to pair projects only —
/// PreferenceProjectTests covers pair projects) and the provenance of people's answers (time on task; in the
/// annotation log and both exports).
/// </summary>
public sealed class ContentAndProvenanceTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateProject_ContentLeftOut_IsTextAndShown()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");

        var project = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}", Ct))!;

        project["settings"]!["content"]!.GetValue<string>().ShouldBe("text");
    }

    [Theory]
    [InlineData("video", "must be one of text, pair")]
    [InlineData("Pair", "must be one of text, pair")]
    public async Task CreateProject_ContentNotText_Is400NamingTheField(string content, string problem)
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = "pairs-" + Guid.NewGuid().ToString("N")[..8],
            ["settings"] = new JsonObject { ["labels"] = new JsonArray("A", "B"), ["content"] = content },
        }, Ct);

        await ShouldBeProblemAsync(response, "settings.content", problem);
    }

    [Fact]
    public async Task UpdateSettings_ContentPair_Is400AndTheProjectStaysText()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");

        var response = await admin.PutAsJsonAsync($"/api/projects/{projectId}/settings",
            new JsonObject { ["labels"] = new JsonArray("a", "b"), ["content"] = "pair" }, Ct);

        await ShouldBeProblemAsync(response, "content", "content: is fixed when a project is made (this project's is 'text')");
        JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}", Ct))!["settings"]!["content"]!.GetValue<string>().ShouldBe("text");
    }

    public static TheoryData<string> PairFiles => new()
    {
        """{"prompt": "Sky?", "chosen": "Blue.", "rejected": "Green."}""",
        """{"id": "x", "prompt": "Sky?", "response_a": "Blue.", "response_b": "Green.", "label": "A"}""",
        """{"prompt": [{"role": "user", "content": "Sky?"}], "chosen": [{"role": "assistant", "content": "Blue."}], "rejected": [{"role": "assistant", "content": "Green."}]}""",
    };

    [Theory]
    [MemberData(nameof(PairFiles))]
    public async Task Import_PairRowsIntoATextProject_Is400SayingWhereTheyGo_AndImportsNothing(string row)
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);

        var response = await server.ImportAsync(projectId, row + "\n" + row.Replace("Sky?", "Sea?", StringComparison.Ordinal).Replace("\"x\"", "\"y\"", StringComparison.Ordinal) + "\n");

        await ShouldBeProblemAsync(response, "content", "holds preference pairs");
        await ShouldBeProblemAsync(await server.ImportAsync(projectId, row + "\n"), "content", "make one with \"content\": \"pair\"");
        (await server.Store.GetItemsAsync(projectId, Ct)).ShouldBeEmpty();
        (await server.Store.ReadEvidenceAsync(projectId, 0, 100, Ct)).Select(e => e.Kind).ShouldNotContain("import");
    }

    [Fact]
    public async Task Import_TextFileWithAPairRowLater_Is400NamingThatLine()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);

        var response = await server.ImportAsync(projectId, "{\"id\":\"1\",\"text\":\"fine\"}\n{\"prompt\":\"q\",\"chosen\":\"c\",\"rejected\":\"r\"}\n");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        problem["line"]!.GetValue<int>().ShouldBe(2);
        problem["detail"]!.GetValue<string>().ShouldContain("a preference pair, but the file's first item (line 1) is a text item");
        (await server.Store.GetItemsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task PairProjectMadeInTheStore_TasksSayTheirKind_TextImportAndContentChangeAre400()
    {
        // A pair project written straight to the store: the API hands out its comparisons, never as text.
        var now = DateTimeOffset.UtcNow;
        var project = await server.Store.CreateProjectAsync("stored-pairs-" + Guid.NewGuid().ToString("N")[..8],
            new ProjectSettings { Labels = PairLabels.All, Content = ContentKind.Pair, HeldOutShare = 0 }, "", server.UserIds["admin"], now, Ct);
        await server.AddMemberAsync(project.Id, "annotator");
        var pair = new PairContent("Sky?", "Blue.", "Green.");
        await server.Store.ImportItemsAsync(project.Id, [new NewItem("p1", pair.FeatureText, null, 1, null, PairLabels.A, false) { Content = pair }],
            new ImportOrigin("test", now), Ct);

        using var annotator = server.Client("annotator");
        var task = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{project.Id}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))![0]!;
        task["content_kind"]!.GetValue<string>().ShouldBe("pair");
        task["text"]!.GetValue<string>().ShouldBe("Sky?");
        task["pair"]!["responses"]!.AsArray().Select(r => r!["text"]!.GetValue<string>()).Order().ShouldBe(["Blue.", "Green."]);
        task.ToJsonString().ShouldNotContain("gold", Case.Insensitive, customMessage: "the gold preference is never handed out");

        await ShouldBeProblemAsync(await server.ImportAsync(project.Id, "{\"id\":\"t\",\"text\":\"x\"}\n"), "content", "holds text items");
        using var admin = server.Client("admin");
        await ShouldBeProblemAsync(await admin.PutAsJsonAsync($"/api/projects/{project.Id}/settings",
            new JsonObject { ["labels"] = new JsonArray("a", "b"), ["content"] = "text" }, Ct), "content", "fixed when a project is made (this project's is 'pair')");
        // Content left out keeps the project's: a pair project's settings change without repeating it.
        (await admin.PutAsJsonAsync($"/api/projects/{project.Id}/settings",
            new JsonObject { ["labels"] = new JsonArray("A", "B", "tie", "both_bad"), ["strategy"] = "pair-dopt" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Submit_TimeOnTask_IsKeptInTheProvenanceOfTheLogAndBothExports()
    {
        var projectId = await server.ProjectWithItemsAsync(2, overlap: 2);
        var timed = await AnswerAsync("annotator", projectId, "a", 12.5);
        var untimed = await AnswerAsync("annotator2", projectId, "b", null);

        using var reviewer = server.Client("reviewer");
        var log = JsonNode.Parse(await reviewer.GetStringAsync($"/api/projects/{projectId}/annotations", Ct))!.AsArray();
        var byName = log.ToDictionary(a => a!["annotator"]!.GetValue<string>(), a => a!["provenance"]!);
        ShouldBePerson(byName["annotator"], "annotator", 12.5);
        ShouldBePerson(byName["annotator2"], "annotator2", null);

        using var auditor = server.Client("auditor");
        var jsonl = (await auditor.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var exported = jsonl.SelectMany(i => i["annotations"]!.AsArray()).ToDictionary(a => a!["annotator"]!.GetValue<string>(), a => a!["provenance"]!);
        ShouldBePerson(exported["annotator"], "annotator", 12.5);
        ShouldBePerson(exported["annotator2"], "annotator2", null);
        exported["annotator"]["at"]!.GetValue<DateTimeOffset>().ShouldBe(timed);

        var csv = await auditor.GetStringAsync($"/api/projects/{projectId}/export?format=csv", Ct);
        csv.ShouldContain("\"\"provenance\"\":{\"\"kind\"\":\"\"person\"\",\"\"name\"\":\"\"annotator\"\",\"\"instructions_version\"\":1,\"\"cost\"\":{\"\"seconds\"\":12.5}");
        untimed.ShouldBeGreaterThanOrEqualTo(timed);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(604_800.5)]
    [InlineData(1e300)]
    public async Task Submit_TimeOnTaskOutOfRange_Is400NamingSeconds_AndStoresNothing(double seconds)
    {
        var projectId = await server.ProjectWithItemsAsync(1);
        using var annotator = server.Client("annotator");
        var task = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))![0]!;

        var response = await annotator.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{task["task_id"]!.GetValue<long>()}/submit",
            new JsonObject { ["labels"] = new JsonArray("a"), ["client_request_id"] = "bad-seconds", ["seconds"] = seconds }, Ct);

        await ShouldBeProblemAsync(response, "seconds", "seconds: must be between 0 and 604800");
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
    }

    /// <summary>Claims and answers one task as <paramref name="who"/>; returns when the answer was stored (its provenance time).</summary>
    private async Task<DateTimeOffset> AnswerAsync(string who, long projectId, string label, double? seconds)
    {
        using var client = server.Client(who);
        var task = JsonNode.Parse(await (await client.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))![0]!;
        var body = new JsonObject { ["labels"] = new JsonArray(label), ["client_request_id"] = $"{who}-{Guid.NewGuid():N}" };
        if (seconds is { } s) body["seconds"] = s;
        var response = await client.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{task["task_id"]!.GetValue<long>()}/submit", body, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["annotation_id"]!.GetValue<long>();
        return (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).Single(a => a.Id == id).Provenance!.At!.Value;
    }

    private static void ShouldBePerson(JsonNode provenance, string name, double? seconds)
    {
        provenance["kind"]!.GetValue<string>().ShouldBe("person");
        provenance["name"]!.GetValue<string>().ShouldBe(name);
        provenance["instructions_version"]!.GetValue<int>().ShouldBe(1);
        provenance["at"].ShouldNotBeNull();
        if (seconds is { } s) provenance["cost"]!["seconds"]!.GetValue<double>().ShouldBe(s);
        else provenance["cost"]!["seconds"].ShouldBeNull();
    }

    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, string field, string problem)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var json = JsonNode.Parse(body)!;
        json["field"]!.GetValue<string>().ShouldBe(field, body);
        json["detail"]!.GetValue<string>().ShouldContain(problem, Case.Sensitive, body);
    }
}
