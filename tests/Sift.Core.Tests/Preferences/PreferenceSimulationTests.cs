using System.Globalization;
using Sift.Data;
using Sift.Features;
using Sift.Items;
using Sift.Preferences;
using Sift.Simulation;

namespace Sift.Core.Tests.Preferences;

/// <summary>The shared simulator (the active-learning loop with a gold oracle) on preference pairs.</summary>
public sealed class PreferenceSimulationTests
{
    /// <summary>
    /// 1,200 comparisons under one true w (ties included): the first 800 the pool, the last 400 the test set, as pair
    /// items whose gold answer is the drawn outcome; the featuriser hands back the known difference rows.
    /// </summary>
    private static SimulationData Data(TieModel ties = TieModel.Davidson)
    {
        var (x, outcomes, _) = PairTestData.Dense(1200, 8, 21, ties, tieStrength: 0.6);
        TextDataset Set(string name, int start, int count) => new(name, Enumerable.Range(start, count).Select(i =>
            new TextItem("p" + i.ToString(CultureInfo.InvariantCulture), "pair " + i.ToString(CultureInfo.InvariantCulture), PairLabels.All[(int)outcomes[i]])
            {
                Content = new PairContent("prompt " + i.ToString(CultureInfo.InvariantCulture), "a" + i.ToString(CultureInfo.InvariantCulture), "b" + i.ToString(CultureInfo.InvariantCulture)),
            }).ToList());
        return SimulationData.CreateAsync(Set("pool", 0, 800), Set("test", 800, 400), new KnownDifferences(x)).GetAwaiter().GetResult();
    }

    private static SimulationOptions Options => new()
    {
        Strategies = ["pair-uncertainty", "pair-dopt", "pair-uncertainty-dopt"],
        Seeds = 2,
        SeedSize = 40,
        BatchSize = 20,
        Budget = 160,
        Parallelism = 2,
    };

    [Fact]
    public void Run_PairItems_EveryStrategyAndSeedOverTheBudgetWithPairwiseAccuracy()
    {
        var data = Data();
        data.Pairwise.ShouldBeTrue();
        data.ClassNames.ShouldBe(PairLabels.All);
        var result = new Simulator(data, Options).Run();
        result.Runs.Count.ShouldBe(8);
        result.Runs.Select(r => r.Strategy).Distinct().ShouldBe(["random", "pair-uncertainty", "pair-dopt", "pair-uncertainty-dopt"]);
        foreach (var run in result.Runs)
        {
            run.Rounds.Select(r => r.Labels).ShouldBe([40, 60, 80, 100, 120, 140, 160]);
            run.Rounds.ShouldAllBe(r => r.Accuracy > 0.6 && r.MacroF1 == null);
            run.Preference.ShouldNotBeNull();
            run.Preference!.TieProbability.ShouldBeInRange(0.05, 0.6);
            run.Preference.TiesLabeled.ShouldBeGreaterThan(0);
            double.IsFinite(run.Preference.LogLoss).ShouldBeTrue();
        }
        // Every strategy under one seed starts from the same seed set, so the first model is the same.
        foreach (var seed in new[] { 0, 1 })
            result.Runs.Where(r => r.Seed == seed).Select(r => r.Rounds[0].Accuracy).Distinct().Count().ShouldBe(1);
        // The Bayes rate of this data is about 0.8 (Δ has standard deviation 2√2 under logistic noise).
        result.FullData.Accuracy.ShouldBeGreaterThan(0.75);
        result.FullData.MacroF1.ShouldBeNull();
        result.Dataset.ClassNames.ShouldBe(PairLabels.All);
        result.Config["learner"]!.ToString()!.ShouldStartWith("bradley-terry(ties=davidson");
    }

    [Fact]
    public void Run_ParallelOrNot_SameNumbers()
    {
        static string Key(SimulationResult r) => string.Join(";", r.Runs.SelectMany(run => run.Rounds.Select(x => $"{run.Strategy}/{run.Seed}/{x.Labels}/{x.Accuracy:R}")));
        Key(new Simulator(Data(), Options).Run()).ShouldBe(Key(new Simulator(Data(), Options with { Parallelism = 1 }).Run()));
    }

    [Fact]
    public void Run_TiesDropped_FitsPlainBradleyTerryOnTheSameAnswers()
    {
        var options = Options with { Strategies = ["random"], Preferences = new BradleyTerryOptions { Ties = TieModel.None } };
        var result = new Simulator(Data(), options).Run();
        result.Runs.ShouldAllBe(r => r.Preference!.TieProbability == 0 && r.Preference.TiesLabeled > 0);
        // A model that rules ties out pays for every test tie in the three-way log loss, not in the decisive one.
        var davidson = new Simulator(Data(), Options with { Strategies = ["random"] }).Run();
        result.Runs.Average(r => r.Preference!.LogLoss).ShouldBeGreaterThan(davidson.Runs.Average(r => r.Preference!.LogLoss) + 1);
        Math.Abs(result.Runs.Average(r => r.Preference!.DecisiveLogLoss) - davidson.Runs.Average(r => r.Preference!.DecisiveLogLoss)).ShouldBeLessThan(0.1);
    }

    [Fact]
    public void Strategies_AllOnPairs_ThePairStrategies()
    {
        var simulator = new Simulator(Data(), Options with { Strategies = ["all"] });
        simulator.StrategyNames.ShouldBe(["random", "pair-uncertainty", "pair-dopt", "pair-uncertainty-dopt"]);
    }

    [Fact]
    public void Strategies_PairStrategyOnTextItems_OneClearSentence()
    {
        var text = new TextDataset("text", Enumerable.Range(0, 60).Select(i => new TextItem("t" + i.ToString(CultureInfo.InvariantCulture), i % 2 == 0 ? "good fine great" : "bad awful poor", i % 2 == 0 ? "pos" : "neg")).ToList());
        var data = SimulationData.Create(text, text);
        Should.Throw<ConfigurationException>(() => new Simulator(data, Options with { SeedSize = 10 }))
            .Message.ShouldBe("Strategy 'pair-uncertainty' chooses pairwise comparisons (preference pairs); these items are not pairs.");
    }

    [Fact]
    public void Create_PairPoolWithTextTestSet_OneClearSentence()
    {
        var pool = Data();
        var text = new TextDataset("text.jsonl", [new TextItem("t", "hello", "A")]);
        var pairs = new TextDataset("pairs.jsonl", [new TextItem("p", "x", "A") { Content = new PairContent("q", "a", "b") }]);
        Should.Throw<SiftException>(() => SimulationData.CreateAsync(pairs, text, new KnownDifferences(new DenseMatrix(2, 8))).GetAwaiter().GetResult())
            .Message.ShouldBe("text.jsonl holds text items and pairs.jsonl preference pairs; both splits must hold the same kind of item.");
        pool.Pairwise.ShouldBeTrue();
    }

    /// <summary>Hands back known difference rows: pool row i is row i, test row j is row 800 + j.</summary>
    private sealed class KnownDifferences(DenseMatrix all) : IFeaturizer
    {
        public string Name => "known";

        public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
        {
            DenseMatrix Rows(int start, int count) => new(count, all.Columns, all.Data.AsSpan(start * all.Columns, count * all.Columns).ToArray());
            return Task.FromResult(new FeaturizedData(Rows(0, request.Pool.Count), Rows(request.Pool.Count, request.Other.Count), null, new Dictionary<string, object?> { ["kind"] = Name }));
        }
    }
}
