using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// For huge pools: runs the inner strategy on a seeded uniform subsample of at most <see cref="MaxCandidates"/>
/// candidates (small-text's <c>SubsamplingQueryStrategy</c>), trading a little selection quality for bounded cost.
/// </summary>
/// <remarks>
/// The subsample is drawn by a seeded key of each pool index, so it does not depend on candidate order and the same
/// seed draws the same subsample. When a batch asks for more than <see cref="MaxCandidates"/> items, the subsample is
/// enlarged to the batch size rather than failing. With no more candidates than the limit, the inner strategy sees
/// the whole pool. Instances are immutable and thread-safe when the inner strategy is.
/// </remarks>
public sealed class CandidateSubsampler : IQueryStrategy, INestedStrategy
{
    private readonly IQueryStrategy _inner;
    private readonly int _depth;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="maxCandidates"/> ≥ 1.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCandidates"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The composition would nest deeper than <see cref="StrategyCatalog.MaxNesting"/>.</exception>
    public CandidateSubsampler(IQueryStrategy inner, int maxCandidates)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCandidates, 1);
        _depth = StrategyNesting.Wrap(inner, nameof(inner));
        _inner = inner;
        MaxCandidates = maxCandidates;
    }

    int INestedStrategy.Depth => _depth;

    /// <summary>Largest number of candidates the inner strategy is shown.</summary>
    public int MaxCandidates { get; }

    /// <inheritdoc />
    public string Name => $"{_inner.Name}@{MaxCandidates.ToString(CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters =>
        new Dictionary<string, object?>(_inner.Parameters) { ["maxCandidates"] = MaxCandidates, ["inner"] = _inner.Name };

    /// <summary>
    /// The candidates the inner strategy is shown for a batch of <paramref name="count"/>, in candidate order:
    /// all of them, or a seeded uniform draw of max(<see cref="MaxCandidates"/>, count).
    /// </summary>
    public int[] Subsample(QueryContext context, int count)
    {
        ArgumentNullException.ThrowIfNull(context);
        var size = Math.Max(MaxCandidates, count);
        var candidates = context.Candidates;
        if (candidates.Length <= size) return candidates;
        var seed = Seeds.Mix(context.Seed, "subsample");
        var keys = new double[candidates.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = Seeds.Uniform(seed, candidates[i]);
        var top = TopK.Select(keys, size, seed, candidates);
        Array.Sort(top);
        return top.Select(p => candidates[p]).ToArray();
    }

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var subsample = Subsample(context, count);
        if (subsample.Length == context.Candidates.Length) return _inner.Select(context, count);
        var r = _inner.Select(QueryContexts.WithCandidates(context, subsample, context.Seed), count);
        var note = $" (from a random subsample of {subsample.Length.ToString(CultureInfo.InvariantCulture)} of {context.Candidates.Length.ToString(CultureInfo.InvariantCulture)} candidates)";
        return r with { Reasons = r.Reasons.Select(x => x + note).ToArray() };
    }
}
