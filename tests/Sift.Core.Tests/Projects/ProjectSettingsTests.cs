using Sift.Projects;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Core.Tests.Projects;

public sealed class ProjectSettingsTests
{
    private static ProjectSettings Valid => new() { Labels = ["a", "b"] };

    [Fact]
    public void Validate_Defaults_Pass() => Valid.Validate();

    [Theory]
    [InlineData("telepathy", "strategy: Unknown strategy 'telepathy'.")]
    [InlineData("margin+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)", "strategy: Strategy 'margin+explore(0.1)+")]
    public void Validate_BadStrategy_NamesTheField(string strategy, string start) =>
        Should.Throw<ConfigurationException>(() => (Valid with { Strategy = strategy }).Validate()).Message.ShouldStartWith(start);

    [Fact]
    public void Validate_StrategyOverTheLengthLimit_NamesTheField() =>
        Should.Throw<ConfigurationException>(() => (Valid with { Strategy = new string('m', StrategyCatalog.MaxSpecLength + 1) }).Validate())
            .Message.ShouldStartWith("strategy: ");

    [Theory]
    [InlineData("never(")]
    [InlineData("any(any(any(any(any(any(any(any(any(any(any(any(any(any(any(any(any(labels(5))))))))))))))))))")]
    public void Validate_BadStopRule_NamesTheField(string stopRule) =>
        Should.Throw<ConfigurationException>(() => (Valid with { StopRule = stopRule }).Validate()).Message.ShouldStartWith("stop_rule: Stopping rule '");

    [Fact]
    public void Validate_StopRuleOverTheLengthLimit_NamesTheField() =>
        Should.Throw<ConfigurationException>(() => (Valid with { StopRule = "labels(5)".PadRight(StoppingRuleParser.MaxSpecLength + 1) }).Validate())
            .Message.ShouldStartWith("stop_rule: ");

    [Fact]
    public void Validate_UndefinedMode_NamesTheField() =>
        Should.Throw<ConfigurationException>(() => (Valid with { Mode = (LabelMode)7 }).Validate()).Message.ShouldStartWith("mode: ");

    [Fact]
    public void Validate_PairProject_FixedAnswersSingleModeAndAStrategyThatReadsPairs()
    {
        var pairs = new ProjectSettings { Content = Sift.Items.ContentKind.Pair, Labels = Sift.Items.PairLabels.All, Strategy = "pair-uncertainty" };
        pairs.Validate();
        (pairs with { Strategy = "pair-dopt" }).Validate();
        (pairs with { Strategy = "margin" }).Validate();
        Should.Throw<ConfigurationException>(() => (pairs with { Labels = ["A", "B"] }).Validate()).Message.ShouldStartWith("labels: a pair project's answers are A, B, tie, both_bad");
        Should.Throw<ConfigurationException>(() => (pairs with { Mode = LabelMode.Multi }).Validate()).Message.ShouldStartWith("mode: a pair project");
        Should.Throw<ConfigurationException>(() => (pairs with { Strategy = "coreset" }).Validate()).Message.ShouldStartWith("strategy: 'coreset' needs item vectors");
        Should.Throw<ConfigurationException>(() => (Valid with { Strategy = "pair-dopt" }).Validate()).Message.ShouldStartWith("strategy: 'pair-dopt' chooses pairwise comparisons");
    }
}
