using System.Text;
using System.Text.Json;
using Sift.Core.Tests.Support;
using Sift.Data;
using Sift.Evidence;
using Sift.Oracles;
using Sift.Simulation;
using Sift.Stopping;

namespace Sift.Core.Tests.Simulation;

public sealed class SimulatorTests
{
    private static SimulationData Data(int poolSize = 300, int testSize = 90)
    {
        var (texts, labels, classes) = TestData.Topics(poolSize + testSize, 3);
        var train = new TextDataset("pool.jsonl", Enumerable.Range(0, poolSize).Select(i => new TextItem($"p{i}", texts[i], classes[labels[i]], Cost: 1 + i % 3)).ToList());
        var test = new TextDataset("test.jsonl", Enumerable.Range(poolSize, testSize).Select(i => new TextItem($"t{i}", texts[i], classes[labels[i]])).ToList());
        return SimulationData.Create(train, test);
    }

    private static SimulationOptions Options(params string[] strategies) => new()
    {
        Strategies = strategies,
        Seeds = 2,
        SeedSize = 10,
        BatchSize = 10,
        Budget = 60,
    };

    [Fact]
    public void Run_Budget_RoundsStepByBatchUpToBudget()
    {
        var output = new Simulator(Data(), Options("margin")).RunCollecting();
        output.Result.Runs.Count.ShouldBe(4); // random + margin, 2 seeds
        foreach (var run in output.Result.Runs)
        {
            run.Rounds.Select(r => r.Labels).ShouldBe([10, 20, 30, 40, 50, 60]);
            run.Stopped.ShouldNotBeNull();
            run.Stopped!.Rule.ShouldBe("labels(60)");
        }
        output.Result.Summary.Select(s => s.Strategy).ShouldBe(["random", "margin"]);
        output.Result.FullData.Accuracy.ShouldBeGreaterThan(0.8);
    }

    [Fact]
    public void Run_SameSeed_ByteIdenticalEvidenceWhateverTheParallelism()
    {
        byte[] Evidence(int parallelism)
        {
            using var stream = new MemoryStream();
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true))
                new Simulator(Data(), Options("entropy", "margin-kmeans", "qbc-vote") with { Parallelism = parallelism }).Run(new JsonLinesEvidenceSink(writer));
            return stream.ToArray();
        }

        var one = Evidence(1);
        one.Length.ShouldBeGreaterThan(0);
        Evidence(1).ShouldBe(one);
        Evidence(4).ShouldBe(one);
    }

    [Fact]
    public void Run_Evidence_OneRoundLinePerRoundInStrategySeedRoundOrder()
    {
        var output = new Simulator(Data(), Options("margin", "entropy")).RunCollecting();

        var lines = output.Evidence.Select(e => JsonDocument.Parse(EvidenceJson.Serialize(e)).RootElement).ToList();
        lines.ShouldAllBe(l => l.EnumerateObject().First().Name == "kind" && l.GetProperty("kind").GetString() == "round");
        lines.Count.ShouldBe(output.Result.Runs.Sum(r => r.Rounds.Count));
        var order = output.Evidence.Select(e => ((string)e.Run["strategy"]!, (int)e.Run["seed"]!, e.Round)).ToList();
        order.ShouldBe(order.OrderBy(o => Array.IndexOf(["random", "margin", "entropy"], o.Item1)).ThenBy(o => o.Item2).ThenBy(o => o.Item3));
        var provenance = lines[0].GetProperty("selected")[0].GetProperty("provenance");
        provenance.GetProperty("kind").GetString().ShouldBe("simulation");
        provenance.GetProperty("name").GetString().ShouldBe("simulated-gold");
        provenance.GetProperty("confidence_method").GetString().ShouldBe("gold");
    }

    [Fact]
    public void Run_CustomOracle_ItsAnswersAreTrainedOnAndRecordedWithItsProvenance()
    {
        var data = Data();
        var oracle = new FirstClassOracle(data.ClassNames[0]);
        var output = new Simulator(data, Options("margin") with { Seeds = 1 }, oracle).RunCollecting();

        var answers = output.Evidence.SelectMany(e => e.Selected).ToList();
        answers.Count.ShouldBe(2 * 50); // random and margin; budget 60, seed set 10
        answers.ShouldAllBe(a => a.Label == data.ClassNames[0] && a.Provenance.Name == "always-first");
        // Every answered item is trained on as the oracle said: the last round has the seed set's classes plus 50 of class 0.
        var last = output.Evidence.Where(e => (string)e.Run["strategy"]! == "margin").Last();
        last.LabelsPerClass[data.ClassNames[0]].ShouldBeGreaterThanOrEqualTo(50);
    }

    [Fact]
    public void Run_OracleDeclines_OneSentenceNamingTheOracleAndItem()
    {
        var data = Data();
        var ex = Should.Throw<SiftException>(() => new Simulator(data, Options("margin") with { Seeds = 1 }, new FirstClassOracle(null)).Run());
        ex.Message.ShouldStartWith("Oracle 'always-first' did not answer item 'p");
        ex.Message.ShouldContain("(Declined: no idea)");
    }

    /// <summary>Answers every item with one fixed label (or declines, when the label is null).</summary>
    private sealed class FirstClassOracle(string? label) : IOracle
    {
        private readonly Provenance _provenance = new() { Kind = OracleKind.Person, Name = "always-first" };

        public string Name => "always-first";

        public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<OracleAnswer>>(request.Questions
                .Select(q => label is null ? OracleAnswer.Declined(q.ItemId, _provenance, "no idea") : OracleAnswer.Given(q.ItemId, [label], _provenance)).ToList());
    }

    [Fact]
    public void Run_DifferentFirstSeed_DifferentSelections()
    {
        var a = new Simulator(Data(), Options("margin")).RunCollecting().Evidence;
        var b = new Simulator(Data(), Options("margin") with { FirstSeed = 5 }).RunCollecting().Evidence;
        a[1].Selected.Select(s => s.Index).ShouldNotBe(b[1].Selected.Select(s => s.Index));
    }

    [Fact]
    public void Run_Evidence_EverySelectionIsNewPoolItemWithReason()
    {
        var output = new Simulator(Data(), Options("least-confidence")).RunCollecting();
        foreach (var run in output.Evidence.GroupBy(e => $"{e.Run["strategy"]}/{e.Run["seed"]}"))
        {
            var seen = new HashSet<int>();
            foreach (var round in run)
            {
                round.LabelsPerClass.Values.Sum().ShouldBe(round.Labels);
                foreach (var s in round.Selected)
                {
                    seen.Add(s.Index).ShouldBeTrue();
                    s.Id.ShouldStartWith("p");
                    s.Reason.ShouldNotBeNullOrWhiteSpace();
                    s.Provenance.Name.ShouldBe("simulated-gold");
                    s.Provenance.Kind.ShouldBe(OracleKind.Simulation);
                }
            }
        }
    }

    [Fact]
    public void Run_PlateauRule_ValidationSplitNeverSelectedAndStopsWithReason()
    {
        var options = Options("margin") with { Budget = 250, Stop = new Plateau(0.02, 2), ValidationSize = 40 };
        var output = new Simulator(Data(), options).RunCollecting();
        output.Result.Config["validation_size"].ShouldBe(40);
        var selectedPerRun = output.Evidence.GroupBy(e => $"{e.Run["strategy"]}/{e.Run["seed"]}");
        foreach (var run in output.Result.Runs)
        {
            run.Rounds.ShouldAllBe(r => r.ValidationAccuracy != null);
            run.Stopped.ShouldNotBeNull();
        }
        output.Result.Runs.ShouldContain(r => r.Stopped!.Rule.StartsWith("plateau", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_MoneyBudget_NeverOverspends()
    {
        var options = Options("margin") with { Budget = 300, Stop = new MoneyBudget(70) };
        var output = new Simulator(Data(), options).RunCollecting();
        foreach (var run in output.Result.Runs)
        {
            run.Rounds.ShouldAllBe(r => r.Spent <= 70 + 1e-9);
            run.Stopped!.Rule.ShouldBe("money(70)");
        }
    }

    [Fact]
    public void Run_KappaRule_RecordsAgreement()
    {
        var options = Options("margin") with { Budget = 300, Stop = new StabilizingPredictions(0.9, 2) };
        var output = new Simulator(Data(), options).RunCollecting();
        output.Result.Runs.ShouldAllBe(r => r.Rounds.Skip(1).All(x => x.StopSetKappa != null));
        output.Result.Runs.ShouldContain(r => r.Stopped!.Rule.StartsWith("kappa", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_UncertaintyRule_RecordsPoolUncertaintyAndStops()
    {
        var options = Options("margin") with { Budget = 300, Stop = new UncertaintyBelow(0.9) };
        var output = new Simulator(Data(), options).RunCollecting();
        output.Evidence.ShouldAllBe(e => e.Metrics["mean_uncertainty"] != null && e.Metrics["mean_uncertainty"] >= 0 && e.Metrics["mean_uncertainty"] <= 1);
        output.Result.Runs.ShouldAllBe(r => r.Stopped!.Rule.StartsWith("uncertainty", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_TestLabelUnknownToPool_ClearError()
    {
        var train = new TextDataset("a.jsonl", [new TextItem("1", "x y", "a"), new TextItem("2", "x z", "b")]);
        var test = new TextDataset("b.jsonl", [new TextItem("1", "x y", "c")]);
        Should.Throw<SiftException>(() => SimulationData.Create(train, test)).Message.ShouldContain("label 'c' never occurs in a.jsonl");
    }

    [Fact]
    public void Options_BudgetBelowSeedSet_Rejected() =>
        Should.Throw<ConfigurationException>(() => new Simulator(Data(), Options("margin") with { Budget = 5 }));

    [Fact]
    public void Options_UnknownStrategy_ListsKnownOnes() =>
        Should.Throw<ConfigurationException>(() => new Simulator(Data(), Options("magic"))).Message.ShouldContain("margin");
}

public sealed class SummariesTests
{
    [Fact]
    public void LabelsToReach_InterpolatesBetweenRounds()
    {
        var curve = new List<(int, double, double, double)> { (50, 0.5, 0, 0), (100, 0.7, 0, 0), (150, 0.9, 0, 0) };
        Summaries.LabelsToReach(curve, 0.8).ShouldBe(125);
        Summaries.LabelsToReach(curve, 0.4).ShouldBe(50);
        Summaries.LabelsToReach(curve, 0.95).ShouldBeNull();
    }

    [Fact]
    public void Compute_SavingsIsRandomOverStrategy()
    {
        RunResult Run(string s, params (int, double)[] pts) =>
            new(s, 0, pts.Select(p => new RoundResult(p.Item1, p.Item2, 0, 0, 0)).ToList(), null);
        var runs = new List<RunResult>
        {
            Run("random", (100, 0.5), (200, 0.7), (300, 0.95)),
            Run("margin", (100, 0.5), (200, 0.96), (300, 0.99)),
        };
        var summary = Summaries.Compute(runs, 1.0, ["random", "margin"]);
        summary[0].LabelsTo95.ShouldBe(300);
        summary[1].LabelsTo95.ShouldBe(198);
        summary[1].SavingsVsRandom95.ShouldBe(Math.Round(300.0 / 198, 4));
        summary[0].Aulc.ShouldBe((0.5 + 0.7 + 0.95) / 3, 1e-12);
        summary[0].LabelsToRandomFinal.ShouldBe(300);
        summary[1].LabelsToRandomFinal.ShouldBe(198); // margin passes random's final 0.95 between 100 (0.5) and 200 (0.96)
        summary[1].SavingsVsRandomFinal.ShouldBe(Math.Round(300.0 / 198, 4));
    }

    [Fact]
    public void Compute_RandomNeverReachesTheTarget_GivesALowerBoundInsteadOfNothing()
    {
        RunResult Run(string s, params (int, double)[] pts) =>
            new(s, 0, pts.Select(p => new RoundResult(p.Item1, p.Item2, 0, 0, 0)).ToList(), null);
        var runs = new List<RunResult>
        {
            Run("random", (100, 0.5), (200, 0.7), (300, 0.9)),
            Run("margin", (100, 0.5), (200, 0.96), (300, 0.99)),
        };
        var summary = Summaries.Compute(runs, 1.0, ["random", "margin"]);

        summary[0].LabelsTo95.ShouldBeNull();
        summary[1].LabelsTo95.ShouldBe(198);
        summary[1].SavingsVsRandom95.ShouldBeNull("random never reached 95%: no exact ratio");
        summary[1].SavingsVsRandom95AtLeast.ShouldBe(Math.Round(300.0 / 198, 4), "random needs more than its 300 labels");
        summary[1].SavingsVsRandom98AtLeast.ShouldBe(Math.Round(300.0 / summary[1].LabelsTo98!.Value, 4));
        summary[0].SavingsVsRandom95AtLeast.ShouldBeNull("random is not compared with itself");
    }
}
