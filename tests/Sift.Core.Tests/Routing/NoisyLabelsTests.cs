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

    /// <summary>
    /// A known joint accuracy surface over two strata: in stratum 1 the model is right with probability c, in stratum 2
    /// with probability c − 0.4 (at least 0.05). People at h = 0.9 answer once, a random fifth twice.
    /// </summary>
    private const int StratumA = 1;
    private const int StratumB = 2;

    private static double Surface(double c, int stratum) => stratum == StratumA ? c : Math.Max(0.05, c - 0.4);

    private static List<ResolvedItem> StratifiedSynthetic(int classes, double h, int seed)
    {
        var random = new Random(seed);
        var items = new List<ResolvedItem>();
        for (var i = 0; i < 30_000; i++)
        {
            var c = 0.4 + 0.6 * random.NextDouble();
            var stratum = random.NextDouble() < 0.7 ? StratumA : StratumB;
            var truth = random.Next(classes);
            var model = random.NextDouble() < Surface(c, stratum) ? truth : (truth + 1 + random.Next(classes - 1)) % classes;
            var people = new List<int> { Answer(random, truth, h, classes) };
            if (random.NextDouble() < 0.2) people.Add(Answer(random, truth, h, classes));
            items.Add(new ResolvedItem(c, model, people, stratum));
        }
        return items;
    }

    [Fact]
    public void Fit_ByStratum_RecoversAKnownJointAccuracySurface()
    {
        const int classes = 3;
        var items = StratifiedSynthetic(classes, 0.9, 31);
        var fit = NoisyLabels.Fit(items, classes, 0.8, byStratum: true);
        var pooled = NoisyLabels.Fit(items, classes, 0.8);

        fit.PersonAccuracy.ShouldBe(0.9, 0.015);
        fit.Strata.Keys.Order().ShouldBe([StratumA, StratumB]);
        foreach (var c in new[] { 0.55, 0.7, 0.85, 0.97 })
            foreach (var s in new[] { StratumA, StratumB })
                fit.Strata[s].Map(c).ShouldBe(Surface(c, s), 0.05, $"c = {c}, stratum {s}"); // measured: within 0.045 (0.406 for 0.45 at c = 0.85 in the low stratum)
        // The one-input map blends the strata: at the top it is about 0.7·0.97 + 0.3·0.57, 12 points off either surface.
        (Surface(0.97, StratumA) - pooled.Calibrator.Map(0.97)).ShouldBeGreaterThan(0.08);
        (pooled.Calibrator.Map(0.97) - Surface(0.97, StratumB)).ShouldBeGreaterThan(0.2);
        fit.Calibrator.Describe().ShouldBe("isotonic-corrected-by-learner(n=30000)");
    }

    [Theory]
    [InlineData(2, 41)]
    [InlineData(4, 42)]
    public void Fit_ByStratum_MonotoneInStatedConfidenceWithinEachStratum(int classes, int seed)
    {
        var items = StratifiedSynthetic(classes, 0.85, seed).Take(3_000).ToList();
        var fit = NoisyLabels.Fit(items, classes, 0.8, byStratum: true);
        foreach (var map in fit.Strata.Values)
        {
            // (The pessimistic MapLower is not monotone: a small block above a large one can have the lower Wilson end.)
            var previous = double.NegativeInfinity;
            for (var c = 0.0; c <= 1.0; c += 0.005)
            {
                map.Map(c).ShouldBeGreaterThanOrEqualTo(previous - 1e-12);
                previous = map.Map(c);
            }
        }
    }

    [Fact]
    public void Fit_ByStratum_OneStratum_SameAsThePlainFit()
    {
        var (items, _) = Synthetic(3, 0.9, adaptive: false, seed: 5);
        var plain = NoisyLabels.Fit(items.Take(2_000).ToList(), 3, 0.8);
        var stratified = NoisyLabels.Fit(items.Take(2_000).ToList(), 3, 0.8, byStratum: true);
        stratified.Strata.Keys.ShouldBe([LearnerStrata.None]);
        foreach (var c in new[] { 0.55, 0.8, 0.99 }) stratified.Strata[LearnerStrata.None].Map(c).ShouldBe(plain.Calibrator.Map(c), 1e-12);
        stratified.Calibrator.Describe().ShouldBe(plain.Calibrator.Describe());
    }

    [Fact]
    public void LearnerStrata_Score_ProductOfOddsOrTheStatedConfidenceAlone()
    {
        var (score, stratum) = LearnerStrata.Score(0.9, [0.2f, 0.75f, 0.05f], 1, 3);
        stratum.ShouldBe(LearnerStrata.Combined);
        score.ShouldBe(0.9 * 0.75 / (0.9 * 0.75 + 0.1 * 0.25), 1e-6); // odds 9 × 3 = 27
        LearnerStrata.Score(0.9, [0.5f, 0.5f], 0, 2).Score.ShouldBe(0.9, 1e-6); // an undecided learner leaves c as it is
        LearnerStrata.Score(0.9, [0.95f, 0.05f], 1, 2).Score.ShouldBeLessThan(0.5); // a confident learner against the label outweighs c = 0.9
        LearnerStrata.Score(0.9, null, 0, 2).ShouldBe((0.9, LearnerStrata.None));
        LearnerStrata.Score(0.9, [0.5f, 0.5f], 0, 3).ShouldBe((0.9, LearnerStrata.None)); // not a row of this label set
        LearnerStrata.Score(0.9, [float.NaN, 0.5f], 0, 2).ShouldBe((0.9, LearnerStrata.None));
    }

    [Fact]
    public void Fit_BadInput_ClearError()
    {
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([], 2, 0.9));
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([new ResolvedItem(0.5, 0, [])], 2, 0.9)).Message.ShouldContain("person's answer");
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([new ResolvedItem(1.5, 0, [0])], 2, 0.9)).Message.ShouldContain("not in [0, 1]");
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([new ResolvedItem(0.5, 2, [0])], 2, 0.9)).Message.ShouldContain("not a class");
        Should.Throw<ArgumentException>(() => NoisyLabels.Fit([new ResolvedItem(0.5, 0, [0], -1)], 2, 0.9, byStratum: true)).Message.ShouldContain("negative");
    }
}
