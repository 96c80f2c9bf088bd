using System.Text.Json.Serialization;
using Sift.Evidence;
using Sift.Metrics;

namespace Sift.Routing;

/// <summary>One audited answer: the confidence an oracle stated, and whether its label was right (by people or gold).</summary>
/// <param name="Confidence">The stated confidence, 0–1.</param>
/// <param name="Correct">Whether the label was right.</param>
public readonly record struct ConfidenceOutcome(double Confidence, bool Correct);

/// <summary>How an oracle's stated confidence is mapped to the probability that its label is right.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<CalibrationMethod>))]
public enum CalibrationMethod
{
    /// <summary>Isotonic regression by pool-adjacent-violators: monotone, no shape assumed (Zadrozny &amp; Elkan 2002).</summary>
    Isotonic,

    /// <summary>Platt scaling: a logistic curve in the logit of the stated confidence (Platt 1999).</summary>
    Platt,

    /// <summary>
    /// Beta calibration: logit P(right) = a·ln c − b·ln(1 − c) + m, a, b ≥ 0 (Kull, Silva Filho &amp; Flach 2017). Three
    /// parameters; contains the identity (a = b = 1, m = 0), Platt (a = b) and power maps such as an over-confident
    /// c = p^(1/3) near c = 1.
    /// </summary>
    Beta,
}

/// <summary>
/// A fitted map from an oracle's stated confidence to the probability that its label is right. Immutable and
/// thread-safe once fitted; refit (a new instance) as audits arrive.
/// </summary>
public interface IConfidenceCalibrator
{
    /// <summary>The method and the number of outcomes it was fitted on, for the record (<c>isotonic(n=240)</c>).</summary>
    string Describe();

    /// <summary>The calibrated probability that a label stated with <paramref name="confidence"/> is right, in [0, 1].</summary>
    double Map(double confidence);
}

/// <summary>Fits calibrators.</summary>
public static class ConfidenceCalibration
{
    /// <summary>Fits <paramref name="method"/> on <paramref name="outcomes"/>; with no outcomes the identity map is returned.</summary>
    /// <exception cref="ArgumentException">A confidence is not a number in [0, 1].</exception>
    public static IConfidenceCalibrator Fit(CalibrationMethod method, IReadOnlyList<ConfidenceOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var o in outcomes)
            if (!(o.Confidence >= 0 && o.Confidence <= 1)) throw new ArgumentException($"Confidence {o.Confidence} is not in [0, 1].", nameof(outcomes));
        if (outcomes.Count == 0) return IdentityCalibrator.Instance;
        return method switch
        {
            CalibrationMethod.Platt => PlattCalibrator.Fit(outcomes),
            CalibrationMethod.Beta => BetaCalibrator.Fit(outcomes.Select(o => o.Confidence).ToArray(), outcomes.Select(o => o.Correct ? 1.0 : 0.0).ToArray()),
            _ => IsotonicCalibrator.Fit(outcomes),
        };
    }

    /// <summary>
    /// Reliability bins of (confidence, outcome) pairs: <paramref name="bins"/> equal-width bins, bin m holding
    /// confidences in (m/M, (m+1)/M] (0 in the first), each with its mean confidence and share correct — the bins of
    /// <see cref="Calibration.Reliability"/> for an oracle's stated confidence in its own answer. Their expected calibration
    /// error is <see cref="Calibration.ExpectedCalibrationError(IReadOnlyList{ReliabilityBin})"/>.
    /// </summary>
    public static ReliabilityBin[] Reliability(IReadOnlyList<ConfidenceOutcome> outcomes, int bins = Calibration.DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var count = new int[bins];
        var confidence = new double[bins];
        var correct = new int[bins];
        foreach (var o in outcomes)
        {
            var b = Math.Clamp((int)Math.Ceiling(o.Confidence * bins) - 1, 0, bins - 1);
            count[b]++;
            confidence[b] += o.Confidence;
            if (o.Correct) correct[b]++;
        }
        var result = new ReliabilityBin[bins];
        for (var b = 0; b < bins; b++)
            result[b] = new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, count[b],
                count[b] == 0 ? double.NaN : confidence[b] / count[b], count[b] == 0 ? double.NaN : (double)correct[b] / count[b]);
        return result;
    }

    /// <summary>The expected calibration error of (confidence, outcome) pairs over <paramref name="bins"/> equal-width bins; NaN for none.</summary>
    public static double ExpectedCalibrationError(IReadOnlyList<ConfidenceOutcome> outcomes, int bins = Calibration.DefaultBins) =>
        Calibration.ExpectedCalibrationError(Reliability(outcomes, bins));
}

/// <summary>The map that changes nothing (no audits yet).</summary>
internal sealed class IdentityCalibrator : IConfidenceCalibrator
{
    public static IdentityCalibrator Instance { get; } = new();

    public string Describe() => "identity(n=0)";

    public double Map(double confidence) => Math.Clamp(confidence, 0, 1);
}

/// <summary>
/// Isotonic regression of outcome on stated confidence by pool-adjacent-violators (Ayer et al. 1955; for calibration,
/// Zadrozny &amp; Elkan 2002): the non-decreasing step function with least squared error. Tied confidences are pooled
/// first. Between two fitted points the map interpolates linearly, outside them it holds the end values (as
/// scikit-learn's IsotonicRegression with out_of_bounds='clip').
/// </summary>
public sealed class IsotonicCalibrator : IConfidenceCalibrator
{
    private readonly double[] _x;
    private readonly double[] _y;
    private readonly double[] _w;
    private readonly int _n;
    private readonly string _name;

    private IsotonicCalibrator(double[] x, double[] y, double[] w, int n, string name = "isotonic")
    {
        _x = x;
        _y = y;
        _w = w;
        _n = n;
        _name = name;
    }

    /// <summary>
    /// A calibrator from an already fitted isotonic sequence: <paramref name="sortedX"/> in increasing order (ties
    /// allowed) and its non-decreasing fitted values; a run of equal fitted values is one block (its size is the block's
    /// weight for <see cref="MapLower"/>).
    /// </summary>
    internal static IsotonicCalibrator FromFitted(double[] sortedX, double[] fitted, string name)
    {
        var n = sortedX.Length;
        var blockWeight = new double[n];
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && fitted[j + 1] == fitted[i]) j++;
            for (var t = i; t <= j; t++) blockWeight[t] = j - i + 1;
            i = j + 1;
        }
        var xs = new List<double>();
        var ys = new List<double>();
        var ws = new List<double>();
        for (var i = 0; i < n; i++)
        {
            if (xs.Count > 0 && xs[^1] == sortedX[i]) continue;
            xs.Add(sortedX[i]);
            ys.Add(fitted[i]);
            ws.Add(blockWeight[i]);
        }
        return new IsotonicCalibrator(xs.ToArray(), ys.ToArray(), ws.ToArray(), n, name);
    }

    /// <summary>The fitted points (distinct confidences and their fitted probability), in increasing confidence.</summary>
    public IReadOnlyList<(double Confidence, double Probability)> Points => _x.Zip(_y).ToList();

    /// <summary>Fits the map; at least one outcome.</summary>
    public static IsotonicCalibrator Fit(IReadOnlyList<ConfidenceOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0) throw new ArgumentException("At least one outcome is needed.", nameof(outcomes));
        var sorted = outcomes.OrderBy(o => o.Confidence).ToList();
        // Blocks: (sum of outcomes, weight, first x, last x); tied x start in one block.
        var sum = new List<double>();
        var weight = new List<double>();
        var xs = new List<double>();
        foreach (var o in sorted)
        {
            var y = o.Correct ? 1.0 : 0.0;
            if (xs.Count > 0 && xs[^1] == o.Confidence) { sum[^1] += y; weight[^1] += 1; }
            else { sum.Add(y); weight.Add(1); xs.Add(o.Confidence); }
        }
        // Pool adjacent violators with a stack of blocks, each block covering a run of distinct x.
        var bSum = new List<double>();
        var bWeight = new List<double>();
        var bCount = new List<int>();
        for (var i = 0; i < xs.Count; i++)
        {
            bSum.Add(sum[i]);
            bWeight.Add(weight[i]);
            bCount.Add(1);
            while (bSum.Count > 1 && bSum[^2] / bWeight[^2] > bSum[^1] / bWeight[^1])
            {
                bSum[^2] += bSum[^1];
                bWeight[^2] += bWeight[^1];
                bCount[^2] += bCount[^1];
                bSum.RemoveAt(bSum.Count - 1);
                bWeight.RemoveAt(bWeight.Count - 1);
                bCount.RemoveAt(bCount.Count - 1);
            }
        }
        var fitted = new double[xs.Count];
        var blockWeight = new double[xs.Count];
        var at = 0;
        for (var b = 0; b < bSum.Count; b++)
            for (var j = 0; j < bCount[b]; j++)
            {
                blockWeight[at] = bWeight[b];
                fitted[at++] = bSum[b] / bWeight[b];
            }
        return new IsotonicCalibrator(xs.ToArray(), fitted, blockWeight, outcomes.Count);
    }

    /// <inheritdoc />
    public string Describe() => FormattableString.Invariant($"{_name}(n={_n})");

    /// <inheritdoc />
    public double Map(double confidence) => Interpolate(confidence, _y);

    /// <summary>
    /// A pessimistic map: the lower end of the Wilson interval (<paramref name="z"/> standard errors) of the block each
    /// fitted point belongs to, interpolated the same way — low where few outcomes stand behind the fitted value.
    /// </summary>
    public double MapLower(double confidence, double z)
    {
        var lower = new double[_y.Length];
        for (var i = 0; i < lower.Length; i++)
        {
            var w = Math.Max(1, _w[i]);
            var successes = (int)Math.Round(_y[i] * w);
            lower[i] = ShareInterval.Wilson(Math.Clamp(successes, 0, (int)Math.Round(w)), (int)Math.Round(w), z).Low;
        }
        return Interpolate(confidence, lower);
    }

    private double Interpolate(double confidence, double[] y)
    {
        if (double.IsNaN(confidence)) return double.NaN;
        if (confidence <= _x[0]) return y[0];
        if (confidence >= _x[^1]) return y[^1];
        var i = Array.BinarySearch(_x, confidence);
        if (i >= 0) return y[i];
        var hi = ~i;
        var lo = hi - 1;
        var t = (confidence - _x[lo]) / (_x[hi] - _x[lo]);
        return y[lo] + t * (y[hi] - y[lo]);
    }
}

/// <summary>
/// Platt scaling: P(right | c) = σ(A·logit(c) + B), fitted by Newton's method on the log-loss with Platt's smoothed
/// targets (N₊ + 1)/(N₊ + 2) for right answers and 1/(N₋ + 2) for wrong ones (Platt 1999, "Probabilistic outputs for
/// support vector machines", §2.2). Confidences are clipped to [1e-6, 1 − 1e-6] before the logit.
/// </summary>
public sealed class PlattCalibrator : IConfidenceCalibrator
{
    private readonly int _n;

    private PlattCalibrator(double a, double b, int n)
    {
        A = a;
        B = b;
        _n = n;
    }

    /// <summary>Slope on the logit of the stated confidence (1 and <see cref="B"/> = 0: the identity).</summary>
    public double A { get; }

    /// <summary>Intercept.</summary>
    public double B { get; }

    /// <summary>Fits the curve; at least one outcome.</summary>
    public static PlattCalibrator Fit(IReadOnlyList<ConfidenceOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0) throw new ArgumentException("At least one outcome is needed.", nameof(outcomes));
        var positives = outcomes.Count(o => o.Correct);
        var negatives = outcomes.Count - positives;
        var hi = (positives + 1.0) / (positives + 2.0);
        var lo = 1.0 / (negatives + 2.0);
        var x = outcomes.Select(o => Logit(o.Confidence)).ToArray();
        var t = outcomes.Select(o => o.Correct ? hi : lo).ToArray();
        double a = 1, b = 0;
        for (var it = 0; it < 100; it++)
        {
            // Gradient and Hessian of Σ −[t log p + (1 − t) log(1 − p)], p = σ(a x + b); a small ridge keeps H invertible.
            double ga = 0, gb = 0, haa = 1e-12, hab = 0, hbb = 1e-12;
            for (var i = 0; i < x.Length; i++)
            {
                var p = Sigmoid(a * x[i] + b);
                var r = p - t[i];
                var w = p * (1 - p);
                ga += r * x[i];
                gb += r;
                haa += w * x[i] * x[i];
                hab += w * x[i];
                hbb += w;
            }
            var det = haa * hbb - hab * hab;
            if (Math.Abs(det) < 1e-300) break;
            var da = (hbb * ga - hab * gb) / det;
            var db = (haa * gb - hab * ga) / det;
            // Damped step: halve until the loss does not rise (Lin, Lin &amp; Weng 2007 note plain Newton can diverge).
            var before = Loss(a, b);
            var step = 1.0;
            while (step > 1e-10 && Loss(a - step * da, b - step * db) > before + 1e-12) step /= 2;
            a -= step * da;
            b -= step * db;
            if (Math.Abs(step * da) + Math.Abs(step * db) < 1e-12) break;
        }
        return new PlattCalibrator(a, b, outcomes.Count);

        double Loss(double a1, double b1)
        {
            double loss = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var z = a1 * x[i] + b1;
                // log(1 + e^z) − t z, computed stably.
                loss += (z > 0 ? z + double.LogP1(Math.Exp(-z)) : double.LogP1(Math.Exp(z))) - t[i] * z;
            }
            return loss;
        }
    }

    /// <inheritdoc />
    public string Describe() => FormattableString.Invariant($"platt(n={_n})");

    /// <inheritdoc />
    public double Map(double confidence) => double.IsNaN(confidence) ? double.NaN : Sigmoid(A * Logit(confidence) + B);

    internal static double Logit(double p)
    {
        var c = Math.Clamp(p, 1e-6, 1 - 1e-6);
        return Math.Log(c / (1 - c));
    }

    internal static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}

/// <summary>
/// Beta calibration (Kull, Silva Filho &amp; Flach 2017, "Beyond sigmoids"): logit P(right | c) = a·ln c − b·ln(1 − c) + m,
/// fitted by damped Newton on the log-loss (targets may be probabilities, as EM's are), a, b ≥ 0 — a feature whose
/// coefficient comes out negative is dropped and the rest refitted, as the paper's implementation does, so the map is
/// non-decreasing. Confidences are clipped to [1e-6, 1 − 1e-6].
/// </summary>
public sealed class BetaCalibrator : IConfidenceCalibrator
{
    private readonly int _n;
    private readonly string _name;

    private BetaCalibrator(double a, double b, double m, int n, string name)
    {
        A = a;
        B = b;
        M = m;
        _n = n;
        _name = name;
    }

    /// <summary>Coefficient of ln c.</summary>
    public double A { get; }

    /// <summary>Coefficient of −ln(1 − c).</summary>
    public double B { get; }

    /// <summary>Intercept.</summary>
    public double M { get; }

    /// <summary>Fits the map to confidences and targets in [0, 1] (1 = right); at least one pair.</summary>
    public static BetaCalibrator Fit(double[] confidences, double[] targets, string name = "beta")
    {
        ArgumentNullException.ThrowIfNull(confidences);
        ArgumentNullException.ThrowIfNull(targets);
        if (confidences.Length == 0 || confidences.Length != targets.Length) throw new ArgumentException("Confidences and targets must be non-empty and of one length.", nameof(targets));
        var x1 = confidences.Select(c => Math.Log(Math.Clamp(c, 1e-6, 1 - 1e-6))).ToArray();
        var x2 = confidences.Select(c => -Math.Log(1 - Math.Clamp(c, 1e-6, 1 - 1e-6))).ToArray();
        var use = new[] { true, true };
        double[] w = [];
        for (var attempt = 0; attempt < 3; attempt++)
        {
            w = Newton(x1, x2, targets, use);
            if (w[0] >= 0 && w[1] >= 0) break;
            if (w[0] < 0) use[0] = false;
            if (w[1] < 0) use[1] = false;
        }
        return new BetaCalibrator(Math.Max(0, w[0]), Math.Max(0, w[1]), w[2], confidences.Length, name);
    }

    private static double[] Newton(double[] x1, double[] x2, double[] t, bool[] use)
    {
        var n = t.Length;
        var w = new double[] { use[0] ? 1 : 0, use[1] ? 1 : 0, 0 };
        double Feature(int j, int i) => j == 0 ? (use[0] ? x1[i] : 0) : j == 1 ? (use[1] ? x2[i] : 0) : 1;
        double Loss(double[] v)
        {
            double loss = 0;
            for (var i = 0; i < n; i++)
            {
                var z = v[0] * Feature(0, i) + v[1] * Feature(1, i) + v[2];
                loss += (z > 0 ? z + double.LogP1(Math.Exp(-z)) : double.LogP1(Math.Exp(z))) - t[i] * z;
            }
            return loss + 1e-6 * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        }
        for (var it = 0; it < 100; it++)
        {
            var g = new double[3];
            var h = new double[3, 3];
            for (var j = 0; j < 3; j++) h[j, j] = 2e-6;
            for (var i = 0; i < n; i++)
            {
                var z = w[0] * Feature(0, i) + w[1] * Feature(1, i) + w[2];
                var p = PlattCalibrator.Sigmoid(z);
                var r = p - t[i];
                var v = p * (1 - p);
                for (var j = 0; j < 3; j++)
                {
                    var fj = Feature(j, i);
                    g[j] += r * fj;
                    for (var l = 0; l < 3; l++) h[j, l] += v * fj * Feature(l, i);
                }
            }
            for (var j = 0; j < 3; j++)
            {
                g[j] += 2e-6 * w[j];
                if (j < 2 && !use[j]) { h[j, j] = 1; g[j] = 0; for (var l = 0; l < 3; l++) if (l != j) { h[j, l] = 0; h[l, j] = 0; } }
            }
            var d = Solve3(h, g);
            if (d is null) break;
            var before = Loss(w);
            var step = 1.0;
            double[] next;
            while (true)
            {
                next = [w[0] - step * d[0], w[1] - step * d[1], w[2] - step * d[2]];
                if (Loss(next) <= before + 1e-12 || step < 1e-10) break;
                step /= 2;
            }
            var moved = Math.Abs(next[0] - w[0]) + Math.Abs(next[1] - w[1]) + Math.Abs(next[2] - w[2]);
            w = next;
            if (moved < 1e-10) break;
        }
        return w;
    }

    private static double[]? Solve3(double[,] a, double[] b)
    {
        // Gaussian elimination with partial pivoting on a 3×3 system.
        var m = new double[3, 4];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++) m[i, j] = a[i, j];
            m[i, 3] = b[i];
        }
        for (var c = 0; c < 3; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < 3; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
            if (Math.Abs(m[pivot, c]) < 1e-300) return null;
            if (pivot != c) for (var j = 0; j < 4; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            for (var r = 0; r < 3; r++)
            {
                if (r == c) continue;
                var f = m[r, c] / m[c, c];
                for (var j = c; j < 4; j++) m[r, j] -= f * m[c, j];
            }
        }
        return [m[0, 3] / m[0, 0], m[1, 3] / m[1, 1], m[2, 3] / m[2, 2]];
    }

    /// <inheritdoc />
    public string Describe() => FormattableString.Invariant($"{_name}(n={_n})");

    /// <inheritdoc />
    public double Map(double confidence)
    {
        if (double.IsNaN(confidence)) return double.NaN;
        var c = Math.Clamp(confidence, 1e-6, 1 - 1e-6);
        return PlattCalibrator.Sigmoid(A * Math.Log(c) - B * Math.Log(1 - c) + M);
    }
}

/// <summary>A share with its Wilson score interval.</summary>
/// <param name="Estimate">The share (NaN for no trials).</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
/// <param name="Trials">How many trials it rests on.</param>
public readonly record struct ShareInterval(double Estimate, double Low, double High, int Trials)
{
    /// <summary>The Wilson score interval (Wilson 1927; Brown, Cai &amp; DasGupta 2001) for <paramref name="successes"/> of <paramref name="trials"/>; z = 1.96 for 95%.</summary>
    public static ShareInterval Wilson(int successes, int trials, double z = 1.96)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, successes);
        if (trials == 0) return new(double.NaN, 0, 1, 0);
        var p = (double)successes / trials;
        var z2 = z * z;
        var centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
        var half = z / (1 + z2 / trials) * Math.Sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials));
        return new(p, Math.Max(0, centre - half), Math.Min(1, centre + half), trials);
    }
}
