using Sift.Core.Tests.Oracles;
using Sift.Core.Tests.Support;
using Sift.Data;
using Sift.Evidence;
using Sift.Items;
using Sift.Learners;
using Sift.Oracles;
using Sift.Routing;
using Sift.Simulation;
using Sift.Simulation.Routing;

namespace Sift.Core.Tests.Simulation;

public sealed class SimulatedLlmContractTests : OracleContractTests
{
    protected override IOracle Create(OracleFixture fixture)
    {
        var labels = fixture.Labels.ToList();
        var gold = fixture.Gold.Select(g => labels.IndexOf(g)).ToArray();
        var reference = ReferenceProbabilities.FromValues(gold.Select((_, i) => 0.2 + 0.7 * (i % 5) / 4.0).ToList(), gold.Select(g => (g + 1) % labels.Count).ToList());
        return new SimulatedLlm(reference, new LlmProfile(0.85, SimulatedCalibration.Overconfident), gold, labels, fixture.Contents, 9);
    }
}

public sealed class SimulatedPeopleContractTests : OracleContractTests
{
    protected override IOracle Create(OracleFixture fixture)
    {
        var labels = fixture.Labels.ToList();
        return new SimulatedPeople(new PersonProfile(0.9, new PersonRate(1)), fixture.Gold.Select(g => labels.IndexOf(g)).ToArray(), labels, 3);
    }
}

public sealed class RunScopedOracleContractTests : OracleContractTests
{
    protected override IOracle Create(OracleFixture fixture)
    {
        var labels = fixture.Labels.ToList();
        var gold = fixture.Gold.Select(g => labels.IndexOf(g)).ToArray();
        return new RunScopedOracle(() => new SimulatedPeople(new PersonProfile(0.9, new PersonRate(1)), gold, labels, 3), labels, gold);
    }
}

public sealed class RoutingSimulationTests
{
    private static SimulationData Data(int poolSize = 400, int testSize = 60)
    {
        var (texts, labels, classes) = TestData.Topics(poolSize + testSize, 5);
        var train = new TextDataset("pool.jsonl", Enumerable.Range(0, poolSize).Select(i => new TextItem($"p{i}", texts[i], classes[labels[i]])).ToList());
        var test = new TextDataset("test.jsonl", Enumerable.Range(poolSize, testSize).Select(i => new TextItem($"t{i}", texts[i], classes[labels[i]])).ToList());
        return SimulationData.Create(train, test);
    }

    private static readonly double[] SpreadD = [.. Enumerable.Range(0, 2000).Select(i => 0.02 + 0.96 * ((i * 7919) % 2000) / 2000.0)];

    [Theory]
    [InlineData(0.8)]
    [InlineData(0.9)]
    [InlineData(0.95)]
    public void SimulatedLlm_Profile_MeanProbabilityIsTheAccuracyAndDrawsFollowIt(double accuracy)
    {
        var n = SpreadD.Length;
        var gold = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        var reference = ReferenceProbabilities.FromValues(SpreadD, gold.Select(g => (g + 1) % 3).ToList());
        var content = Enumerable.Range(0, n).Select(i => (ItemContent)new TextContent("some text")).ToList();
        var llm = new SimulatedLlm(reference, new LlmProfile(accuracy, SimulatedCalibration.Calibrated), gold, ["x", "y", "z"], content, 1);
        llm.Probabilities.Average().ShouldBe(accuracy, 1e-9);
        // p_i = σ(a + logit d_i): monotone in d_i, and the intercept reproduces every p_i.
        for (var i = 0; i < 50; i++)
            llm.Probabilities[i].ShouldBe(1 / (1 + Math.Exp(-(llm.Intercept + Math.Log(SpreadD[i] / (1 - SpreadD[i]))))), 1e-12);
        var right = Enumerable.Range(0, n).Count(llm.IsRight);
        ((double)right / n).ShouldBe(accuracy, 0.03); // 2,000 Bernoulli draws: sd ≤ 0.011
        for (var i = 0; i < n; i++) llm.AnswerClass(i).ShouldBe(llm.IsRight(i) ? gold[i] : (gold[i] + 1) % 3);
        llm.StatedConfidence(7).ShouldBe(llm.Probabilities[7]);
        llm.Name.ShouldBe($"simulated-llm(accuracy={accuracy},calibrated)");
    }

    [Fact]
    public void SimulatedLlm_Overconfident_StatesTheCubeRoot()
    {
        var gold = new[] { 0, 1, 0, 1 };
        var reference = ReferenceProbabilities.FromValues([0.3, 0.6, 0.9, 0.5], [1, 0, 1, 0]);
        var content = gold.Select(_ => (ItemContent)new TextContent("t")).ToList();
        var llm = new SimulatedLlm(reference, new LlmProfile(0.7, SimulatedCalibration.Overconfident), gold, ["a", "b"], content, 2);
        for (var i = 0; i < 4; i++) llm.StatedConfidence(i).ShouldBe(Math.Pow(llm.Probabilities[i], 1.0 / 3), 1e-12);
        llm.Name.ShouldBe("simulated-llm(accuracy=0.7,overconfident)");
        // Tokens: 150 + ceil(1/4) = 151 in, 8 out at 0.0005 / 0.0015 per 1k.
        llm.Cost(0).ShouldBe((151 * 0.0005 + 8 * 0.0015) / 1000, 1e-15);
    }

    [Fact]
    public void SimulatedPeople_RightAtTheirAccuracyAndEachPersonDrawsApart()
    {
        var n = 4000;
        var gold = Enumerable.Range(0, n).Select(i => i % 4).ToArray();
        var people = new SimulatedPeople(new PersonProfile(0.95, new PersonRate(1)), gold, ["a", "b", "c", "d"], 8);
        var right0 = Enumerable.Range(0, n).Count(i => people.Answer(i, 0) == gold[i]);
        ((double)right0 / n).ShouldBe(0.95, 0.015);
        Enumerable.Range(0, n).Count(i => people.Answer(i, 0) != people.Answer(i, 1)).ShouldBeGreaterThan(0);
        Enumerable.Range(0, n).Where(i => people.Answer(i, 0) != gold[i]).Select(i => people.Answer(i, 0)).Distinct().Count().ShouldBe(4);
    }

    [Fact]
    public void ReferenceProbabilities_CrossValidated_EveryItemPredictedByAModelThatDidNotSeeIt()
    {
        var data = Data();
        var reference = ReferenceProbabilities.Compute(data.Pool, data.PoolLabels, data.ClassNames.Count, new LogisticRegression(), 5, TestContext.Current.CancellationToken);
        reference.TrueClass.Count.ShouldBe(data.Pool.Rows);
        reference.TrueClass.ShouldAllBe(d => d >= 0 && d <= 1);
        reference.TrueClass.Average().ShouldBeGreaterThan(1.0 / data.ClassNames.Count); // learnable topics
        reference.TrueClass.Average().ShouldBeLessThan(0.999); // held out, not memorised
        for (var i = 0; i < data.Pool.Rows; i++) reference.WrongClass[i].ShouldNotBe(data.PoolLabels[i]);
        var again = ReferenceProbabilities.Compute(data.Pool, data.PoolLabels, data.ClassNames.Count, new LogisticRegression(), 5, TestContext.Current.CancellationToken);
        again.TrueClass.ShouldBe(reference.TrueClass);
    }

    [Fact]
    public void OracleThreshold_HandCase_CheapestThresholdReachingTheTarget()
    {
        // Confidences 0.9, 0.8, 0.7, 0.6; LLM right, right, wrong, right; people right on all but the first.
        // Accept top 2: right = 2 + 2 = 4 of 4 → reaches 0.75; top 3: 2 + 1 = 3 → 0.75 reaches; top 4: 3 → 0.75 reaches.
        // The cheapest (most accepted) reaching 0.75 is top 4 with threshold 0.6.
        var stated = new[] { 0.9, 0.8, 0.7, 0.6 };
        var llm = new[] { true, true, false, true };
        var person = new[] { false, true, true, true };
        RoutingPolicyResult Row(string p, string m, double c, int r, int h, int l, int t) => new(p, m, c, r / 4.0, h, l) { PeopleShare = t / 4.0 };
        var result = RoutingSimulation.OracleThreshold(stated, llm, person, 0.75, 0.4, 1, "m", Row);
        result.Threshold.ShouldBe(0.6);
        result.LabelAccuracy.ShouldBe(0.75);
        result.HumanLabels.ShouldBe(0);
        var strict = RoutingSimulation.OracleThreshold(stated, llm, person, 1.0, 0.4, 1, "m", Row);
        strict.Threshold.ShouldBe(0.8);  // top 2 accepted, people right on the other two: 4 of 4
        strict.Cost.ShouldBe(2.4, 1e-12);
        strict.Note!.ShouldContain("hindsight");
    }

    [Fact]
    public void Run_SmallPool_RoutingRowsForEveryPolicyWithConsistentCounts()
    {
        var data = Data();
        var options = new RoutingSimulationOptions
        {
            Models = [new LlmProfile(0.8, SimulatedCalibration.Overconfident), new LlmProfile(0.9, SimulatedCalibration.Calibrated)],
            People = new PersonProfile(0.95, new PersonRate(1)),
            TargetAccuracy = 0.95,
            Router = new RouterOptions { WarmUp = 40 },
        };
        var sink = new ListEvidenceSink();
        var report = RoutingSimulation.Run(data, options, new LogisticRegression(), sink, cancellationToken: TestContext.Current.CancellationToken);
        report.Policies.Select(p => p.Policy).ShouldBe(["all-human", "all-llm", "threshold", "oracle-threshold", "router", "all-human", "all-llm", "threshold", "oracle-threshold", "router", "router"]);
        report.Policies[^1].LlmProfile.ShouldBe("simulated-llm(accuracy=0.8,overconfident) → simulated-llm(accuracy=0.9,calibrated)");
        foreach (var row in report.Policies)
        {
            row.Items.ShouldBe(400);
            row.LabelAccuracy.ShouldBeInRange(0, 1);
            row.Cost.ShouldBeGreaterThan(0);
            row.PeopleShare.ShouldBeInRange(0, 1);
        }
        var allHuman = report.Policies[0];
        allHuman.Cost.ShouldBe(400);
        allHuman.HumanLabels.ShouldBe(400);
        allHuman.CostVsAllHuman.ShouldBe(1);
        report.Policies[1].HumanLabels.ShouldBe(0);
        report.Policies[1].LlmLabels.ShouldBe(400);
        report.Policies[3].Note!.ShouldContain("hindsight");
        var router = report.Policies[4];
        router.EstimatedAccuracy.ShouldNotBeNull();
        router.EstimateLow!.Value.ShouldBeLessThanOrEqualTo(router.EstimateHigh!.Value);
        router.HumanLabels.ShouldBeGreaterThanOrEqualTo((int)Math.Round(router.PeopleShare * 400));
        sink.Events.OfType<RoutingEvent>().Count().ShouldBe(3 * 400); // one per item per router run
        report.Calibration.Count.ShouldBe(2);
        report.Calibration[0].Model.ShouldBe("simulated-llm(accuracy=0.8,overconfident)");
        // Over-confident stated confidence is worse calibrated than after the router's calibrator.
        report.Calibration[0].EceStated!.Value.ShouldBeGreaterThan(report.Calibration[0].EceCalibrated!.Value);
    }

    [Fact]
    public void Downstream_SmallPool_ThreeArmsPerSeedWithMoneyRisingAndTheRoutersLabelsCheaper()
    {
        var data = Data(400, 60);
        var routing = new RoutingSimulationOptions
        {
            Models = [new LlmProfile(0.9, SimulatedCalibration.Calibrated)],
            People = new PersonProfile(0.95, new PersonRate(1)),
            Router = new RouterOptions { WarmUp = 20 },
        };
        var simulation = new SimulationOptions { Strategies = ["margin"], Seeds = 2, SeedSize = 20, BatchSize = 20, Budget = 200 };
        var reference = ReferenceProbabilities.Compute(data.Pool, data.PoolLabels, data.ClassNames.Count, new LogisticRegression(), 5, TestContext.Current.CancellationToken);
        var runs = DownstreamSimulation.Run(data, simulation, routing, reference, TestContext.Current.CancellationToken);

        runs.Select(r => (r.Arm, r.Seed)).ShouldBe([("random + people", 0), ("margin + people", 0), ("random + router", 0), ("margin + router", 0),
            ("random + people", 1), ("margin + people", 1), ("random + router", 1), ("margin + router", 1)]);
        foreach (var run in runs)
        {
            run.Points[0].Money.ShouldBe(20); // the seed set, one person each
            run.Points.Select(p => p.Labels).ShouldBe(Enumerable.Range(0, 10).Select(j => 20 + 20 * j).ToList());
            for (var j = 1; j < run.Points.Count; j++) run.Points[j].Money.ShouldBeGreaterThan(run.Points[j - 1].Money);
            run.LabelAccuracy.ShouldBeInRange(0.8, 1);
        }
        // People only: one answer per label, so money = labels.
        foreach (var run in runs.Where(r => r.Arm.EndsWith("people", StringComparison.Ordinal)))
            run.Points.Select(p => p.Money).ShouldBe(run.Points.Select(p => (double)p.Labels).ToList());
        // The router pays people for its warm-up (two each) and escalations, models for the rest: fewer than one person per label.
        foreach (var run in runs.Where(r => r.Arm.EndsWith("router", StringComparison.Ordinal)))
            run.Points[^1].Money.ShouldBeLessThan(run.Points[^1].Labels);
        DownstreamSimulation.Run(data, simulation, routing, reference, TestContext.Current.CancellationToken).ShouldBe(runs, new DownstreamComparer());
    }

    private sealed class DownstreamComparer : IEqualityComparer<DownstreamRun>
    {
        public bool Equals(DownstreamRun? x, DownstreamRun? y) => x!.Arm == y!.Arm && x.Seed == y.Seed && x.Points.SequenceEqual(y.Points) && x.LabelAccuracy.Equals(y.LabelAccuracy);

        public int GetHashCode(DownstreamRun obj) => obj.Arm.GetHashCode(StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SameSeed_SameRows()
    {
        var data = Data(200, 30);
        var options = new RoutingSimulationOptions { Models = [new LlmProfile(0.9, SimulatedCalibration.Calibrated)], People = new PersonProfile(0.95, new PersonRate(1)) };
        var a = RoutingSimulation.Run(data, options, new LogisticRegression(), cancellationToken: TestContext.Current.CancellationToken);
        var b = RoutingSimulation.Run(data, options, new LogisticRegression(), cancellationToken: TestContext.Current.CancellationToken);
        b.Policies.ShouldBe(a.Policies);
    }

    [Fact]
    public void Run_NamedCascades_OneRouterRowEachNamedFirstToSecond()
    {
        var data = Data();
        var dear = new LlmProfile(0.95, SimulatedCalibration.Calibrated) { Price = new ModelPrice(0.005, 0.015) };
        var options = new RoutingSimulationOptions
        {
            Models = [new LlmProfile(0.8, SimulatedCalibration.Calibrated), new LlmProfile(0.9, SimulatedCalibration.Calibrated), dear],
            People = new PersonProfile(0.95, new PersonRate(1)),
            Router = new RouterOptions { WarmUp = 40 },
            Cascades = [(0, 2), (1, 2)],
        };
        var report = RoutingSimulation.Run(data, options, new LogisticRegression(), cancellationToken: TestContext.Current.CancellationToken);
        var cascades = report.Policies.Where(p => p.LlmProfile.Contains(" → ", StringComparison.Ordinal)).ToList();
        cascades.Select(p => p.LlmProfile).ShouldBe([
            "simulated-llm(accuracy=0.8,calibrated) → simulated-llm(accuracy=0.95,calibrated,price_in=0.005,price_out=0.015)",
            "simulated-llm(accuracy=0.9,calibrated) → simulated-llm(accuracy=0.95,calibrated,price_in=0.005,price_out=0.015)"]);
        cascades.ShouldAllBe(p => p.Policy == "router" && p.Note!.StartsWith("cascade: second model asked", StringComparison.Ordinal));
        // Every cascade's models cost at least the first model's answers (one per item).
        var firstAlone = report.Policies.First(p => p.Policy == "all-llm" && p.LlmProfile == "simulated-llm(accuracy=0.8,calibrated)");
        cascades[0].LlmLabels.ShouldBeGreaterThanOrEqualTo(firstAlone.LlmLabels);

        Should.Throw<ConfigurationException>(() => RoutingSimulation.Run(data, options with { Cascades = [(0, 3)] }, new LogisticRegression(),
            cancellationToken: TestContext.Current.CancellationToken)).Message.ShouldContain("there are 3 models");
        Should.Throw<ConfigurationException>(() => RoutingSimulation.Run(data, options with { Cascades = [(1, 1)] }, new LogisticRegression(),
            cancellationToken: TestContext.Current.CancellationToken)).Message.ShouldContain("two different models");
        (options with { Cascades = [] }).Validate();
    }

    [Theory]
    [InlineData("accuracy=1.2", "between 0 and 1")]
    [InlineData("accuracy=0.9,calibration=sometimes", "calibration must be")]
    [InlineData("accuracy=0.9,colour=red", "unknown key 'colour'")]
    [InlineData("calibration=calibrated", "'accuracy' is missing")]
    [InlineData("accuracy=x", "is not a number")]
    public void LlmProfile_Parse_BadSpec_OneClearSentence(string spec, string expected) =>
        Should.Throw<ConfigurationException>(() => LlmProfile.Parse(spec)).Message.ShouldContain(expected);

    [Fact]
    public void Profiles_Parse_GoodSpecs()
    {
        var llm = LlmProfile.Parse("accuracy=0.9,calibration=overconfident,price_in=0.01,price_out=0.03");
        llm.ShouldBe(new LlmProfile(0.9, SimulatedCalibration.Overconfident) { Price = new ModelPrice(0.01, 0.03) });
        var person = PersonProfile.Parse("accuracy=0.95,hourly=36,seconds=20");
        person.CostPerAnswer.ShouldBe(0.2, 1e-12);
        PersonProfile.Parse("accuracy=0.95,cost=1.0").CostPerAnswer.ShouldBe(1);
    }
}
