using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

public sealed class ExplorationContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new ExplorationDecorator(new MarginSampling(), 0.3);
}

public sealed class MarginCoresetContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new TopThenDiversify(new MarginSampling(), new CoreSetSampling());
}

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
