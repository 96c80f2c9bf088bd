using System.Globalization;

namespace Sift.Strategies;

/// <summary>Shared helpers for strategies that read the model's class probabilities.</summary>
public abstract class ProbabilityStrategy : ScoredStrategy
{
    /// <inheritdoc />
    public override void Score(QueryContext context, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(context);
        var k = context.Model?.ClassCount ?? 0;
        var result = new double[scores.Length];
        // Streams the probabilities block by block: a million-item pool never holds them all at once.
        context.ScanProbabilities((start, p) =>
        {
            var rows = p.Length / k;
            for (var i = 0; i < rows; i++) result[start + i] = Score(context, start + i, p.Slice(i * k, k));
        });
        result.CopyTo(scores);
    }

    /// <summary>Score of candidate <paramref name="position"/> given its probabilities; defaults to <see cref="Score(ReadOnlySpan{float})"/>.</summary>
    protected virtual double Score(QueryContext context, int position, ReadOnlySpan<float> p) => Score(p);

    /// <summary>Score of one probability vector.</summary>
    public abstract double Score(ReadOnlySpan<float> p);

    /// <summary>Name of class <paramref name="c"/> for reasons.</summary>
    protected static string ClassName(QueryContext context, int c) =>
        context.ClassNames is { } names && c < names.Count ? names[c] : c.ToString(CultureInfo.InvariantCulture);

    /// <summary>Indices of the largest and second-largest probabilities.</summary>
    public static (int First, int Second) TopTwo(ReadOnlySpan<float> p)
    {
        int a = -1, b = -1;
        for (var c = 0; c < p.Length; c++)
        {
            if (a < 0 || p[c] > p[a]) { b = a; a = c; }
            else if (b < 0 || p[c] > p[b]) b = c;
        }
        return (a, b < 0 ? a : b);
    }

    /// <summary>Probabilities of candidate <paramref name="position"/>.</summary>
    protected static ReadOnlySpan<float> Row(QueryContext context, int position) => context.ProbabilitiesAt(position);

    /// <summary>Formats a number for reasons.</summary>
    protected static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>Least confidence: score = 1 − max_c p(c|x) (Lewis &amp; Gale 1994; Settles 2009 §3.1). In [0, 1 − 1/K].</summary>
public sealed class LeastConfidenceSampling : ProbabilityStrategy
{
    /// <inheritdoc />
    public override string Name => "least-confidence";

    /// <inheritdoc />
    public override double Score(ReadOnlySpan<float> p)
    {
        float max = 0;
        foreach (var v in p) if (v > max) max = v;
        return 1.0 - max;
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score)
    {
        var (a, _) = TopTwo(Row(context, position));
        return $"least confident: top class '{ClassName(context, a)}' at p={F(1 - score)}";
    }
}

/// <summary>
/// Margin: score = 1 − (p₁ − p₂), the gap between the two most likely classes (Scheffer et al. 2001). In [0, 1];
/// ties between equal margins are broken at random by the seed.
/// </summary>
public sealed class MarginSampling : ProbabilityStrategy
{
    /// <inheritdoc />
    public override string Name => "margin";

    /// <inheritdoc />
    public override double Score(ReadOnlySpan<float> p)
    {
        var (a, b) = TopTwo(p);
        return 1.0 - ((double)p[a] - p[b]);
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score)
    {
        var (a, b) = TopTwo(Row(context, position));
        return $"margin {F(1 - score)} between '{ClassName(context, a)}' and '{ClassName(context, b)}'";
    }
}

/// <summary>Entropy: score = −Σ p log p in nats (Settles 2009 §3.1). In [0, ln K].</summary>
public sealed class EntropySampling : ProbabilityStrategy
{
    /// <inheritdoc />
    public override string Name => "entropy";

    /// <inheritdoc />
    public override double Score(ReadOnlySpan<float> p) => Entropy(p);

    /// <summary>Shannon entropy in nats; zero probabilities contribute 0.</summary>
    public static double Entropy(ReadOnlySpan<float> p)
    {
        double h = 0;
        foreach (var v in p) if (v > 0) h -= v * Math.Log(v);
        return Math.Max(0, h);
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score)
    {
        var p = Row(context, position);
        var (a, b) = TopTwo(p);
        return $"entropy {F(score)} nats (max {F(Math.Log(p.Length))}); leading '{ClassName(context, a)}' vs '{ClassName(context, b)}'";
    }
}
