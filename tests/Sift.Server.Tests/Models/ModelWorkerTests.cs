using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Llm.Tests.TestDoubles;
using Sift.Storage;

namespace Sift.Server.Tests.Models;

/// <summary>
/// The model worker against a loopback test double speaking the OpenAI wire format (and the embedded path on the real
/// llama.cpp with the tiny GGUF model): accepted labels become the model user's annotations with full provenance;
/// warm-up, audits, low confidence, invalid output, server errors, time-outs and a refused key all send the item back
/// to people, recorded; pre-annotation shows and records the suggestion; the key is never stored, logged or returned.
/// </summary>
public sealed class ModelWorkerTests(ModelServerFixture server) : IClassFixture<ModelServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject Routing(int warmUp = 0, double audit = 0, double target = 0.9) =>
        new() { ["warm_up"] = warmUp, ["audit_share"] = audit, ["target_accuracy"] = target };

    private static JsonObject Endpoint(OpenAiWireDouble model, double timeout = 10, int retries = 0, int concurrency = 2) => new()
    {
        ["model"] = "openai:tiny@" + model.BaseUrl, ["concurrency"] = concurrency, ["timeout_seconds"] = timeout, ["retries"] = retries,
        ["price_in"] = 1.0, ["price_out"] = 2.0,
    };

    [Fact]
    public async Task ConfidentModel_AfterWarmUp_ItsLabelsAreAccepted_WithFullProvenance_InTheExportAndTheOracles()
    {
        await using var model = OpenAiWireDouble.Start(_ => WireReply.LabelWithLogprobs("a", 0.99, ("b", 0.01)));
        var projectId = await server.ModelProjectAsync(6, new { routing = Routing() });

        var view = await server.AddModelOkAsync(projectId, Endpoint(model));
        var answers = await server.AnswersAsync(projectId, 6);

        answers.ShouldAllBe(a => a.Outcome == ModelAnswerOutcome.Accepted && a.Decision == "accept-model");
        answers.Select(a => a.Labels.Single()).ShouldAllBe(l => l == "a");
        model.Requests.Count.ShouldBe(6);
        model.Requests.Select(r => r.ItemText).Order().ShouldBe(Enumerable.Range(0, 6).Select(i => $"message number {i} about {(i % 2 == 0 ? "prizes" : "meetings")}").Order());
        var annotations = await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct);
        annotations.Count.ShouldBe(6);
        annotations.ShouldAllBe(a => a.AnnotatorId == view["user_id"]!.GetValue<long>());
        var provenance = annotations[0].Provenance!;
        provenance.Kind.ShouldBe(Sift.Oracles.OracleKind.Model);
        provenance.Name.ShouldBe("openai:tiny");
        provenance.PromptTemplate.ShouldNotBeNullOrEmpty();
        provenance.Confidence!.Value.ShouldBe(0.99, 1e-6);
        provenance.ConfidenceMethod.ShouldBe("logprobs");
        provenance.Decision.ShouldBe("accept-model");
        provenance.Cost.InputTokens.ShouldBe(120);
        provenance.Cost.OutputTokens.ShouldBe(7);
        provenance.Cost.Money.ShouldBe(120 / 1000.0 * 1.0 + 7 / 1000.0 * 2.0, 1e-12);
        provenance.Cost.Seconds.ShouldBeGreaterThan(0);

        using var admin = server.Client("admin");
        var export = (await admin.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!).ToList();
        export.Count.ShouldBe(6);
        foreach (var item in export)
        {
            item["resolved_label"]!.GetValue<string>().ShouldBe("a");
            var annotation = item["annotations"]!.AsArray().Single()!;
            annotation["annotator"]!.GetValue<string>().ShouldBe($"openai:tiny (project {projectId})");
            var exported = annotation["provenance"]!;
            exported["kind"]!.GetValue<string>().ShouldBe("model");
            exported["name"]!.GetValue<string>().ShouldBe("openai:tiny");
            exported["prompt_template"]!.GetValue<string>().ShouldBe(provenance.PromptTemplate);
            exported["confidence"]!.GetValue<double>().ShouldBe(0.99, 1e-6);
            exported["confidence_method"]!.GetValue<string>().ShouldBe("logprobs");
            exported["cost"]!["money"]!.GetValue<double>().ShouldBe(0.134, 1e-12);
            exported["cost"]!["input_tokens"]!.GetValue<int>().ShouldBe(120);
        }
        var csv = await admin.GetStringAsync($"/api/projects/{projectId}/export?format=csv", Ct);
        csv.ShouldContain("confidence_method");

        using var reviewer = server.Client("reviewer");
        var oracles = JsonNode.Parse(await reviewer.GetStringAsync($"/api/projects/{projectId}/oracles", Ct))!;
        var row = oracles["models"]!.AsArray().Single()!;
        row["accepted"]!.GetValue<int>().ShouldBe(6);
        row["answers"]!.GetValue<int>().ShouldBe(6);
        row["money"]!.GetValue<double>().ShouldBe(6 * 0.134, 1e-9);
        row["input_tokens"]!.GetValue<long>().ShouldBe(720);
        row["last_error"].ShouldBeNull();
        oracles["people"]!["labels"]!.GetValue<int>().ShouldBe(0);
        oracles["money"]!.GetValue<double>().ShouldBe(6 * 0.134, 1e-9);
        using var annotator = server.Client("annotator");
        (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task WarmUp_EveryAnswerGoesToPeople_NeverPreAnnotated_AndRecordedInTheEvidence()
    {
        await using var model = OpenAiWireDouble.Start(_ => WireReply.LabelWithLogprobs("b", 0.99, ("a", 0.01)));
        var projectId = await server.ModelProjectAsync(3, new { pre_annotation = true });

        await server.AddModelOkAsync(projectId, Endpoint(model));
        var answers = await server.AnswersAsync(projectId, 3);

        answers.ShouldAllBe(a => a.Outcome == ModelAnswerOutcome.ToPeople && a.Decision == "warm-up" && a.Labels.Single() == "b");
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
        using var annotator = server.Client("annotator");
        var tasks = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=3", null, Ct)).Content.ReadAsStringAsync(Ct))!.AsArray();
        tasks.Count.ShouldBe(3);
        tasks.ShouldAllBe(t => !t!.AsObject().ContainsKey("suggestion"));
        using var admin = server.Client("admin");
        var evidence = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/evidence", Ct))!.AsArray();
        var routing = evidence.Where(e => e!["kind"]!.GetValue<string>() == "routing").Select(e => e!["event"]!).ToList();
        routing.Count.ShouldBe(3);
        routing.ShouldAllBe(r => r!["decision"]!.GetValue<string>() == "warm-up" && r["labels"]!.AsArray().Count == 0);
        evidence.Count(e => e!["kind"]!.GetValue<string>() == "answer" && e["event"]!["status"]!.GetValue<string>() == "deferred").ShouldBe(3);
    }

    [Fact]
    public async Task PreAnnotationOn_LowConfidence_ShowsTheSuggestion_AndRecordsItWithTheAnswer_OffShowsNothing()
    {
        await using var model = OpenAiWireDouble.Start(_ => WireReply.LabelWithLogprobs("b", 0.6, ("a", 0.4)));
        var on = await server.ModelProjectAsync(1, new { pre_annotation = true, routing = Routing(target: 0.99) });
        var off = await server.ModelProjectAsync(1, new { routing = Routing(target: 0.99) });
        await server.AddModelOkAsync(on, Endpoint(model));
        await server.AddModelOkAsync(off, Endpoint(model));
        (await server.AnswersAsync(on, 1)).Single().Decision.ShouldBe("below-threshold");
        (await server.AnswersAsync(off, 1)).Single().Decision.ShouldBe("below-threshold");
        using var annotator = server.Client("annotator");

        var shownTask = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{on}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))!.AsArray().Single()!;
        var plainTask = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{off}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))!.AsArray().Single()!;
        // Shown again (a reload), the task shows what it showed first.
        var again = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{on}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))!.AsArray().Single()!;

        shownTask["suggestion"]!.AsArray().Select(l => l!.GetValue<string>()).ShouldBe(["b"]);
        again["suggestion"]!.AsArray().Select(l => l!.GetValue<string>()).ShouldBe(["b"]);
        plainTask.AsObject().ContainsKey("suggestion").ShouldBeFalse();
        shownTask.ToJsonString().ShouldNotContain("0.6");
        await Submit(annotator, on, shownTask, "a");
        await Submit(annotator, off, plainTask, "b");

        var shownAnswer = (await server.Store.GetAnnotationsAsync(on, cancellationToken: Ct)).Single();
        shownAnswer.Provenance!.SuggestionShown.ShouldBe("b");
        (await server.Store.GetAnnotationsAsync(off, cancellationToken: Ct)).Single().Provenance!.SuggestionShown.ShouldBeNull();
        using var auditor = server.Client("auditor");
        var anchoringOn = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{on}/oracles", Ct))!["anchoring"]!;
        anchoringOn["pre_annotation"]!.GetValue<bool>().ShouldBeTrue();
        anchoringOn["shown"]!["answers"]!.GetValue<int>().ShouldBe(1);
        anchoringOn["shown"]!["agree_with_model"]!.GetValue<int>().ShouldBe(0);
        var anchoringOff = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{off}/oracles", Ct))!["anchoring"]!;
        anchoringOff["not_shown"]!["answers"]!.GetValue<int>().ShouldBe(1);
        anchoringOff["not_shown"]!["agree_with_model"]!.GetValue<int>().ShouldBe(1);
        anchoringOff["not_shown"]!["rate"]!.GetValue<double>().ShouldBe(1);
    }

    [Fact]
    public async Task ServerError500_TheItemsGoBackToPeople_DeclinedWithTheReason()
    {
        await using var model = OpenAiWireDouble.Start(_ => WireReply.Error(500, "the model crashed"));
        var projectId = await server.ModelProjectAsync(2, new { routing = Routing() });

        await server.AddModelOkAsync(projectId, Endpoint(model));
        var answers = await server.AnswersAsync(projectId, 2);

        answers.ShouldAllBe(a => a.Outcome == ModelAnswerOutcome.Declined && a.Decision == "declined");
        answers[0].Reason.ShouldNotBeNull().ShouldContain("HTTP 500");
        await PeopleGetEveryItemAsync(projectId, 2);
        using var admin = server.Client("admin");
        var evidence = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/evidence", Ct))!.AsArray();
        evidence.Count(e => e!["kind"]!.GetValue<string>() == "answer" && e["event"]!["status"]!.GetValue<string>() == "declined").ShouldBe(2);
    }

    [Fact]
    public async Task SlowerThanTheTimeOut_TheItemsGoBackToPeople_DeclinedAsTimedOut()
    {
        await using var model = OpenAiWireDouble.Start(_ => WireReply.Slow(TimeSpan.FromSeconds(20), WireReply.LabelWithLogprobs("a", 0.99, ("b", 0.01))));
        var projectId = await server.ModelProjectAsync(2, new { routing = Routing() });

        await server.AddModelOkAsync(projectId, Endpoint(model, timeout: 0.3));
        var answers = await server.AnswersAsync(projectId, 2);

        answers.ShouldAllBe(a => a.Outcome == ModelAnswerOutcome.Declined);
        answers[0].Reason.ShouldNotBeNull().ShouldContain("did not answer within 300 ms");
        await PeopleGetEveryItemAsync(projectId, 2);
    }

    [Fact]
    public async Task InvalidOutput_IsAskedOnceMore_ThenTheItemGoesToPeople()
    {
        await using var model = OpenAiWireDouble.Start(_ => WireReply.Completion("I would say it is spam, probably."));
        var projectId = await server.ModelProjectAsync(1, new { routing = Routing() });

        await server.AddModelOkAsync(projectId, Endpoint(model));
        var answer = (await server.AnswersAsync(projectId, 1)).Single();

        answer.Outcome.ShouldBe(ModelAnswerOutcome.Declined);
        answer.Reason.ShouldNotBeNull().ShouldContain("no valid answer in two attempts");
        model.Requests.Count.ShouldBe(2);
        answer.Provenance.Cost.InputTokens.ShouldBe(240);
        await PeopleGetEveryItemAsync(projectId, 1);
    }

    [Fact]
    public async Task KeyRefused_TheAnnotatorShowsTheError_AndTheItemsGoToPeople()
    {
        var variable = "SIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, "sk-refused-" + Guid.NewGuid().ToString("N"));
        await using var model = OpenAiWireDouble.Start(_ => WireReply.Error(401, "Incorrect API key provided."));
        var projectId = await server.ModelProjectAsync(2, new { routing = Routing() });
        var body = Endpoint(model);
        body["key_env"] = variable;

        await server.AddModelOkAsync(projectId, body);
        var answers = await server.AnswersAsync(projectId, 2);

        answers.ShouldAllBe(a => a.Outcome == ModelAnswerOutcome.Declined);
        answers[0].Reason.ShouldNotBeNull().ShouldContain($"refused the key in environment variable {variable}");
        using var admin = server.Client("admin");
        var listed = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/model-annotators", Ct))!.AsArray().Single()!;
        listed["last_error"]!.GetValue<string>().ShouldContain("refused the key");
        using var reviewer = server.Client("reviewer");
        JsonNode.Parse(await reviewer.GetStringAsync($"/api/projects/{projectId}/oracles", Ct))!["models"]![0]!["last_error"].ShouldBeNull();
        await PeopleGetEveryItemAsync(projectId, 2);
    }

    [Fact]
    public async Task Key_IsSentToTheEndpoint_ButNeverStoredLoggedOrReturned()
    {
        var variable = "SIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var key = "sk-secret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, key);
        // A failure first, so the endpoint's retry and the worker's decline are logged too.
        var calls = 0;
        await using var model = OpenAiWireDouble.Start(_ => Interlocked.Increment(ref calls) == 1
            ? WireReply.Error(500, "echoing your header: Bearer " + key)
            : WireReply.LabelWithLogprobs("a", 0.97, ("b", 0.03)));
        var projectId = await server.ModelProjectAsync(4, new { routing = Routing() });
        var body = Endpoint(model, retries: 1, concurrency: 1);
        body["key_env"] = variable;

        var added = await server.AddModelAsync(projectId, body);
        var addedText = await added.Content.ReadAsStringAsync(Ct);
        await server.AnswersAsync(projectId, 4);

        model.Requests.ShouldAllBe(r => r.Header("authorization") == "Bearer " + key);
        server.EveryStoredText().Where(cell => cell.Contains(key, StringComparison.Ordinal)).ShouldBeEmpty();
        server.Logs.Entries.Count.ShouldBeGreaterThan(0);
        server.Logs.All.ShouldNotContain(key);
        server.Logs.All.ShouldContain("retry 1 of 1 after HTTP 500");
        using var admin = server.Client("admin");
        var responses = new List<string> { addedText };
        foreach (var path in new[]
        {
            $"/api/projects/{projectId}/model-annotators", $"/api/projects/{projectId}/oracles", $"/api/projects/{projectId}/export?format=jsonl",
            $"/api/projects/{projectId}/export?format=csv", $"/api/projects/{projectId}/evidence", $"/api/projects/{projectId}/annotations",
            $"/api/projects/{projectId}/tasks", $"/api/projects/{projectId}/dashboard", $"/api/projects/{projectId}", "/api/users",
        })
            responses.Add(await admin.GetStringAsync(path, Ct));
        responses.ShouldAllBe(text => !text.Contains(key, StringComparison.Ordinal));
        responses[1].ShouldContain(variable);
    }

    [Fact]
    public async Task EmbeddedGguf_RealLlamaCpp_AnswersEveryItemWithTokenProbabilities()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Models", "stories260K.gguf");
        File.Exists(path).ShouldBeTrue($"The test model '{path}' is missing; it is copied from tests/Sift.Llm.Tests/Models.");
        var projectId = await server.ModelProjectAsync(3, new { routing = Routing(target: 0.5) });

        var view = await server.AddModelOkAsync(projectId, new JsonObject { ["model"] = "gguf:" + path, ["price_in"] = 0.01 });
        var answers = await server.AnswersAsync(projectId, 3);

        view["name"]!.GetValue<string>().ShouldBe("gguf:stories260K.gguf");
        view["concurrency"]!.GetValue<int>().ShouldBe(1);
        answers.ShouldAllBe(a => a.Outcome != ModelAnswerOutcome.Declined);
        foreach (var answer in answers)
        {
            answer.Provenance.Name.ShouldBe("gguf:stories260K.gguf");
            answer.Provenance.ConfidenceMethod.ShouldBe("token-probabilities");
            answer.Provenance.Distribution!.Values.Sum().ShouldBe(1, 1e-6);
            answer.Provenance.Distribution.Keys.Order().ShouldBe(["a", "b"]);
            answer.Provenance.Cost.InputTokens.ShouldBeGreaterThan(0);
            answer.Provenance.Cost.Money.ShouldBeGreaterThan(0);
            answer.Provenance.Cost.Seconds.ShouldBeGreaterThan(0);
            answer.StatedConfidence.ShouldBe(answer.Provenance.Confidence);
        }
    }

    [Fact]
    public async Task PeopleMoney_AtTheProjectsRate_IsRecordedAndCounted()
    {
        var projectId = await server.ModelProjectAsync(1, new { person_rate = new { per_label = 0.5, per_hour = 36.0 } });
        using var annotator = server.Client("annotator");
        var task = JsonNode.Parse(await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).Content.ReadAsStringAsync(Ct))!.AsArray().Single()!;

        var submit = await annotator.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{task["task_id"]!.GetValue<long>()}/submit",
            new JsonObject { ["labels"] = new JsonArray("a"), ["client_request_id"] = Guid.NewGuid().ToString("N"), ["seconds"] = 10 }, Ct);

        submit.EnsureSuccessStatusCode();
        var cost = (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).Single().Provenance!.Cost;
        cost.Money.ShouldBe(0.5 + 36.0 * 10 / 3600, 1e-12);
        cost.Seconds.ShouldBe(10);
        using var admin = server.Client("admin");
        var people = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/oracles", Ct))!["people"]!;
        people["labels"]!.GetValue<int>().ShouldBe(1);
        people["money"]!.GetValue<double>().ShouldBe(0.6, 1e-12);
        var svg = await admin.GetStringAsync($"/api/projects/{projectId}/learning-curve.svg?x=money", Ct);
        svg.ShouldStartWith("<svg");
        svg.ShouldContain("money");
        (await admin.GetAsync($"/api/projects/{projectId}/learning-curve.svg?x=euros", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task SolveMode_ByDefault_ThePlansThresholdSplitsTheItems_AuditsCarryTheirProbability_AndTheOraclesShowTheEstimate()
    {
        // Item i is answered with confidence 0.5 + 0.03·i, always rightly (a for prizes, b for meetings); nothing is
        // resolved yet, so the plan acts on the stated confidences.
        static double Confidence(string text) => 0.5 + 0.03 * int.Parse(text.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        static string Truth(string text) => text.Contains("prizes", StringComparison.Ordinal) ? "a" : "b";
        await using var model = OpenAiWireDouble.Start(request =>
        {
            var c = Confidence(request.ItemText);
            return WireReply.LabelWithLogprobs(Truth(request.ItemText), c, (Truth(request.ItemText) == "a" ? "b" : "a", 1 - c));
        });
        var projectId = await server.ModelProjectAsync(16, new { routing = Routing(audit: 0.6) });

        await server.AddModelOkAsync(projectId, Endpoint(model));
        var answers = await server.AnswersAsync(projectId, 16);

        using var admin = server.Client("admin");
        var settings = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}", Ct))!["settings"]!["routing"]!;
        settings["mode"]!.GetValue<string>().ShouldBe("solve");
        settings["audits"]!.GetValue<string>().ShouldBe("risk");
        var evidence = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/evidence", Ct))!.AsArray();
        var routing = evidence.Where(e => e!["kind"]!.GetValue<string>() == "routing").Select(e => e!["event"]!).ToList();
        routing.Count.ShouldBe(16);
        var looked = new List<(double Acting, double P, double Threshold)>();
        foreach (var decision in routing)
        {
            var inputs = decision!["inputs"]!;
            inputs["mode"]!.GetValue<string>().ShouldBe("solve");
            inputs["audits"]!.GetValue<string>().ShouldBe("risk");
            inputs["max_people"]!.GetValue<int>().ShouldBe(1);
            inputs["person_accuracy_from"]!.GetValue<string>().ShouldBe("prior");
            inputs["plan_goal"]!.GetValue<double>().ShouldBeGreaterThan(0.8);
            inputs["model_annotator"]!.GetValue<long>().ShouldBeGreaterThan(0);
            var acting = inputs["acting_value"]!.GetValue<double>();
            var threshold = inputs["threshold"]!.GetValue<double>();
            var word = decision["decision"]!.GetValue<string>();
            if (acting >= threshold)
            {
                word.ShouldBeOneOf("accept-model", "audit");
                var p = inputs["audit_probability"]!.GetValue<double>();
                (word == "audit").ShouldBe(inputs["audit_draw"]!.GetValue<double>() < p);
                looked.Add((acting, p, threshold));
            }
            else
            {
                word.ShouldBe("below-threshold");
                inputs.AsObject().ContainsKey("audit_probability").ShouldBeFalse();
            }
        }
        looked.Count.ShouldBeGreaterThan(0);
        answers.Count(a => a.Decision == "below-threshold").ShouldBeGreaterThan(0);
        // Within one batch (one threshold, one mean error) a lower calibrated value is audited more often.
        foreach (var batch in looked.GroupBy(x => x.Threshold))
            foreach (var a in batch)
                foreach (var b in batch)
                    if (a.Acting < b.Acting) a.P.ShouldBeGreaterThan(b.P);

        // People answer what came back to them (rightly, so the audits confirm the model).
        var toPeople = answers.Count(a => a.Outcome == ModelAnswerOutcome.ToPeople);
        var audited = answers.Count(a => a.Decision == "audit");
        using var annotator = server.Client("annotator");
        var answered = 0;
        while (true)
        {
            var next = await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct);
            if (next.StatusCode == HttpStatusCode.NoContent) break;
            var task = JsonNode.Parse(await next.Content.ReadAsStringAsync(Ct))!.AsArray().Single()!;
            await Submit(annotator, projectId, task, Truth(task["text"]!.GetValue<string>()));
            answered++;
        }
        answered.ShouldBe(toPeople);

        var calibration = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/oracles", Ct))!["models"]![0]!["calibration"]!;
        calibration["mode"]!.GetValue<string>().ShouldBe("solve");
        calibration["audit_draw"]!.GetValue<string>().ShouldBe("risk");
        calibration["audits"]!.GetValue<int>().ShouldBe(audited);
        audited.ShouldBeGreaterThan(0);
        calibration["audit_accuracy"]!.GetValue<double>().ShouldBe(1);
        calibration["calibrator"]!.GetValue<string>().ShouldStartWith("isotonic-corrected");
        var estimate = calibration["estimated_accuracy"]!.GetValue<double>();
        estimate.ShouldBeInRange(calibration["estimate_low"]!.GetValue<double>(), calibration["estimate_high"]!.GetValue<double>());
        calibration["estimate_items"]!.GetValue<int>().ShouldBe(16);
    }

    [Fact]
    public async Task RoutingSettings_ModeAndAudits_AreEditable_AndABadValueIsA400NamingTheField()
    {
        var projectId = await server.ModelProjectAsync(0, new { routing = new JsonObject { ["mode"] = "stop", ["audits"] = "uniform" } });
        using var admin = server.Client("admin");
        var routing = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}", Ct))!["settings"]!["routing"]!;
        routing["mode"]!.GetValue<string>().ShouldBe("stop");
        routing["audits"]!.GetValue<string>().ShouldBe("uniform");

        var bad = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = "p-" + Guid.NewGuid().ToString("N")[..12],
            ["settings"] = new JsonObject { ["labels"] = new JsonArray("a", "b"), ["routing"] = new JsonObject { ["mode"] = "fastest" } },
        }, Ct);

        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await bad.Content.ReadAsStringAsync(Ct);
        JsonNode.Parse(problem)!.ToJsonString().ShouldContain("settings.routing.mode");
        problem.ShouldNotContain("   at ");
    }

    private static async Task Submit(HttpClient client, long projectId, JsonNode task, string label)
    {
        var response = await client.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{task["task_id"]!.GetValue<long>()}/submit",
            new JsonObject { ["labels"] = new JsonArray(label), ["client_request_id"] = Guid.NewGuid().ToString("N") }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>A person is handed every item of the project (they all came back from the model).</summary>
    private async Task PeopleGetEveryItemAsync(long projectId, int items)
    {
        using var annotator = server.Client("annotator");
        var response = await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch={items}", null, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsArray().Count.ShouldBe(items);
    }
}
