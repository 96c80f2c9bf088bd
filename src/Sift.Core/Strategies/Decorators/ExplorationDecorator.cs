using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// Spends a share ε of every batch on uniformly random candidates (blind-spot control, and an unbiased sample for
/// estimating accuracy on what the strategy would not pick). Exactly round(ε·count) picks are random; the wrapped
/// strategy chooses the rest first.
/// </summary>
public sealed class ExplorationDecorator : IQueryStrategy, INestedStrategy
{
    private readonly IQueryStrategy _inner;
    private readonly int _depth;

    /// <summary>Wraps <paramref name="inner"/> with exploration share <paramref name="epsilon"/> in [0, 1].</summary>
    /// <exception cref="ArgumentException">The composition would nest deeper than <see cref="StrategyCatalog.MaxNesting"/>.</exception>
    public ExplorationDecorator(IQueryStrategy inner, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (epsilon is < 0 or > 1 || double.IsNaN(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), "ε must be in [0, 1].");
        _depth = StrategyNesting.Wrap(inner, nameof(inner));
        _inner = inner;
        Epsilon = epsilon;
    }

    int INestedStrategy.Depth => _depth;

    /// <summary>The exploration share.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public string Name => $"{_inner.Name}+explore";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?>(_inner.Parameters) { ["epsilon"] = Epsilon, ["inner"] = _inner.Name };

    /// <summary>Number of random picks in a batch of <paramref name="count"/>.</summary>
    public int RandomShare(int count) => (int)Math.Round(Epsilon * count, MidpointRounding.AwayFromZero);

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var random = RandomShare(count);
        var chosen = count - random;
        var indices = new List<int>(count);
        var scores = new List<double>(count);
        var reasons = new List<string>(count);
        if (chosen > 0)
        {
            var r = _inner.Select(context, chosen);
            indices.AddRange(r.Indices);
            scores.AddRange(r.Scores);
            reasons.AddRange(r.Reasons);
        }
        if (random > 0)
        {
            var taken = indices.ToHashSet();
            var rest = context.Candidates.Where(i => !taken.Contains(i)).ToArray();
            var sub = new QueryContext(context.Features, rest, Seeds.Mix(context.Seed, "explore"));
            var r = new RandomSampling().Select(sub, random);
            indices.AddRange(r.Indices);
            scores.AddRange(r.Scores);
            reasons.AddRange(r.Indices.Select(_ => $"exploration: random share ε={Epsilon.ToString(CultureInfo.InvariantCulture)}"));
        }
        return new QueryResult(indices.ToArray(), scores.ToArray(), reasons.ToArray());
    }
}

/// <summary>
/// Hybrid: take the top <c>Factor × count</c> candidates of a scoring strategy, then let a diversity strategy choose
/// <c>count</c> of them (e.g. margin then k-center), so a batch is uncertain yet not redundant.
/// </summary>
public sealed class TopThenDiversify : IQueryStrategy, INestedStrategy
{
    private readonly ScoredStrategy _score;
    private readonly IQueryStrategy _diversify;
    private readonly int _depth;

    /// <summary>Creates the hybrid. <paramref name="factor"/> ≥ 1 (default 10).</summary>
    /// <exception cref="ArgumentException">The composition would nest deeper than <see cref="StrategyCatalog.MaxNesting"/>.</exception>
    public TopThenDiversify(ScoredStrategy score, IQueryStrategy diversify, int factor = 10)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(diversify);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        _depth = StrategyNesting.Wrap(score, nameof(score), diversify);
        _score = score;
        _diversify = diversify;
        Factor = factor;
    }

    int INestedStrategy.Depth => _depth;

    /// <summary>How many times the batch size is shortlisted.</summary>
    public int Factor { get; }

    /// <inheritdoc />
    public string Name => $"{_score.Name}-{_diversify.Name}";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?> { ["score"] = _score.Name, ["diversify"] = _diversify.Name, ["factor"] = Factor };

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var m = (int)Math.Min((long)count * Factor, context.Candidates.Length);
        var shortlist = _score.Select(context, m);
        var sub = QueryContexts.WithCandidates(context, shortlist.Indices, Seeds.Mix(context.Seed, "diversify"));
        var picked = _diversify.Select(sub, count);
        var rank = shortlist.Indices.Select((idx, pos) => (idx, pos)).ToDictionary(x => x.idx, x => x.pos);
        return new QueryResult(picked.Indices, picked.Scores,
            picked.Indices.Select((idx, t) => $"{shortlist.Reasons[rank[idx]]}; then {picked.Reasons[t]} (shortlist of {m})").ToArray());
    }
}
