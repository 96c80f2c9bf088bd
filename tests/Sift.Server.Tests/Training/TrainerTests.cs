using Sift.Projects;
using Sift.Server.Training;

namespace Sift.Server.Tests.Training;

public class TrainerTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly LiveLoopOptions Options = new() { BootstrapSamples = 500 };

    private static ProjectSettings Settings(string strategy = "margin", double exploration = 0.1, int retrainEvery = 20) =>
        new() { Labels = SyntheticText.Labels, Strategy = strategy, ExplorationShare = exploration, RetrainEvery = retrainEvery, Seed = 17 };

    private static SnapshotBuilder Labeled(int items, int labeled, ProjectSettings? settings = null)
    {
        var b = new SnapshotBuilder(settings ?? Settings()).WithCorpus(items);
        foreach (var item in b.Items.Where(i => !i.HeldOut).Take(labeled)) b.AnswerTruly(item.Id);
        return b;
    }

    private static TrainResult Train(ProjectSnapshot snapshot, ProjectCache? cache = null) =>
        Trainer.Train(snapshot, cache ?? new ProjectCache(), Options, Now, CancellationToken.None);

    [Fact]
    public void IsDue_Labels_AfterRetrainEveryResolvedLabels()
    {
        Trainer.IsDue(Labeled(200, 19).Build()).ShouldBeFalse();
        Trainer.IsDue(Labeled(200, 20).Build()).ShouldBeTrue();
    }

    [Fact]
    public void IsDue_AfterAModel_OnMoreLabelsOrChangedItemsOrSettings()
    {
        var b = Labeled(200, 20);
        var model = Train(b.Build()).Model!;
        var settings = b.Settings;
        Trainer.IsDue(settings, 200, 20, [model]).ShouldBeFalse();
        Trainer.IsDue(settings, 200, 39, [model]).ShouldBeFalse();
        Trainer.IsDue(settings, 200, 40, [model]).ShouldBeTrue();
        Trainer.IsDue(settings, 201, 20, [model]).ShouldBeTrue();
        Trainer.IsDue(settings with { Strategy = "entropy" }, 200, 20, [model]).ShouldBeTrue();
        Trainer.IsDue(settings with { ExplorationShare = 0.2 }, 200, 20, [model]).ShouldBeTrue();
    }

    [Fact]
    public void Train_NoTrainingLabels_GivesColdStartAndNoModel()
    {
        var result = Train(Labeled(100, 0).Build());
        result.Model.ShouldBeNull();
        result.Ranking.ModelVersion.ShouldBe(0);
        result.Ranking.Strategy.ShouldBe("cold-start");
    }

    [Fact]
    public void Train_SeparableLabels_StoresAccurateModelVersionOne()
    {
        var result = Train(Labeled(300, 40).Build());

        var model = result.Model.ShouldNotBeNull();
        model.Version.ShouldBe(1);
        model.Labels.ShouldBe(40);
        model.HeldOutLabeled.ShouldBe(30);
        model.Accuracy.ShouldNotBeNull().ShouldBeGreaterThan(0.9);
        model.MacroF1.ShouldNotBeNull().ShouldBeGreaterThan(0.9);
        model.TrainedAt.ShouldBe(Now);
        var metrics = ModelMetrics.Parse(model.MetricsJson);
        metrics.Kappa.ShouldBeNull(); // first model
        metrics.MeanUncertainty.ShouldNotBeNull().ShouldBeInRange(0, 1);
        metrics.Stop.Reason.ShouldBe(model.StopReason);
        metrics.StopSet.Ids.Length.ShouldBe(300);
        metrics.TrainingLabelsPerClass.Values.Sum().ShouldBe(40);
        metrics.Strategy.ShouldBe("margin");
    }

    [Fact]
    public void Train_Ranking_CoversThePoolWithEpsilonExplorationAndStrategyOrder()
    {
        var result = Train(Labeled(300, 40).Build());
        var ranking = result.Ranking;

        ranking.ModelVersion.ShouldBe(1);
        ranking.Strategy.ShouldBe("margin");
        // 270 items outside the held-out set, 40 labeled; held-out items all have gold, so none is interleaved.
        ranking.Items.Count.ShouldBe(230);
        ranking.Items.Select(i => i.ItemId).Distinct().Count().ShouldBe(230);
        ranking.Items.ShouldAllBe(i => i.ItemId % 10 != 0);
        var exploration = ranking.Items.Where(i => i.Exploration).ToList();
        exploration.Count.ShouldBe(23);
        exploration.ShouldAllBe(i => i.Reason == "random control (ε = 0.1)");
        var strategy = ranking.Items.Where(i => !i.Exploration).ToList();
        strategy.Select(i => i.Score).ShouldBe(strategy.Select(i => i.Score).OrderDescending());
        strategy.ShouldAllBe(i => i.Reason.StartsWith("margin", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_HeldOutWithoutGold_InterleavesHeldOutItemsThatNeedLabels()
    {
        var b = new SnapshotBuilder(Settings()).WithCorpus(300, goldOnHeldOut: false);
        foreach (var item in b.Items.Where(i => !i.HeldOut).Take(30)) b.AnswerTruly(item.Id);
        foreach (var item in b.Items.Where(i => i.HeldOut).Take(5)) b.AnswerTruly(item.Id);

        var result = Train(b.Build());

        var heldOut = result.Ranking.Items.Where(i => i.ItemId % 10 == 0).ToList();
        heldOut.Count.ShouldBe(25);
        heldOut.ShouldAllBe(i => i.Reason == "held-out evaluation sample" && !i.Exploration);
        result.Model!.HeldOutLabeled.ShouldBe(5); // resolved labels serve as evaluation labels without gold
    }

    [Fact]
    public void Train_HeldOutAnswers_NeverReachTheModel()
    {
        // Held-out items answered with the wrong label: if they were trained on, the model would change.
        var clean = Labeled(300, 40, Settings()).Build();
        var b = Labeled(300, 40, Settings());
        foreach (var item in b.Items.Where(i => i.HeldOut)) b.Answer(item.Id, [b.Truth[item.Id] == "sport" ? "cooking" : "sport"]);
        var poisoned = b.Build();

        var x = Train(clean).Model!;
        var y = Train(poisoned).Model!;

        y.Labels.ShouldBe(40);
        ModelMetrics.Parse(y.MetricsJson).StopSet.Predictions.ShouldBe(ModelMetrics.Parse(x.MetricsJson).StopSet.Predictions);
        y.Accuracy.ShouldBe(x.Accuracy); // gold wins over the (wrong) answers for evaluation
    }

    [Fact]
    public void Train_SameState_SameResult()
    {
        var a = Train(Labeled(300, 40, Settings("margin-kmeans")).Build());
        var b = Train(Labeled(300, 40, Settings("margin-kmeans")).Build());

        a.Model!.MetricsJson.ShouldBe(b.Model!.MetricsJson);
        a.Ranking.Items.ShouldBe(b.Ranking.Items);
    }

    [Fact]
    public void Train_SetStrategy_OrdersABatchThenTheRestByMargin()
    {
        var result = Train(Labeled(400, 40, Settings("margin-kmeans")).Build(), new ProjectCache());
        var strategy = result.Ranking.Items.Where(i => !i.Exploration).ToList();

        strategy.Count.ShouldBe(360 - 40 - 32);
        strategy.Take(256).ShouldAllBe(i => !i.Reason.StartsWith("after", StringComparison.Ordinal));
        strategy.Skip(256).ShouldAllBe(i => i.Reason.StartsWith("after margin-kmeans's batch of 256: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_SecondModel_MeasuresKappaAgainstTheFirst()
    {
        var b = Labeled(300, 40);
        var first = Train(b.Build());
        b.Models.Add(first.Model!);
        foreach (var item in b.Items.Where(i => !i.HeldOut).Skip(40).Take(20)) b.AnswerTruly(item.Id, modelVersion: 1);
        Trainer.IsDue(b.Build()).ShouldBeTrue();

        var second = Train(b.Build());

        second.Model!.Version.ShouldBe(2);
        var metrics = ModelMetrics.Parse(second.Model.MetricsJson);
        metrics.Kappa.ShouldNotBeNull().ShouldBeInRange(-1, 1);
        metrics.KappaItems.ShouldBe(300);
        metrics.Resolved.ShouldBe(60);
    }

    /// <summary>Every strategy for text items (the pair strategies rank pair projects: PreferenceProjectTests).</summary>
    public static TheoryData<string> Strategies() =>
        [.. Sift.Strategies.StrategyCatalog.Default.All.Where(d => !d.Needs.HasFlag(Sift.Strategies.StrategyNeeds.Pairs)).Select(d => d.Name), "margin+dedup(0.9)", "entropy+explore(0.2)@100"];

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Train_AnyRegisteredStrategy_RanksEveryCandidateOnce(string strategy)
    {
        var result = Train(Labeled(300, 30, Settings(strategy)).Build());

        result.Ranking.Strategy.ShouldBe(strategy);
        result.Ranking.Items.Count.ShouldBe(270 - 30);
        result.Ranking.Items.Select(i => i.ItemId).Distinct().Count().ShouldBe(240);
        result.Ranking.Items.Count(i => i.Exploration).ShouldBe(24);
        result.Ranking.Items.ShouldAllBe(i => i.Reason.Length > 0);
    }

    [Fact]
    public void Train_UnknownStrategy_FailsWithTheRegistrySentenceNamingTheField()
    {
        var ex = Should.Throw<ConfigurationException>(() => Train(Labeled(100, 20, Settings("no-such-strategy")).Build()));
        ex.Message.ShouldStartWith("strategy: Unknown strategy 'no-such-strategy'.");
    }

    [Fact]
    public void Train_FewRandomControlLabels_NoLiftAndSaysWhy()
    {
        var b = Labeled(300, 20);
        foreach (var item in b.Items.Where(i => !i.HeldOut).Skip(20).Take(5)) b.AnswerTruly(item.Id, exploration: true, modelVersion: 1);
        var metrics = ModelMetrics.Parse(Train(b.Build()).Model!.MetricsJson);
        metrics.Lift.ShouldBeNull();
        metrics.LiftStatus.ShouldBe("waiting for 10 labels from random-control positions (5 so far)");
    }

    [Fact]
    public void Train_EnoughRandomControlLabels_EstimatesLiftAtEqualLabelCounts()
    {
        var b = Labeled(400, 20);
        var pool = b.Items.Where(i => !i.HeldOut).Skip(20).ToList();
        foreach (var item in pool.Take(12)) b.AnswerTruly(item.Id, exploration: true, modelVersion: 1);
        foreach (var item in pool.Skip(12).Take(30)) b.AnswerTruly(item.Id, modelVersion: 1);

        var metrics = ModelMetrics.Parse(Train(b.Build()).Model!.MetricsJson);

        var lift = metrics.Lift.ShouldNotBeNull();
        lift.Labels.ShouldBe(20 + 12);
        lift.SeedLabels.ShouldBe(20);
        lift.ArmLabels.ShouldBe(12);
        lift.RandomArmLabels.ShouldBe(12);
        lift.StrategyArmLabels.ShouldBe(30);
        lift.HeldOut.ShouldBe(40);
        lift.Difference.ShouldBe(lift.ActiveAccuracy - lift.RandomAccuracy, 1e-9);
        lift.Low.ShouldBeLessThanOrEqualTo(lift.Difference);
        lift.High.ShouldBeGreaterThanOrEqualTo(lift.Difference);
        lift.RandomAccuracy.ShouldBeGreaterThan(0.8); // separable topics: 32 labels do well
        lift.ActiveAccuracy.ShouldBeGreaterThan(0.8);
        metrics.LiftStatus.ShouldBe("20 cold-start labels plus 12 per arm; 40 held-out items; 500 paired-bootstrap resamples");
    }

    [Fact]
    public void Train_MultiLabel_OneVsRestRankedByMeanUncertainty()
    {
        var settings = new ProjectSettings { Mode = LabelMode.Multi, Labels = ["sport", "cooking", "weekly"], Seed = 5, ExplorationShare = 0 };
        var b = new SnapshotBuilder(settings).WithCorpus(200, goldOnHeldOut: false);
        foreach (var item in b.Items.Take(60))
        {
            string[] labels = item.Text.Contains("week", StringComparison.Ordinal) ? [b.Truth[item.Id], "weekly"] : [b.Truth[item.Id]];
            b.Answer(item.Id, labels);
        }

        var result = Train(b.Build());

        var model = result.Model.ShouldNotBeNull();
        model.HeldOutLabeled.ShouldBe(6);
        model.Accuracy.ShouldNotBeNull().ShouldBeGreaterThan(0.5);
        result.Ranking.Strategy.ShouldBe("one-vs-rest mean uncertainty");
        var strategy = result.Ranking.Items.Where(i => i.Reason.StartsWith("mean one-vs-rest uncertainty", StringComparison.Ordinal)).ToList();
        strategy.Count.ShouldBe(126); // 180 outside the held-out set, 54 of them labeled
        strategy.Select(i => i.Score).ShouldBe(strategy.Select(i => i.Score).OrderDescending());
        ModelMetrics.Parse(model.MetricsJson).TrainingLabelsPerClass["weekly"].ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Train_NoWordInTwoItems_TrainsOnEveryTerm()
    {
        // min_df 2 keeps no term of this pool: the trainer falls back to every term rather than fail.
        string[] texts = ["goal striker", "oven garlic", "referee penalty", "flour butter", "league keeper", "skillet onion"];
        var b = new SnapshotBuilder(Settings(exploration: 0)).WithTexts(texts.Select((t, i) => ($"w{i}", t, i % 2 == 0 ? "sport" : "cooking")));
        foreach (var item in b.Items.Take(4)) b.AnswerTruly(item.Id);

        var result = Train(b.Build());

        result.Model.ShouldNotBeNull().Labels.ShouldBe(4);
        result.Ranking.Items.Select(i => i.ItemId).Order().ShouldBe([5L, 6L]);
    }

    [Fact]
    public void Train_OverlapTwo_ItemsPartWayComeFirst()
    {
        var settings = Settings() with { Overlap = 2 };
        var b = new SnapshotBuilder(settings).WithCorpus(200);
        foreach (var item in b.Items.Where(i => !i.HeldOut).Take(20)) b.AnswerTruly(item.Id); // one answer each: resolved, 1 of 2

        var ranking = Train(b.Build()).Ranking;

        ranking.Items.Take(20).ShouldAllBe(i => i.Reason == "needs more answers: 1 of 2");
        ranking.Items.Take(20).Select(i => i.ItemId).ShouldBe(b.Items.Where(i => !i.HeldOut).Take(20).Select(i => i.Id));
    }
}
