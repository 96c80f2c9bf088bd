using System.Text.Json;
using Sift.Oracles;
using Sift.Projects;
using Sift.Routing;
using Sift.Server.Models;
using Sift.Server.Tests.Training;
using Sift.Storage;
using Sift.Storage.Sqlite;

namespace Sift.Server.Tests.Models;

/// <summary>
/// The server's router in its default solve mode, on a real SQLite store holding a seeded stream of model answers and
/// people's answers (recorded the way the worker and the annotate page record them): the threshold is the engine's plan
/// for the same data, a process that takes over decides the same, risk audits favour low calibrated values and keep the
/// share, and the oracle report weights each audit by 1/its recorded inclusion probability.
/// </summary>
public sealed class ModelRoutingSolveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ProjectSettings Settings(int overlap = 2, double audit = 0.1, string audits = RoutingSettings.RiskAudits, int warmUp = 40, double target = 0.93) => new()
    {
        Labels = ["a", "b"], Overlap = overlap, HeldOutShare = 0,
        Routing = new RoutingSettings { TargetAccuracy = target, AuditShare = audit, WarmUp = warmUp, Audits = audits },
    };

    [Fact]
    public async Task Threshold_RebuiltFromTheStore_IsTheEnginesPlanForTheSameData()
    {
        await using var stream = await RoutedStream.CreateAsync(Settings(), items: 260, seed: 3);
        await stream.RunAsync(batch: 20);

        var routing = await stream.RouterAsync();
        var expected = stream.EnginePlan();

        stream.Anchored.ShouldBeGreaterThan(0);
        routing.Resolved.Count.ShouldBe(expected.Resolved);
        routing.Pairs.Pairs.ShouldBe(expected.Pairs);
        routing.PersonAccuracyFrom.ShouldBe("pairs");
        routing.Calibrator.Describe().ShouldStartWith("isotonic-corrected");
        routing.PersonAccuracy.ShouldBe(expected.PersonAccuracy, 1e-12);
        routing.Goal.ShouldBe(expected.Goal, 1e-12);
        routing.Threshold.ShouldBe(expected.Threshold, 1e-9);
        routing.Plan!.Kappa.ShouldBe(expected.Kappa, 1e-9 * Math.Max(1, expected.Kappa));
        double.IsFinite(routing.Threshold).ShouldBeTrue();
        stream.Decisions.Count(d => d.Route.Decision == ModelRouting.Accept).ShouldBeGreaterThan(0);
        stream.Decisions.Count(d => d.Route.Decision == ModelRouting.BelowThreshold).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task From_ASecondProcessTakingOver_DecidesTheNextBatchTheSame()
    {
        await using var stream = await RoutedStream.CreateAsync(Settings(), items: 200, seed: 5);
        await stream.RunAsync(batch: 25);
        var other = await stream.Loop.OpenAsync();
        var next = Enumerable.Range(0, 60).Select(i => stream.FreshAnswer($"next{i}", 0.5 + i / 120.0)).ToList();

        var here = (await stream.RouterAsync()).Decide(next);
        var there = (await stream.RouterAsync(other)).Decide(next);

        there.Select(d => (d.Outcome, d.Decision, d.Stated, d.Calibrated)).ShouldBe(here.Select(d => (d.Outcome, d.Decision, d.Stated, d.Calibrated)));
        there.Select(d => JsonSerializer.Serialize(d.Inputs)).ShouldBe(here.Select(d => JsonSerializer.Serialize(d.Inputs)));
        here.ShouldContain(d => d.Outcome == ModelAnswerOutcome.Accepted);
        here.ShouldContain(d => d.Decision == ModelRouting.BelowThreshold);
        here[0].Inputs["mode"].ShouldBe("solve");
    }

    [Fact]
    public async Task Decide_RiskAudits_FavourLowCalibratedValues_AndAverageTheShare()
    {
        await using var stream = await RoutedStream.CreateAsync(Settings(audit: 0.1), items: 260, seed: 3);
        await stream.RunAsync(batch: 20);
        await using var uniformStream = await RoutedStream.CreateAsync(Settings(audit: 0.1, audits: RoutingSettings.UniformAudits), items: 260, seed: 3);
        await uniformStream.RunAsync(batch: 20);
        var rng = new Random(11);
        var fresh = Enumerable.Range(0, 6000).Select(i => stream.FreshAnswer($"f{i}", 0.5 + 0.5 * rng.NextDouble())).ToList();

        var decided = (await stream.RouterAsync()).Decide(fresh);
        var uniform = (await uniformStream.RouterAsync()).Decide(fresh);

        var looked = decided.Where(d => d.Inputs.ContainsKey("audit_probability"))
            .Select(d => (Acting: (double)d.Inputs["acting_value"]!, P: (double)d.Inputs["audit_probability"]!, Audited: d.Decision == ModelRouting.Audit)).ToList();
        looked.Count.ShouldBeGreaterThan(1000);
        looked.Select(x => x.Acting).Distinct().Count().ShouldBeGreaterThan(1);
        foreach (var a in looked)
            foreach (var b in looked.Take(200))
                if (a.Acting < b.Acting) a.P.ShouldBeGreaterThanOrEqualTo(b.P);
        var median = looked.Select(x => x.Acting).Order().ElementAt(looked.Count / 2);
        var low = looked.Where(x => x.Acting < median).ToList();
        var high = looked.Where(x => x.Acting >= median).ToList();
        low.Average(x => x.P).ShouldBeGreaterThan(high.Average(x => x.P));
        ((double)low.Count(x => x.Audited) / low.Count).ShouldBeGreaterThan((double)high.Count(x => x.Audited) / high.Count);
        // The fresh answers dominate the confidences the mean error is taken over, so their π average the share.
        looked.Average(x => x.P).ShouldBe(0.1, 0.01);
        ((double)looked.Count(x => x.Audited) / looked.Count).ShouldBe(0.1, 0.02);
        decided.Where(d => d.Outcome == ModelAnswerOutcome.Accepted || d.Decision == ModelRouting.Audit).ShouldAllBe(d => (string)d.Inputs["audits"]! == "risk");
        var uniformLooked = uniform.Where(d => d.Inputs.ContainsKey("audit_probability")).ToList();
        uniformLooked.ShouldNotBeEmpty();
        uniformLooked.ShouldAllBe(d => (double)d.Inputs["audit_probability"]! == 0.1 && (string)d.Inputs["audits"]! == "uniform");
    }

    [Fact]
    public async Task OracleReport_EstimatesAccuracy_WithEachAuditWeightedByItsRecordedProbability()
    {
        await using var stream = await RoutedStream.CreateAsync(Settings(audit: 0.3), items: 400, seed: 8);
        await stream.RunAsync(batch: 20);
        var project = (await stream.Store.GetProjectAsync(stream.Project.Id, Ct))!;

        var view = await OracleReport.BuildAsync(project, stream.Store, stream.Models, Ct);

        // What the report must find, from what the stream recorded: every audit people resolved, weighted by 1/π as decided.
        var audits = stream.Decisions.Where(d => d.Route.Decision == ModelRouting.Audit && stream.Majority(d.ItemId) is not null)
            .Select(d => (P: (double)d.Route.Inputs["audit_probability"]!, Right: stream.Majority(d.ItemId) == d.Label)).ToList();
        audits.Count.ShouldBeGreaterThan(5);
        audits.Select(a => a.P).Distinct().Count().ShouldBeGreaterThan(1);
        var weighted = audits.Sum(a => a.Right ? 1 / a.P : 0) / audits.Sum(a => 1 / a.P);
        var plain = (double)audits.Count(a => a.Right) / audits.Count;
        var calibration = view.Models.Single().Calibration;
        calibration.Audits.ShouldBe(audits.Count);
        calibration.AuditAccuracy!.Value.ShouldBe(weighted, 1e-12);
        Math.Abs(weighted - plain).ShouldBeGreaterThan(1e-6);
        calibration.Mode.ShouldBe("solve");
        calibration.AuditDraw.ShouldBe("risk");
        calibration.EstimatedAccuracy.ShouldNotBeNull().ShouldBeInRange(calibration.EstimateLow!.Value, calibration.EstimateHigh!.Value);
        calibration.EstimateItems.ShouldBe(stream.Decisions.Count(d => d.Route.Outcome == ModelAnswerOutcome.Accepted) + stream.PeopleItems);
        var routing = await stream.RouterAsync();
        var estimate = routing.Estimate(a => stream.Decisions.Single(d => d.ItemId == a.ItemId).Route.Inputs["audit_probability"] is double p ? p : double.NaN);
        calibration.EstimatedAccuracy!.Value.ShouldBe(estimate.Accuracy.Estimate, 1e-12);
        view.TargetAccuracy.ShouldBe(0.93);
    }

    [Fact]
    public async Task From_GoldAnswers_IdentifyPeoplesAccuracy_WhenNoItemHasTwoPeople()
    {
        await using var stream = await RoutedStream.CreateAsync(Settings(overlap: 1), items: 120, seed: 4, goldItems: 30);
        await stream.RunAsync(batch: 20);

        var routing = await stream.RouterAsync();
        var withoutGold = ModelRouting.From(stream.Project.Settings, 1, await stream.Models.GetModelAnswersAsync(stream.Project.Id, stream.Model.Id, cancellationToken: Ct),
            await stream.Models.GetPeopleAnswersOnModelItemsAsync(stream.Project.Id, stream.Model.Id, Ct));

        routing.Pairs.Pairs.ShouldBe(0);
        routing.Gold.Answers.ShouldBe(30);
        routing.PersonAccuracyFrom.ShouldBe("gold");
        withoutGold.PersonAccuracyFrom.ShouldBe("prior");
        withoutGold.PersonAccuracy.ShouldBe(ModelRouting.PersonAccuracyPrior, 1e-4);
        routing.PersonAccuracy.ShouldNotBe(withoutGold.PersonAccuracy);
    }

    [Fact]
    public void Decide_ALargeOverlapWithManyLabels_PlansOverAtMostFivePeople()
    {
        var labels = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();
        var settings = new ProjectSettings { Labels = labels, Overlap = 20, Routing = new RoutingSettings { WarmUp = 0, TargetAccuracy = 0.9 } };
        var batch = Enumerable.Range(0, 50).Select(i => (OracleAnswer.Given($"x{i}", [labels[i % 10]], new Provenance { Kind = OracleKind.Model, Name = "m", Confidence = 0.5 + i / 100.0 }), $"x{i}")).ToList();

        var decided = ModelRouting.From(settings, 1, [], []).Decide(batch);

        decided.ShouldAllBe(d => (int)d.Inputs["max_people"]! == ModelRouting.MaxPlannedPeople);
        decided.ShouldContain(d => d.Outcome == ModelAnswerOutcome.Accepted);
        decided.ShouldContain(d => d.Outcome == ModelAnswerOutcome.ToPeople);
    }

    [Fact]
    public void RoutingSettings_ModeAndAudits_ValidatedByField_DefaultsSolveAndRisk()
    {
        var defaults = new RoutingSettings();
        defaults.Mode.ShouldBe("solve");
        defaults.Audits.ShouldBe("risk");
        Should.Throw<ConfigurationException>(() => (defaults with { Mode = "fast" }).Validate()).Message.ShouldStartWith("routing.mode: ");
        Should.Throw<ConfigurationException>(() => (defaults with { Audits = null! }).Validate()).Message.ShouldStartWith("routing.audits: ");
        (defaults with { Mode = "stop", Audits = "uniform" }).Validate();
        // Settings stored before the fields existed read as the defaults.
        var stored = JsonSerializer.Deserialize<RoutingSettings>("""{"TargetAccuracy":0.9,"AuditShare":0.1,"WarmUp":5}""")!;
        stored.Mode.ShouldBe("solve");
        stored.Audits.ShouldBe("risk");
    }

    /// <summary>
    /// A project on a real SQLite file, one model annotator, and a seeded stream: the model states a confidence c (uniform
    /// in [0.5, 1)) and is right with probability 0.2 + 0.8·c (over-confident below the top); the router, rebuilt from the
    /// store before every batch as the worker does, decides; the decisions are recorded through the store; every item sent
    /// to people gets the project's overlap of answers (people right 95% of the time), every eighth item's first answer
    /// given with the model's suggestion shown (and agreeing with it, anchored).
    /// </summary>
    private sealed class RoutedStream : IAsyncDisposable
    {
        private static readonly DateTimeOffset T0 = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
        private readonly Random _rng;
        private readonly Dictionary<string, string> _truth = new(StringComparer.Ordinal);
        private readonly Dictionary<long, List<(string Label, bool Anchored)>> _people = [];
        private readonly List<User> _annotators = [];
        private int _clock;

        private RoutedStream(LoopStore loop, int seed)
        {
            Loop = loop;
            _rng = new Random(seed);
        }

        public LoopStore Loop { get; }

        public SqliteSiftStore Store => Loop.Store;

        public IModelAnnotatorStore Models => Store;

        public Project Project { get; private set; } = null!;

        public ModelAnnotator Model { get; private set; } = null!;

        public List<(long ItemId, string ExternalId, double Confidence, string Label, RoutedAnswer Route)> Decisions { get; } = [];

        public int Anchored { get; private set; }

        public int PeopleItems => Decisions.Count(d => d.Route.Outcome != ModelAnswerOutcome.Accepted && _people.ContainsKey(d.ItemId) && _people[d.ItemId].Any(p => !p.Anchored));

        public static async Task<RoutedStream> CreateAsync(ProjectSettings settings, int items, int seed, int goldItems = 0)
        {
            var loop = await LoopStore.CreateAsync();
            var stream = new RoutedStream(loop, seed);
            var store = loop.Store;
            stream.Project = await store.CreateProjectAsync($"p{seed}-{Guid.NewGuid():N}", settings, "Label it.", loop.Admin.Id, T0, Ct);
            var rows = new List<NewItem>();
            for (var i = 0; i < items + goldItems; i++)
            {
                var id = (i < items ? "i" : "g") + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                stream._truth[id] = stream._rng.NextDouble() < 0.5 ? "a" : "b";
                rows.Add(new NewItem(id, $"message {i}", null, 1, null, null, false));
            }
            await store.ImportItemsAsync(stream.Project.Id, rows, new ImportOrigin("stream", T0), Ct);
            for (var p = 0; p < Math.Max(2, settings.Overlap); p++) stream._annotators.Add(await loop.UserAsync());
            if (goldItems > 0)
            {
                // Gold items: marked, then answered by people (right 95% of the time) before the model starts; the model never sees them.
                var all = await store.GetItemsPageAsync(stream.Project.Id, 0, 10_000, Ct);
                var gold = all.Where(x => x.ExternalId.StartsWith('g')).ToList();
                await store.SetGoldAsync(stream.Project.Id, [.. gold.Select(x => new GoldMark(x.Id, stream._truth[x.ExternalId]))], T0, Ct);
                foreach (var item in gold)
                {
                    var person = stream._annotators[0];
                    var task = (await store.ClaimItemAsync(stream.Project.Id, person.Id, item.Id, "gold", stream.Now(), TimeSpan.FromDays(1), Ct)).ShouldNotBeNull();
                    await store.SubmitAsync(stream.Project.Id, task.Id, person.Id, [stream.PersonSays(stream._truth[item.ExternalId])], $"g{task.Id}", stream.Now(), cancellationToken: Ct);
                }
            }
            stream.Model = await store.AddModelAnnotatorAsync(stream.Project.Id, "m", new ModelAnnotatorConfig { Model = "openai:m@http://127.0.0.1:9/v1" }, T0, Ct);
            return stream;
        }

        private DateTimeOffset Now() => T0.AddSeconds(++_clock);

        private string PersonSays(string truth) => _rng.NextDouble() < 0.95 ? truth : Other(truth);

        private static string Other(string label) => label == "a" ? "b" : "a";

        /// <summary>A model answer to an item not in the store (for deciding a batch without recording it).</summary>
        public (OracleAnswer, string) FreshAnswer(string externalId, double confidence) =>
            (OracleAnswer.Given(externalId, ["a"], new Provenance { Kind = OracleKind.Model, Name = "openai:m", Confidence = confidence }), externalId);

        /// <summary>The router as the worker rebuilds it: the model's answers, people's on the same items, gold.</summary>
        public async Task<ModelRouting> RouterAsync(SqliteSiftStore? store = null)
        {
            store ??= Store;
            var project = (await store.GetProjectAsync(Project.Id, Ct))!;
            var answers = await store.GetModelAnswersAsync(Project.Id, Model.Id, cancellationToken: Ct);
            var people = await store.GetPeopleAnswersOnModelItemsAsync(Project.Id, Model.Id, Ct);
            var gold = await ModelRouting.GoldAsync(store, Project.Id, Ct);
            return ModelRouting.From(project.Settings, ModelWorker.AuditSeed(project.Settings, Model.Id), answers, people, gold);
        }

        /// <summary>Runs the whole stream, <paramref name="batch"/> model answers at a time.</summary>
        public async Task RunAsync(int batch)
        {
            var overlap = Project.Settings.Overlap;
            while (true)
            {
                var tasks = new List<TaskRecord>();
                while (tasks.Count < batch && await Store.ClaimNextAsync(Project.Id, Model.UserId, Now(), TimeSpan.FromDays(1), overlap, Ct) is { } task)
                    tasks.Add(task);
                if (tasks.Count == 0) return;
                var asked = new List<(TaskRecord Task, Item Item, double C, string Label, OracleAnswer Answer)>();
                foreach (var task in tasks)
                {
                    var item = (await Store.GetItemAsync(Project.Id, task.ItemId, Ct))!;
                    var c = 0.5 + 0.5 * _rng.NextDouble();
                    var truth = _truth[item.ExternalId];
                    var label = _rng.NextDouble() < 0.2 + 0.8 * c ? truth : Other(truth);
                    asked.Add((task, item, c, label, OracleAnswer.Given(item.ExternalId, [label], new Provenance { Kind = OracleKind.Model, Name = "openai:m", Confidence = c })));
                }
                var routing = await RouterAsync();
                var decided = routing.Decide([.. asked.Select(a => (a.Answer, a.Item.ExternalId))]);
                for (var i = 0; i < asked.Count; i++)
                {
                    var (task, item, c, label, answer) = asked[i];
                    var route = decided[i];
                    route.Inputs["model_annotator"] = Model.Id;
                    await Store.RecordModelAnswerAsync(new NewModelAnswer(Project.Id, Model.Id, task.Id, route.Outcome, answer.Labels, answer.Provenance with { Decision = route.Decision }, route.Decision, Now())
                    {
                        StatedConfidence = route.Stated, Calibrated = route.Calibrated, Reason = route.Reason, Inputs = route.Inputs,
                    }, Ct);
                    Decisions.Add((item.Id, item.ExternalId, c, label, route));
                    if (route.Outcome == ModelAnswerOutcome.Accepted) continue;
                    var said = _people[item.Id] = [];
                    for (var p = 0; p < overlap; p++)
                    {
                        var person = _annotators[p];
                        var claimed = (await Store.ClaimItemAsync(Project.Id, person.Id, item.Id, "routed", Now(), TimeSpan.FromDays(1), Ct)).ShouldNotBeNull();
                        // Every eighth item sent to people below the threshold shows the first person the model's label, and they take it.
                        var anchored = p == 0 && route.Decision == ModelRouting.BelowThreshold && said.Count == 0 && item.Id % 8 == 0;
                        var given = anchored ? label : PersonSays(_truth[item.ExternalId]);
                        if (anchored) Anchored++;
                        var provenance = new Provenance { Kind = OracleKind.Person, Name = person.Name, SuggestionShown = anchored ? label : null, At = Now() };
                        await Store.SubmitAsync(Project.Id, claimed.Id, person.Id, [given], $"r{claimed.Id}", Now(), provenance, Ct);
                        said.Add((given, anchored));
                    }
                }
            }
        }

        /// <summary>The majority of people's blind answers on an item (null: none, or a tie).</summary>
        public string? Majority(long itemId)
        {
            if (!_people.TryGetValue(itemId, out var said)) return null;
            var blind = said.Where(s => !s.Anchored).Select(s => s.Label).ToList();
            var a = blind.Count(l => l == "a");
            var b = blind.Count - a;
            return a > b ? "a" : b > a ? "b" : null;
        }

        /// <summary>
        /// The engine's plan for the data this stream recorded, from the test's own record (not read back through the
        /// router): people's blind answers per item in the order given, the noise-corrected EM, the ledger of labels so
        /// far, the debt-repaying goal and <see cref="RoutingPlan.Solve"/> over every stated confidence's acting value.
        /// </summary>
        public (int Resolved, int Pairs, double PersonAccuracy, double Goal, double Threshold, double Kappa) EnginePlan()
        {
            var settings = Project.Settings;
            int Index(string label) => label == "a" ? 0 : 1;
            List<int> Blind(long item) => _people.TryGetValue(item, out var s) ? [.. s.Where(x => !x.Anchored).Select(x => Index(x.Label))] : [];
            var resolved = Decisions.Where(d => Blind(d.ItemId).Count > 0).Select(d => new ResolvedItem(d.Confidence, Index(d.Label), Blind(d.ItemId).ToArray())).ToList();
            var pairs = Decisions.Count(d => Blind(d.ItemId).Count >= 2);
            var agreements = Decisions.Count(d => Blind(d.ItemId) is { Count: >= 2 } b && b[0] == b[1]);
            var start = pairs >= 20 ? NoisyLabels.TwoRaterAccuracy(agreements, pairs, 2) : 0.9;
            var fit = NoisyLabels.Fit(resolved, 2, start, priorAnswers: pairs > 0 ? 2 : 1e6, maxIterations: 100);
            var h = SolveRules.PooledPersonAccuracy(fit.PersonAccuracy, pairs, agreements, 20, 0.9, 2);
            double Acting(double c) => RoutingRules.ActingValue(fit.Calibrator, c, 0.5);
            var shape = new RoutingPlan(2, h, settings.Overlap, settings.Routing.AuditShare, double.PositiveInfinity);
            var n = 0;
            var expected = 0.0;
            foreach (var d in Decisions)
            {
                if (d.Route.Outcome == ModelAnswerOutcome.Accepted)
                {
                    n++;
                    expected += Acting(d.Confidence);
                    continue;
                }
                var blind = Blind(d.ItemId);
                if (blind.Count == 0) continue;
                var prior = d.Route.Decision == ModelRouting.WarmUp ? [0.5, 0.5] : shape.Prior(Index(d.Label), Acting(d.Confidence));
                n++;
                expected += SolveRules.Posterior(prior, blind, h).Max();
            }
            var goal = SolveRules.PlanGoal(settings.Routing.TargetAccuracy, 0, n, expected);
            var plan = RoutingPlan.Solve(Decisions.Select(d => Acting(d.Confidence)).ToList(), goal, 2, h, settings.Overlap, settings.Routing.AuditShare);
            return (resolved.Count, pairs, h, goal, plan.AcceptanceThreshold(), plan.Kappa);
        }

        public async ValueTask DisposeAsync() => await Loop.DisposeAsync();
    }
}
