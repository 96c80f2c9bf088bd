using Sift.Stopping;

namespace Sift.Core.Tests.Stopping;

/// <summary>The stopping-rule spec's length and nesting limits.</summary>
public sealed class StoppingRuleParserLimitsTests
{
    private static string Nested(int levels, string inner = "labels(5)") =>
        string.Concat(Enumerable.Repeat("any(", levels)) + inner + new string(')', levels);

    [Fact]
    public void Parse_NestedToMaxDepth_IsAcceptedAndEvaluates()
    {
        var rule = StoppingRuleParser.Parse(Nested(StoppingRuleParser.MaxDepth));
        rule.Spec.ShouldBe(Nested(16));
        var decision = rule.Evaluate(new StoppingContext { Labels = 5 });
        decision.Stop.ShouldBeTrue();
        decision.Rule.ShouldBe("labels(5)");
    }

    [Theory]
    [InlineData("labels(5)")]
    [InlineData("all(labels(5),rounds(3))")]
    public void Parse_OneLevelTooDeep_ClearError(string innermost)
    {
        var depth = innermost.StartsWith("all", StringComparison.Ordinal) ? StoppingRuleParser.MaxDepth : StoppingRuleParser.MaxDepth + 1;
        var message = Should.Throw<ConfigurationException>(() => StoppingRuleParser.Parse(Nested(depth, innermost))).Message;
        message.ShouldContain("any(…) and all(…) are nested more than 16 deep");
    }

    [Fact]
    public void Parse_DeepNestingWithinTheLengthLimit_DepthErrorNotStackOverflow()
    {
        var spec = Nested(190);
        spec.Length.ShouldBeLessThanOrEqualTo(StoppingRuleParser.MaxSpecLength);
        Should.Throw<ConfigurationException>(() => StoppingRuleParser.Parse(spec)).Message.ShouldContain("nested more than 16 deep");
    }

    [Fact]
    public void Parse_SpecOfMaxLength_IsAccepted()
    {
        var spec = "labels(5)".PadRight(StoppingRuleParser.MaxSpecLength);
        StoppingRuleParser.Parse(spec).Spec.ShouldBe("labels(5)");
    }

    [Fact]
    public void Parse_SpecOneCharacterTooLong_ClearErrorQuotingOnlyItsStart()
    {
        var spec = "labels(5)".PadRight(StoppingRuleParser.MaxSpecLength + 1);
        var message = Should.Throw<ConfigurationException>(() => StoppingRuleParser.Parse(spec)).Message;
        message.ShouldStartWith("Stopping rule 'labels(5)");
        message.ShouldContain("it is 1,001 characters long; at most 1,000 are accepted.");
        message.Length.ShouldBeLessThan(400);
    }

    [Theory]
    [InlineData(5_000)]
    [InlineData(20_000)]
    public void Parse_ThousandsOfNestedAny_RejectedWithoutRecursing(int levels)
    {
        // Issue 9: 20,000 levels overflowed the stack on the request; 5,000 were accepted and stored.
        var message = Should.Throw<ConfigurationException>(() => StoppingRuleParser.Parse(string.Concat(Enumerable.Repeat("any(", levels)))).Message;
        message.ShouldContain("at most 1,000 are accepted");
        message.Length.ShouldBeLessThan(400);
    }

    [Fact]
    public void Evaluate_SameRuleTwiceInOneCombination_Decides()
    {
        var decision = StoppingRuleParser.Parse("any(labels(5),labels(5))").Evaluate(new StoppingContext { Labels = 5 });
        decision.Stop.ShouldBeTrue();
        StoppingRuleParser.Parse("all(labels(5),labels(5))").Evaluate(new StoppingContext { Labels = 4 }).Stop.ShouldBeFalse();
    }
}
