namespace Sift.Metrics;

/// <summary>
/// Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks", §4.2): one scalar T &gt; 0 that
/// divides a model's logits before the softmax, fitted by minimising the negative log-likelihood on a validation split.
/// It changes confidence, never the ranking of classes. Works on any K-class logits (log-probabilities are logits too);
/// −∞ entries are classes the model rules out and stay at probability 0. Stateless and thread-safe.
/// </summary>
public static class TemperatureScaling
{
    /// <summary>Smallest and largest temperature considered.</summary>
    public const double MinTemperature = 1e-3, MaxTemperature = 1e3;

    /// <summary>
    /// Fits T minimising Σᵢ sᵢ·(−log softmax(ℓᵢ / T)[yᵢ]). The objective is convex in 1/T, so a bisection on its
    /// derivative finds the optimum (to 1e-9 in log T) within [<see cref="MinTemperature"/>, <see cref="MaxTemperature"/>].
    /// Rows whose true class has logit −∞ carry no information about T and are skipped.
    /// </summary>
    /// <param name="logits">Row-major logits, rows × <paramref name="classes"/>.</param>
    /// <param name="classes">Classes per row (K ≥ 2).</param>
    /// <param name="labels">True class of each row.</param>
    /// <param name="weights">Optional per-row weights (empty = 1 each).</param>
    /// <returns>The temperature; 1 when no row is informative.</returns>
    /// <exception cref="ArgumentException">Lengths disagree, a label is out of range, or a weight is negative.</exception>
    public static double Fit(ReadOnlySpan<double> logits, int classes, ReadOnlySpan<int> labels, ReadOnlySpan<double> weights = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (logits.Length != labels.Length * classes) throw new ArgumentException("Logits must hold rows × classes values.", nameof(logits));
        if (!weights.IsEmpty && weights.Length != labels.Length) throw new ArgumentException("Weights and labels differ in length.", nameof(weights));
        var informative = false;
        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentException($"Label {labels[i]} is outside 0..{classes - 1}.", nameof(labels));
            if (!weights.IsEmpty && !(weights[i] >= 0)) throw new ArgumentException($"Weight {weights[i]} is negative.", nameof(weights));
            informative |= double.IsFinite(logits[i * classes + labels[i]]) && (weights.IsEmpty || weights[i] > 0);
        }
        if (!informative) return 1.0;

        // f(β) = Σ s·(lse(β·ℓ) − β·ℓ_y) with β = 1/T; f'(β) = Σ s·(E_softmax(βℓ)[ℓ] − ℓ_y) is increasing (f'' = Σ s·Var ≥ 0).
        double lo = Math.Log(1 / MaxTemperature), hi = Math.Log(1 / MinTemperature);
        if (Derivative(logits, classes, labels, weights, Math.Exp(lo)) >= 0) return MaxTemperature;
        if (Derivative(logits, classes, labels, weights, Math.Exp(hi)) <= 0) return MinTemperature;
        while (hi - lo > 1e-9)
        {
            var mid = (lo + hi) / 2;
            if (Derivative(logits, classes, labels, weights, Math.Exp(mid)) > 0) hi = mid;
            else lo = mid;
        }
        return 1 / Math.Exp((lo + hi) / 2);
    }

    /// <summary>softmax(ℓ / T) of one row into <paramref name="probabilities"/>.</summary>
    public static void Apply(ReadOnlySpan<double> logits, double temperature, Span<double> probabilities)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be positive.");
        if (probabilities.Length < logits.Length) throw new ArgumentException("The destination is too short.", nameof(probabilities));
        var m = double.NegativeInfinity;
        foreach (var v in logits) if (v > m) m = v;
        double z = 0;
        for (var c = 0; c < logits.Length; c++)
        {
            probabilities[c] = double.IsNegativeInfinity(logits[c]) ? 0 : Math.Exp((logits[c] - m) / temperature);
            z += probabilities[c];
        }
        for (var c = 0; c < logits.Length; c++) probabilities[c] /= z;
    }

    /// <summary>Mean negative log-likelihood of softmax(ℓ / T) (weighted), over the informative rows; for reporting.</summary>
    public static double NegativeLogLikelihood(ReadOnlySpan<double> logits, int classes, ReadOnlySpan<int> labels, double temperature, ReadOnlySpan<double> weights = default)
    {
        double sum = 0, total = 0;
        Span<double> p = stackalloc double[classes];
        for (var i = 0; i < labels.Length; i++)
        {
            var row = logits.Slice(i * classes, classes);
            if (!double.IsFinite(row[labels[i]])) continue;
            var s = weights.IsEmpty ? 1 : weights[i];
            Apply(row, temperature, p);
            sum -= s * Math.Log(p[labels[i]]);
            total += s;
        }
        return total > 0 ? sum / total : 0;
    }

    private static double Derivative(ReadOnlySpan<double> logits, int classes, ReadOnlySpan<int> labels, ReadOnlySpan<double> weights, double beta)
    {
        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = logits.Slice(i * classes, classes);
            var y = row[labels[i]];
            if (!double.IsFinite(y)) continue;
            var s = weights.IsEmpty ? 1 : weights[i];
            if (s == 0) continue;
            var m = double.NegativeInfinity;
            foreach (var v in row) if (v > m) m = v;
            double z = 0, mean = 0;
            foreach (var v in row)
            {
                if (double.IsNegativeInfinity(v)) continue;
                var e = Math.Exp(beta * (v - m));
                z += e;
                mean += e * v;
            }
            sum += s * (mean / z - y);
        }
        return sum;
    }
}
