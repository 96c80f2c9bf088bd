using System.Text.Json;
using Sift.Core.Tests.Support;
using Sift.Data;
using Sift.Evidence;
using Sift.Features;
using Sift.Loop;
using Sift.Simulation;

namespace Sift.Core.Tests.Simulation;

/// <summary>The simulator's cold start, calibration and self-training (the encoder issue).</summary>
public sealed class SimulatorEncoderTests
{
    private static SimulationData Data(IFeaturizer? featurizer = null)
    {
        var (texts, labels, classes) = TestData.Topics(390, 3);
        var train = new TextDataset("pool.jsonl", Enumerable.Range(0, 300).Select(i => new TextItem($"p{i}", texts[i], classes[labels[i]])).ToList());
        var test = new TextDataset("test.jsonl", Enumerable.Range(300, 90).Select(i => new TextItem($"t{i}", texts[i], classes[labels[i]])).ToList());
        return SimulationData.CreateAsync(train, test, featurizer, TestContext.Current.CancellationToken).GetAwaiter().GetResult();
    }

    private static SimulationOptions Options() => new() { Strategies = ["margin"], Seeds = 2, SeedSize = 9, BatchSize = 10, Budget = 59, Parallelism = 2 };

    [Fact]
    public void Run_KMeansSeedSet_EveryStrategyStartsFromTheSameRepresentatives()
    {
        var data = Data(new TextEncoderFeaturizer(new Features.WordHashEncoder(), "words"));
        var kmeans = new Simulator(data, Options() with { SeedStrategy = SeedStrategy.KMeans }).RunCollecting();
        var random = new Simulator(data, Options()).RunCollecting();

        kmeans.Result.Config["seed_strategy"].ShouldBe("kmeans");
        foreach (var seed in new[] { 0, 1 })
        {
            // Same seed, same seed set: random and margin fit the same first model.
            var first = kmeans.Evidence.Where(e => e.Round == 0 && (int)e.Run["seed"]! == seed).Select(e => e.ModelFingerprint).Distinct().ToList();
            first.Count.ShouldBe(1);
            // Nine k-means representatives of three topics cover all three.
            kmeans.Evidence.First(e => e.Round == 0 && (int)e.Run["seed"]! == seed).LabelsPerClass.Values.ShouldAllBe(v => v >= 1);
        }
        kmeans.Evidence.Select(e => e.ModelFingerprint).ShouldNotBe(random.Evidence.Select(e => e.ModelFingerprint));
        var again = new Simulator(data, Options() with { SeedStrategy = SeedStrategy.KMeans }).RunCollecting();
        again.Evidence.Select(e => e.ModelFingerprint).ShouldBe(kmeans.Evidence.Select(e => e.ModelFingerprint));
    }

    [Fact]
    public void Constructor_KMeansSeedSetWithoutVectors_OneSentenceBeforeAnyRun()
    {
        var data = Data(new NoVectors());
        Should.Throw<ConfigurationException>(() => new Simulator(data, Options() with { SeedStrategy = SeedStrategy.KMeans }))
            .Message.ShouldBe("A k-means seed set needs item vectors, and the feature source 'plain' gives none.");
    }

    [Fact]
    public void Run_Calibrate_TemperatureFittedOnTheValidationSplitAndEceReported()
    {
        var result = new Simulator(Data(), Options() with { Calibrate = true }).Run();

        result.Config["validation_size"].ShouldBe(30);
        result.Config["calibrate"].ShouldBe(true);
        foreach (var run in result.Runs)
        {
            var c = run.Calibration.ShouldNotBeNull();
            c.ValidationItems.ShouldBe(30);
            c.Temperature.ShouldNotBeNull().ShouldBeInRange(0.01, 100);
            c.Bins.Sum(b => b.Count).ShouldBe(90);
            c.BinsCalibrated.ShouldNotBeNull().Sum(b => b.Count).ShouldBe(90);
            c.Ece.ShouldBe(Sift.Metrics.Calibration.ExpectedCalibrationError(c.Bins), 1e-12);
        }
        result.Summary.ShouldAllBe(s => s.Ece != null && s.EceCalibrated != null && s.Temperature != null);
    }

    [Fact]
    public void Run_NotCalibrated_PoolStaysWholeAndOnlyTheRawEceIsReported()
    {
        var result = new Simulator(Data(), Options()).Run();
        result.Config["validation_size"].ShouldBe(0);
        result.Runs.ShouldAllBe(r => r.Calibration != null && r.Calibration.Temperature == null && r.Calibration.EceCalibrated == null);
        var json = JsonSerializer.Serialize(result, SiftJson.Indented);
        json.ShouldContain("\"ece\":");
        json.ShouldNotContain("\"temperature\"");
        json.ShouldNotContain("\"pseudo_labels\"");
    }

    [Fact]
    public void Run_SelfTraining_PseudoLabelsOnlySelectableUnlabeledItemsAndNeverCountAsLabels()
    {
        // A threshold that every item passes and no cap: each round's pseudo-labels are exactly the selectable items
        // not yet labeled — the pool minus the 30 validation items minus the labels — never a validation or test item.
        var options = Options() with { Calibrate = true, SelfTraining = new SelfTrainingOptions { Threshold = 0.01, Weight = 0.2, MaxPerLabel = 100 } };
        var result = new Simulator(Data(), options).Run();

        foreach (var run in result.Runs)
        {
            run.Rounds.Select(r => r.Labels).ShouldBe([9, 19, 29, 39, 49, 59]);
            run.Rounds[0].PseudoLabels.ShouldBe(0);
            foreach (var round in run.Rounds.Skip(1)) round.PseudoLabels.ShouldBe(300 - 30 - round.Labels);
        }
        result.Config["self_training"].ShouldBe("threshold=0.01,weight=0.2,max=100");
    }

    [Fact]
    public void Run_SelfTrainingCappedPerLabel_AtMostThatManyPseudoLabels()
    {
        var options = Options() with { SelfTraining = new SelfTrainingOptions { Threshold = 0.5, MaxPerLabel = 0.5 } };
        var result = new Simulator(Data(), options).Run();
        foreach (var run in result.Runs)
            foreach (var round in run.Rounds.Skip(1)) round.PseudoLabels!.Value.ShouldBeLessThanOrEqualTo(round.Labels / 2);
    }

    private sealed class NoVectors : IFeaturizer
    {
        public string Name => "plain";

        public async Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
        {
            var inner = await new TfidfFeaturizer().FeaturizeAsync(request, cancellationToken);
            return new FeaturizedData(inner.Pool, inner.Other, null, new Dictionary<string, object?> { ["kind"] = Name });
        }
    }
}
