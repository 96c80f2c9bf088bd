using System.Numerics.Tensors;

namespace Sift.Learners;

/// <summary>Result of an L-BFGS run.</summary>
/// <param name="Iterations">Iterations taken.</param>
/// <param name="Evaluations">Objective/gradient evaluations.</param>
/// <param name="Value">Final objective value.</param>
/// <param name="GradientNorm">Final max-norm of the gradient.</param>
/// <param name="Converged">True when the gradient tolerance was reached (rather than the iteration cap or a stalled line search).</param>
public readonly record struct LbfgsResult(int Iterations, int Evaluations, double Value, double GradientNorm, bool Converged);

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright 2006, Alg. 7.4 two-loop recursion) with a backtracking
/// Armijo line search using quadratic/cubic interpolation. Deterministic; allocates its history once.
/// </summary>
public static class Lbfgs
{
    /// <summary>Evaluates the objective at <c>x</c>, writes its gradient to <c>gradient</c>, returns its value.</summary>
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>Minimises <paramref name="objective"/> starting from (and overwriting) <paramref name="x"/>.</summary>
    /// <param name="objective">The function and its gradient.</param>
    /// <param name="x">Start point; holds the solution on return.</param>
    /// <param name="maxIterations">Iteration cap.</param>
    /// <param name="gradientTolerance">Stop when max |gᵢ| ≤ this (scipy's <c>pgtol</c>).</param>
    /// <param name="memory">History pairs kept. Default 10.</param>
    /// <param name="cancellationToken">Checked once per iteration.</param>
    public static LbfgsResult Minimize(Objective objective, Span<double> x, int maxIterations, double gradientTolerance,
        int memory = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var n = x.Length;
        // History pairs are allocated when first stored, and every work vector is written before it is read, so none
        // is zeroed: on a 20-class, 300k-feature model each vector is ~50 MB and a warm refit stores only a few pairs.
        var s = new double[memory][];
        var y = new double[memory][];
        var rho = new double[memory];
        var alpha = new double[memory];
        var g = GC.AllocateUninitializedArray<double>(n);
        var gNew = GC.AllocateUninitializedArray<double>(n);
        var d = GC.AllocateUninitializedArray<double>(n);
        var xNew = GC.AllocateUninitializedArray<double>(n);
        var f = objective(x, g);
        var evaluations = 1;
        var stored = 0;
        var head = 0;
        var iteration = 0;
        var gnorm = MaxAbs(g);
        if (gnorm <= gradientTolerance) return new LbfgsResult(0, evaluations, f, gnorm, true);
        while (iteration < maxIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iteration++;
            // Two-loop recursion: d = -H g.
            for (var i = 0; i < n; i++) d[i] = -g[i];
            for (var k = 0; k < stored; k++)
            {
                var j = (head - 1 - k + memory) % memory;
                alpha[j] = rho[j] * Dot(s[j], d);
                Axpy(-alpha[j], y[j], d);
            }
            var gamma = 1.0;
            if (stored > 0)
            {
                var last = (head - 1 + memory) % memory;
                gamma = Dot(s[last], y[last]) / Dot(y[last], y[last]);
            }
            else
            {
                gamma = 1.0 / Math.Max(1.0, Norm2(g));
            }
            for (var i = 0; i < n; i++) d[i] *= gamma;
            for (var k = stored - 1; k >= 0; k--)
            {
                var j = (head - 1 - k + memory) % memory;
                var beta = rho[j] * Dot(y[j], d);
                Axpy(alpha[j] - beta, s[j], d);
            }
            var slope = Dot(g, d);
            if (slope >= 0)
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                stored = 0;
                for (var i = 0; i < n; i++) d[i] = -g[i] / Math.Max(1.0, Norm2(g));
                slope = Dot(g, d);
            }

            // Backtracking line search with the Armijo condition.
            var step = 1.0;
            double fNew;
            var accepted = false;
            var prevStep = 0.0;
            var prevF = 0.0;
            for (var ls = 0; ls < 40; ls++)
            {
                for (var i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
                fNew = objective(xNew, gNew);
                evaluations++;
                if (double.IsFinite(fNew) && fNew <= f + 1e-4 * step * slope)
                {
                    accepted = true;
                    FinishStep(ref f, fNew);
                    break;
                }
                double next;
                if (!double.IsFinite(fNew)) next = step * 0.1;
                else if (ls == 0)
                {
                    // Minimiser of the quadratic through f, slope and fNew.
                    next = -slope * step * step / (2 * (fNew - f - slope * step));
                }
                else
                {
                    next = CubicStep(f, slope, step, fNew, prevStep, prevF);
                }
                prevStep = step;
                prevF = fNew;
                if (!double.IsFinite(next) || next < step * 0.1) next = step * 0.1;
                if (next > step * 0.5) next = step * 0.5;
                step = next;
            }
            if (!accepted) return new LbfgsResult(iteration, evaluations, f, gnorm, false);

            var slot = head;
            s[slot] ??= GC.AllocateUninitializedArray<double>(n);
            y[slot] ??= GC.AllocateUninitializedArray<double>(n);
            double sy = 0, yy = 0;
            for (var i = 0; i < n; i++)
            {
                var si = xNew[i] - x[i];
                var yi = gNew[i] - g[i];
                s[slot][i] = si;
                y[slot][i] = yi;
                sy += si * yi;
                yy += yi * yi;
            }
            xNew.AsSpan().CopyTo(x);
            gNew.AsSpan().CopyTo(g);
            if (sy > 1e-10 * yy)
            {
                rho[slot] = 1.0 / sy;
                head = (head + 1) % memory;
                stored = Math.Min(stored + 1, memory);
            }
            gnorm = MaxAbs(g);
            if (gnorm <= gradientTolerance) return new LbfgsResult(iteration, evaluations, f, gnorm, true);
        }
        return new LbfgsResult(iteration, evaluations, f, gnorm, false);

        static void FinishStep(ref double fRef, double value) => fRef = value;
    }

    private static double CubicStep(double f0, double g0, double a1, double f1, double a0, double fPrev)
    {
        // Cubic through (0, f0, g0), (a1, f1), (a0, fPrev) (Nocedal & Wright 2006, eq. 3.59).
        var d1 = f1 - f0 - g0 * a1;
        var d2 = fPrev - f0 - g0 * a0;
        var denom = a1 * a1 * a0 * a0 * (a1 - a0);
        if (denom == 0) return a1 * 0.5;
        var a = (a0 * a0 * d1 - a1 * a1 * d2) / denom;
        var b = (-a0 * a0 * a0 * d1 + a1 * a1 * a1 * d2) / denom;
        if (a == 0) return -g0 / (2 * b);
        var disc = b * b - 3 * a * g0;
        if (disc < 0) return a1 * 0.5;
        return (-b + Math.Sqrt(disc)) / (3 * a);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => TensorPrimitives.Dot(a, b);

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.MultiplyAdd(x, a, y, y);

    private static double Norm2(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    private static double MaxAbs(ReadOnlySpan<double> a) => a.Length == 0 ? 0 : TensorPrimitives.MaxMagnitude(a) is var m ? Math.Abs(m) : 0;
}
