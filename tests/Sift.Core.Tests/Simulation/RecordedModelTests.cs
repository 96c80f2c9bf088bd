using Sift.Core.Tests.Support;
using Sift.Data;
using Sift.Items;
using Sift.Oracles;
using Sift.Simulation;
using Sift.Simulation.Routing;

namespace Sift.Core.Tests.Simulation;

public sealed class RecordedModelContractTests : Sift.Core.Tests.Oracles.OracleContractTests
{
    protected override IOracle Create(Sift.Core.Tests.Oracles.OracleFixture fixture)
    {
        // The gold oracle's answers to every fixture item, recorded and replayed.
        var items = fixture.Ids.Select((id, i) => new TextItem(id, ((TextContent)fixture.Contents[i]).Text, fixture.Gold[i])).ToList();
        var data = SimulationData.Create(new TextDataset("pool.jsonl", items), new TextDataset("test.jsonl", items.Take(5).ToList()));
        return RecordedModel.RecordAsync(new GoldOracle(fixture.Ids, fixture.Gold), data, Enumerable.Range(0, items.Count).ToList(), [], 7, 1)
            .GetAwaiter().GetResult();
    }
}

public sealed class RecordedModelTests
{
    /// <summary>
    /// A stand-in for a real model (the real llama.cpp path is tested in the CLI and Sift.Llm tests): it answers the
    /// gold label of every third item wrong, declines every seventh, and states 0.9 when right, 0.6 when wrong. It
    /// counts the questions it was asked.
    /// </summary>
    private sealed class CountingModel(IReadOnlyDictionary<string, string> gold, IReadOnlyList<string> labels) : IOracle
    {
        public int Asked { get; private set; }

        public HashSet<string> AskedIds { get; } = [];

        public List<IReadOnlyList<LabeledExample>> ExamplesSeen { get; } = [];

        public string Name => "counting-model";

        public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
        {
            ExamplesSeen.Add(request.Examples);
            var answers = request.Questions.Select(q =>
            {
                Asked++;
                AskedIds.Add(q.ItemId);
                var n = int.Parse(q.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture);
                var provenance = new Provenance { Kind = OracleKind.Model, Name = Name, Cost = new AnswerCost(0.001, 10, 2, 0) };
                if (n % 7 == 0) return OracleAnswer.Declined(q.ItemId, provenance, "invalid output twice");
                var wrong = n % 3 == 0;
                var label = wrong ? labels.First(l => l != gold[q.ItemId]) : gold[q.ItemId];
                return OracleAnswer.Given(q.ItemId, [label], provenance with { Confidence = wrong ? 0.6 : 0.9 });
            }).ToList();
            return ValueTask.FromResult<IReadOnlyList<OracleAnswer>>(answers);
        }
    }

    private static SimulationData Data(int poolSize = 300, int testSize = 60)
    {
        var (texts, labels, classes) = TestData.Topics(poolSize + testSize, 4);
        var train = new TextDataset("pool.jsonl", Enumerable.Range(0, poolSize).Select(i => new TextItem($"p{i}", texts[i], classes[labels[i]])).ToList());
        var test = new TextDataset("test.jsonl", Enumerable.Range(poolSize, testSize).Select(i => new TextItem($"t{i}", texts[i], classes[labels[i]])).ToList());
        return SimulationData.Create(train, test);
    }

    private static CountingModel Model(SimulationData data) =>
        new(Enumerable.Range(0, data.PoolIds.Count).ToDictionary(i => data.PoolIds[i], i => data.ClassNames[data.PoolLabels[i]]), data.ClassNames);

    [Fact]
    public async Task RecordAsync_AsksOncePerItem_ScoresAgainstGoldAndReplays()
    {
        var data = Data();
        var model = Model(data);
        var items = Enumerable.Range(0, 100).ToList();
        var progress = new List<RecordingProgress>();
        var recorded = await RecordedModel.RecordAsync(model, data, items, [], 30, 5, new SyncProgress<RecordingProgress>(progress.Add), TestContext.Current.CancellationToken);

        model.Asked.ShouldBe(100);
        progress.Select(p => p.Done).ShouldBe([30, 60, 90, 100]);
        recorded.Name.ShouldBe("counting-model");
        recorded.Unusable.ShouldBe(items.Count(i => i % 7 == 0));
        foreach (var i in items)
        {
            recorded.IsRight(i).ShouldBe(i % 7 != 0 && i % 3 != 0, $"item {i}");
            recorded.StatedConfidence(i).ShouldBe(i % 7 == 0 ? 0 : i % 3 == 0 ? 0.6 : 0.9);
            recorded.Cost(i).ShouldBe(0.001);
        }

        // Replays the kept answers, in the order asked, without asking the model again.
        var replay = await recorded.AskAsync(new OracleRequest([new OracleQuestion("p4", data.PoolContent[4]), new OracleQuestion("p3", data.PoolContent[3])], data.ClassNames),
            TestContext.Current.CancellationToken);
        replay.Select(a => a.ItemId).ShouldBe(["p4", "p3"]);
        replay[1].Provenance.Confidence.ShouldBe(0.6);
        model.Asked.ShouldBe(100);
        var e = await Should.ThrowAsync<ConfigurationException>(async () =>
            await recorded.AskAsync(new OracleRequest([new OracleQuestion("p200", data.PoolContent[200])], data.ClassNames), TestContext.Current.CancellationToken));
        e.Message.ShouldBe("The recorded model 'counting-model' was not asked about item 'p200'.");

        // Priced before it is asked, for a router weighing it as a second model: the recorded answer's cost; NaN where none was recorded.
        recorded.ExpectedCost(new OracleQuestion("p4", data.PoolContent[4]) { PoolIndex = 4 }).ShouldBe(0.001);
        double.IsNaN(recorded.ExpectedCost(new OracleQuestion("p200", data.PoolContent[200]) { PoolIndex = 200 })).ShouldBeTrue();
        double.IsNaN(recorded.ExpectedCost(new OracleQuestion("p4", data.PoolContent[4]))).ShouldBeTrue();
    }

    [Fact]
    public void Run_RealModel_ComparedLikeAProfileWithExamplesSetApart()
    {
        var data = Data();
        var model = Model(data);
        var options = new RoutingSimulationOptions
        {
            Models = [],
            RealModels = [model],
            People = new PersonProfile(0.95, new Sift.Routing.PersonRate(1)),
            ExampleItems = 40,
            Items = 200,
            BatchSize = 50,
        };
        var report = RoutingSimulation.Run(data, options, new Sift.Learners.LogisticRegression(), cancellationToken: TestContext.Current.CancellationToken);

        model.Asked.ShouldBe(200); // once per routed item, whatever the number of policies
        report.Policies.Select(p => p.Policy).ShouldBe(["all-human", "all-llm", "threshold", "oracle-threshold", "router"]);
        report.Policies.ShouldAllBe(p => p.LlmProfile == "counting-model" && p.Items == 200);
        var allLlm = report.Policies.Single(p => p.Policy == "all-llm");
        // Right unless n % 3 == 0 or n % 7 == 0 — over the 200 routed items, whichever they are.
        allLlm.LabelAccuracy.ShouldBeInRange(0.5, 0.65);
        allLlm.Cost.ShouldBe(0.2, 1e-9);
        // The threshold policy (0.9) sends exactly the wrong and declined answers to people.
        report.Policies.Single(p => p.Policy == "threshold").PeopleShare.ShouldBe(1 - allLlm.LabelAccuracy, 1e-9);
        // 40 examples, none of them routed.
        model.ExamplesSeen.ShouldAllBe(x => x.Count == 40);
        var exampleIds = model.ExamplesSeen[0].Select(x => x.ItemId).ToHashSet();
        report.Reference["example_items"].ShouldBe(40);
        exampleIds.Count.ShouldBe(40);
        exampleIds.Overlaps(model.AskedIds).ShouldBeFalse();
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
