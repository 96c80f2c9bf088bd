using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Sift.Core.Tests.Support;
using TestData = Sift.Core.Tests.Support.TestData;
using Sift.Data;
using Sift.Evidence;
using Sift.Features;
using Sift.Learners;
using Sift.Simulation;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

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

    // Every item's gold class is 0, so Constant(2, 0) is always right and Constant(2, 1) always wrong.
    private static QueryContext Context(IClassifier model, int[] labeled, int round)
    {
        var x = new DenseMatrix(100, 2);
        for (var i = 0; i < 100; i++) { x.Row(i)[0] = i; x.Row(i)[1] = 1; }
        var labeledSet = labeled.ToHashSet();
        return new QueryContext(x, Enumerable.Range(0, 100).Where(i => !labeledSet.Contains(i)).ToArray(), (ulong)(7 + round))
        {
            Round = round,
            Model = model,
            ClassCount = 2,
            LabeledIndices = labeled,
            LabeledClasses = labeled.Select(_ => 0).ToArray(),
        };
    }

    private static readonly IClassifier Wrong = new Constant(2, 1);
    private static readonly IClassifier Right = new Constant(2, 0);

    private static BanditStrategy NewBandit(BanditOptions? options = null) =>
        new([new RandomSampling(), new MarginSampling(), new EntropySampling()], options);

    // Plays one round per model, labeling everything chosen before the next round.
    private static List<QueryResult> Play(BanditStrategy bandit, params IClassifier[] models)
    {
        var results = new List<QueryResult>();
        var labeled = new List<int>();
        for (var round = 0; round < models.Length; round++)
        {
            var result = bandit.Select(Context(models[round], labeled.ToArray(), round), 10);
            labeled.AddRange(result.Indices);
            results.Add(result);
        }
        return results;
    }

    private static List<Dictionary<string, object?>> Rewards(QueryResult result) =>
        ((List<object?>)result.Details!["rewards"]!).Cast<Dictionary<string, object?>>().ToList();

    [Fact]
    public void Select_ReservesRandomProbeAndReportsArm()
    {
        var result = NewBandit().Select(Context(Wrong, [], 0), 10);
        result.Reasons.Count(r => r.Contains("reward probe", StringComparison.Ordinal)).ShouldBe(2);
        result.Details!["arm"].ShouldBeOneOf("random", "margin", "entropy");
        ((Dictionary<string, object?>)result.Details["probabilities"]!).Values.Sum(v => (double)v!).ShouldBe(1.0, 1e-5); // rounded to 6 places
        ((double)result.Details["probe_inclusion_probability"]!).ShouldBe(2.0 / 92, 1e-8); // 2 probes among the 92 the arm left
        Rewards(result).ShouldBeEmpty();
    }

    [Fact]
    public void Select_ProbeAfterBatchShowsGain_RewardsTheArmThatPlayedThatBatch()
    {
        var bandit = NewBandit();
        var before = bandit.Probabilities();
        var r = Play(bandit, Wrong, Wrong, Wrong, Right, Right);   // only batch 2 turns the always-wrong model into an always-right one
        Rewards(r[3]).ShouldNotContain(x => (int)x["probe_items"]! > 0 && (int)x["round"]! == 2); // probe 2 was seen by model 3
        var reward = Rewards(r[4]).Single(x => (int)x["round"]! == 2);
        reward["arm"].ShouldBe(r[2].Details!["arm"]);
        reward["gain"].ShouldBe(1.0);
        reward["baseline"].ShouldBe(0.0);                          // batch 0 gained nothing
        reward["reward"].ShouldBe(1.0);
        reward["probe_items"].ShouldBe(2);
        var played = new[] { "random", "margin", "entropy" }.ToList().IndexOf((string)r[2].Details!["arm"]!);
        bandit.Probabilities()[played].ShouldBeGreaterThan(before[played]);
    }

    [Fact]
    public void Select_LaterProbesLabeled_RefineEveryBatchInTheWindow()
    {
        var r = Play(NewBandit(), Wrong, Right, Right, Wrong, Wrong);
        var rewards = Rewards(r[4]).ToDictionary(x => (int)x["round"]!);
        rewards[0]["gain"].ShouldBe(1.0);              // wrong → right, now on probes 1, 2 and 3
        rewards[0]["probe_items"].ShouldBe(6);
        rewards[0]["reward"].ShouldBeNull();           // no earlier batch to set its baseline: not counted
        rewards[1]["gain"].ShouldBe(0.0);              // right → right
        rewards[2]["gain"].ShouldBe(-1.0);             // right → wrong: a loss
        rewards[2]["reward"].ShouldBe(-1.0);
        rewards[2]["probe_items"].ShouldBe(2);
        rewards[3]["probe_items"].ShouldBe(0);         // its first unseen probe is not labeled yet
        rewards[3]["reward"].ShouldBeNull();
    }

    [Fact]
    public void Select_EarlierBatchGained_BaselineIsItsGainPerLogLabelTimesThisStep()
    {
        // Batch 0 took 0 → 10 labels and gained 1 on probe 1; batch 2 takes 20 → 30 labels.
        var r = Play(NewBandit(), Wrong, Right, Right, Right, Right);
        var reward = Rewards(r[4]).Single(x => (int)x["round"]! == 2);
        ((double)reward["baseline"]!).ShouldBe(Math.Log(31.0 / 21) / Math.Log(11.0 / 1), 1e-6);
        reward["gain"].ShouldBe(0.0);
        reward["reward"].ShouldBe(-1.0);               // gained nothing where about 0.16 was expected
    }

    [Fact]
    public void Select_NoBatchChangesTheModel_ProbabilitiesStayUniform()
    {
        var bandit = NewBandit();
        var r = Play(bandit, Right, Right, Right, Right, Right, Right);
        Rewards(r[5]).Where(x => x["reward"] is not null).ShouldNotBeEmpty();
        Rewards(r[5]).Where(x => x["reward"] is not null).ShouldAllBe(x => (double)x["reward"]! == 0.0);
        bandit.Probabilities().ShouldAllBe(p => Math.Abs(p - 1.0 / 3) < 1e-12);
    }

    [Fact]
    public void Select_ProbeBeyondWindow_DoesNotScoreOldBatch()
    {
        var r = Play(NewBandit(new BanditOptions { ProbeWindow = 1 }), Wrong, Right, Right, Right);
        Rewards(r[2]).Single(x => (int)x["round"]! == 0)["probe_items"].ShouldBe(2);
        Rewards(r[3]).ShouldNotContain(x => (int)x["round"]! == 0);   // probe 2 is outside batch 0's window of one round
        Rewards(r[3]).Single(x => (int)x["round"]! == 1)["gain"].ShouldBe(0.0);
    }

    [Fact]
    public void Select_SameSeeds_SameSelectionsAndEvidence()
    {
        static string Trace(List<QueryResult> results) => JsonSerializer.Serialize(
            results.Select(r => new { r.Indices, r.Reasons, r.Details }), SiftJson.Compact);
        Trace(Play(NewBandit(), Wrong, Right, Wrong, Right, Right)).ShouldBe(Trace(Play(NewBandit(), Wrong, Right, Wrong, Right, Right)));
    }

    [Fact]
    public void EstimateGain_EveryUniformDraw_AveragesToTheTrueGain()
    {
        // Hand-made populations: per-item gains of the newer model over the older one.
        int[] first = [1, 0, 0, -1, 1, 1];   // true gain 2/6
        int[] second = [0, -1, 1, 1];        // true gain 1/4
        var draws = Subsets(first.Length, 2).SelectMany(a => Subsets(second.Length, 3).Select(b => (a, b))).ToList();
        var mean = draws.Average(d => BanditStrategy.EstimateGain(
        [
            (first.Length, d.a.Select(i => first[i]).ToList()),
            (second.Length, d.b.Select(i => second[i]).ToList()),
        ]).Gain);
        // Unbiased for the population-weighted gain: (6 · 2/6 + 4 · 1/4) / 10.
        mean.ShouldBe((2.0 + 1.0) / 10, 1e-12);
    }

    [Fact]
    public void EstimateGain_AnyPopulationAndProbeSize_UnbiasedOverAllDraws() =>
        Prop.ForAll(Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(Gen.Choose(-1, 1), n)).ToArbitrary(), Gen.Choose(1, 8).ToArbitrary(), (population, m) =>
        {
            var size = Math.Min(m, population.Length);
            var mean = Subsets(population.Length, size).Average(s =>
                BanditStrategy.EstimateGain([(population.Length, s.Select(i => population[i]).ToList())]).Gain);
            return Math.Abs(mean - population.Average()) < 1e-12;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void EstimateGain_NoLabeledItems_IsZeroFromNoItems() =>
        BanditStrategy.EstimateGain([(10, Array.Empty<int>())]).ShouldBe((0.0, 0));

    // All k-subsets of 0 … n−1: the equally likely draws of a uniform probe of k items.
    private static IEnumerable<int[]> Subsets(int n, int k, int start = 0) =>
        k == 0 ? [[]] : Enumerable.Range(start, n - start).SelectMany(i => Subsets(n, k - 1, i + 1).Select(rest => rest.Prepend(i).ToArray()));

    [Fact]
    public void Simulate_Auto_ReportsArmSharesAndWhatItSettledOn()
    {
        var (texts, labels, classes) = TestData.Topics(330, 4);
        var train = new TextDataset("pool", Enumerable.Range(0, 240).Select(i => new TextItem($"p{i}", texts[i], classes[labels[i]])).ToList());
        var test = new TextDataset("test", Enumerable.Range(240, 90).Select(i => new TextItem($"t{i}", texts[i], classes[labels[i]])).ToList());
        var output = new Simulator(SimulationData.Create(train, test), new SimulationOptions { Strategies = ["auto"], Seeds = 2, SeedSize = 10, BatchSize = 10, Budget = 80 }).RunCollecting();
        var auto = output.Result.Summary.Single(s => s.Strategy == "auto");
        auto.ArmShares!.Values.Sum().ShouldBe(1.0, 1e-3);
        auto.SettledOn.ShouldNotBeNull();
        output.Result.Runs.Where(r => r.Strategy == "auto").SelectMany(r => r.Rounds.SkipLast(1)).ShouldAllBe(r => r.Arm != null);
        var rounds = output.Evidence.Where(e => (string)e.Run["strategy"]! == "auto" && e.Selected.Count > 0).ToList();
        rounds.ShouldAllBe(e => e.StrategyDetails != null && e.StrategyDetails.ContainsKey("probabilities"));
        rounds.ShouldContain(e => ((List<object?>)e.StrategyDetails!["rewards"]!).Count > 0);
    }
}
