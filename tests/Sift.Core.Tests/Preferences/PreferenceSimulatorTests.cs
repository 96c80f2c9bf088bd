using Sift.Features;
using Sift.Preferences;

namespace Sift.Core.Tests.Preferences;

public sealed class PreferenceSimulatorTests
{
    private static PreferenceSimulationData Data()
    {
        // 1,200 comparisons under one true w: the first 800 are the pool, the last 400 the test set.
        var (x, outcomes, _) = PairTestData.Dense(1200, 8, 21, tieStrength: 0.6);
        var pool = new DenseMatrix(800, 8, x.Data.AsSpan(0, 800 * 8).ToArray());
        var test = new DenseMatrix(400, 8, x.Data.AsSpan(800 * 8).ToArray());
        return new PreferenceSimulationData(pool, outcomes.Take(800).ToArray(), test, outcomes.Skip(800).ToArray());
    }

    private static PreferenceSimulationOptions Options => new()
    {
        Strategies = ["pair-uncertainty", "pair-dopt", "pair-dopt(0.9)"],
        Seeds = 2,
        SeedSize = 40,
        BatchSize = 20,
        Budget = 160,
        ValidationSize = 100,
        Parallelism = 2,
    };

    [Fact]
    public void Run_EveryStrategyAndSeed_CurvesOverTheBudgetFromOneSeedSet()
    {
        var result = new PreferenceSimulator(Data(), Options).Run();
        result.Runs.Count.ShouldBe(8);
        result.Runs.Select(r => r.Strategy).Distinct().ShouldBe(["random", "pair-uncertainty", "pair-dopt", "pair-dopt(0.9)"]);
        foreach (var run in result.Runs)
        {
            run.Rounds.Select(r => r.Labels).ShouldBe([40, 60, 80, 100, 120, 140, 160]);
            run.Rounds.ShouldAllBe(r => r.Accuracy > 0.6 && r.Temperature > 0 && double.IsFinite(r.LogLoss));
        }
        // Every strategy under one seed starts from the same seed set, so the first model is the same.
        foreach (var seed in new[] { 0, 1 })
            result.Runs.Where(r => r.Seed == seed).Select(r => r.Rounds[0].Accuracy).Distinct().Count().ShouldBe(1);
        // The Bayes rate of this data is about 0.8 (Δ has standard deviation 2√2 under logistic noise).
        result.FullDataAccuracy.ShouldBeGreaterThan(0.75);
    }

    [Fact]
    public void Run_SameOptions_SameNumbers()
    {
        static string Key(PreferenceSimulationResult r) => string.Join(";", r.Runs.SelectMany(run => run.Rounds.Select(x => $"{run.Strategy}/{run.Seed}/{x.Labels}/{x.Accuracy:R}/{x.LogLoss:R}/{x.Temperature:R}")));
        Key(new PreferenceSimulator(Data(), Options).Run()).ShouldBe(Key(new PreferenceSimulator(Data(), Options with { Parallelism = 1 }).Run()));
    }

    [Fact]
    public void Options_UnknownStrategyOrTooSmallPool_ThrowConfiguration()
    {
        Should.Throw<ConfigurationException>(() => new PreferenceSimulator(Data(), Options with { Strategies = ["margin"] })).Message.ShouldContain("pair-dopt");
        Should.Throw<ConfigurationException>(() => new PreferenceSimulator(Data(), Options with { SeedSize = 750, ValidationSize = 100 }));
    }
}
