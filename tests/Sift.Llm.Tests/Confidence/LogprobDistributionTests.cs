using Sift.Llm.Confidence;

namespace Sift.Llm.Tests.Confidence;

public class LogprobDistributionTests
{
    private static TokenLogprob T(string token, double p, params (string Token, double P)[] top) =>
        new(token, Math.Log(p), top.Select(a => new TokenAlternative(a.Token, Math.Log(a.P))).ToList());

    [Fact]
    public void Compute_SingleTokenLabels_RenormalisesTheAlternatives()
    {
        // At the label position: positive 0.6, negative 0.3, "neutral" 0.05 (not a label), so 0.6/0.9 and 0.3/0.9.
        var tokens = new[] { T("{\"", 1), T("label", 1), T("\":\"", 1), T("positive", 0.6, ("positive", 0.6), ("negative", 0.3), ("neutral", 0.05)), T("\"}", 1) };
        var p = LogprobDistribution.Compute("{\"label\":\"positive\"}", tokens, ["positive", "negative"], "positive")!;
        p[0].ShouldBe(2.0 / 3, 1e-9);
        p[1].ShouldBe(1.0 / 3, 1e-9);
    }

    [Fact]
    public void Compute_SharedFirstToken_FollowsTheChainRule()
    {
        // "sp" then "am" vs "ort": P(spam) = 0.8 × 0.75, P(sport) = 0.8 × 0.25, P(ham) = 0.2.
        var tokens = new[]
        {
            T("{\"label\":\"", 1), T("sp", 0.8, ("sp", 0.8), ("ham", 0.2)), T("am", 0.75, ("am", 0.75), ("ort", 0.25)), T("\"}", 1),
        };
        var p = LogprobDistribution.Compute("{\"label\":\"spam\"}", tokens, ["spam", "sport", "ham"], "spam")!;
        p[0].ShouldBe(0.6, 1e-9);
        p[1].ShouldBe(0.2, 1e-9);
        p[2].ShouldBe(0.2, 1e-9);
        p.Sum().ShouldBe(1, 1e-12);
    }

    [Fact]
    public void Compute_TokenStartingBeforeTheValue_MatchesAlternativesWithTheSameLead()
    {
        // The label's first token carries the opening quote: '"pos' vs '"neg'.
        var tokens = new[] { T("{\"label\":", 1), T("\"pos", 0.7, ("\"pos", 0.7), ("\"neg", 0.2), ("pos", 0.1)), T("itive\"}", 1) };
        var p = LogprobDistribution.Compute("{\"label\":\"positive\"}", tokens, ["positive", "negative"], "positive")!;
        p[0].ShouldBe(0.7 / 0.9, 1e-9);
        p[1].ShouldBe(0.2 / 0.9, 1e-9);
    }

    [Fact]
    public void Compute_TokensThatDoNotSpellTheReply_Null()
    {
        var tokens = new[] { T("{\"label\":\"", 1), T("neg", 0.5, ("neg", 0.5), ("pos", 0.5)), T("\"}", 1) };
        LogprobDistribution.Compute("{\"label\":\"positive\"}", tokens, ["positive", "negative"], "positive").ShouldBeNull();
    }

    [Fact]
    public void Compute_NoAlternatives_NullRatherThanCertainty()
    {
        var tokens = new[] { T("{\"label\":\"", 1), T("positive", 0.5, ("positive", 0.5)), T("\"}", 1) };
        LogprobDistribution.Compute("{\"label\":\"positive\"}", tokens, ["positive", "negative"], "positive").ShouldBeNull();
    }

    [Fact]
    public void LabelScores_VeryNegativeLogProbabilities_StillSumToOne()
    {
        var scores = new LabelScores([-2000, -2001, -2010], 10, 3);
        scores.Probabilities.Sum().ShouldBe(1, 1e-12);
        scores.Probabilities[0].ShouldBe(1 / (1 + Math.Exp(-1) + Math.Exp(-10)), 1e-12);
    }
}
