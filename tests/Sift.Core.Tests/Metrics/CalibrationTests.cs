using Sift.Metrics;

namespace Sift.Core.Tests.Metrics;

public sealed class CalibrationTests
{
    [Fact]
    public void ExpectedCalibrationError_EachItemInItsOwnBin_MeanGapBetweenCorrectnessAndConfidence()
    {
        // Confidences 0.9 (right), 0.75 (wrong), 0.7 (right), 0.6 (right) fall in bins 13, 11, 10 and 9 of 15:
        // (|1 − 0.9| + |0 − 0.75| + |1 − 0.7| + |1 − 0.6|) / 4 = 1.55 / 4.
        float[] p = [0.9f, 0.1f, 0.75f, 0.25f, 0.3f, 0.7f, 0.6f, 0.4f];
        int[] truth = [0, 1, 1, 0];
        Calibration.ExpectedCalibrationError(p, 2, truth).ShouldBe(0.3875, 1e-6);
        var bins = Calibration.Reliability(p, 2, truth);
        bins.Length.ShouldBe(15);
        bins.Where(b => b.Count > 0).Select(b => (int)Math.Round(b.Lower * 15)).ShouldBe([9, 10, 11, 13]);
        bins[11].Accuracy.ShouldBe(0);
        bins[0].Count.ShouldBe(0);
        double.IsNaN(bins[0].Accuracy).ShouldBeTrue();
    }

    [Fact]
    public void ExpectedCalibrationError_TwoItemsInOneBin_GapOfTheBinsMeans()
    {
        // 0.62 (right) and 0.64 (wrong) share bin (0.6, 0.667]: |0.5 − 0.63| = 0.13.
        float[] p = [0.62f, 0.38f, 0.64f, 0.36f];
        Calibration.ExpectedCalibrationError(p, 2, [0, 1]).ShouldBe(0.13, 1e-6);
    }

    [Fact]
    public void ExpectedCalibrationError_ThreeClassesTopLabelOnly()
    {
        // Top-label confidences 0.5 (right) and 0.5 (right): bin (0.467, 0.533], accuracy 1, gap 0.5.
        float[] p = [0.5f, 0.3f, 0.2f, 0.2f, 0.3f, 0.5f];
        Calibration.ExpectedCalibrationError(p, 3, [0, 2]).ShouldBe(0.5, 1e-6);
    }

    [Fact]
    public void FitTemperature_OverConfidentByHand_TemperatureTwo()
    {
        // p = (0.9, 0.1) with class 0 right three times in four: the likelihood is best at q = 0.75, and
        // 1 / (1 + (1/9)^(1/T)) = 0.75 ⇔ (1/T)·ln 9 = ln 3 ⇔ T = 2.
        float[] p = [0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f];
        int[] truth = [0, 0, 0, 1];
        var t = Calibration.FitTemperature(p, 2, truth);
        t.ShouldBe(2, 1e-5);

        var scaled = new float[p.Length];
        Calibration.ApplyTemperature(p, 2, t, scaled);
        scaled[0].ShouldBe(0.75f, 1e-5f);
        scaled[1].ShouldBe(0.25f, 1e-5f);
        Calibration.ExpectedCalibrationError(scaled, 2, truth).ShouldBe(0, 1e-5);
    }

    [Fact]
    public void FitTemperature_AlreadyCalibrated_TemperatureOne()
    {
        // Confidence 0.75, right three times in four.
        float[] p = [0.75f, 0.25f, 0.75f, 0.25f, 0.75f, 0.25f, 0.75f, 0.25f];
        Calibration.FitTemperature(p, 2, [0, 0, 0, 1]).ShouldBe(1, 1e-5);
    }

    [Fact]
    public void FitTemperature_UnderConfident_BelowOne()
    {
        // Always right at confidence 0.6: sharpening (T < 1) only helps, so the search runs towards its bound 0.01.
        float[] p = [0.6f, 0.4f, 0.4f, 0.6f];
        Calibration.FitTemperature(p, 2, [0, 1]).ShouldBeLessThan(0.05);
    }

    [Fact]
    public void ApplyTemperature_NeverChangesThePredictedClass()
    {
        float[] p = [0.5f, 0.3f, 0.2f, 0.1f, 0.1f, 0.8f, 0.34f, 0.33f, 0.33f];
        foreach (var t in new[] { 0.2, 1, 3, 50 })
        {
            var scaled = new float[p.Length];
            Calibration.ApplyTemperature(p, 3, t, scaled);
            Classification.ArgMax(scaled, 3).ShouldBe(Classification.ArgMax(p, 3));
            for (var i = 0; i < 3; i++) scaled.Skip(3 * i).Take(3).Sum().ShouldBe(1, 1e-5);
        }
    }

    [Fact]
    public void FitTemperature_LabelOutOfRange_Throws() =>
        Should.Throw<ArgumentException>(() => Calibration.FitTemperature([0.5f, 0.5f], 2, [2]));
}
