using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

public sealed class CostAwareDecoratorTests
{
    private static readonly float[][] Rows = Enumerable.Range(0, 6).Select(i => new[] { 1f, i }).ToArray();

    [Fact]
    public void Select_EqualScores_PrefersCheapItems()
    {
        var context = new QueryContext(FixedScores.Context(Rows).Features, [0, 1, 2, 3, 4, 5], 1) { Costs = [4, 1, 6, 2, 5, 3] };
        var result = new CostAwareDecorator(new FixedScores([1, 1, 1, 1, 1, 1])).Select(context, 4);
        result.Indices.ShouldBe([1, 3, 5, 0]);
        result.Scores.ShouldBe([1.0, 0.5, 1.0 / 3, 0.25]);
    }

    [Fact]
    public void Select_ScorePerUnitCost_BeatsRawScore()
    {
        // Item 0: 0.9 / 3 = 0.3; item 1: 0.5 / 1 = 0.5.
        var context = new QueryContext(FixedScores.Context(Rows[..2]).Features, [0, 1], 1) { Costs = [3, 1] };
        var result = new CostAwareDecorator(new FixedScores([0.9, 0.5])).Select(context, 2);
        result.Indices.ShouldBe([1, 0]);
        result.Scores[1].ShouldBe(0.3, 1e-12);
        result.Reasons[1].ShouldEndWith("÷ cost 3");
    }

    [Fact]
    public void Select_NonPositiveCost_TreatedAsSmallestPositiveCost()
    {
        // Smallest positive cost is 2, so items 0 and 2 cost 2: scores 0.5, 0.75, 0.4, 1.0.
        var context = new QueryContext(FixedScores.Context(Rows[..4]).Features, [0, 1, 2, 3], 1) { Costs = [0, 2, -1, 4] };
        var result = new CostAwareDecorator(new FixedScores([1, 1.5, 0.8, 4])).Select(context, 4);
        result.Indices.ShouldBe([3, 1, 0, 2]);
        result.Scores.ShouldBe([1.0, 0.75, 0.5, 0.4]);
        CostAwareDecorator.EffectiveCost(context, 0).ShouldBe(2);
        result.Reasons[2].ShouldEndWith("÷ cost 2");
    }

    [Fact]
    public void Select_NoCosts_SameAsInner()
    {
        var (context, _, _) = TestData.Context(5);
        var plain = QueryContextsForTest.WithoutCosts(context);
        var result = new CostAwareDecorator(new MarginSampling()).Select(plain, 15);
        result.Indices.ShouldBe(new MarginSampling().Select(plain, 15).Indices);
        result.Reasons.ShouldAllBe(r => r.EndsWith("÷ cost 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Select_WithPoolCosts_ScoreIsMarginScoreOverCost()
    {
        var (context, _, _) = TestData.Context(6);
        var margin = new double[context.Candidates.Length];
        new MarginSampling().Score(context, margin);
        var result = new CostAwareDecorator(new MarginSampling()).Select(context, 10);
        for (var t = 0; t < result.Count; t++)
        {
            var pos = Array.IndexOf(context.Candidates, result.Indices[t]);
            result.Scores[t].ShouldBe(margin[pos] / context.Costs![result.Indices[t]], 1e-12);
            result.Reasons[t].ShouldStartWith("margin ");
        }
        new CostAwareDecorator(new MarginSampling()).Name.ShouldBe("margin/cost");
    }
}

internal static class QueryContextsForTest
{
    public static QueryContext WithoutCosts(QueryContext c) => new(c.Features, c.Candidates, c.Seed)
    {
        ClassCount = c.ClassCount,
        Model = c.Model,
        Embeddings = c.Embeddings,
        Groups = c.Groups,
        ClassNames = c.ClassNames,
    };
}
