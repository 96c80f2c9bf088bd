using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Items;

namespace Sift.Server.Tests.Api;

/// <summary>
/// Pair projects over HTTP: settings, imports (chosen/rejected with the gold kept, response_a/response_b, lists of
/// responses, conversational prompts), the per-annotator side order and its record, undo, the reward model in the live
/// loop, the preference report and the TRL exports.
/// </summary>
public sealed class PreferenceProjectTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Good = ["clear", "helpful", "correct", "kind", "thorough", "precise", "friendly", "accurate"];
    private static readonly string[] Bad = ["rude", "wrong", "vague", "lazy", "confusing", "careless", "curt", "mistaken"];
    private static readonly string[] Topics = ["taxes", "gardening", "a recipe", "the weather", "a trip to Rome", "homework", "a poem", "bicycles"];

    /// <summary>Chosen/rejected rows: the chosen reply uses good words, the rejected one bad words; every third prompt is a conversation.</summary>
    private static string Pairs(int count, int seed, string prefix = "p")
    {
        var rng = new Random(seed);
        string Reply(string[] words) => $"Here is a {words[rng.Next(words.Length)]} and {words[rng.Next(words.Length)]} answer about it.";
        return string.Join('\n', Enumerable.Range(0, count).Select(i =>
        {
            var topic = Topics[rng.Next(Topics.Length)] + " " + i;
            var prompt = i % 3 == 0
                ? (JsonNode)new JsonArray(new JsonObject { ["role"] = "system", ["content"] = "Be brief." }, new JsonObject { ["role"] = "user", ["content"] = "Tell me about " + topic })
                : "Tell me about " + topic;
            return new JsonObject { ["id"] = prefix + i, ["prompt"] = prompt, ["chosen"] = Reply(Good), ["rejected"] = Reply(Bad) }.ToJsonString();
        })) + "\n";
    }

    private async Task<long> CreatePairProjectAsync(JsonObject? settings = null, string[]? members = null)
    {
        using var admin = server.Client("admin");
        settings ??= [];
        settings["content"] = "pair";
        if (!settings.ContainsKey("held_out_share")) settings["held_out_share"] = 0.0;
        var response = await admin.PostAsJsonAsync("/api/projects", new JsonObject { ["name"] = "pairs-" + Guid.NewGuid().ToString("N")[..10], ["settings"] = settings }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<long>();
        foreach (var member in members ?? ServerFixture.MemberRoles) await server.AddMemberAsync(id, member);
        return id;
    }

    private static async Task<JsonArray> NextAsync(HttpClient client, long projectId, int prefetch = 1)
    {
        var response = await client.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch={prefetch}", null, Ct);
        if (response.StatusCode == HttpStatusCode.NoContent) return [];
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsArray();
    }

    private static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, long projectId, JsonNode task, string label, string? rationale = null)
    {
        var body = new JsonObject { ["labels"] = new JsonArray(label), ["client_request_id"] = Guid.NewGuid().ToString("N") };
        if (rationale is not null) body["rationale"] = rationale;
        return await client.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{task["task_id"]!.GetValue<long>()}/submit", body, Ct);
    }

    /// <summary>The stored side of the response shown at <paramref name="position"/> (0: first).</summary>
    private static string ShownSide(JsonNode task, int position) => task["pair"]!["responses"]![position]!["side"]!.GetValue<string>();

    [Fact]
    public async Task CreateProject_PairContent_TheFixedAnswersAndAPairStrategy()
    {
        var projectId = await CreatePairProjectAsync();
        using var admin = server.Client("admin");
        var settings = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}", Ct))!["settings"]!;
        settings["content"]!.GetValue<string>().ShouldBe("pair");
        settings["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ShouldBe(["A", "B", "tie", "both_bad"]);
        settings["strategy"]!.GetValue<string>().ShouldBe("pair-uncertainty");
    }

    [Theory]
    [InlineData("""{"labels": ["good", "bad"]}""", "settings.labels", "a pair project's answers are A, B, tie, both_bad")]
    [InlineData("""{"mode": "multi"}""", "settings.mode", "one answer per comparison")]
    [InlineData("""{"strategy": "margin-kmeans"}""", "settings.strategy", "needs item vectors or a committee")]
    [InlineData("""{"strategy": "pair-dopt", "content": "text", "labels": ["a", "b"]}""", "settings.strategy", "chooses pairwise comparisons; this project's items are texts")]
    public async Task CreateProject_SettingsThatDoNotFitTheContent_Is400NamingTheField(string json, string field, string problem)
    {
        var settings = JsonNode.Parse(json)!.AsObject();
        settings.TryAdd("content", "pair");
        using var admin = server.Client("admin");
        var response = await admin.PostAsJsonAsync("/api/projects", new JsonObject { ["name"] = "bad-" + Guid.NewGuid().ToString("N")[..8], ["settings"] = settings }, Ct);
        await ShouldBeProblemAsync(response, field, problem);
    }

    [Fact]
    public async Task Import_ChosenRejected_GoldKeptForEvaluationButNeverHandedOut()
    {
        var projectId = await CreatePairProjectAsync();
        (await server.ImportAsync(projectId, Pairs(6, 1))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var gold = await server.Store.GetGoldLabelsAsync(projectId, Ct);
        gold.Count.ShouldBe(6);
        gold.Values.ShouldAllBe(g => g == "A" || g == "B");
        gold.Values.Distinct().Count().ShouldBe(2, "the chosen reply lands on either side (a seeded coin per pair)");

        using var annotator = server.Client("annotator");
        var tasks = await NextAsync(annotator, projectId, 3);
        tasks.Count.ShouldBe(3);
        foreach (var task in tasks)
        {
            task!["content_kind"]!.GetValue<string>().ShouldBe("pair");
            var json = task.ToJsonString();
            json.ShouldNotContain("gold", Case.Insensitive);
            json.ShouldNotContain("chosen", Case.Insensitive);
            json.ShouldNotContain("rejected", Case.Insensitive);
            task["pair"]!["responses"]!.AsArray().Select(r => r!["side"]!.GetValue<string>()).Order().ShouldBe(["A", "B"]);
        }
        // A conversational prompt: the last user turn, with the whole conversation.
        var conversational = tasks.First(t => t!["pair"]!["conversation"] is JsonArray)!;
        conversational["pair"]!["conversation"]!.AsArray().Select(t => t!["role"]!.GetValue<string>()).ShouldBe(["system", "user"]);
        conversational["pair"]!["prompt"]!.GetValue<string>().ShouldStartWith("Tell me about ");
    }

    [Fact]
    public async Task Import_ListOfResponses_EveryPairIsAnItemWithoutGold()
    {
        var projectId = await CreatePairProjectAsync();
        var response = await server.ImportAsync(projectId,
            """{"id": "q1", "prompt": "Name a colour.", "responses": ["Red.", "Blue.", [{"role": "assistant", "content": "Green."}]]}""" + "\n" +
            """{"prompt": "Name a fruit.", "responses": ["Apple.", "Pear."]}""" + "\n");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));

        var items = await server.Store.GetItemsAsync(projectId, Ct);
        items.Count.ShouldBe(4);
        items.Select(i => i.ExternalId).Where(id => id.StartsWith("q1", StringComparison.Ordinal)).Order().ShouldBe(["q1#1-2", "q1#1-3", "q1#2-3"]);
        items.Select(i => (PairContent)i.Content).Select(p => p.ResponseA + "|" + p.ResponseB).ShouldContain("Blue.|Green.");
        (await server.Store.GetGoldLabelsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"prompt": "q", "responses": ["only one"]}""", "responses", "a list of 1 responses")]
    [InlineData("""{"prompt": "q", "responses": ["x", "x"]}""", "responses[1]", "the same text as responses[0]")]
    [InlineData("""{"prompt": "q", "responses": ["x", "y"], "label": "A"}""", "label", "makes several pairs")]
    [InlineData("""{"prompt": "q", "response_a": "x", "response_b": "y", "label": "maybe"}""", "label", "'maybe' is not a preference")]
    [InlineData("""{"chosen": "x", "rejected": "y"}""", "prompt", "explicit-prompt format")]
    public async Task Import_BadPairRow_Is400NamingLineAndField_AndImportsNothing(string row, string field, string problem)
    {
        var projectId = await CreatePairProjectAsync();
        var response = await server.ImportAsync(projectId, Pairs(1, 2) + row + "\n");
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        var json = JsonNode.Parse(body)!;
        json["line"]!.GetValue<int>().ShouldBe(2, body);
        json["field"]!.GetValue<string>().ShouldBe(field, body);
        json["detail"]!.GetValue<string>().ShouldContain(problem, Case.Sensitive, body);
        (await server.Store.GetItemsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Import_TextRowsIntoAPairProject_Is400()
    {
        var projectId = await CreatePairProjectAsync();
        await ShouldBeProblemAsync(await server.ImportAsync(projectId, "{\"id\":\"t\",\"text\":\"x\"}\n"), "content", "holds text items");
    }

    [Fact]
    public async Task Tasks_SideOrder_SeededPerAnnotatorStableAndRecordedWithTheAnswer()
    {
        var projectId = await CreatePairProjectAsync(new JsonObject { ["overlap"] = 2 });
        (await server.ImportAsync(projectId, Pairs(24, 3))).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var first = server.Client("annotator");
        using var second = server.Client("annotator2");

        var orders = new Dictionary<(string Who, long Item), string>();
        var answered = new List<(long Item, string Label, bool Swapped, string Who)>();
        foreach (var (who, client) in new[] { ("annotator", first), ("annotator2", second) })
        {
            for (var n = 0; n < 24; n++)
            {
                var task = (await NextAsync(client, projectId))[0]!;
                var again = (await NextAsync(client, projectId))[0]!; // the same live task, shown again
                ShownSide(again, 0).ShouldBe(ShownSide(task, 0), "a reload shows the same order");
                var item = task["item_id"]!.GetValue<long>();
                orders[(who, item)] = ShownSide(task, 0);
                // Always pick the response shown first, with a rationale now and then.
                var label = ShownSide(task, 0);
                var response = await SubmitAsync(client, projectId, task, label, n % 4 == 0 ? "  The first one is <b>clearer</b>.  " : null);
                response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
                answered.Add((item, label, ShownSide(task, 0) == "B", who));
            }
        }

        // Both orders occur for one annotator, and the two annotators do not always see the same one.
        orders.Where(o => o.Key.Who == "annotator").Select(o => o.Value).Distinct().Count().ShouldBe(2);
        orders.Where(o => o.Key.Who == "annotator").Count(o => orders[("annotator2", o.Key.Item)] != o.Value).ShouldBeGreaterThan(0);

        var stored = await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct);
        stored.Count.ShouldBe(48);
        foreach (var a in stored)
        {
            var who = a.AnnotatorId == server.UserIds["annotator"] ? "annotator" : "annotator2";
            var expected = answered.Single(x => x.Item == a.ItemId && x.Who == who);
            a.Labels.ShouldBe([expected.Label], customMessage: "the answer names the stored side, whatever the page showed");
            a.Provenance!.SidesSwapped.ShouldBe(expected.Swapped);
        }
        stored.Count(a => a.Provenance!.Rationale == "The first one is <b>clearer</b>.").ShouldBe(12);
        stored.Where(a => a.Provenance!.Rationale is null).Count().ShouldBe(36);

        // The report: every decisive answer chose the response shown first, a position bias far outside chance.
        using var reviewer = server.Client("reviewer");
        var report = JsonNode.Parse(await reviewer.GetStringAsync($"/api/projects/{projectId}/preferences", Ct))!;
        report["position_bias"]!["decisive"]!.GetValue<int>().ShouldBe(48);
        report["position_bias"]!["first_shown_wins"]!.GetValue<int>().ShouldBe(48);
        report["position_bias"]!["low"]!.GetValue<double>().ShouldBeGreaterThan(0.9);
        report["position_bias"]!["verdict"]!.GetValue<string>().ShouldStartWith("the response shown first wins more often than chance");
        report["annotators"]!.AsArray().Select(a => a!["annotator"]!.GetValue<string>()).ShouldBe(["annotator", "annotator2"]);
        // The two annotators disagree exactly where their orders differ.
        var differ = orders.Where(o => o.Key.Who == "annotator").Count(o => orders[("annotator2", o.Key.Item)] != o.Value);
        report["noise"]!["annotator_pairs"]!.GetValue<int>().ShouldBe(24);
        report["noise"]!["disagreement"]!.GetValue<double>().ShouldBe(differ / 24.0, 1e-12);
        report["noise"]!["label_smoothing"].ShouldNotBeNull();

        // The quality module's agreement measures read pair answers like any labels.
        var agreement = JsonNode.Parse(await reviewer.GetStringAsync($"/api/projects/{projectId}/agreement", Ct))!;
        agreement.ToJsonString().ShouldContain("krippendorff", Case.Insensitive);
    }

    [Fact]
    public async Task Submit_RationaleTooLongOrWithNul_Is400AndStoresNothing()
    {
        var projectId = await CreatePairProjectAsync();
        (await server.ImportAsync(projectId, Pairs(2, 4))).EnsureSuccessStatusCode();
        using var annotator = server.Client("annotator");
        var task = (await NextAsync(annotator, projectId))[0]!;
        await ShouldBeProblemAsync(await SubmitAsync(annotator, projectId, task, "A", new string('x', 2001)), "rationale", "at most 2,000");
        await ShouldBeProblemAsync(await SubmitAsync(annotator, projectId, task, "A", "a\0b"), "rationale", "NUL");
        await ShouldBeProblemAsync(await SubmitAsync(annotator, projectId, task, "left"), "labels", "'left' is not a label of this project (A, B, tie, both_bad)");
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Undo_PairAnswer_WithdrawnAndTheNewAnswerStoredInStoredSides()
    {
        var projectId = await CreatePairProjectAsync();
        (await server.ImportAsync(projectId, Pairs(3, 5))).EnsureSuccessStatusCode();
        using var annotator = server.Client("annotator");
        var task = (await NextAsync(annotator, projectId))[0]!;
        (await SubmitAsync(annotator, projectId, task, ShownSide(task, 0))).EnsureSuccessStatusCode();

        var back = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct)).Content.ReadAsStringAsync(Ct))!;
        back["task_id"]!.GetValue<long>().ShouldBe(task["task_id"]!.GetValue<long>());
        ShownSide(back, 0).ShouldBe(ShownSide(task, 0), "the undone comparison comes back in the same order");
        (await SubmitAsync(annotator, projectId, back, ShownSide(back, 1), "second thoughts")).EnsureSuccessStatusCode();

        var all = await server.Store.GetAnnotationsAsync(projectId, null, includeUndone: true, Ct);
        all.Count.ShouldBe(2);
        all.Single(a => a.Undone).Labels.ShouldBe([ShownSide(task, 0)]);
        var live = all.Single(a => !a.Undone);
        live.Labels.ShouldBe([ShownSide(task, 1)]);
        live.Provenance!.SidesSwapped.ShouldBe(ShownSide(task, 0) == "B");
        live.Provenance.Rationale.ShouldBe("second thoughts");
    }

    [Fact]
    public async Task Train_PairProject_FitsTheRewardModelAndRanksByPairUncertainty()
    {
        var projectId = await CreatePairProjectAsync(new JsonObject { ["held_out_share"] = 0.25, ["retrain_every"] = 1000 });
        (await server.ImportAsync(projectId, Pairs(160, 6))).EnsureSuccessStatusCode();
        var gold = await server.Store.GetGoldLabelsAsync(projectId, Ct);
        using var annotator = server.Client("annotator");
        // Answer 40 comparisons truthfully (the gold side), some held-out ones among them.
        for (var n = 0; n < 40; n++)
        {
            var task = (await NextAsync(annotator, projectId))[0]!;
            (await SubmitAsync(annotator, projectId, task, gold[task["item_id"]!.GetValue<long>()])).EnsureSuccessStatusCode();
        }

        using var admin = server.Client("admin");
        (await admin.PostAsync($"/api/projects/{projectId}/train", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await TaskFlow.WaitForModelAsync(admin, projectId);

        var models = await server.Store.GetModelVersionsAsync(projectId, Ct);
        var model = models[^1];
        model.MetricsJson.ShouldContain("bradley-terry(ties=davidson");
        var dashboard = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/dashboard", Ct))!;
        var curve = dashboard["learning_curve"]!.AsArray();
        curve[^1]!["accuracy"]!.GetValue<double>().ShouldBeGreaterThan(0.8, "held-out pairwise accuracy of a learnable preference");
        curve[^1]!["macro_f1"].ShouldBeNull();

        // The next comparisons come from the trained ranking, chosen by the reward model's uncertainty.
        await NextAsync(annotator, projectId, 3);
        using var auditor = server.Client("auditor");
        var log = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/tasks?limit=1000", Ct))!.AsArray();
        log.Where(t => t!["model_version"]!.GetValue<int>() >= 1 && !t["exploration"]!.GetValue<bool>() && !t["held_out"]!.GetValue<bool>())
            .ShouldContain(t => t!["strategy"]!.GetValue<string>() == "pair-uncertainty" && t["reason"]!.GetValue<string>().StartsWith("uncertain preference", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_TrlFormats_ReadAsTrlReadsThem_TiesAndBothBadByThePolicy()
    {
        var projectId = await CreatePairProjectAsync(new JsonObject { ["overlap"] = 2 });
        var rows = Pairs(5, 7, "e");
        (await server.ImportAsync(projectId, rows)).EnsureSuccessStatusCode();
        var items = (await server.Store.GetItemsAsync(projectId, Ct)).OrderBy(i => i.Id).ToList();
        // Per item (in id order), what the two annotators answer: agreement, a split, a tie, both bad, a 2-0 for B.
        string[][] plan = [["A", "A"], ["A", "B"], ["tie", "tie"], ["both_bad", "both_bad"], ["B", "B"]];
        using var first = server.Client("annotator");
        using var second = server.Client("annotator2");
        foreach (var (who, client, column) in new[] { ("annotator", first, 0), ("annotator2", second, 1) })
        {
            for (var n = 0; n < items.Count; n++)
            {
                var task = (await NextAsync(client, projectId))[0]!;
                var index = items.FindIndex(i => i.Id == task["item_id"]!.GetValue<long>());
                (await SubmitAsync(client, projectId, task, plan[index][column])).EnsureSuccessStatusCode();
            }
        }

        using var auditor = server.Client("auditor");
        var preference = await ReadTrlAsync(auditor, $"/api/projects/{projectId}/export?format=trl-preference&margin=true");
        // A 1–1 split has no resolved answer; the tie and "both bad" are dropped from pairs: two rows.
        preference.Rows.Select(r => r["id"]!.GetValue<string>()).ShouldBe([items[0].ExternalId, items[4].ExternalId]);
        TrlConsumer.Check(preference.Rows, "preference");
        var pair0 = (PairContent)items[0].Content;
        var pair4 = (PairContent)items[4].Content;
        // The import had conversational prompts (every third row), so every row is conversational.
        TrlConsumer.IsConversational(preference.Rows[0]).ShouldBeTrue();
        preference.Rows[0]["chosen"]![0]!["content"]!.GetValue<string>().ShouldBe(pair0.ResponseA);
        preference.Rows[0]["rejected"]![0]!["content"]!.GetValue<string>().ShouldBe(pair0.ResponseB);
        preference.Rows[1]["chosen"]![0]!["content"]!.GetValue<string>().ShouldBe(pair4.ResponseB);
        preference.Rows[0]["margin"]!.GetValue<double>().ShouldBe(1.0);
        preference.Rows[0]["agreement"]!.GetValue<double>().ShouldBe(1.0);
        preference.Rows[0]["annotators"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldBe(["annotator", "annotator2"]);
        preference.Headers["X-Sift-Tie-Policy"].ShouldContain("ties dropped");

        var plain = await ReadTrlAsync(auditor, $"/api/projects/{projectId}/export?format=trl-preference&conversational=false");
        TrlConsumer.Check(plain.Rows, "preference");
        TrlConsumer.IsConversational(plain.Rows[0]).ShouldBeFalse();
        plain.Rows[0]["prompt"]!.GetValue<string>().ShouldBe(pair0.Prompt);
        plain.Rows[0].ContainsKey("margin").ShouldBeFalse();

        var kto = await ReadTrlAsync(auditor, $"/api/projects/{projectId}/export?format=trl-kto&conversational=false");
        TrlConsumer.Check(kto.Rows, "unpaired");
        // Item 0: chosen true, rejected false; item 3 (both bad): two undesirable completions; item 4: two rows.
        kto.Rows.Count.ShouldBe(6);
        var both = kto.Rows.Where(r => r["id"]!.GetValue<string>() == items[3].ExternalId).ToList();
        both.Select(r => r["label"]!.GetValue<bool>()).ShouldBe([false, false]);
        both.Select(r => r["completion"]!.GetValue<string>()).Order().ShouldBe(new[] { ((PairContent)items[3].Content).ResponseA, ((PairContent)items[3].Content).ResponseB }.Order());
        kto.Rows.Where(r => r["id"]!.GetValue<string>() == items[0].ExternalId).Select(r => (r["completion"]!.GetValue<string>(), r["label"]!.GetValue<bool>()))
            .ShouldBe([(pair0.ResponseA, true), (pair0.ResponseB, false)]);

        // The tie and "both bad" answers survive in the full export, by name.
        var full = (await auditor.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        full.Select(r => r["resolved_label"]?.GetValue<string>()).ShouldBe(["A", null, "tie", "both_bad", "B"]);
        full[0]["pair"]!["response_a"]!.GetValue<string>().ShouldBe(pair0.ResponseA);

        // Asked wrongly: one sentence each.
        await ShouldBeProblemAsync(await auditor.GetAsync($"/api/projects/{projectId}/export?format=trl-kto&margin=true", Ct), "margin", "applies to format=trl-preference");
        await ShouldBeProblemAsync(await auditor.GetAsync($"/api/projects/{projectId}/export?format=trl-preference&conversational=maybe", Ct), "conversational", "auto, true or false");
        var textProject = await server.ProjectWithItemsAsync(2);
        await ShouldBeProblemAsync(await auditor.GetAsync($"/api/projects/{textProject}/export?format=trl-preference", Ct), "content", "for pair projects");
        using var reviewer = server.Client("reviewer");
        await ShouldBeProblemAsync(await reviewer.GetAsync($"/api/projects/{textProject}/preferences", Ct), "content", "for pair projects");
    }

    private async Task<(List<JsonObject> Rows, Dictionary<string, string> Headers)> ReadTrlAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        var headers = response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value));
        return (body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList(), headers);
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

/// <summary>
/// What TRL does with a dataset file before training (trl/data_utils.py and the trainers' dataset checks), for the
/// formats Sift exports: the JSON loader needs every row to have the same columns with the same types (Arrow infers
/// one schema); <c>is_conversational</c> looks at the first of prompt/chosen/rejected/completion that is a list whose
/// first element is a dict with role and content; a preference row has prompt, chosen and rejected, an unpaired one
/// prompt, completion and a boolean label; a reward row may add a float margin; every message has a role of system,
/// user or assistant and string content, and responses are one assistant message.
/// </summary>
internal static class TrlConsumer
{
    private static readonly string[] Roles = ["system", "user", "assistant"];

    public static bool IsConversational(JsonObject row)
    {
        foreach (var key in new[] { "prompt", "chosen", "rejected", "completion", "messages" })
        {
            if (row[key] is JsonArray { Count: > 0 } list && list[0] is JsonObject message && message.ContainsKey("role") && message.ContainsKey("content"))
                return true;
        }
        return false;
    }

    public static void Check(IReadOnlyList<JsonObject> rows, string type)
    {
        rows.ShouldNotBeEmpty();
        var columns = rows[0].Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        string[] required = type == "preference" ? ["prompt", "chosen", "rejected"] : ["prompt", "completion", "label"];
        foreach (var key in required) columns.ShouldContain(key);
        var conversational = IsConversational(rows[0]);
        foreach (var row in rows)
        {
            row.Select(p => p.Key).Order(StringComparer.Ordinal).ToList().ShouldBe(columns, customMessage: "every row has the same columns (one Arrow schema)");
            foreach (var (key, value) in row) Kind(value).ShouldBe(Kind(rows[0][key]), $"column {key} has one type");
            IsConversational(row).ShouldBe(conversational);
            if (conversational)
            {
                Messages(row["prompt"]!, allowAssistantLast: false);
                foreach (var key in required.Where(k => k is "chosen" or "rejected" or "completion"))
                {
                    var reply = row[key]!.AsArray();
                    reply.Count.ShouldBe(1);
                    reply[0]!["role"]!.GetValue<string>().ShouldBe("assistant");
                    reply[0]!["content"]!.GetValueKind().ShouldBe(JsonValueKind.String);
                }
            }
            else
            {
                foreach (var key in required.Where(k => k != "label")) row[key]!.GetValueKind().ShouldBe(JsonValueKind.String, key);
            }
            if (type == "unpaired") row["label"]!.GetValueKind().ShouldBeOneOf(JsonValueKind.True, JsonValueKind.False);
            if (row["margin"] is { } margin) margin.GetValueKind().ShouldBe(JsonValueKind.Number);
        }
    }

    private static void Messages(JsonNode node, bool allowAssistantLast)
    {
        var list = node.AsArray();
        list.Count.ShouldBeGreaterThan(0);
        foreach (var m in list)
        {
            m!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ShouldBe(["content", "role"]);
            Roles.ShouldContain(m["role"]!.GetValue<string>());
            m["content"]!.GetValueKind().ShouldBe(JsonValueKind.String);
        }
        if (!allowAssistantLast) list[^1]!["role"]!.GetValue<string>().ShouldBe("user", "the prompt ends with the user's turn: the model answers next");
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray a => "array:" + (a.Count > 0 ? Kind(a[0]) : "?"),
        JsonObject o => "object:" + string.Join(",", o.Select(p => p.Key).Order(StringComparer.Ordinal)),
        _ => node.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? "bool" : node.GetValueKind().ToString(),
    };
}
