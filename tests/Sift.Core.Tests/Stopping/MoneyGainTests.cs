using Sift.Stopping;

namespace Sift.Core.Tests.Stopping;

public sealed class MoneyGainTests
{
    [Fact]
    public void Evaluate_GainPerMoneyBelowMin_Stops()
    {
        // Over the last 2 rounds: accuracy 0.80 → 0.81 for 100 → 300 spent: 0.01 / 200 = 0.00005 per unit.
        var context = new StoppingContext { ValidationHistory = [0.70, 0.80, 0.805, 0.81], SpentHistory = [0, 100, 200, 300] };
        var rule = new MoneyGain(0.0001, 2);
        var d = rule.Evaluate(context);
        d.Stop.ShouldBeTrue();
        ((double)d.State["gain_per_money"]!).ShouldBe(0.00005, 1e-12);
        new MoneyGain(0.00001, 2).Evaluate(context).Stop.ShouldBeFalse();
    }

    [Fact]
    public void Evaluate_TooFewPointsOrNoSpend_Waits()
    {
        new MoneyGain(1, 3).Evaluate(new StoppingContext { ValidationHistory = [0.5, 0.6, 0.7], SpentHistory = [0, 1, 2] }).Stop.ShouldBeFalse();
        new MoneyGain(1, 1).Evaluate(new StoppingContext { ValidationHistory = [0.5, 0.5], SpentHistory = [3, 3] }).Stop.ShouldBeFalse();
        new MoneyGain(1, 1).Evaluate(new StoppingContext { ValidationHistory = [0.5, 0.5] }).Reason.ShouldContain("waiting");
    }

    [Fact]
    public void Parse_MoneyGain_InsideAnyWithinTheLimits()
    {
        StoppingRuleParser.Parse("money-gain(min=0.001,window=4)").ShouldBe(new MoneyGain(0.001, 4));
        StoppingRuleParser.Parse("money-gain(0.002)").Spec.ShouldBe("money-gain(min=0.002,window=3)");
        StoppingRuleParser.Parse("any(labels(500),money-gain(0.001))").Spec.ShouldBe("any(labels(500),money-gain(min=0.001,window=3))");
        Should.Throw<ConfigurationException>(() => StoppingRuleParser.Parse("money-gain(-1)")).Message.ShouldContain("must be positive");
        Should.Throw<ConfigurationException>(() => StoppingRuleParser.Parse("money-gain()")).Message.ShouldContain("needs a value for 'min'");
    }
}
