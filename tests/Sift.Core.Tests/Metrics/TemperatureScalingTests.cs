using Sift.Metrics;
using Sift.Core.Tests.Support;

namespace Sift.Core.Tests.Metrics;

public sealed class TemperatureScalingTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void Fit_LabelsDrawnAtAKnownTemperature_RecoversIt(double temperature)
    {
        // Labels drawn from softmax(ℓ / T): the maximum-likelihood T is T itself, up to sampling noise.
        var rng = new Random(3);
        const int n = 6000, k = 3;
        var logits = new double[n * k];
        var labels = new int[n];
        var p = new double[k];
        for (var i = 0; i < n; i++)
        {
            for (var c = 0; c < k; c++) logits[i * k + c] = 2 * TestData.Gaussian(rng);
            TemperatureScaling.Apply(logits.AsSpan(i * k, k), temperature, p);
            var r = rng.NextDouble();
            labels[i] = r < p[0] ? 0 : r < p[0] + p[1] ? 1 : 2;
        }
        var fitted = TemperatureScaling.Fit(logits, k, labels);
        fitted.ShouldBe(temperature, temperature * 0.1);
        TemperatureScaling.NegativeLogLikelihood(logits, k, labels, fitted).ShouldBeLessThanOrEqualTo(TemperatureScaling.NegativeLogLikelihood(logits, k, labels, 1.0));
    }

    [Fact]
    public void Apply_AnyTemperature_KeepsTheOrderAndZeros()
    {
        double[] logits = [1.0, -0.5, double.NegativeInfinity, 3.0];
        var p = new double[4];
        foreach (var t in new[] { 0.3, 1.0, 4.0 })
        {
            TemperatureScaling.Apply(logits, t, p);
            p.Sum().ShouldBe(1, 1e-12);
            p[2].ShouldBe(0);
            p[3].ShouldBeGreaterThan(p[0]);
            p[0].ShouldBeGreaterThan(p[1]);
        }
        TemperatureScaling.Apply(logits, 1.0, p);
        p[3].ShouldBe(Math.Exp(3) / (Math.Exp(1) + Math.Exp(-0.5) + Math.Exp(3)), 1e-12);
    }

    [Fact]
    public void Fit_OnlyRuledOutLabels_ReturnsOne()
    {
        double[] logits = [0.0, double.NegativeInfinity, 1.0, double.NegativeInfinity];
        TemperatureScaling.Fit(logits, 2, [1, 1]).ShouldBe(1.0);
    }

    [Fact]
    public void Fit_PerfectlySeparated_HitsTheLowerBound()
    {
        double[] logits = [2.0, 0.0, 0.0, 2.0];
        TemperatureScaling.Fit(logits, 2, [0, 1]).ShouldBe(TemperatureScaling.MinTemperature);
    }

    [Fact]
    public void Fit_BadInput_Throws()
    {
        Should.Throw<ArgumentException>(() => TemperatureScaling.Fit([0.0, 1.0], 2, [2]));
        Should.Throw<ArgumentException>(() => TemperatureScaling.Fit([0.0, 1.0, 2.0], 2, [0]));
    }
}
