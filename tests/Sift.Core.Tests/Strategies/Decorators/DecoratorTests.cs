using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

public sealed class MarginKMeansContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new TopThenDiversify(new MarginSampling(), new KMeansSampling(), 3);
}

public sealed class DecoratorBehaviourTests
{
    [Theory]
    [InlineData(0.0, 20, 0)]
    [InlineData(0.1, 20, 2)]
    [InlineData(0.25, 20, 5)]
    [InlineData(1.0, 20, 20)]
    public void Exploration_HonoursEpsilonExactly(double epsilon, int count, int expectedRandom)
    {
        var (context, _, _) = TestData.Context(9);
        var result = new ExplorationDecorator(new MarginSampling(), epsilon).Select(context, count);
        result.Reasons.Count(r => r.StartsWith("exploration", StringComparison.Ordinal)).ShouldBe(expectedRandom);
        if (count > expectedRandom)
            result.Indices.Take(count - expectedRandom).ShouldBe(new MarginSampling().Select(context, count - expectedRandom).Indices);
    }

    [Fact]
    public void Exploration_EpsilonOutOfRange_Rejected() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new ExplorationDecorator(new MarginSampling(), 1.5));

    [Fact]
    public void TopThenDiversify_PicksOnlyFromTheShortlist()
    {
        var (context, _, _) = TestData.Context(4);
        var shortlist = new MarginSampling().Select(context, 30).Indices.ToHashSet();
        var result = new TopThenDiversify(new MarginSampling(), new CoreSetSampling(), 3).Select(context, 10);
        result.Indices.ShouldAllBe(i => shortlist.Contains(i));
    }
}

public sealed class StrategySpecTests
{
    [Theory]
    [InlineData("margin", "margin")]
    [InlineData("margin+explore(0.2)", "margin+explore")]
    [InlineData("margin+cost", "margin/cost")]
    [InlineData("margin+dedup(0.9)+quota(0.3)", "margin+dedup+quota")]
    [InlineData("entropy@500", "entropy@500")]
    public void Get_Spec_BuildsDecoratedStrategy(string spec, string expectedName)
    {
        var descriptor = StrategyCatalog.Default.Get(spec);
        descriptor.Name.ShouldBe(expectedName);
        var (context, _, _) = TestData.Context(3);
        descriptor.Create().Select(context, 10).Count.ShouldBe(10);
    }

    [Theory]
    [InlineData("margin+wobble", "unknown decorator 'wobble'")]
    [InlineData("margin+explore(2)", "between 0 and 1")]
    [InlineData("margin+explore(x)", "not a number")]
    [InlineData("coreset+cost", "scores items one by one")]
    [InlineData("margin@0", "positive whole number")]
    [InlineData("nonsense+dedup", "Unknown strategy 'nonsense'")]
    public void Get_BadSpec_ClearError(string spec, string fragment) =>
        Should.Throw<ConfigurationException>(() => StrategyCatalog.Default.Get(spec)).Message.ShouldContain(fragment);
}
