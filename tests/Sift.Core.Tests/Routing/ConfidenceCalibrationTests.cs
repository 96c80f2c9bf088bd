using Sift.Routing;

namespace Sift.Core.Tests.Routing;

public sealed class ConfidenceCalibrationTests
{
    private static ConfidenceOutcome O(double c, int right) => new(c, right == 1);

    [Fact]
    public void Isotonic_OneViolation_PoolsTheViolatorsAndInterpolatesBetweenPoints()
    {
        // y = 0, 1, 0, 1, 1 at 0.1 … 0.5: the pair (1, 0) at 0.2, 0.3 violates monotonicity and pools to 0.5.
        var iso = IsotonicCalibrator.Fit([O(0.1, 0), O(0.2, 1), O(0.3, 0), O(0.4, 1), O(0.5, 1)]);
        iso.Points.Select(p => p.Probability).ShouldBe([0, 0.5, 0.5, 1, 1]);
        iso.Map(0.25).ShouldBe(0.5, 1e-12);
        iso.Map(0.35).ShouldBe(0.75, 1e-12); // halfway between (0.3, 0.5) and (0.4, 1)
        iso.Map(0.05).ShouldBe(0);           // clipped below
        iso.Map(0.9).ShouldBe(1);            // clipped above
        iso.Describe().ShouldBe("isotonic(n=5)");
    }

    [Fact]
    public void Isotonic_TiedConfidences_PooledFirst()
    {
        var iso = IsotonicCalibrator.Fit([O(0.2, 1), O(0.2, 0), O(0.2, 0), O(0.8, 1)]);
        iso.Points.ShouldBe([(0.2, 1.0 / 3), (0.8, 1.0)]);
        iso.Map(0.5).ShouldBe(2.0 / 3, 1e-12);
    }

    [Fact]
    public void Isotonic_DecreasingData_OneBlockAtTheMean()
    {
        var iso = IsotonicCalibrator.Fit([O(0.1, 1), O(0.5, 1), O(0.9, 0), O(0.95, 0)]);
        iso.Points.Select(p => p.Probability).ShouldAllBe(p => Math.Abs(p - 0.5) < 1e-12);
    }

    [Fact]
    public void Platt_TwoConfidenceLevels_SaturatedFitHitsPlattsSmoothedTargets()
    {
        // logit(0.5) = 0 with one right, one wrong; logit(σ(1)) = 1 with two right. N+ = 3, N− = 1, so targets are
        // 4/5 (right) and 1/3 (wrong): the fit is exact, σ(B) = (0.8 + 1/3)/2 and σ(A + B) = 0.8.
        var c1 = 1 / (1 + Math.Exp(-1));
        var platt = PlattCalibrator.Fit([O(0.5, 1), O(0.5, 0), O(c1, 1), O(c1, 1)]);
        var b = Math.Log((0.8 + 1.0 / 3) / 2 / (1 - (0.8 + 1.0 / 3) / 2));
        platt.B.ShouldBe(b, 1e-6);
        platt.A.ShouldBe(Math.Log(4) - b, 1e-6);
        platt.Map(0.5).ShouldBe((0.8 + 1.0 / 3) / 2, 1e-6);
        platt.Map(c1).ShouldBe(0.8, 1e-6);
        platt.Describe().ShouldBe("platt(n=4)");
    }

    [Fact]
    public void Fit_NoOutcomes_Identity()
    {
        var identity = ConfidenceCalibration.Fit(CalibrationMethod.Isotonic, []);
        identity.Map(0.73).ShouldBe(0.73);
        identity.Describe().ShouldBe("identity(n=0)");
        Should.Throw<ArgumentException>(() => ConfidenceCalibration.Fit(CalibrationMethod.Platt, [O(1.5, 1)]));
    }

    [Fact]
    public void ExpectedCalibrationError_HandComputed()
    {
        // 10 bins. (0.9, 1]: confidence 0.95, accuracy 0.5 → 2/4 · 0.45; (0.5, 0.6]: 0.55 vs 1 → 1/4 · 0.45;
        // (0.6, 0.7]: 0.65 vs 0 → 1/4 · 0.65. Sum 0.225 + 0.1125 + 0.1625 = 0.5.
        var outcomes = new[] { O(0.95, 1), O(0.95, 0), O(0.55, 1), O(0.65, 0) };
        ConfidenceCalibration.ExpectedCalibrationError(outcomes, bins: 10).ShouldBe(0.5, 1e-12);
        var bins = ConfidenceCalibration.Reliability(outcomes, bins: 10);
        bins[9].Count.ShouldBe(2);
        bins[9].Accuracy.ShouldBe(0.5);
        bins[0].Count.ShouldBe(0);
        double.IsNaN(bins[0].Confidence).ShouldBeTrue();
        double.IsNaN(ConfidenceCalibration.ExpectedCalibrationError([])).ShouldBeTrue();
    }

    [Fact]
    public void ExpectedCalibrationError_AfterIsotonicOnItsOwnData_IsZero()
    {
        var outcomes = Enumerable.Range(0, 200).Select(i => O(0.5 + i / 400.0, i % 3 == 0 ? 0 : 1)).ToList();
        var iso = IsotonicCalibrator.Fit(outcomes);
        var mapped = outcomes.Select(o => new ConfidenceOutcome(iso.Map(o.Confidence), o.Correct)).ToList();
        ConfidenceCalibration.ExpectedCalibrationError(mapped).ShouldBeLessThan(ConfidenceCalibration.ExpectedCalibrationError(outcomes));
    }

    [Fact]
    public void Wilson_EightOfTen_KnownInterval()
    {
        var w = ShareInterval.Wilson(8, 10);
        w.Estimate.ShouldBe(0.8);
        w.Low.ShouldBe(0.4902, 1e-4);
        w.High.ShouldBe(0.9433, 1e-4);
        ShareInterval.Wilson(0, 0).Trials.ShouldBe(0);
    }
}
