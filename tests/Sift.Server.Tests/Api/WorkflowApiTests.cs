using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Api;

/// <summary>Gold items, resolution by Dawid–Skene with gold, and the review queue over HTTP (issue 14).</summary>
public sealed class WorkflowApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Dictionary<string, long>> ItemIdsAsync(long projectId)
    {
        using var admin = server.Client("admin");
        var lines = (await admin.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Select(l => JsonNode.Parse(l)!).ToDictionary(n => n["id"]!.GetValue<string>(), n => n["item_id"]!.GetValue<long>());
    }

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Next_GoldTasks_HaveExactlyTheShapeOfOtherTasks_AndTheLogKnowsWhichIsWhich()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], extraSettings: new { gold = new { rate = 0.5 } });
        var lines = string.Join('\n', Enumerable.Range(0, 40).Select(i => $$"""{"id":"n{{i}}","text":"ordinary item {{i}}"}"""));
        (await server.ImportAsync(projectId, lines)).EnsureSuccessStatusCode();
        var gold = string.Join('\n', Enumerable.Range(0, 20).Select(i => $$"""{"id":"g{{i}}","text":"gold item {{i}}","label":"{{(i % 2 == 0 ? "a" : "b")}}"}"""));
        var imported = await JsonAsync(await server.ImportAsync(projectId, gold, "format=jsonl&gold=true"));
        imported["held_out"]!.GetValue<int>().ShouldBe(0);
        using var admin = server.Client("admin");
        (await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/gold", Ct))).AsArray().Count.ShouldBe(20);

        using var annotator = server.Client("annotator");
        var views = new List<JsonObject>();
        for (var i = 0; i < 24; i++)
        {
            var task = (await TaskFlow.NextAsync(annotator, projectId)).Single();
            views.Add(task);
            await TaskFlow.SubmitAsync(annotator, projectId, task["task_id"]!.GetValue<long>(), ["a"], "r" + i);
        }
        var log = (await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/tasks", Ct))).AsArray()
            .ToDictionary(t => t!["task_id"]!.GetValue<long>(), t => t!["reason"]!.GetValue<string>());
        var goldViews = views.Where(v => log[v["task_id"]!.GetValue<long>()] == "gold item").ToList();
        var otherViews = views.Where(v => log[v["task_id"]!.GetValue<long>()] != "gold item").ToList();
        goldViews.Count.ShouldBeGreaterThan(3);
        otherViews.Count.ShouldBeGreaterThan(3);
        goldViews.ShouldAllBe(v => v["text"]!.GetValue<string>().StartsWith("gold item", StringComparison.Ordinal));

        // The same fields, of the same JSON kinds, in the same order: nothing in a gold task tells it apart.
        static string Shape(JsonObject o) => string.Join(',', o.Select(p => p.Key + ":" + p.Value?.GetValueKind()));
        goldViews.Select(Shape).Distinct().ShouldBe([Shape(otherViews[0])]);
        otherViews.Select(Shape).Distinct().ShouldBe([Shape(otherViews[0])]);
        goldViews.ShouldAllBe(v => !v.ToJsonString().Contains("gold", StringComparison.OrdinalIgnoreCase) || v["text"]!.GetValue<string>().Contains("gold"));
    }

    [Fact]
    public async Task GoldAnnotators_AlwaysWrongAnnotator_IsFlagged_AndResolutionFollowsGoodAnnotatorUnderDawidSkene()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], overlap: 2,
            extraSettings: new { resolution = "dawid-skene", gold = new { rate = 0.0, min_answers = 5, min_accuracy = 0.7 } });
        var lines = string.Join('\n', Enumerable.Range(0, 30).Select(i => $$"""{"id":"i{{i}}","text":"item {{i}}","label":"{{(i % 3 == 0 ? "a" : "b")}}"}"""));
        (await server.ImportAsync(projectId, lines)).EnsureSuccessStatusCode();
        var ids = await ItemIdsAsync(projectId);
        using var admin = server.Client("admin");
        // The first 20 are gold; the truth of every item is its label in the file.
        var marks = new JsonArray(Enumerable.Range(0, 20).Select(i => (JsonNode)new JsonObject { ["item_id"] = ids["i" + i], ["label"] = i % 3 == 0 ? "a" : "b" }).ToArray());
        (await JsonAsync(await admin.PutAsJsonAsync($"/api/projects/{projectId}/gold", new JsonObject { ["items"] = marks }, Ct)))["changed"]!.GetValue<int>().ShouldBe(20);

        using var good = server.Client("annotator");
        using var bad = server.Client("annotator2");
        foreach (var (client, right) in new[] { (good, true), (bad, false) })
        {
            for (var n = 0; ; n++)
            {
                var tasks = await TaskFlow.NextAsync(client, projectId);
                if (tasks.Count == 0) break;
                var externalId = ids.Single(p => p.Value == tasks[0]["item_id"]!.GetValue<long>()).Key;
                var truth = int.Parse(externalId[1..], System.Globalization.CultureInfo.InvariantCulture) % 3 == 0 ? "a" : "b";
                var answer = right ? truth : truth == "a" ? "b" : "a";
                await TaskFlow.SubmitAsync(client, projectId, tasks[0]["task_id"]!.GetValue<long>(), [answer], $"{right}-{n}");
            }
        }

        using var reviewer = server.Client("reviewer");
        var report = await JsonAsync(await reviewer.GetAsync($"/api/projects/{projectId}/gold/annotators", Ct));
        report.ToJsonString().ShouldNotContain("\"label\"");
        var standings = report["annotators"]!.AsArray().ToDictionary(a => a!["name"]!.GetValue<string>(), a => a!);
        standings["annotator"]!["flagged"]!.GetValue<bool>().ShouldBeFalse();
        standings["annotator"]!["accuracy"]!.GetValue<double>().ShouldBe(1);
        standings["annotator2"]!["flagged"]!.GetValue<bool>().ShouldBeTrue();
        standings["annotator2"]!["high"]!.GetValue<double>().ShouldBeLessThan(0.7);
        // Under Dawid–Skene a flagged annotator is not down-weighted (the model weighs them by their confusion matrix).
        standings["annotator2"]!["weight"]!.GetValue<double>().ShouldBe(1);

        // The admins' annotator statistics (the dashboard's card) carry the same standing, flag and rule.
        var stats = await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/annotator-stats", Ct));
        stats["gold_items"]!.GetValue<int>().ShouldBe(20);
        stats["flag_rule"]!["min_answers"]!.GetValue<int>().ShouldBe(5);
        stats["flag_rule"]!["min_accuracy"]!.GetValue<double>().ShouldBe(0.7);
        stats["flag_rule"]!["weight"]!.GetValue<double>().ShouldBe(1, "Dawid–Skene: no down-weighting");
        var statRows = stats["annotators"]!.AsArray().ToDictionary(a => a!["name"]!.GetValue<string>(), a => a!["gold_standing"]!);
        statRows["annotator2"]["flagged"]!.GetValue<bool>().ShouldBeTrue();
        statRows["annotator2"]["answers"]!.GetValue<int>().ShouldBe(standings["annotator2"]!["answers"]!.GetValue<int>());
        statRows["annotator2"]["high"]!.GetValue<double>().ShouldBe(standings["annotator2"]!["high"]!.GetValue<double>());
        statRows["annotator"]["flagged"]!.GetValue<bool>().ShouldBeFalse();

        // Every non-gold item has one right and one wrong answer (a tie for majority); Dawid–Skene, taught by the gold
        // items, sides with the good annotator.
        var rows = (await admin.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        foreach (var row in rows)
        {
            var i = int.Parse(row["id"]!.GetValue<string>()[1..], System.Globalization.CultureInfo.InvariantCulture);
            row["resolved_label"]!.GetValue<string>().ShouldBe(i % 3 == 0 ? "a" : "b");
            row["resolved_by"]!.GetValue<string>().ShouldBe(i < 20 ? "gold" : "dawid-skene");
            row["resolved_confidence"]!.GetValue<double>().ShouldBeGreaterThan(i < 20 ? 0.999 : 0.9);
        }
    }

    [Fact]
    public async Task Relabel_LikelyWrongLabels_GoToAnotherAnnotatorWhenWorthMore_AndEachChoiceIsEvidence()
    {
        var projectId = await server.CreateProjectAsync(["fruit", "car"], extraSettings: new { relabel = true, retrain_every = 100_000 });
        string[] fruit = ["apple", "banana", "cherry", "pear", "plum", "mango", "peach", "grape"];
        string[] car = ["engine", "wheel", "brake", "gearbox", "tyre", "clutch", "bumper", "exhaust"];
        var rows = Enumerable.Range(0, 48).Select(i => i % 2 == 0
            ? $$"""{"id":"f{{i}}","text":"ripe sweet {{fruit[i / 2 % 8]}} {{fruit[(i / 2 + 3) % 8]}} juice fruit salad"}"""
            : $$"""{"id":"c{{i}}","text":"loud {{car[i / 2 % 8]}} {{car[(i / 2 + 5) % 8]}} garage car repair"}""");
        (await server.ImportAsync(projectId, string.Join('\n', rows))).EnsureSuccessStatusCode();
        var ids = await ItemIdsAsync(projectId);
        string External(JsonObject task) => ids.Single(p => p.Value == task["item_id"]!.GetValue<long>()).Key;
        // Four fruit items are labeled "car" by the first annotator; everything else right.
        var wrong = new HashSet<string>(["f0", "f10", "f20", "f30"]);
        using var first = server.Client("annotator");
        for (var n = 0; ; n++)
        {
            var tasks = await TaskFlow.NextAsync(first, projectId);
            if (tasks.Count == 0) break;
            var external = External(tasks[0]);
            var label = external[0] == 'c' || wrong.Contains(external) ? "car" : "fruit";
            await TaskFlow.SubmitAsync(first, projectId, tasks[0]["task_id"]!.GetValue<long>(), [label], "first-" + n);
        }
        using var admin = server.Client("admin");
        (await admin.PostAsync($"/api/projects/{projectId}/train", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await TaskFlow.WaitForModelAsync(admin, projectId);

        // The first annotator answered every item: nothing is handed back to them, not even to relabel.
        (await TaskFlow.NextAsync(first, projectId)).ShouldBeEmpty();

        // A second annotator gets the likely-wrong items (the pool has no new item left, and one is worth more anyway).
        using var second = server.Client("annotator2");
        var relabeled = new List<string>();
        for (var n = 0; n < 4; n++)
        {
            var tasks = await TaskFlow.NextAsync(second, projectId);
            if (tasks.Count == 0) break;
            var external = External(tasks[0]);
            relabeled.Add(external);
            tasks[0].ContainsKey("labels").ShouldBeFalse("the earlier answer is not shown");
            await TaskFlow.SubmitAsync(second, projectId, tasks[0]["task_id"]!.GetValue<long>(), [external[0] == 'f' ? "fruit" : "car"], "second-" + n);
        }
        relabeled.Count.ShouldBeGreaterThan(0, "the relabel queue found likely-wrong items");
        relabeled.Count(wrong.Contains).ShouldBeGreaterThanOrEqualTo(Math.Min(3, relabeled.Count), $"mostly the mislabeled ones: {string.Join(", ", relabeled)}");

        var log = (await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/tasks", Ct))).AsArray()
            .Where(t => t!["annotator"]?.GetValue<string>() == "annotator2").Select(t => t!["reason"]!.GetValue<string>()).ToList();
        log.Count.ShouldBe(relabeled.Count);
        log.ShouldAllBe(r => r == "relabel: likely mislabeled");
        var decisions = (await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/evidence", Ct))).AsArray()
            .Where(e => e!["kind"]!.GetValue<string>() == "relabel").Select(e => e!["event"]!).ToList();
        var chosen = decisions.Where(d => d["choice"]!.GetValue<string>() == "relabel").ToList();
        chosen.Select(d => d["item_id"]!.GetValue<string>()).ShouldBe(relabeled);
        foreach (var d in chosen)
        {
            d["relabel_value"]!.GetValue<double>().ShouldBeGreaterThan(d["new_value"]!.GetValue<double>());
            d["handed_to"]!.GetValue<string>().ShouldBe("annotator2");
        }
    }

    [Fact]
    public async Task Gold_BadInput_IsAProblemNamingTheField()
    {
        var projectId = await server.ProjectWithItemsAsync(2);
        var ids = await ItemIdsAsync(projectId);
        using var admin = server.Client("admin");
        async Task<string?> FieldAsync(JsonObject body)
        {
            var response = await admin.PutAsJsonAsync($"/api/projects/{projectId}/gold", body, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["field"]?.GetValue<string>();
        }
        (await FieldAsync(new JsonObject { ["items"] = new JsonArray() })).ShouldBe("items");
        (await FieldAsync(new JsonObject { ["items"] = new JsonArray(new JsonObject { ["item_id"] = ids["i0"], ["label"] = "zzz" }) })).ShouldBe("items[0].label");
        (await FieldAsync(new JsonObject { ["items"] = new JsonArray(new JsonObject { ["item_id"] = 987654, ["label"] = "a" }) })).ShouldBe("items[0].item_id");
        var settings = await admin.PutAsJsonAsync($"/api/projects/{projectId}/settings", new { labels = new[] { "a", "b" }, resolution = "vote" }, Ct);
        settings.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await settings.Content.ReadFromJsonAsync<JsonObject>(Ct))!["field"]!.GetValue<string>().ShouldBe("resolution");
    }

    [Fact]
    public async Task Review_DisagreementQueued_DecisionOverridesAndIsMarkedInExportAndEvidence()
    {
        var projectId = await server.ProjectWithItemsAsync(3, overlap: 2);
        using var one = server.Client("annotator");
        using var two = server.Client("annotator2");
        for (var n = 0; n < 3; n++)
        {
            var a = (await TaskFlow.NextAsync(one, projectId)).Single();
            await TaskFlow.SubmitAsync(one, projectId, a["task_id"]!.GetValue<long>(), ["a"], "one" + n);
            var b = (await TaskFlow.NextAsync(two, projectId)).Single();
            await TaskFlow.SubmitAsync(two, projectId, b["task_id"]!.GetValue<long>(), [b["text"]!.GetValue<string>().EndsWith('0') ? "b" : "a"], "two" + n);
        }
        var ids = await ItemIdsAsync(projectId);
        using var reviewer = server.Client("reviewer");
        var queue = (await JsonAsync(await reviewer.GetAsync($"/api/projects/{projectId}/review/queue", Ct))).AsArray();
        queue.Select(q => q!["external_id"]!.GetValue<string>()).ShouldBe(["i0"]);
        queue[0]!["why"]!.GetValue<string>().ShouldBe("answers tie");

        var item = await JsonAsync(await reviewer.GetAsync($"/api/projects/{projectId}/review/items/{ids["i0"]}", Ct));
        item["text"]!.GetValue<string>().ShouldBe("item number 0");
        item["answers"]!.AsArray().Select(a => a!["annotator"]!.GetValue<string>()).Order().ShouldBe(["annotator", "annotator2"]);
        item["resolved"].ShouldBeNull();

        var decided = await reviewer.PostAsJsonAsync($"/api/projects/{projectId}/review/items/{ids["i0"]}", new { labels = new[] { "b" }, rationale = "the second reading is right" }, Ct);
        (await JsonAsync(decided))["override"]!.GetValue<bool>().ShouldBeTrue();
        (await JsonAsync(await reviewer.GetAsync($"/api/projects/{projectId}/review/queue", Ct))).AsArray().ShouldBeEmpty();

        using var admin = server.Client("admin");
        var row = (await admin.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!).Single(r => r["id"]!.GetValue<string>() == "i0");
        row["resolved_label"]!.GetValue<string>().ShouldBe("b");
        row["resolved_by"]!.GetValue<string>().ShouldBe("review");
        row["review"]!["override"]!.GetValue<bool>().ShouldBeTrue();
        row["review"]!["rationale"]!.GetValue<string>().ShouldBe("the second reading is right");
        var evidence = await admin.GetStringAsync($"/api/projects/{projectId}/evidence", Ct);
        evidence.ShouldContain("\"kind\":\"review\"");

        // Annotators reach none of it; an auditor reads but does not decide.
        (await one.GetAsync($"/api/projects/{projectId}/review/queue", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await one.GetAsync($"/api/projects/{projectId}/gold/annotators", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var auditor = server.Client("auditor");
        (await auditor.PostAsJsonAsync($"/api/projects/{projectId}/review/items/{ids["i1"]}", new { labels = new[] { "a" } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var bad = await reviewer.PostAsJsonAsync($"/api/projects/{projectId}/review/items/{ids["i1"]}", new { labels = new[] { "nope" } }, Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
