using Sift.Core.Tests.Support;
using Sift.Evidence;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Loop;
using Sift.Oracles;
using Sift.Projects;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Core.Tests.Loop;

/// <summary><see cref="ActiveLearningLoop.RunAsync"/>: the whole loop against an oracle, over Gaussian blobs.</summary>
public sealed class LoopRunTests
{
    private static readonly string[] Classes = ["a", "b", "c"];

    private sealed record Pool(FeaturizedData Features, int[] Truth, string[] Ids, ItemContent[] Items)
    {
        public GoldOracle Gold() => new(Ids, [.. Truth.Select(c => Classes[c])]);
    }

    private static Pool Blobs(int n = 240)
    {
        var (x, y) = TestData.Blobs(n, 3, 6, seed: 4, spread: 1.2);
        var features = new FeaturizedData(x, null, () => x, new Dictionary<string, object?> { ["kind"] = "blobs" });
        return new Pool(features, y, [.. Enumerable.Range(0, n).Select(i => $"b{i:D3}")], [.. Enumerable.Range(0, n).Select(i => new TextContent($"blob {i}"))]);
    }

    private static ActiveLearningLoop Loop(Pool pool, IStoppingRule stop, string strategy = "margin")
    {
        var descriptor = StrategyCatalog.Default.Get(strategy);
        return new ActiveLearningLoop(new LoopSetup
        {
            Features = pool.Features,
            Labels = Classes,
            Learner = new LogisticRegression(),
            Strategy = descriptor.Create(),
            Needs = descriptor.Needs,
            Stop = stop,
        });
    }

    /// <summary>Declines the items whose pool row is refused, answers the rest from the inner oracle; records every question.</summary>
    private sealed class Refusing(IOracle inner, Func<int, bool> refused) : IOracle
    {
        public List<string> Asked { get; } = [];

        public string Name => "refusing";

        public async ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            Asked.AddRange(request.Questions.Select(q => q.ItemId));
            var answers = await inner.AskAsync(request, cancellationToken);
            return [.. answers.Select((a, i) => refused(request.Questions[i].PoolIndex) ? OracleAnswer.Declined(a.ItemId, a.Provenance, "refused") : a)];
        }
    }

    private sealed class Answering(Func<OracleQuestion, OracleAnswer> answer) : IOracle
    {
        public string Name => "scripted";

        public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<OracleAnswer>>([.. request.Questions.Select(answer)]);
    }

    private static readonly Provenance Script = new() { Kind = OracleKind.Model, Name = "scripted" };

    [Fact]
    public async Task RunAsync_LabelBudget_LastBatchCutToTheBudgetAndTheModelFitOnEveryLabel()
    {
        var pool = Blobs();
        var run = await Loop(pool, new LabelBudget(25)).RunAsync(pool.Gold(), pool.Ids, pool.Items, new LoopRunOptions { BatchSize = 10 }, TestContext.Current.CancellationToken);

        run.Answers.Count.ShouldBe(25);
        run.Labeled.Count.ShouldBe(25);
        run.Rounds.Select(r => r.Picks.Count).ShouldBe([10, 5, 0]);
        run.Stop.Stop.ShouldBeTrue();
        run.Stop.Rule.ShouldBe("labels(25)");
        run.Model.ShouldBeSameAs(run.Rounds[^1].Model);
        run.Rounds[^1].LabelsPerClass.Sum().ShouldBe(25);
        run.Answers.Select(a => a.Row).Distinct().Count().ShouldBe(25);
        run.Labeled.ShouldAllBe(a => a.Labels.Single() == pool.Truth[a.Row]);
    }

    [Fact]
    public async Task RunAsync_ColdStart_FirstBatchInTheServersColdStartOrder()
    {
        var pool = Blobs();
        var run = await Loop(pool, new LabelBudget(20)).RunAsync(pool.Gold(), pool.Ids, pool.Items, new LoopRunOptions { BatchSize = 10, Seed = 3 }, TestContext.Current.CancellationToken);

        var expected = pool.Ids.Select((id, row) => (id, row)).OrderBy(p => ColdStartOrder.Key(3, p.id)).Take(10).Select(p => p.row);
        run.Answers.Take(10).Select(a => a.Row).ShouldBe(expected);
    }

    [Fact]
    public async Task RunAsync_SameSeed_SameQuestionsAndModel_OtherSeed_OtherQuestions()
    {
        var pool = Blobs();
        async Task<LoopRun> Run(ulong seed) =>
            await Loop(pool, new LabelBudget(40), "margin-kmeans").RunAsync(pool.Gold(), pool.Ids, pool.Items, new LoopRunOptions { Seed = seed }, TestContext.Current.CancellationToken);

        var a = await Run(5);
        var b = await Run(5);
        var c = await Run(6);
        b.Answers.Select(x => x.Row).ShouldBe(a.Answers.Select(x => x.Row));
        b.Model!.Fingerprint.ShouldBe(a.Model!.Fingerprint);
        c.Answers.Select(x => x.Row).ShouldNotBe(a.Answers.Select(x => x.Row));
    }

    [Fact]
    public async Task RunAsync_OracleDeclines_AnswerKeptNotLearnedFromAndItemNeverAskedAgain()
    {
        var pool = Blobs();
        var oracle = new Refusing(pool.Gold(), row => row % 4 == 0);
        var run = await Loop(pool, new LabelBudget(30)).RunAsync(oracle, pool.Ids, pool.Items, cancellationToken: TestContext.Current.CancellationToken);

        oracle.Asked.Count.ShouldBe(run.Answers.Count);
        oracle.Asked.Distinct().Count().ShouldBe(oracle.Asked.Count);
        run.Labeled.Count.ShouldBe(30);
        var declined = run.Answers.Where(a => !a.Answered).ToList();
        declined.ShouldNotBeEmpty();
        declined.ShouldAllBe(a => a.Row % 4 == 0 && a.Labels.Length == 0 && a.Answer.Reason == "refused");
        run.Rounds[^1].LabelsPerClass.Sum().ShouldBe(30);
    }

    [Fact]
    public async Task RunAsync_OracleAnswersNothing_NoModelAndThePoolExhausted()
    {
        var pool = Blobs(30);
        var oracle = new Answering(q => OracleAnswer.Declined(q.ItemId, Script, "cannot tell"));
        var run = await Loop(pool, new LabelBudget(100)).RunAsync(oracle, pool.Ids, pool.Items, cancellationToken: TestContext.Current.CancellationToken);

        run.Model.ShouldBeNull();
        run.Rounds.ShouldBeEmpty();
        run.Answers.Count.ShouldBe(30);
        run.Stop.Rule.ShouldBe("pool-exhausted");
    }

    [Fact]
    public async Task RunAsync_PoolSmallerThanTheBudget_AsksEveryItemOnceThenStops()
    {
        var pool = Blobs(45);
        var run = await Loop(pool, new LabelBudget(1000)).RunAsync(pool.Gold(), pool.Ids, pool.Items, new LoopRunOptions { BatchSize = 20 }, TestContext.Current.CancellationToken);

        run.Answers.Select(a => a.Row).Order().ShouldBe(Enumerable.Range(0, 45));
        run.Stop.Rule.ShouldBe("pool-exhausted");
        run.Rounds[^1].LabelsPerClass.Sum().ShouldBe(45);
    }

    [Fact]
    public async Task RunAsync_ValidationOnPoolRows_NeverAskedAndFedToThePlateauRule()
    {
        var pool = Blobs();
        int[] heldOut = [.. Enumerable.Range(0, 40)];
        var validation = new EvaluationSet(pool.Features.Pool, heldOut, [.. heldOut.Select(r => new[] { pool.Truth[r] })]);
        var plateau = new Plateau(0.001, 2);
        var stop = new CombinedRule([new LabelBudget(200), plateau], RequireAll: false);
        var run = await Loop(pool, stop).RunAsync(pool.Gold(), pool.Ids, pool.Items, new LoopRunOptions { Validation = validation }, TestContext.Current.CancellationToken);

        run.Answers.ShouldAllBe(a => a.Row >= 40);
        run.Rounds.ShouldAllBe(r => r.Validation != null);
        run.Stop.Rule.ShouldBe(plateau.Spec);
        run.Stop.Reason.ShouldStartWith("validation gain");
        run.Labeled.Count.ShouldBeLessThan(200);
    }

    [Fact]
    public async Task RunAsync_EvidenceSink_ModelStopSelectionAndAnswerEventsForEveryRound()
    {
        var pool = Blobs();
        var sink = new ListEvidenceSink();
        var run = await Loop(pool, new LabelBudget(30)).RunAsync(pool.Gold(), pool.Ids, pool.Items, new LoopRunOptions { Evidence = sink }, TestContext.Current.CancellationToken);

        var events = sink.Events;
        events.Select(e => e.Kind).ShouldBe([
            "selection", .. Enumerable.Repeat("answer", 10),
            "model", "stop", "selection", .. Enumerable.Repeat("answer", 10),
            "model", "stop", "selection", .. Enumerable.Repeat("answer", 10),
            "model", "stop"]);
        var models = events.OfType<ModelEvent>().ToList();
        models.Select(m => m.Version).ShouldBe([1, 2, 3]);
        models.Select(m => m.Labels).ShouldBe([10, 20, 30]);
        models[^1].Fingerprint.ShouldBe(run.Model!.Fingerprint);
        models.ShouldAllBe(m => m.Featurizer == "blobs" && m.Learner == new LogisticRegression().Describe());
        var selections = events.OfType<SelectionEvent>().ToList();
        selections.Select(s => (s.ModelVersion, s.Strategy)).ShouldBe([(0, ColdStartOrder.Strategy), (1, "margin"), (2, "margin")]);
        events.OfType<AnswerEvent>().Select(a => a.ItemId).ShouldBe(run.Answers.Select(a => a.Answer.ItemId));
        events.OfType<StopEvent>().Select(s => s.Stop).ShouldBe([false, false, true]);
    }

    [Fact]
    public async Task RunAsync_OracleAnswersOutsideTheSchema_OneSentenceNamingOracleAndItem()
    {
        var pool = Blobs();
        var oracle = new Answering(q => OracleAnswer.Given(q.ItemId, ["z"], Script));
        var ex = await Should.ThrowAsync<SiftException>(() => Loop(pool, new LabelBudget(30)).RunAsync(oracle, pool.Ids, pool.Items, cancellationToken: TestContext.Current.CancellationToken));
        ex.Message.ShouldStartWith("Oracle 'scripted' answered item 'b");
        ex.Message.ShouldEndWith("with [z], not one label of the schema.");
    }

    [Fact]
    public async Task RunAsync_OracleAnswersAnotherItem_OneSentence()
    {
        var pool = Blobs();
        var oracle = new Answering(q => OracleAnswer.Given("elsewhere", ["a"], Script));
        var ex = await Should.ThrowAsync<SiftException>(() => Loop(pool, new LabelBudget(30)).RunAsync(oracle, pool.Ids, pool.Items, cancellationToken: TestContext.Current.CancellationToken));
        ex.Message.ShouldStartWith("Oracle 'scripted' answered item 'elsewhere' where item 'b");
    }

    [Fact]
    public async Task RunAsync_ItemsNotAlignedWithThePool_Throws()
    {
        var pool = Blobs();
        await Should.ThrowAsync<ArgumentException>(() => Loop(pool, new LabelBudget(30)).RunAsync(pool.Gold(), pool.Ids[..10], pool.Items, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_BatchSizeZero_ConfigurationException()
    {
        var pool = Blobs();
        await Should.ThrowAsync<ConfigurationException>(() => Loop(pool, new LabelBudget(30)).RunAsync(pool.Gold(), pool.Ids, pool.Items, new LoopRunOptions { BatchSize = 0 }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_MultiLabel_LearnsLabelSetsFromTheOracle()
    {
        var pool = Blobs();
        // Label a, and b too on every third item: answers are sets.
        var oracle = new Answering(q => OracleAnswer.Given(q.ItemId, q.PoolIndex % 3 == 0 ? ["b", "a"] : ["a"], Script));
        var loop = new ActiveLearningLoop(new LoopSetup { Features = pool.Features, Labels = Classes, Mode = LabelMode.Multi, Learner = new LogisticRegression(), Stop = new LabelBudget(30) });
        var run = await loop.RunAsync(oracle, pool.Ids, pool.Items, cancellationToken: TestContext.Current.CancellationToken);

        run.Labeled.Count.ShouldBe(30);
        run.Labeled.ShouldAllBe(a => a.Labels.SequenceEqual(a.Row % 3 == 0 ? new[] { 0, 1 } : new[] { 0 }));
        run.Rounds[^1].Ranker.ShouldBe(ActiveLearningLoop.MultiLabelRanker);
    }
}
