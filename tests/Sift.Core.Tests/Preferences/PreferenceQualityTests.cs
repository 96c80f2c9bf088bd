using Sift.Items;
using Sift.Preferences;

namespace Sift.Core.Tests.Preferences;

public sealed class PreferenceQualityTests
{
    [Theory]
    // Wilson (1927) 95% score intervals: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1.96.
    [InlineData(100, 50, 0.40383, 0.59617)]
    [InlineData(100, 70, 0.60415, 0.78105)]
    [InlineData(10, 10, 0.72247, 1.0)]
    [InlineData(20, 0, 0.0, 0.16113)]
    public void Wilson_KnownCases_MatchTheFormula(int n, int hits, double low, double high)
    {
        var s = ShareInterval.Wilson(n, hits);
        s.Share.ShouldBe((double)hits / n);
        s.Low.ShouldBe(low, 1e-5);
        s.High.ShouldBe(high, 1e-5);
    }

    [Fact]
    public void Wilson_NoTrials_NaNShareAndTheWholeRange()
    {
        var s = ShareInterval.Wilson(0, 0);
        double.IsNaN(s.Share).ShouldBeTrue();
        (s.Low, s.High).ShouldBe((0.0, 1.0));
        Should.Throw<ArgumentOutOfRangeException>(() => ShareInterval.Wilson(3, 4));
    }

    [Fact]
    public void FirstShownWins_CountsTheResponseOnScreenFirst_DecisiveAndRecordedOnly()
    {
        PairAnswer[] answers =
        [
            new(1, "ann", PairLabels.A, false), // A shown first, A chosen: first wins
            new(2, "ann", PairLabels.B, true),  // B shown first, B chosen: first wins
            new(3, "ann", PairLabels.A, true),  // B shown first, A chosen: second wins
            new(4, "ann", PairLabels.Tie, false),
            new(5, "ann", PairLabels.BothBad, true),
            new(6, "ann", PairLabels.A, null),  // order not recorded
        ];
        var s = PreferenceQuality.FirstShownWins(answers);
        s.Count.ShouldBe(3);
        s.Hits.ShouldBe(2);
    }

    [Fact]
    public void DecisiveDisagreement_PairsOfAnnotatorsOnOneItem_LatestAnswerEach()
    {
        PairAnswer[] answers =
        [
            new(1, "x", PairLabels.A, false), new(1, "y", PairLabels.A, true), new(1, "z", PairLabels.B, false), // 3 pairs, 2 disagree
            new(2, "x", PairLabels.B, false), new(2, "x", PairLabels.A, false), new(2, "y", PairLabels.A, true), // x's later answer counts: agree
            new(3, "x", PairLabels.A, false), new(3, "y", PairLabels.Tie, false),                                  // a tie is not decisive
        ];
        var d = PreferenceQuality.DecisiveDisagreement(answers);
        (d.Count, d.Hits).ShouldBe((4, 2));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.18, 0.1)]   // 2·0.1·0.9
    [InlineData(0.32, 0.2)]   // 2·0.2·0.8
    [InlineData(0.5, 0.5)]
    [InlineData(0.7, 0.5)]    // more disagreement than chance: no signal
    public void FlipProbability_InvertsTwoEpsilonOneMinusEpsilon(double disagreement, double flip) =>
        PreferenceQuality.FlipProbability(disagreement).ShouldBe(flip, 1e-12);
}
