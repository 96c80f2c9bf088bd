using Sift.Core.Tests.Support;
using Sift.Data;
using Sift.Features;
using Sift.Learners;
using Sift.Loop;
using Sift.Projects;
using Sift.Simulation;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Core.Tests.Loop;

public sealed class ActiveLearningLoopTests
{
    private static readonly string[] Classes = ["a", "b", "c"];

    /// <summary>Gaussian blobs as a featurised pool (the vectors are the features), with the true class of each row.</summary>
    private static (FeaturizedData Features, int[] Truth) Pool(int n = 240, bool vectors = true)
    {
        var (x, y) = TestData.Blobs(n, 3, 6, seed: 4, spread: 1.2);
        return (new FeaturizedData(x, null, vectors ? () => x : null, new Dictionary<string, object?> { ["kind"] = "blobs" }), y);
    }

    private static LoopSetup Setup(FeaturizedData features, IQueryStrategy? strategy, StrategyNeeds needs = StrategyNeeds.Model, IStoppingRule? stop = null) => new()
    {
        Features = features,
        Labels = Classes,
        Learner = new LogisticRegression(),
        Strategy = strategy,
        Needs = needs,
        Stop = stop ?? new LabelBudget(1000),
    };

    private static RoundInput Input(int[] truth, int labeled, SelectionRequest selection, int round = 0)
    {
        var rows = Enumerable.Range(0, labeled).ToArray();
        return new RoundInput
        {
            Round = round,
            TrainingRows = rows,
            TrainingLabels = rows.Select(r => new[] { truth[r] }).ToArray(),
            Unlabeled = Enumerable.Range(labeled, truth.Length - labeled).ToArray(),
            StopSet = Enumerable.Range(0, 60).ToArray(),
            Selection = selection,
            QuerySeed = 11,
            CommitteeSeed = 12,
        };
    }

    [Fact]
    public void Constructor_CommitteeStrategyWithCommitteeOfOne_FailsBeforeAnyRound()
    {
        var setup = Setup(Pool().Features, new VoteEntropySampling(), StrategyNeeds.Committee) with { CommitteeSize = 1 };
        Should.Throw<ConfigurationException>(() => new ActiveLearningLoop(setup))
            .Message.ShouldBe("Strategy 'qbc-vote' needs a committee of at least 2 models; the committee size is 1.");
    }

    [Fact]
    public void Constructor_EmbeddingStrategyWithoutVectors_FailsBeforeAnyRound()
    {
        var setup = Setup(Pool(vectors: false).Features, new CoreSetSampling(), StrategyNeeds.Embeddings);
        Should.Throw<ConfigurationException>(() => new ActiveLearningLoop(setup))
            .Message.ShouldBe("Strategy 'coreset' needs item vectors (embeddings), and the feature source 'blobs' gives none.");
    }

    [Fact]
    public void Constructor_SingleLabelWithoutStrategy_Fails() =>
        Should.Throw<ConfigurationException>(() => new ActiveLearningLoop(Setup(Pool().Features, null)))
            .Message.ShouldBe("Single-label active learning needs a query strategy.");

    [Fact]
    public void Constructor_MultiLabelWithStrategy_Fails() =>
        Should.Throw<ConfigurationException>(() => new ActiveLearningLoop(Setup(Pool().Features, new MarginSampling()) with { Mode = LabelMode.Multi }))
            .Message.ShouldStartWith("Strategy 'margin' applies to single-label labeling;");

    [Fact]
    public async Task Simulator_StrategyNeedsVectorsTheSourceLacks_FailsInTheConstructorNotMidRun()
    {
        var (texts, labels, classes) = TestData.Topics(150, 3);
        var train = new TextDataset("pool", Enumerable.Range(0, 120).Select(i => new TextItem($"p{i}", texts[i], classes[labels[i]])).ToList());
        var test = new TextDataset("test", Enumerable.Range(120, 30).Select(i => new TextItem($"t{i}", texts[i], classes[labels[i]])).ToList());
        var data = await SimulationData.CreateAsync(train, test, new NoVectors(), TestContext.Current.CancellationToken);

        Should.Throw<ConfigurationException>(() => new Simulator(data, new SimulationOptions { Strategies = ["margin", "margin-kmeans"], SeedSize = 10, BatchSize = 10, Budget = 40 }))
            .Message.ShouldBe("Strategy 'margin-kmeans' needs item vectors (embeddings), and the feature source 'tfidf' gives none.");
    }

    [Fact]
    public void RunRound_Batch_FitsScoresAndChoosesDistinctCandidates()
    {
        var (features, truth) = Pool();
        var loop = new ActiveLearningLoop(Setup(features, new MarginSampling()));
        var outcome = loop.RunRound(Input(truth, 30, SelectionRequest.Batch(10)) with
        {
            Validation = new EvaluationSet(features.Pool, Enumerable.Range(200, 40).ToArray(), Enumerable.Range(200, 40).Select(r => new[] { truth[r] }).ToArray()),
        });

        outcome.Selected.ShouldBeTrue();
        outcome.Picks.Count.ShouldBe(10);
        outcome.Picks.Select(p => p.Row).Distinct().Count().ShouldBe(10);
        outcome.Picks.ShouldAllBe(p => p.Row >= 30 && p.Reason.StartsWith("margin", StringComparison.Ordinal));
        outcome.Validation!.Accuracy.ShouldBeGreaterThan(0.8);
        outcome.Kappa.ShouldBeNull(); // no previous model
        outcome.LabelsPerClass.Sum().ShouldBe(30);
        outcome.StopSet.Labels.Count.ShouldBe(60);
        outcome.Ranker.ShouldBe("margin");
    }

    [Fact]
    public void RunRound_SameInputAndSeeds_SameOutcome()
    {
        var (features, truth) = Pool();
        RoundOutcome Run() => new ActiveLearningLoop(Setup(features, new BaldSampling(), StrategyNeeds.Committee)).RunRound(Input(truth, 30, SelectionRequest.Batch(10)));

        var a = Run();
        var b = Run();
        a.Model.Fingerprint.ShouldBe(b.Model.Fingerprint);
        a.Picks.ShouldBe(b.Picks);
        a.Committee.ShouldNotBeNull();
    }

    [Fact]
    public void RunRound_SecondModel_KappaOnTheRowsBothCover()
    {
        var (features, truth) = Pool();
        var loop = new ActiveLearningLoop(Setup(features, new MarginSampling()));
        var first = loop.RunRound(Input(truth, 30, SelectionRequest.None));
        // The previous model predicted only the first 20 stop-set rows.
        var previous = new StopSetLabels(first.StopSet.Rows[..20], first.StopSet.Labels.Take(20).ToList());

        var second = loop.RunRound(Input(truth, 45, SelectionRequest.None, round: 1) with { WarmModel = first.Model, PreviousStopSet = previous, AgreementHistory = [0.5] });

        second.KappaItems.ShouldBe(20);
        second.Kappa.ShouldNotBeNull().ShouldBeInRange(-1, 1);
    }

    [Fact]
    public void RunRound_RuleSaysStop_SelectsOnlyWhenAskedToEvenWhenStopping()
    {
        var (features, truth) = Pool();
        var loop = new ActiveLearningLoop(Setup(features, new MarginSampling(), stop: new LabelBudget(30)));

        var stopped = loop.RunRound(Input(truth, 30, SelectionRequest.Batch(10)));
        var ranked = loop.RunRound(Input(truth, 30, SelectionRequest.Batch(10) with { EvenWhenStopping = true }));

        stopped.Decision.Stop.ShouldBeTrue();
        stopped.Selected.ShouldBeFalse();
        stopped.Picks.ShouldBeEmpty();
        ranked.Picks.Count.ShouldBe(10);
    }

    [Fact]
    public void RunRound_OrderAllWithASetStrategy_BatchThenMarginForTheRest()
    {
        var (features, truth) = Pool();
        var loop = new ActiveLearningLoop(Setup(features, new KMeansSampling(), StrategyNeeds.Embeddings));

        var outcome = loop.RunRound(Input(truth, 30, SelectionRequest.All(25)));

        outcome.Picks.Count.ShouldBe(210);
        outcome.Picks.Select(p => p.Row).Order().ShouldBe(Enumerable.Range(30, 210));
        outcome.Picks.Take(25).ShouldAllBe(p => !p.Reason.StartsWith("after", StringComparison.Ordinal));
        outcome.Picks.Skip(25).ShouldAllBe(p => p.Reason.StartsWith("after kmeans's batch of 25: margin", StringComparison.Ordinal));
    }

    [Fact]
    public void RunRound_OrderAllWithARankingStrategy_TheStrategyOrdersEveryCandidate()
    {
        var (features, truth) = Pool();
        var loop = new ActiveLearningLoop(Setup(features, new EntropySampling()));

        var all = loop.RunRound(Input(truth, 30, SelectionRequest.All(25)));
        var batch = loop.RunRound(Input(truth, 30, SelectionRequest.Batch(25)));

        all.Picks.Count.ShouldBe(210);
        all.Picks.ShouldAllBe(p => p.Reason.StartsWith("entropy", StringComparison.Ordinal));
        all.Picks.Take(25).ShouldBe(batch.Picks);
    }

    [Fact]
    public void RunRound_StrategyPicksALabeledItem_QueryExceptionNamingIt()
    {
        var (features, truth) = Pool();
        var loop = new ActiveLearningLoop(Setup(features, new PicksRowZero()));
        Should.Throw<QueryException>(() => loop.RunRound(Input(truth, 30, SelectionRequest.Batch(1))))
            .Message.ShouldBe("Strategy 'row-zero' chose item 0, which is labeled, held out or chosen twice.");
    }

    [Fact]
    public void RunRound_MultiLabel_SubsetAccuracyAndOneVsRestOrder()
    {
        var (features, truth) = Pool();
        // Label "c" comes with "a" on every other item of class c: a two-label set.
        int[] Labels(int r) => truth[r] == 2 && r % 2 == 0 ? [0, 2] : [truth[r]];
        var loop = new ActiveLearningLoop(Setup(features, null) with { Mode = LabelMode.Multi });
        var rows = Enumerable.Range(0, 90).ToArray();

        var outcome = loop.RunRound(new RoundInput
        {
            Round = 0,
            TrainingRows = rows,
            TrainingLabels = rows.Select(Labels).ToArray(),
            Validation = new EvaluationSet(features.Pool, Enumerable.Range(200, 40).ToArray(), Enumerable.Range(200, 40).Select(Labels).ToArray()),
            Unlabeled = Enumerable.Range(90, 110).ToArray(),
            MeasureUncertainty = true,
            Selection = SelectionRequest.All(10),
            QuerySeed = 3,
        });

        outcome.Model.Mode.ShouldBe(LabelMode.Multi);
        outcome.Model.Fingerprint.ShouldStartWith("ovr-");
        outcome.Ranker.ShouldBe(ActiveLearningLoop.MultiLabelRanker);
        outcome.Validation!.Accuracy.ShouldBeGreaterThan(0.5);
        outcome.MeanUncertainty.ShouldNotBeNull().ShouldBeInRange(0, 1);
        outcome.LabelsPerClass[0].ShouldBeGreaterThan(outcome.LabelsPerClass[1]); // "a" also counts the two-label items
        outcome.Picks.Count.ShouldBe(110);
        outcome.Picks.Select(p => p.Score).ShouldBe(outcome.Picks.Select(p => p.Score).OrderDescending());
        outcome.Picks.ShouldAllBe(p => p.Reason.StartsWith("mean one-vs-rest uncertainty", StringComparison.Ordinal));
    }

    /// <summary>Always picks pool row 0 (labeled in these tests): a strategy that breaks the contract.</summary>
    private sealed class PicksRowZero : IQueryStrategy
    {
        public string Name => "row-zero";

        public QueryResult Select(QueryContext context, int count) => new([0], [1.0], ["zero"]);
    }

    /// <summary>TF-IDF without vectors, as a feature source that cannot serve diversity strategies.</summary>
    private sealed class NoVectors : IFeaturizer
    {
        public string Name => "tfidf";

        public async Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
        {
            var full = await new TfidfFeaturizer().FeaturizeAsync(request, cancellationToken);
            return new FeaturizedData(full.Pool, full.Other, null, full.Description);
        }
    }
}
