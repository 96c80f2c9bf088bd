using Sift.Stopping;

namespace Sift.Core.Tests.Stopping;

public sealed class StoppingRuleTests
{
    [Fact]
    public void LabelBudget_AtBudget_Stops()
    {
        new LabelBudget(100).Evaluate(new StoppingContext { Labels = 99 }).Stop.ShouldBeFalse();
        var d = new LabelBudget(100).Evaluate(new StoppingContext { Labels = 100 });
        d.Stop.ShouldBeTrue();
        d.Reason.ShouldContain("100 of 100");
    }

    [Fact]
    public void MoneyBudget_SpentReachesBudget_Stops()
    {
        new MoneyBudget(50).Evaluate(new StoppingContext { Spent = 49.5 }).Stop.ShouldBeFalse();
        new MoneyBudget(50).Evaluate(new StoppingContext { Spent = 50 }).Stop.ShouldBeTrue();
    }

    [Fact]
    public void MaxRounds_AtLimit_Stops()
    {
        new MaxRounds(3).Evaluate(new StoppingContext { Round = 2 }).Stop.ShouldBeFalse();
        new MaxRounds(3).Evaluate(new StoppingContext { Round = 3 }).Stop.ShouldBeTrue();
    }

    [Fact]
    public void Plateau_GainBelowDeltaOverWindow_Stops()
    {
        var rule = new Plateau(0.01, 3);
        rule.Evaluate(new StoppingContext { ValidationHistory = [0.5, 0.6, 0.7] }).Stop.ShouldBeFalse();
        rule.Evaluate(new StoppingContext { ValidationHistory = [0.5, 0.6, 0.7, 0.8] }).Stop.ShouldBeFalse();
        var d = rule.Evaluate(new StoppingContext { ValidationHistory = [0.5, 0.8, 0.805, 0.803, 0.809] });
        d.Stop.ShouldBeTrue();
        d.Reason.ShouldContain("below 0.01");
    }

    [Fact]
    public void Plateau_StillImproving_Continues() =>
        new Plateau(0.01, 2).Evaluate(new StoppingContext { ValidationHistory = [0.5, 0.6, 0.62, 0.65] }).Stop.ShouldBeFalse();

    [Fact]
    public void StabilizingPredictions_KappaAboveThresholdForWindow_Stops()
    {
        var rule = new StabilizingPredictions(0.99, 3);
        rule.Evaluate(new StoppingContext { AgreementHistory = [0.9, 0.995, 0.999] }).Stop.ShouldBeFalse();
        rule.Evaluate(new StoppingContext { AgreementHistory = [0.9, 0.995, 0.999, 1.0] }).Stop.ShouldBeTrue();
        rule.Evaluate(new StoppingContext { AgreementHistory = [0.995, 0.999, 1.0, 0.98] }).Stop.ShouldBeFalse();
    }

    [Fact]
    public void UncertaintyBelow_LowUncertainty_Stops()
    {
        new UncertaintyBelow(0.1).Evaluate(new StoppingContext { MeanUncertainty = 0.05 }).Stop.ShouldBeTrue();
        new UncertaintyBelow(0.1).Evaluate(new StoppingContext { MeanUncertainty = 0.2 }).Stop.ShouldBeFalse();
        new UncertaintyBelow(0.1).Evaluate(new StoppingContext()).Stop.ShouldBeFalse();
    }

    [Fact]
    public void Combined_AnyAndAll_FollowTheirMembers()
    {
        var ctx = new StoppingContext { Labels = 100, Round = 1 };
        IStoppingRule[] rules = [new LabelBudget(100), new MaxRounds(5)];
        var any = new CombinedRule(rules, false).Evaluate(ctx);
        any.Stop.ShouldBeTrue();
        any.Rule.ShouldBe("labels(100)");
        new CombinedRule(rules, true).Evaluate(ctx).Stop.ShouldBeFalse();
        new CombinedRule(rules, true).Evaluate(new StoppingContext { Labels = 100, Round = 5 }).Stop.ShouldBeTrue();
    }

    [Theory]
    [InlineData("labels(300)", "labels(300)")]
    [InlineData("labels:300", "labels(300)")]
    [InlineData("money(12.5)", "money(12.5)")]
    [InlineData("rounds(4)", "rounds(4)")]
    [InlineData("plateau", "plateau(delta=0.005,window=3)")]
    [InlineData("plateau(delta=0.01, window=2)", "plateau(delta=0.01,window=2)")]
    [InlineData("kappa(0.98)", "kappa(0.98,window=3)")]
    [InlineData("uncertainty(0.2)", "uncertainty(0.2)")]
    [InlineData("any(plateau, kappa(0.99,window=2))", "any(plateau(delta=0.005,window=3),kappa(0.99,window=2))")]
    [InlineData("all(labels(10),rounds(2))", "all(labels(10),rounds(2))")]
    public void Parse_ValidSpec_RoundTrips(string spec, string expected) =>
        StoppingRuleParser.Parse(spec).Spec.ShouldBe(expected);

    [Theory]
    [InlineData("nonsense(1)", "unknown rule")]
    [InlineData("labels(x)", "not a number")]
    [InlineData("labels", "needs a value")]
    [InlineData("plateau(delta=0.1", "missing ')'")]
    [InlineData("any()", "at least one rule")]
    [InlineData("labels(0)", "positive whole number")]
    public void Parse_BadSpec_ClearError(string spec, string fragment)
    {
        var e = Should.Throw<ConfigurationException>(() => StoppingRuleParser.Parse(spec));
        e.Message.ShouldContain(fragment);
        e.Message.ShouldContain(spec);
    }
}
