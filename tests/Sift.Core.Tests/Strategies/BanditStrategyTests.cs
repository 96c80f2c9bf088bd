using Sift.Core.Tests.Support;
using Sift.Data;
using Sift.Features;
using Sift.Learners;
using Sift.Simulation;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

public sealed class BanditContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => StrategyRegistry.Get("auto").Create();
}

public sealed class BanditStrategyTests
{
    private sealed class Constant(int classes, int predicted) : IClassifier
    {
        public int ClassCount => classes;
        public string Fingerprint => $"const-{predicted}";
        public void PredictProba(FeatureMatrix features, ReadOnlySpan<int> rows, Span<float> destination)
        {
            destination[..(rows.Length * classes)].Clear();
            for (var i = 0; i < rows.Length; i++) destination[i * classes + predicted] = 1f;
        }
    }

    private static QueryContext Context(IClassifier model, int[] labeled, ulong seed)
    {
        var x = new DenseMatrix(100, 2);
        for (var i = 0; i < 100; i++) { x.Row(i)[0] = i; x.Row(i)[1] = 1; }
        var labeledSet = labeled.ToHashSet();
        return new QueryContext(x, Enumerable.Range(0, 100).Where(i => !labeledSet.Contains(i)).ToArray(), seed)
        {
            Model = model,
            ClassCount = 2,
            LabeledIndices = labeled,
            LabeledClasses = labeled.Select(_ => 0).ToArray(),
        };
    }

    [Fact]
    public void Select_ReservesRandomProbeAndReportsArm()
    {
        var bandit = new BanditStrategy([new RandomSampling(), new MarginSampling()]);
        var result = bandit.Select(Context(new Constant(2, 0), [], 1), 10);
        result.Reasons.Count(r => r.Contains("reward probe", StringComparison.Ordinal)).ShouldBe(2);
        result.Details!["arm"].ShouldBeOneOf("random", "margin");
        ((Dictionary<string, object?>)result.Details["probabilities"]!).Values.Sum(v => (double)v!).ShouldBe(1.0, 1e-6);
    }

    [Fact]
    public void Select_ProbeShowsGain_RewardsTheArmThatPlayedTwoRoundsEarlier()
    {
        var bandit = new BanditStrategy([new RandomSampling(), new MarginSampling(), new EntropySampling()]);
        var before = bandit.Probabilities();
        var r0 = bandit.Select(Context(new Constant(2, 1), [], 1), 10);           // model 0: always wrong (labels are class 0)
        var played = (string)r0.Details!["arm"]!;
        var r1 = bandit.Select(Context(new Constant(2, 0), r0.Indices, 2), 10);    // model 1, trained on batch 0: always right
        var labeled = r0.Indices.Concat(r1.Indices).ToArray();
        var r2 = bandit.Select(Context(new Constant(2, 0), labeled, 3), 10);
        var reward = (Dictionary<string, object?>)r2.Details!["reward"]!;
        reward["arm"].ShouldBe(played);
        ((double)reward["probe_gain"]!).ShouldBe(1.0);
        var after = bandit.Probabilities();
        var index = new[] { "random", "margin", "entropy" }.ToList().IndexOf(played);
        after[index].ShouldBeGreaterThan(before[index]);
    }

    [Fact]
    public void Simulate_Auto_ReportsArmSharesAndWhatItSettledOn()
    {
        var (texts, labels, classes) = TestData.Topics(330, 4);
        var train = new TextDataset("pool", Enumerable.Range(0, 240).Select(i => new TextItem($"p{i}", texts[i], classes[labels[i]])).ToList());
        var test = new TextDataset("test", Enumerable.Range(240, 90).Select(i => new TextItem($"t{i}", texts[i], classes[labels[i]])).ToList());
        var output = new Simulator(SimulationData.Create(train, test), new SimulationOptions { Strategies = ["auto"], Seeds = 2, SeedSize = 10, BatchSize = 10, Budget = 80 }).Run();
        var auto = output.Result.Summary.Single(s => s.Strategy == "auto");
        auto.ArmShares!.Values.Sum().ShouldBe(1.0, 1e-3);
        auto.SettledOn.ShouldNotBeNull();
        output.Result.Runs.Where(r => r.Strategy == "auto").SelectMany(r => r.Rounds.SkipLast(1)).ShouldAllBe(r => r.Arm != null);
        output.Evidence.Where(e => (string)e.Run["strategy"]! == "auto" && e.Selected.Count > 0).ShouldAllBe(e => e.StrategyDetails != null);
    }
}
