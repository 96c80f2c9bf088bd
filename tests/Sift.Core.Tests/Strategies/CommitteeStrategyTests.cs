using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

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

public sealed class CommitteeIdentityTests
{
    [Fact]
    public void MeanKlToConsensus_EqualsBald_ForUniformlyWeightedCommittee()
    {
        // (1/M) Σ KL(P_m ‖ P̄) = H[P̄] − (1/M) Σ H[P_m]: the generalised Jensen–Shannon divergence is BALD's mutual information.
        var rng = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var members = 2 + rng.Next(5);
            var classes = 2 + rng.Next(6);
            var p = new float[members * classes];
            for (var m = 0; m < members; m++)
            {
                var row = p.AsSpan(m * classes, classes);
                for (var c = 0; c < classes; c++) row[c] = (float)rng.NextDouble();
                var sum = 0f;
                foreach (var v in row) sum += v;
                for (var c = 0; c < classes; c++) row[c] /= sum;
            }
            new KlDivergenceSampling().Score(p, members, classes).ShouldBe(new BaldSampling().Score(p, members, classes), 1e-5);
        }
    }
}
