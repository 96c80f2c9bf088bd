using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

public sealed class CandidateSubsamplerTests
{
    [Fact]
    public void Select_Always_PicksOnlyFromItsSubsample()
    {
        var (context, _, _) = TestData.Context(7);
        var subsampler = new CandidateSubsampler(new MarginSampling(), 40);
        var subsample = subsampler.Subsample(context, 10);
        subsample.Length.ShouldBe(40);
        subsample.Distinct().Count().ShouldBe(40);
        subsample.ShouldAllBe(i => context.Candidates.Contains(i));
        var result = subsampler.Select(context, 10);
        result.Indices.ShouldAllBe(i => subsample.Contains(i));
        result.Reasons.ShouldAllBe(r => r.EndsWith("(from a random subsample of 40 of 150 candidates)", StringComparison.Ordinal));
    }

    [Fact]
    public void Select_SameSeed_SameSubsampleAndPicks()
    {
        var a = new CandidateSubsampler(new MarginSampling(), 40);
        var b = new CandidateSubsampler(new MarginSampling(), 40);
        a.Subsample(TestData.Context(11).Context, 5).ShouldBe(b.Subsample(TestData.Context(11).Context, 5));
        a.Select(TestData.Context(11).Context, 5).Indices.ShouldBe(b.Select(TestData.Context(11).Context, 5).Indices);
        a.Subsample(TestData.Context(12).Context, 5).ShouldNotBe(a.Subsample(TestData.Context(11).Context, 5));
    }

    [Fact]
    public void Select_PicksAreInnerTopWithinSubsample()
    {
        var (context, _, _) = TestData.Context(7);
        var subsampler = new CandidateSubsampler(new MarginSampling(), 40);
        var subsample = subsampler.Subsample(context, 10).ToHashSet();
        var margin = new double[context.Candidates.Length];
        new MarginSampling().Score(context, margin);
        var best = context.Candidates.Select((i, p) => (i, s: margin[p])).Where(x => subsample.Contains(x.i))
            .OrderByDescending(x => x.s).Take(10).Select(x => x.i);
        subsampler.Select(context, 10).Indices.Order().ShouldBe(best.Order());
    }

    [Fact]
    public void Select_SmallPool_SameAsInner()
    {
        var (context, _, _) = TestData.Context(7);
        new CandidateSubsampler(new MarginSampling(), 1000).Select(context, 10).ShouldBeEquivalentTo(new MarginSampling().Select(context, 10));
    }

    [Fact]
    public void Select_BatchLargerThanLimit_SubsampleGrowsToBatch()
    {
        var (context, _, _) = TestData.Context(7);
        var subsampler = new CandidateSubsampler(new MarginSampling(), 5);
        subsampler.Subsample(context, 12).Length.ShouldBe(12);
        subsampler.Select(context, 12).Indices.Distinct().Count().ShouldBe(12);
    }

    [Fact]
    public void Name_AppendsLimit() => new CandidateSubsampler(new MarginSampling(), 5000).Name.ShouldBe("margin@5000");
}
