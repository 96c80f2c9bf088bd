using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Cli.Commands;
using Sift.Quality;

namespace Sift.Server.Tests.Api;

/// <summary>GET /api/projects/{id}/agreement over real HTTP: hand-computed measures, who sees gold, undone and multi-label answers.</summary>
public sealed class AgreementApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Answers of admin, annotator and annotator2 (overlap 3, every item answered by all three):
    /// i0 a a a (gold a) · i1 a a b (gold b) · i2 b b b (no gold) · i3 b a b (gold a).
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Answers = new()
    {
        ["admin"] = new() { ["i0"] = "a", ["i1"] = "a", ["i2"] = "b", ["i3"] = "b" },
        ["annotator"] = new() { ["i0"] = "a", ["i1"] = "a", ["i2"] = "b", ["i3"] = "a" },
        ["annotator2"] = new() { ["i0"] = "a", ["i1"] = "b", ["i2"] = "b", ["i3"] = "b" },
    };

    private static readonly Dictionary<string, string?> Gold = new() { ["i0"] = "a", ["i1"] = "b", ["i2"] = null, ["i3"] = "a" };

    /// <summary>A single-label project (labels a, b; overlap 3) answered as <see cref="Answers"/> says; annotator2 first answers i1 "a", undoes it and answers "b".</summary>
    private async Task<long> AnsweredProjectAsync()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], overlap: 3);
        var lines = Gold.Select(g => g.Value is null
            ? JsonSerializer.Serialize(new { id = g.Key, text = "text of " + g.Key })
            : JsonSerializer.Serialize(new { id = g.Key, text = "text of " + g.Key, label = g.Value }));
        (await server.ImportAsync(projectId, string.Join('\n', lines))).EnsureSuccessStatusCode();
        foreach (var (who, answers) in Answers)
        {
            using var client = server.Client(who);
            await AnswerAllAsync(client, projectId, item => [who == "annotator2" && item == "i1" ? "a" : answers[item]], undoItem: who == "annotator2" ? "i1" : null,
                redo: () => [answers["i1"]]);
        }

        return projectId;
    }

    /// <summary>Claims and answers tasks until the queue is empty; the answer to <paramref name="undoItem"/> is undone and answered again with <paramref name="redo"/>.</summary>
    private static async Task AnswerAllAsync(HttpClient client, long projectId, Func<string, string[]> answer, string? undoItem = null, Func<string[]>? redo = null)
    {
        while (await TaskFlow.NextAsync(client, projectId) is [var task, ..])
        {
            var item = ((string)task["text"]!)["text of ".Length..];
            await TaskFlow.SubmitAsync(client, projectId, (long)task["task_id"]!, answer(item), Guid.NewGuid().ToString());
            if (item != undoItem) continue;
            var undo = await client.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct);
            undo.StatusCode.ShouldBe(HttpStatusCode.OK);
            var reopened = JsonNode.Parse(await undo.Content.ReadAsStringAsync(Ct))!;
            await TaskFlow.SubmitAsync(client, projectId, (long)reopened["task_id"]!, redo!(), Guid.NewGuid().ToString());
        }
    }

    private async Task<(HttpStatusCode Status, JsonObject? Body, string Text)> GetAsync(string who, long projectId)
    {
        using var client = server.Client(who);
        var response = await client.GetAsync($"/api/projects/{projectId}/agreement", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : null, text);
    }

    [Fact]
    public async Task Agreement_ThreeAnnotators_HandComputedMeasures()
    {
        var projectId = await AnsweredProjectAsync();

        var (status, view, text) = await GetAsync("reviewer", projectId);

        status.ShouldBe(HttpStatusCode.OK, text);
        var counts = view!["counts"]!;
        ((int)counts["items"]!, (int)counts["rated_items"]!, (int)counts["pairable_items"]!, (int)counts["annotators"]!, (int)counts["annotations"]!, (int)counts["replaced_annotations"]!)
            .ShouldBe((4, 4, 4, 3, 12, 0));
        ((string)view["mode"]!).ShouldBe("single");
        view["multi_label_note"].ShouldBeNull();
        view["labels"]!.AsArray().Select(l => (string)l!).ShouldBe(["a", "b"]);

        // P_i = 1, 1/3, 1, 1/3 → P̄ = 2/3; a and b 6 of 12 each → P_e = 1/2; κ = 1/3; α = κ + (1 − κ)/(N·m) = 7/18.
        var agreement = view["agreement"]!;
        ((double)agreement["percent_agreement"]!).ShouldBe(2.0 / 3, 1e-12);
        ((double)agreement["fleiss_kappa"]!).ShouldBe(1.0 / 3, 1e-12);
        ((double)agreement["krippendorff_alpha"]!).ShouldBe(7.0 / 18, 1e-12);
        // admin·annotator: 3/4 agree, p_e = 1/2 → κ 1/2; admin·annotator2: the same; annotator·annotator2: 1/2, p_e = 3/8 → κ 1/5.
        agreement["pairs"]!.AsArray().Select(p => ((string)p!["first"]!, (string)p["second"]!, (int)p["shared_items"]!, (double)p["percent_agreement"]!, Math.Round((double)p["cohen_kappa"]!, 12)))
            .ShouldBe([("admin", "annotator", 4, 0.75, 0.5), ("admin", "annotator2", 4, 0.75, 0.5), ("annotator", "annotator2", 4, 0.5, 0.2)]);

        // With the others' majority (ties skipped): admin 2 of 2; annotator 2 of 3 (wrong on i3); annotator2 2 of 3 (wrong on i1).
        var annotators = view["annotators"]!.AsArray();
        annotators.Select(a => ((string)a!["name"]!, (int)a["answers"]!, (int)a["compared_with_majority"]!, Math.Round((double)a["agreement_with_majority"]!, 12)))
            .ShouldBe([("admin", 4, 2, 1.0), ("annotator", 4, 3, Math.Round(2.0 / 3, 12)), ("annotator2", 4, 3, Math.Round(2.0 / 3, 12))]);
        annotators.ShouldAllBe(a => (double)a!["estimated_accuracy"]! > 0 && (double)a["estimated_accuracy"]! < 1);
        var ds = view["dawid_skene"]!;
        ((string)ds["model"]!, (int)ds["items_with_majority"]!, (int)ds["majority_ties"]!).ShouldBe(("confusion", 4, 0));
    }

    [Fact]
    public async Task Agreement_GoldAccuracy_OnlyForAdminsAndAuditors()
    {
        var projectId = await AnsweredProjectAsync();

        var (_, reviewer, reviewerText) = await GetAsync("reviewer", projectId);
        var (_, admin, _) = await GetAsync("admin", projectId);
        var (_, auditor, _) = await GetAsync("auditor", projectId);
        var (annotatorStatus, _, _) = await GetAsync("annotator", projectId);

        annotatorStatus.ShouldBe(HttpStatusCode.Forbidden);
        reviewer!.ContainsKey("gold").ShouldBeFalse();
        reviewerText.ShouldNotContain("gold", Case.Insensitive);
        // Everything else is the same for all three: gold labels change nothing but the gold section.
        var gold = admin!["gold"].ShouldNotBeNull();
        var auditorGold = auditor!["gold"].ShouldNotBeNull();
        admin.Remove("gold");
        auditor.Remove("gold");
        JsonNode.DeepEquals(admin, reviewer).ShouldBeTrue();
        JsonNode.DeepEquals(auditor, reviewer).ShouldBeTrue();
        JsonNode.DeepEquals(gold, auditorGold).ShouldBeTrue();

        // Gold i0 a, i1 b, i3 a. admin: ✓ ✗ ✗; annotator: ✓ ✗ ✓; annotator2: ✓ ✓ ✗. Majority a, a, b: ✓ ✗ ✗.
        ((int)gold["items"]!, (int)gold["rated_items"]!, (int)gold["majority_ties"]!).ShouldBe((3, 3, 0));
        gold["annotators"]!.AsArray().Select(a => ((string)a!["name"]!, (int)a["items"]!, (int)a["correct"]!))
            .ShouldBe([("admin", 3, 1), ("annotator", 3, 2), ("annotator2", 3, 2)]);
        ((int)gold["majority"]!["items"]!, (int)gold["majority"]!["correct"]!).ShouldBe((3, 1));
        ((double)gold["majority"]!["accuracy"]!).ShouldBe(1.0 / 3, 1e-12);
        ((int)gold["dawid_skene"]!["items"]!).ShouldBe(3);
    }

    [Fact]
    public async Task Agreement_SameNumbersAsSiftAgreementOnTheAdminExport()
    {
        var projectId = await AnsweredProjectAsync();
        var (_, view, _) = await GetAsync("admin", projectId);
        using var admin = server.Client("admin");
        var export = await admin.GetByteArrayAsync($"/api/projects/{projectId}/export?format=jsonl", Ct);

        var file = AnnotationFileReader.Read(new MemoryStream(export), "export.jsonl");
        var (report, _) = AgreementCommand.Analyze(file, "export.jsonl", new DawidSkeneOptions());

        ((double)view!["agreement"]!["fleiss_kappa"]!).ShouldBe(report.Agreement.FleissKappa!.Value, 1e-12);
        ((double)view["agreement"]!["krippendorff_alpha"]!).ShouldBe(report.Agreement.KrippendorffAlpha!.Value, 1e-12);
        view["annotators"]!.AsArray().Select(a => (double)a!["estimated_accuracy"]!).ShouldBe(report.Annotators.Select(a => a.EstimatedAccuracy), 1e-12);
        var ds = view["dawid_skene"]!;
        ((int)ds["iterations"]!, (int)ds["differs_from_majority"]!).ShouldBe((report.DawidSkene.Iterations, report.DawidSkene.DiffersFromMajority));
        var gold = view["gold"]!;
        ((int)gold["dawid_skene"]!["correct"]!, (int)gold["majority"]!["correct"]!).ShouldBe((report.Gold!.DawidSkene.Correct, report.Gold.Majority.Correct));
        gold["annotators"]!.AsArray().Select(a => (int)a!["correct"]!).ShouldBe(report.Gold.Annotators.Select(a => a.Correct));
    }

    [Fact]
    public async Task Agreement_MultiLabel_SetsAreCategoriesAndGoldMatchesInAnyOrder()
    {
        var projectId = await server.CreateProjectAsync(["x", "y"], mode: "multi", overlap: 2);
        // m0: {x, y} by both (gold written "y;x"); m1: {x} and {} (gold x).
        (await server.ImportAsync(projectId, """
            {"id":"m0","text":"text of m0","label":"y;x"}
            {"id":"m1","text":"text of m1","label":"x"}
            """)).EnsureSuccessStatusCode();
        using (var one = server.Client("annotator")) await AnswerAllAsync(one, projectId, item => item == "m0" ? ["y", "x"] : ["x"]);
        using (var two = server.Client("annotator2")) await AnswerAllAsync(two, projectId, item => item == "m0" ? ["x", "y"] : []);

        var (status, view, text) = await GetAsync("auditor", projectId);

        status.ShouldBe(HttpStatusCode.OK, text);
        ((string)view!["mode"]!).ShouldBe("multi");
        ((string)view["multi_label_note"]!).ShouldContain("sorted, joined with ';'");
        view["labels"]!.AsArray().Select(l => (string)l!).ShouldBe(["", "x", "x;y"]);
        ((double)view["agreement"]!["percent_agreement"]!).ShouldBe(0.5, 1e-12);
        view["gold"]!["annotators"]!.AsArray().Select(a => ((string)a!["name"]!, (int)a["items"]!, (int)a["correct"]!))
            .ShouldBe([("annotator", 2, 2), ("annotator2", 2, 1)]);
    }

    [Fact]
    public async Task Agreement_NoAnswers_UndefinedMeasuresAreNull()
    {
        var projectId = await server.ProjectWithItemsAsync(3);
        var (status, view, text) = await GetAsync("admin", projectId);
        status.ShouldBe(HttpStatusCode.OK, text);
        ((int)view!["counts"]!["items"]!, (int)view["counts"]!["pairable_items"]!).ShouldBe((3, 0));
        view["agreement"]!["fleiss_kappa"].ShouldBeNull();
        view["agreement"]!["krippendorff_alpha"].ShouldBeNull();
        view["annotators"]!.AsArray().ShouldBeEmpty();
        ((int)view["gold"]!["items"]!).ShouldBe(0);
    }

    [Fact]
    public async Task Agreement_UnknownProject_Is404ProblemDetails()
    {
        using var client = server.Client("reviewer");
        var response = await client.GetAsync("/api/projects/987654321/agreement", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }
}
