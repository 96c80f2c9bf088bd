namespace Sift.Metrics;

/// <summary>One bin of a reliability diagram.</summary>
/// <param name="Lower">Lower edge (exclusive, except the first bin's 0).</param>
/// <param name="Upper">Upper edge (inclusive).</param>
/// <param name="Count">Items whose top-label confidence falls in the bin.</param>
/// <param name="Confidence">Mean top-label confidence of those items (NaN when empty).</param>
/// <param name="Accuracy">Share of those items predicted correctly (NaN when empty).</param>
public readonly record struct ReliabilityBin(double Lower, double Upper, int Count, double Confidence, double Accuracy);

/// <summary>
/// Calibration of predicted probabilities: expected calibration error and reliability bins over the top-label
/// confidence (Guo, Pleiss, Sun &amp; Weinberger 2017, "On Calibration of Modern Neural Networks", eq. 2–3), and
/// temperature scaling (ibid. §4.2). Probabilities are row-major, items × classes. Pure; thread-safe.
/// </summary>
public static class Calibration
{
    /// <summary>Bins of the expected calibration error by default: 15, as in Guo et al.</summary>
    public const int DefaultBins = 15;

    /// <summary>
    /// Reliability bins: <paramref name="bins"/> equal-width bins over (0, 1], bin m holding top-label confidences in
    /// (m/M, (m+1)/M] (a confidence of exactly 0 goes to the first bin). The predicted class is the arg-max (first on ties).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree, or fewer than one class or bin.</exception>
    public static ReliabilityBin[] Reliability(ReadOnlySpan<float> probabilities, int classes, ReadOnlySpan<int> truth, int bins = DefaultBins)
    {
        Check(probabilities, classes, truth);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var count = new int[bins];
        var confidence = new double[bins];
        var correct = new int[bins];
        for (var i = 0; i < truth.Length; i++)
        {
            var row = probabilities.Slice(i * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            double p = row[best];
            var b = Math.Clamp((int)Math.Ceiling(p * bins) - 1, 0, bins - 1);
            count[b]++;
            confidence[b] += p;
            if (best == truth[i]) correct[b]++;
        }
        var result = new ReliabilityBin[bins];
        for (var b = 0; b < bins; b++)
        {
            result[b] = new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, count[b],
                count[b] == 0 ? double.NaN : confidence[b] / count[b], count[b] == 0 ? double.NaN : (double)correct[b] / count[b]);
        }
        return result;
    }

    /// <summary>
    /// Expected calibration error: Σ_m |B_m|/n · |accuracy(B_m) − confidence(B_m)| over the <see cref="Reliability"/>
    /// bins (Guo et al. 2017, eq. 3). 0 is perfectly calibrated; NaN for no items.
    /// </summary>
    public static double ExpectedCalibrationError(ReadOnlySpan<float> probabilities, int classes, ReadOnlySpan<int> truth, int bins = DefaultBins) =>
        ExpectedCalibrationError(Reliability(probabilities, classes, truth, bins));

    /// <summary>The expected calibration error of reliability bins.</summary>
    public static double ExpectedCalibrationError(IReadOnlyList<ReliabilityBin> bins)
    {
        ArgumentNullException.ThrowIfNull(bins);
        var n = bins.Sum(b => b.Count);
        if (n == 0) return double.NaN;
        double ece = 0;
        foreach (var b in bins)
            if (b.Count > 0) ece += (double)b.Count / n * Math.Abs(b.Accuracy - b.Confidence);
        return ece;
    }

    /// <summary>
    /// Fits the temperature T that minimises the negative log-likelihood of softmax(log p / T) on held-out items
    /// (Guo et al. 2017 §4.2; logits are recovered from probabilities up to a per-row constant, which softmax ignores).
    /// The likelihood is convex in 1/T, so a golden-section search over log(1/T) in [ln 0.01, ln 100] finds the optimum.
    /// Probabilities below 1e-12 (classes never seen in training) count as 1e-12. Never fit on the evaluation set.
    /// </summary>
    /// <returns>T in [0.01, 100]; 1 when there are no items. T &gt; 1 softens over-confident predictions.</returns>
    /// <exception cref="ArgumentException">Lengths disagree, a label is out of range, or fewer than one class.</exception>
    public static double FitTemperature(ReadOnlySpan<float> probabilities, int classes, ReadOnlySpan<int> truth)
    {
        Check(probabilities, classes, truth);
        var n = truth.Length;
        if (n == 0) return 1;
        var logits = new double[n * classes];
        for (var i = 0; i < logits.Length; i++) logits[i] = Math.Log(Math.Max(probabilities[i], 1e-12));
        var labels = truth.ToArray();
        double Nll(double logBeta)
        {
            var beta = Math.Exp(logBeta);
            double total = 0;
            for (var i = 0; i < n; i++)
            {
                var row = logits.AsSpan(i * classes, classes);
                var max = double.NegativeInfinity;
                foreach (var z in row) max = Math.Max(max, beta * z);
                double sum = 0;
                foreach (var z in row) sum += Math.Exp(beta * z - max);
                total += max + Math.Log(sum) - beta * row[labels[i]];
            }
            return total;
        }
        // Golden-section search (Kiefer 1953) on a unimodal function.
        var invPhi = (Math.Sqrt(5) - 1) / 2;
        double a = Math.Log(0.01), b = Math.Log(100);
        var c = b - invPhi * (b - a);
        var d = a + invPhi * (b - a);
        double fc = Nll(c), fd = Nll(d);
        for (var it = 0; it < 100 && b - a > 1e-9; it++)
        {
            if (fc <= fd) { b = d; d = c; fd = fc; c = b - invPhi * (b - a); fc = Nll(c); }
            else { a = c; c = d; fc = fd; d = a + invPhi * (b - a); fd = Nll(d); }
        }
        return 1 / Math.Exp((a + b) / 2);
    }

    /// <summary>Applies temperature <paramref name="temperature"/>: each row becomes softmax(log p / T), written to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The temperature is not a finite number above 0, or the lengths disagree.</exception>
    public static void ApplyTemperature(ReadOnlySpan<float> probabilities, int classes, double temperature, Span<float> destination)
    {
        if (!double.IsFinite(temperature) || temperature <= 0) throw new ArgumentException("The temperature must be a finite number above 0.", nameof(temperature));
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (probabilities.Length % classes != 0 || destination.Length < probabilities.Length) throw new ArgumentException("Probability rows and destination disagree in length.", nameof(destination));
        var beta = 1 / temperature;
        var buffer = new double[classes];
        for (var i = 0; i < probabilities.Length / classes; i++)
        {
            var row = probabilities.Slice(i * classes, classes);
            var max = double.NegativeInfinity;
            for (var c = 0; c < classes; c++)
            {
                buffer[c] = row[c] > 0 ? beta * Math.Log(row[c]) : double.NegativeInfinity;
                max = Math.Max(max, buffer[c]);
            }
            double sum = 0;
            for (var c = 0; c < classes; c++) sum += buffer[c] = Math.Exp(buffer[c] - max);
            for (var c = 0; c < classes; c++) destination[i * classes + c] = (float)(buffer[c] / sum);
        }
    }

    private static void Check(ReadOnlySpan<float> probabilities, int classes, ReadOnlySpan<int> truth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (probabilities.Length != truth.Length * classes) throw new ArgumentException($"Expected {truth.Length} × {classes} probabilities, got {probabilities.Length}.", nameof(probabilities));
        foreach (var t in truth)
            if ((uint)t >= (uint)classes) throw new ArgumentException($"Label {t} is outside 0..{classes - 1}.", nameof(truth));
    }
}
