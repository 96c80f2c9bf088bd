using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// Cost-sensitive selection: ranks by informativeness per unit labeling cost, inner score ÷ cost (return on
/// investment; Settles, Craven &amp; Friedland 2008, "Active learning with real annotation costs").
/// </summary>
/// <remarks>
/// <para>Costs come from <see cref="QueryContext.Costs"/>; when that is null every item costs 1 and the ranking is the
/// inner strategy's. A cost that is zero, negative or NaN is treated as the smallest positive cost in the pool (1 when
/// the pool has no positive cost), so a free item is the cheapest item, never an infinite score.</para>
/// <para>Inner scores are expected to be non-negative (higher = more informative). A negative inner score is
/// multiplied by the cost instead of divided, so a cheaper item never ranks below a dearer one with the same inner score.</para>
/// <para>Each reason is the inner strategy's reason for that item followed by "÷ cost C". It is obtained by asking the
/// inner strategy about the item alone, so for an inner score that depends on the whole candidate set (information
/// density) the quoted figure describes the item on its own. Instances are immutable and thread-safe when the inner
/// strategy is.</para>
/// </remarks>
public sealed class CostAwareDecorator : ScoredStrategy, INestedStrategy
{
    private readonly ScoredStrategy _inner;
    private readonly int _depth;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentException">The composition would nest deeper than <see cref="StrategyCatalog.MaxNesting"/>.</exception>
    public CostAwareDecorator(ScoredStrategy inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _depth = StrategyNesting.Wrap(inner, nameof(inner));
        _inner = inner;
    }

    int INestedStrategy.Depth => _depth;

    /// <inheritdoc />
    public override string Name => $"{_inner.Name}/cost";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?>(_inner.Parameters) { ["inner"] = _inner.Name };

    /// <inheritdoc />
    public override void Score(QueryContext context, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(context);
        _inner.Score(context, scores);
        if (context.Costs is not { } costs) return;
        var floor = SmallestPositive(costs);
        for (var i = 0; i < scores.Length; i++)
        {
            var c = Cost(costs[context.Candidates[i]], floor);
            scores[i] = scores[i] >= 0 ? scores[i] / c : scores[i] * c;
        }
    }

    /// <summary>The cost used for pool item <paramref name="index"/> in <paramref name="context"/>.</summary>
    public static double EffectiveCost(QueryContext context, int index)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Costs is { } costs ? Cost(costs[index], SmallestPositive(costs)) : 1.0;
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score)
    {
        var index = context.Candidates[position];
        var one = QueryContexts.WithCandidates(context, [index], context.Seed);
        var inner = _inner.Select(one, 1).Reasons[0];
        var op = score >= 0 ? "÷" : "×";
        return $"{inner} {op} cost {EffectiveCost(context, index).ToString("G4", CultureInfo.InvariantCulture)}";
    }

    private static double Cost(double cost, double floor) => cost > 0 ? cost : floor;

    private static double SmallestPositive(double[] costs)
    {
        var min = double.PositiveInfinity;
        foreach (var c in costs) if (c > 0 && c < min) min = c;
        return double.IsPositiveInfinity(min) ? 1.0 : min;
    }
}
