using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

/// <summary>The contract every strategy honours. Each strategy's test class inherits it.</summary>
public abstract class StrategyContractTests
{
    protected abstract IQueryStrategy Create();

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    public void Select_AnyCount_ReturnsExactlyThatManyDistinctCandidates(int count)
    {
        var (context, _, _) = TestData.Context(1);
        var result = Create().Select(context, count);
        result.Indices.Length.ShouldBe(count);
        result.Scores.Length.ShouldBe(count);
        result.Reasons.Length.ShouldBe(count);
        result.Indices.Distinct().Count().ShouldBe(count);
        result.Reasons.ShouldAllBe(r => !string.IsNullOrWhiteSpace(r));
    }

    [Fact]
    public void Select_Always_NeverPicksLabeledOrHeldOutItems()
    {
        var (context, labeled, heldOut) = TestData.Context(2);
        var result = Create().Select(context, context.Candidates.Length);
        result.Indices.ShouldAllBe(i => !labeled.Contains(i) && !heldOut.Contains(i));
        result.Indices.Order().ShouldBe(context.Candidates.Order());
    }

    [Fact]
    public void Select_SameSeed_SamePicks()
    {
        var a = Create().Select(TestData.Context(42).Context, 20);
        var b = Create().Select(TestData.Context(42).Context, 20);
        a.Indices.ShouldBe(b.Indices);
        a.Scores.ShouldBe(b.Scores);
    }

    [Fact]
    public void Select_RankingStrategy_ABatchIsThePrefixOfTheWholeOrder()
    {
        var strategy = Create();
        Assert.SkipUnless(strategy is IRankingStrategy, $"{strategy.Name} chooses its batch as a set");
        var all = strategy.Select(TestData.Context(7).Context, TestData.Context(7).Context.Candidates.Length);
        var batch = Create().Select(TestData.Context(7).Context, 15);
        batch.Indices.ShouldBe(all.Indices.Take(15));
        batch.Scores.ShouldBe(all.Scores.Take(15));
        batch.Reasons.ShouldBe(all.Reasons.Take(15));
    }

    [Fact]
    public void Select_EmptyPool_ThrowsPoolExhausted()
    {
        var (context, _, _) = TestData.Context(3, candidateLimit: 0);
        Should.Throw<PoolExhaustedException>(() => Create().Select(context, 1));
    }

    [Fact]
    public void Select_MoreThanRemain_ThrowsPoolExhausted()
    {
        var (context, _, _) = TestData.Context(3, candidateLimit: 5);
        var e = Should.Throw<PoolExhaustedException>(() => Create().Select(context, 6));
        e.Available.ShouldBe(5);
        e.Requested.ShouldBe(6);
    }

    [Fact]
    public void Select_NonPositiveCount_Throws()
    {
        var (context, _, _) = TestData.Context(3);
        Should.Throw<ArgumentOutOfRangeException>(() => Create().Select(context, 0));
    }
}

public sealed class RandomSamplingContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new RandomSampling();

    [Fact]
    public void Select_DifferentSeeds_DifferentPicks()
    {
        var a = Create().Select(TestData.Context(1).Context, 20);
        var b = Create().Select(TestData.Context(2).Context, 20);
        a.Indices.ShouldNotBe(b.Indices);
    }
}

public sealed class LeastConfidenceContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new LeastConfidenceSampling();
}

public sealed class MarginContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new MarginSampling();
}

public sealed class EntropyContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new EntropySampling();
}
