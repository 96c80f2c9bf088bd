using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

public sealed class SubgroupQuotaDecoratorTests
{
    private static bool IsRare(QueryContext context, int i) => context.Groups![i] == "rare";

    /// <summary>An inner strategy that never wants a rare item: common items score 10 and up, rare items below 1, both rising with the pool index.</summary>
    private static FixedScores IgnoresRare(QueryContext context) =>
        new(Enumerable.Range(0, context.Features.Rows).Select(i => IsRare(context, i) ? i / 1000.0 : 10 + i / 1000.0).ToArray());

    [Theory]
    [InlineData(0.1, 20, 2)]
    [InlineData(0.25, 20, 5)]
    [InlineData(0.2, 7, 1)]
    [InlineData(0.19, 10, 1)]
    [InlineData(0.05, 10, 0)]
    public void Select_InnerPicksNoRare_RareGetsExactlyQuota(double share, int count, int expected)
    {
        var (context, _, _) = TestData.Context(8);
        var inner = IgnoresRare(context);
        inner.Select(context, count).Indices.Count(i => IsRare(context, i)).ShouldBe(0);
        var result = new SubgroupQuotaDecorator(inner, share).Select(context, count);
        result.Indices.Count(i => IsRare(context, i)).ShouldBe(expected);
        result.Indices.Distinct().Count().ShouldBe(count);
    }

    [Fact]
    public void Select_QuotaPicks_AreInnerRankingWithinGroup()
    {
        var (context, _, _) = TestData.Context(8);
        var result = new SubgroupQuotaDecorator(IgnoresRare(context), 0.25).Select(context, 20);
        // Rare items score by pool index, so the inner strategy's top rare candidates are the highest indices.
        var topRare = context.Candidates.Where(i => IsRare(context, i)).OrderDescending().Take(5);
        result.Indices.Where(i => IsRare(context, i)).ShouldBe(topRare);
        result.Reasons.Count(r => r.StartsWith("quota for group 'rare'", StringComparison.Ordinal)).ShouldBe(5);
        // The rest is the inner strategy's own choice among the remaining candidates.
        var commonTop = IgnoresRare(context).Select(context, 15).Indices;
        result.Indices.Where(i => !IsRare(context, i)).Order().ShouldBe(commonTop.Order());
    }

    [Theory]
    [InlineData(0.1, 20)]
    [InlineData(0.3, 10)]
    [InlineData(0.5, 30)]
    public void Select_Margin_RareGetsAtLeastQuota(double share, int count)
    {
        var (context, _, _) = TestData.Context(3);
        var result = new SubgroupQuotaDecorator(new MarginSampling(), share).Select(context, count);
        result.Indices.Count(i => IsRare(context, i)).ShouldBeGreaterThanOrEqualTo((int)Math.Floor(share * count));
        result.Indices.Count(i => !IsRare(context, i)).ShouldBeGreaterThanOrEqualTo((int)Math.Floor(share * count));
    }

    [Fact]
    public void Select_QuotasExceedBatch_DealtRoundRobinRarestFirst()
    {
        // Share 1 owes each group the whole batch of 4, so seats are dealt one per group, rarest first.
        float[][] rows = [.. Enumerable.Range(0, 9).Select(i => new[] { 1f, i })];
        var context = new QueryContext(FixedScores.Context(rows).Features, Enumerable.Range(0, 9).ToArray(), 1)
        {
            Groups = ["a", "a", "a", "a", "b", "c", "c", "c", null],
        };
        var result = new SubgroupQuotaDecorator(new FixedScores([.. Enumerable.Range(0, 9).Select(i => (double)i)]), 1.0).Select(context, 4);
        // Sizes: (none) 1, b 1, c 3, a 4; equal sizes go by ordinal name.
        result.Indices.ShouldBe([8, 4, 7, 3]);
        result.Reasons[0].ShouldStartWith("quota for group '(none)'");
    }

    [Fact]
    public void Select_NullGroups_SameAsInner()
    {
        var (context, _, _) = TestData.Context(5);
        var plain = QueryContextsForTest.WithoutCosts(context);
        var noGroups = new QueryContext(plain.Features, plain.Candidates, plain.Seed) { Model = plain.Model, ClassCount = 3 };
        new SubgroupQuotaDecorator(new MarginSampling(), 0.5).Select(noGroups, 10).Indices
            .ShouldBe(new MarginSampling().Select(noGroups, 10).Indices);
    }

    [Fact]
    public void Constructor_ShareOutOfRange_Rejected() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new SubgroupQuotaDecorator(new MarginSampling(), 1.1));

    [Fact]
    public void Name_AppendsQuota() => new SubgroupQuotaDecorator(new MarginSampling(), 0.1).Name.ShouldBe("margin+quota");
}
