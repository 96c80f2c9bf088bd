using Sift.Routing;

namespace Sift.Core.Tests.Routing;

public sealed class NoisyLabelsTests
{
    private static int Answer(Random random, int truth, double h, int classes)
    {
        if (random.NextDouble() < h) return truth;
        var other = random.Next(classes - 1);
        return other >= truth ? other + 1 : other;
    }

    [Theory]
    [InlineData(2, 0.9)]
    [InlineData(5, 0.85)]
    [InlineData(8, 0.95)]
    public void TwoRaterAccuracy_SyntheticPairs_RecoversTheAccuracy(int classes, double h)
    {
        var random = new Random(7);
        const int pairs = 20_000;
        var agree = 0;
        for (var i = 0; i < pairs; i++)
        {
            var truth = random.Next(classes);
            if (Answer(random, truth, h, classes) == Answer(random, truth, h, classes)) agree++;
        }
        NoisyLabels.TwoRaterAccuracy(agree, pairs, classes).ShouldBe(h, 0.01);
    }

    [Fact]
    public void TwoRaterAccuracy_Edges_ChanceAndCertainty()
    {
        NoisyLabels.TwoRaterAccuracy(10, 10, 3).ShouldBe(1, 1e-12);
        NoisyLabels.TwoRaterAccuracy(0, 10, 3).ShouldBe(1.0 / 3, 1e-12); // below chance agreement: chance
        NoisyLabels.TwoRaterAccuracy(0, 0, 3).ShouldBe(double.NaN);
    }

    /// <summary>
    /// Items with c uniform in [0.5, 1], the model right with probability c (honest confidence); people right with
    /// probability h. Every item has one person, and a second person is asked either for a random share or only when
    /// the first disagreed with the model (an adaptive design, which the latent-class likelihood must survive).
    /// </summary>
    private static (List<ResolvedItem> Items, List<ConfidenceOutcome> Raw) Synthetic(int classes, double h, bool adaptive, int seed)
    {
        var random = new Random(seed);
        var items = new List<ResolvedItem>();
        var raw = new List<ConfidenceOutcome>();
        for (var i = 0; i < 20_000; i++)
        {
            var c = 0.5 + 0.5 * random.NextDouble();
            var truth = random.Next(classes);
            var model = random.NextDouble() < c ? truth : (truth + 1 + random.Next(classes - 1)) % classes;
            var people = new List<int> { Answer(random, truth, h, classes) };
            var second = adaptive ? people[0] != model : random.NextDouble() < 0.2;
            if (second) people.Add(Answer(random, truth, h, classes));
            items.Add(new ResolvedItem(c, model, people));
            raw.Add(new ConfidenceOutcome(c, people[0] == model));
        }
        return (items, raw);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_NoisyPeople_CorrectedCalibratorIsUnbiasedWhereTheRawOneIsNot(bool adaptive)
    {
        const int classes = 4;
        const double h = 0.85;
        var (items, raw) = Synthetic(classes, h, adaptive, adaptive ? 11 : 12);
        var rawMap = ConfidenceCalibration.Fit(CalibrationMethod.Isotonic, raw);
        var fit = NoisyLabels.Fit(items, classes, startAccuracy: 0.7);

        fit.PersonAccuracy.ShouldBe(h, 0.015);
        foreach (var c in new[] { 0.6, 0.75, 0.9, 0.97 })
        {
            // The raw map is pulled towards h·c + (1 − c)(1 − h)/(K − 1): at 0.97 about 0.83, 14 points low.
            var agreement = c * h + (1 - c) * (1 - h) / (classes - 1);
            rawMap.Map(c).ShouldBe(agreement, 0.04);
            (c - rawMap.Map(c)).ShouldBeGreaterThan(0.04);
            fit.Calibrator.Map(c).ShouldBe(c, 0.035);
        }
        fit.Calibrator.Describe().ShouldBe("isotonic-corrected(n=20000)");
    }

    [Fact]
    public void Fit_Beta_NoisyPeople_RecoversAnOverconfidentPowerMap()
    {
        // Stated c = p^(1/3) (the over-confident profile): the corrected beta map recovers p = c³ near the top.
        const int classes = 3;
        const double h = 0.9;
        var random = new Random(21);
        var items = new List<ResolvedItem>();
        for (var i = 0; i < 20_000; i++)
        {
            var p = 0.3 + 0.7 * Math.Sqrt(random.NextDouble());
            var c = Math.Cbrt(p);
            var truth = random.Next(classes);
            var model = random.NextDouble() < p ? truth : (truth + 1 + random.Next(classes - 1)) % classes;
            var people = new List<int> { Answer(random, truth, h, classes) };
            if (random.NextDouble() < 0.2) people.Add(Answer(random, truth, h, classes));
            items.Add(new ResolvedItem(c, model, people));
        }
        var fit = NoisyLabels.Fit(items, classes, 0.8, method: CalibrationMethod.Beta);
        fit.PersonAccuracy.ShouldBe(h, 0.015);
        fit.Calibrator.Describe().ShouldBe("beta-corrected(n=20000)");
        foreach (var p in new[] { 0.7, 0.85, 0.95, 0.99 }) fit.Calibrator.Map(Math.Cbrt(p)).ShouldBe(p, 0.03);
    }

    [Fact]
    public void BetaCalibrator_HonestConfidence_NearTheIdentity()
    {
        var random = new Random(4);
        var c = Enumerable.Range(0, 20_000).Select(_ => 0.5 + 0.5 * random.NextDouble()).ToArray();
        var y = c.Select(p => random.NextDouble() < p ? 1.0 : 0.0).ToArray();
        var beta = BetaCalibrator.Fit(c, y);
        foreach (var p in new[] { 0.6, 0.8, 0.95 }) beta.Map(p).ShouldBe(p, 0.02);
        beta.A.ShouldBeGreaterThanOrEqualTo(0);
        beta.B.ShouldBeGreaterThanOrEqualTo(0);
        ConfidenceCalibration.Fit(CalibrationMethod.Beta, [new ConfidenceOutcome(0.9, true), new ConfidenceOutcome(0.6, false)]).Describe().ShouldBe("beta(n=2)");
    }

    [Fact]
    public void Fit_BadInput_ClearError()
    {
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([], 2, 0.9));
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([new ResolvedItem(0.5, 0, [])], 2, 0.9)).Message.ShouldContain("person's answer");
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([new ResolvedItem(1.5, 0, [0])], 2, 0.9)).Message.ShouldContain("not in [0, 1]");
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([new ResolvedItem(0.5, 2, [0])], 2, 0.9)).Message.ShouldContain("not a class");
    }
}
