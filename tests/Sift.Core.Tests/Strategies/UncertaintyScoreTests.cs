using FsCheck;
using FsCheck.Fluent;
using Sift.Core.Tests.Support;
using TestData = Sift.Core.Tests.Support.TestData;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

public sealed class UncertaintyScoreTests
{
    private static float[] Normalize(float[] raw)
    {
        var a = raw.Select(v => Math.Abs(v) % 10f + 1e-3f).ToArray();
        var s = a.Sum();
        return a.Select(v => v / s).ToArray();
    }

    [Fact]
    public void Entropy_AnyDistribution_BetweenZeroAndLogK() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 1000).Select(i => (float)i), 2).Where(a => a.Length is >= 2 and <= 30).ToArbitrary(), raw =>
        {
            var p = Normalize(raw);
            var h = EntropySampling.Entropy(p);
            return h >= 0 && h <= Math.Log(p.Length) + 1e-6;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Margin_AnyDistribution_ScoreInUnitInterval() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 1000).Select(i => (float)i), 2).Where(a => a.Length is >= 2 and <= 30).ToArbitrary(), raw =>
        {
            var p = Normalize(raw);
            var s = new MarginSampling().Score(p);
            var lc = new LeastConfidenceSampling().Score(p);
            return s >= -1e-6 && s <= 1 + 1e-6 && lc >= -1e-6 && lc <= 1 - 1.0 / p.Length + 1e-6;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Entropy_Uniform_IsLogK() => EntropySampling.Entropy([0.25f, 0.25f, 0.25f, 0.25f]).ShouldBe(Math.Log(4), 1e-6);

    [Fact]
    public void Entropy_OneHot_IsZero() => EntropySampling.Entropy([0f, 1f, 0f]).ShouldBe(0, 1e-12);

    [Fact]
    public void Margin_EqualTopTwo_IsOne() => new MarginSampling().Score([0.4f, 0.4f, 0.2f]).ShouldBe(1.0, 1e-6);

    [Fact]
    public void Margin_Select_PicksSmallestMarginFirst()
    {
        var (context, _, _) = TestData.Context(5);
        var picks = new MarginSampling().Select(context, 10);
        picks.Scores.ShouldBe(picks.Scores.OrderByDescending(s => s).ToArray());
        var all = new double[context.Candidates.Length];
        new MarginSampling().Score(context, all);
        picks.Scores[0].ShouldBe(all.Max());
        picks.Reasons[0].ShouldStartWith("margin ");
    }

    [Fact]
    public void TopK_AllTied_BreaksTiesBySeedNotPosition()
    {
        var scores = new double[100];
        var keys = Enumerable.Range(0, 100).ToArray();
        var a = TopK.Select(scores, 10, 1, keys);
        var b = TopK.Select(scores, 10, 2, keys);
        a.ShouldNotBe(b);
        a.ShouldNotBe(Enumerable.Range(0, 10).ToArray());
        TopK.Select(scores, 10, 1, keys).ShouldBe(a);
    }

    [Fact]
    public void TopK_NaNScores_RankLast()
    {
        double[] scores = [double.NaN, 0.1, 0.9, double.NaN, 0.5];
        TopK.Select(scores, 3, 0, [0, 1, 2, 3, 4]).ShouldBe([2, 4, 1]);
    }
}

public sealed class StreamingScoreTests
{
    [Fact]
    public void Score_StreamedBlocks_EqualScoresFromCachedProbabilities()
    {
        var (x, y) = TestData.Blobs(5000, 4, 6, 3, spread: 2);
        var rows = Enumerable.Range(0, 200).ToArray();
        var model = new Sift.Learners.LogisticRegression().Fit(new Sift.Learners.TrainingSet(x, rows, rows.Select(i => y[i]).ToArray(), 4));
        var candidates = Enumerable.Range(200, 4800).ToArray();
        var streamed = new double[candidates.Length];
        new MarginSampling().Score(new QueryContext(x, candidates, 1) { Model = model, ClassCount = 4 }, streamed);
        var cachedContext = new QueryContext(x, candidates, 1) { Model = model, ClassCount = 4 };
        _ = cachedContext.CandidateProbabilities();
        var cached = new double[candidates.Length];
        new MarginSampling().Score(cachedContext, cached);
        streamed.ShouldBe(cached);
        cachedContext.ProbabilitiesAt(123).ShouldBe(cachedContext.CandidateProbabilities().Slice(123 * 4, 4).ToArray());
    }
}
