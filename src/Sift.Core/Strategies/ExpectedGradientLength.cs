using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// Expected gradient length for softmax regression (Settles, Craven &amp; Ray 2008), in closed form: the gradient of the
/// log-loss for label y is (p − e_y) ⊗ [x, 1], whose norm is ‖p − e_y‖·√(‖x‖² + 1), so the expectation over the model's
/// own predictive distribution is √(‖x‖² + 1) · Σ_y p_y √(Σ_c p_c² − 2 p_y + 1). The L2 term is the same for every
/// candidate and is left out.
/// </summary>
public sealed class ExpectedGradientLengthSampling : ProbabilityStrategy
{
    /// <inheritdoc />
    public override string Name => "egl";

    /// <inheritdoc />
    protected override double Score(QueryContext context, int position, ReadOnlySpan<float> p) =>
        Math.Sqrt(context.Features.RowNormSquared(context.Candidates[position]) + 1.0) * Score(p);

    /// <summary>Σ_y p_y ‖p − e_y‖ for one probability vector (the input-independent factor).</summary>
    public override double Score(ReadOnlySpan<float> p)
    {
        double squares = 0;
        foreach (var v in p) squares += (double)v * v;
        double expected = 0;
        foreach (var v in p)
            if (v > 0) expected += v * Math.Sqrt(Math.Max(0, squares - 2.0 * v + 1.0));
        return expected;
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score) =>
        $"expected gradient length {score.ToString("0.###", CultureInfo.InvariantCulture)}";
}
