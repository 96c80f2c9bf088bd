using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

public sealed class VoteEntropyContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new VoteEntropySampling();
}

public sealed class KlDivergenceContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new KlDivergenceSampling();
}

public sealed class BaldContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new BaldSampling();
}

public sealed class ExpectedGradientLengthContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new ExpectedGradientLengthSampling();
}

public sealed class CommitteeScoreTests
{
    [Fact]
    public void Bald_AllMembersAgree_IsZero()
    {
        float[] p = [0.7f, 0.2f, 0.1f, 0.7f, 0.2f, 0.1f, 0.7f, 0.2f, 0.1f];
        new BaldSampling().Score(p, 3, 3).ShouldBe(0, 1e-6);
        new KlDivergenceSampling().Score(p, 3, 3).ShouldBe(0, 1e-6);
        new VoteEntropySampling().Score(p, 3, 3).ShouldBe(0, 1e-12);
    }

    [Fact]
    public void Bald_ConfidentMembersDisagree_IsLog2()
    {
        float[] p = [1f, 0f, 0f, 1f];
        new BaldSampling().Score(p, 2, 2).ShouldBe(Math.Log(2), 1e-6);
        new VoteEntropySampling().Score(p, 2, 2).ShouldBe(Math.Log(2), 1e-9);
    }

    [Fact]
    public void Bald_UncertainButAgreeingMembers_ScoreBelowDisagreeingOnes()
    {
        float[] agreeUnsure = [0.5f, 0.5f, 0.5f, 0.5f];
        float[] disagree = [0.9f, 0.1f, 0.1f, 0.9f];
        new BaldSampling().Score(agreeUnsure, 2, 2).ShouldBeLessThan(new BaldSampling().Score(disagree, 2, 2));
    }

    [Fact]
    public void Egl_OneHotPrediction_IsZeroAndUniformIsLargest()
    {
        var egl = new ExpectedGradientLengthSampling();
        egl.Score([1f, 0f, 0f]).ShouldBe(0, 1e-9);
        egl.Score([1f / 3, 1f / 3, 1f / 3]).ShouldBeGreaterThan(egl.Score([0.6f, 0.3f, 0.1f]));
    }

    [Fact]
    public void Egl_MatchesExplicitExpectation()
    {
        float[] p = [0.5f, 0.3f, 0.2f];
        double expected = 0;
        for (var y = 0; y < 3; y++)
        {
            double sq = 0;
            for (var c = 0; c < 3; c++) { var d = p[c] - (c == y ? 1.0 : 0.0); sq += d * d; }
            expected += p[y] * Math.Sqrt(sq);
        }
        new ExpectedGradientLengthSampling().Score(p).ShouldBe(expected, 1e-6);
    }
}
