using Sift.Evidence;
using Sift.Items;
using Sift.Oracles;
using Sift.Routing;
using Sift.Simulation.Routing;

namespace Sift.Core.Tests.Routing;

/// <summary>A model that answers pool item i with a given (class, confidence), at a given price per answer; priced in advance or not.</summary>
internal class PoolModel(string name, IReadOnlyList<string> labels, Func<int, (int Label, double Confidence)> answer, double price) : IOracle
{
    public double Price => price;

    public int Asked { get; private set; }

    public string Name => name;

    public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        Asked += request.Questions.Count;
        return ValueTask.FromResult<IReadOnlyList<OracleAnswer>>(request.Questions.Select(q =>
        {
            var (label, confidence) = answer(q.PoolIndex);
            return OracleAnswer.Given(q.ItemId, [labels[label]], new Provenance { Kind = OracleKind.Model, Name = name, Confidence = confidence, Cost = new AnswerCost(price, 100, 5) });
        }).ToList());
    }
}

/// <summary>A <see cref="PoolModel"/> that states its price before it is asked.</summary>
internal sealed class PricedPoolModel(string name, IReadOnlyList<string> labels, Func<int, (int Label, double Confidence)> answer, double price)
    : PoolModel(name, labels, answer, price), IPricedOracle
{
    public double ExpectedCost(OracleQuestion question) => Price;
}

/// <summary>The router's second model in solve mode (the default): asked where it pays, accepted where the plan allows.</summary>
public sealed class RoutingCascadeTests
{
    private static readonly string[] Labels = ["x", "y", "z"];

    private sealed record Run(double Accuracy, double Money, RouterReport Report, IReadOnlyList<RoutingEvent> Events, int[] Gold);

    /// <summary>Routes a synthetic pool of <paramref name="n"/> items (3 classes, gold i mod 3) in batches of 50 through a solve-mode router with simulated people (0.95, cost 1).</summary>
    private static async Task<Run> Route(int n, Func<int[], IOracle> first, Func<int[], IOracle?> second, RouterOptions? options = null)
    {
        var gold = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        var people = new SimulatedPeople(new PersonProfile(0.95, new PersonRate(1)), gold, Labels, 18);
        var sink = new ListEvidenceSink();
        var router = new RoutingOracle(first(gold), people, (options ?? new RouterOptions { Seed = 3 }) with { Evidence = sink }, second(gold));
        var right = 0;
        foreach (var chunk in Enumerable.Range(0, n).Chunk(50))
        {
            var request = new OracleRequest(chunk.Select(i => new OracleQuestion($"i{i}", new TextContent($"item {i}")) { PoolIndex = i }).ToList(), Labels);
            var answers = await router.AskAsync(request, TestContext.Current.CancellationToken);
            right += answers.Zip(chunk).Count(x => x.First.Labels.Single() == Labels[gold[x.Second]]);
        }
        var report = router.Report;
        return new Run((double)right / n, report.ModelMoney + report.PeopleMoney, report, sink.Events.OfType<RoutingEvent>().ToList(), gold);
    }

    /// <summary>Simulated LLMs of the construction over one reference (d spread over 0.02–0.98; when wrong, the same wrong class).</summary>
    private static Func<int[], IOracle> Simulated(int n, double accuracy, ulong seed, ModelPrice? price = null) => gold =>
    {
        var d = Enumerable.Range(0, n).Select(i => 0.02 + 0.96 * ((i * 7919L) % n) / n).ToList();
        var reference = ReferenceProbabilities.FromValues(d, gold.Select(g => (g + 1) % 3).ToList());
        var content = Enumerable.Range(0, n).Select(i => (ItemContent)new TextContent($"item {i}")).ToList();
        var profile = new LlmProfile(accuracy, SimulatedCalibration.Calibrated);
        return new SimulatedLlm(reference, price is null ? profile : profile with { Price = price }, gold, Labels, content, seed);
    };

    private static bool Hard(int i) => i % 10 < 3;

    private static int Index(string id) => int.Parse(id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task AskAsync_GoodCheapSecondModel_AcceptsAgreementsAndSpendsLessThanTheFirstAlone()
    {
        const int n = 3000;
        var alone = await Route(n, Simulated(n, 0.8, 17), _ => null);
        var cascade = await Route(n, Simulated(n, 0.8, 17), Simulated(n, 0.95, 29));

        var onAgreement = cascade.Events.Where(e => e.Decision == "second-model").ToList();
        onAgreement.Count.ShouldBeGreaterThan(n / 10);
        cascade.Report.SecondModelAccepted.ShouldBe(onAgreement.Count);
        cascade.Report.SecondModelAnswers.ShouldBeGreaterThan(0);
        // People's money falls by more than the second model costs (a second model answer costs about 0.0001 here).
        cascade.Money.ShouldBeLessThan(0.8 * alone.Money);
        cascade.Report.PersonAnswers.ShouldBeLessThan(alone.Report.PersonAnswers);
        cascade.Accuracy.ShouldBeGreaterThan(0.95 - 0.01);
        alone.Accuracy.ShouldBeGreaterThan(0.95 - 0.01);

        // The evidence records the second model's inputs and the rule that asked it.
        var e = onAgreement.Last(x => (string)x.Inputs["second_model"]! == "asked: expected saving above price");
        e.Inputs["second_model_label"].ShouldBeOfType<int>();
        e.Inputs["second_stated_confidence"].ShouldBeOfType<double>();
        e.Inputs["agreement_score"].ShouldBeOfType<double>();
        ((double)e.Inputs["agreement_calibrated"]!).ShouldBeGreaterThanOrEqualTo((double)e.Inputs["threshold"]!);
        ((string)e.Inputs["agreement_calibrator"]!).ShouldStartWith("isotonic-corrected");
        ((double)e.Inputs["second_model_price"]!).ShouldBeGreaterThan(0);
        e.Inputs["person_price"].ShouldBe(1.0);
        ((double)e.Inputs["expected_saving"]!).ShouldBeGreaterThan((double)e.Inputs["second_model_price"]!);
        e.Inputs["audit_probability"].ShouldBeOfType<double>();
        // Labels accepted on agreement are audited too (by risk), and the audits count in the report.
        cascade.Events.Count(x => x.Decision == "audit" && x.Inputs.ContainsKey("agreement_calibrated")).ShouldBeGreaterThan(0);
        cascade.Report.AgreementCalibrator.ShouldContain("isotonic-corrected");
    }

    [Fact]
    public async Task AskAsync_SecondModelDearerThanAPerson_IsNotAsked()
    {
        const int n = 600;
        PricedPoolModel? priced = null;
        var run = await Route(n, Simulated(n, 0.8, 17), gold => priced = new PricedPoolModel("dear", Labels, i => (gold[i], 0.99), 1.5));
        priced!.Asked.ShouldBe(0);
        run.Report.SecondModelAnswers.ShouldBe(0);
        run.Events.Where(e => e.Inputs.ContainsKey("second_model")).ShouldAllBe(e => (string)e.Inputs["second_model"]! == "skipped: dearer than a person");
        run.Events.Count(e => e.Inputs.ContainsKey("second_model")).ShouldBeGreaterThan(0);

        // Not priced in advance: one answer is bought to learn the price, then no more.
        PoolModel? unpriced = null;
        var probed = await Route(n, Simulated(n, 0.8, 17), gold => unpriced = new PoolModel("dear", Labels, i => (gold[i], 0.99), 1.5));
        unpriced!.Asked.ShouldBe(1);
        probed.Report.SecondModelAnswers.ShouldBe(1);
    }

    [Fact]
    public async Task AskAsync_CorrelatedErrors_AgreementOnHardItemsIsNotAccepted()
    {
        // The first model states 0.7 everywhere and is right on 70% of the items. On the hard 30% the second model is
        // wrong too, with the first model's wrong class (as under the profile), stating 0.8; on the rest it is
        // right, stating 0.97. As if independent, a hard item's agreement would be worth σ(logit 0.7 + logit 0.8) = 0.90;
        // learned from people's answers it is worth almost nothing, and only the easy agreements are accepted.
        const int n = 3000;
        var run = await Route(n,
            gold => new PoolModel("first", Labels, i => (Hard(i) ? (gold[i] + 1) % 3 : gold[i], 0.7), 0.0001),
            gold => new PricedPoolModel("second", Labels, i => Hard(i) ? ((gold[i] + 1) % 3, 0.8) : (gold[i], 0.97), 0.0001));

        var accepted = run.Events.Where(e => e.Decision == "second-model").ToList();
        accepted.ShouldNotBeEmpty();
        accepted.ShouldAllBe(e => !Hard(Index(e.ItemId)));
        var hardValues = run.Events.Where(e => Hard(Index(e.ItemId)) && e.Inputs.GetValueOrDefault("agreement_calibrated") is double)
            .Select(e => (double)e.Inputs["agreement_calibrated"]!).ToList();
        hardValues.ShouldNotBeEmpty();
        hardValues.Average().ShouldBeLessThan(0.5);
        run.Accuracy.ShouldBeGreaterThan(0.95 - 0.01);
    }
}
