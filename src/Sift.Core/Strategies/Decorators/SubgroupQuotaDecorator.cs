using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// Guarantees every subgroup a minimum share of each batch, so a strategy that ignores a rare group (a dialect, a
/// product line, a demographic) still labels some of it.
/// </summary>
/// <remarks>
/// <para>Groups come from <see cref="QueryContext.Groups"/>; a null group is the group "(none)" (and merges with a
/// group literally named so). Only groups present among the candidates count. With quota q = ⌊share × count⌋, each
/// group is owed min(q, its candidates) picks; each group's picks are the inner strategy's own top items when it is
/// asked to select from that group's candidates alone. The rest of the batch is then the inner strategy's selection
/// over all remaining candidates, which may add more items of any group — so a group gets at least its quota, and
/// exactly its quota when the inner strategy would pick none of it.</para>
/// <para>When the quotas add up to more than the batch, seats are dealt one at a time, round-robin, to groups in
/// order of fewest candidates first, then by group name (ordinal); a group leaves the round once it has its quota.
/// Every group thus gets ⌊count / groups⌋ or one more, rarest groups first.</para>
/// <para>Sub-selections run with the round's own seed, so the inner ranking restricted to a subset agrees with its
/// ranking over the whole pool. With no groups, or a share of 0, this is the inner strategy unchanged.
/// Instances are immutable and thread-safe when the inner strategy is.</para>
/// </remarks>
public sealed class SubgroupQuotaDecorator : IQueryStrategy, INestedStrategy
{
    /// <summary>The group name used for items whose group is null.</summary>
    public const string NoGroup = "(none)";

    private readonly IQueryStrategy _inner;
    private readonly int _depth;

    /// <summary>Wraps <paramref name="inner"/> with a minimum share per group in [0, 1].</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumShare"/> is outside [0, 1] or NaN.</exception>
    /// <exception cref="ArgumentException">The composition would nest deeper than <see cref="StrategyCatalog.MaxNesting"/>.</exception>
    public SubgroupQuotaDecorator(IQueryStrategy inner, double minimumShare)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (minimumShare is < 0 or > 1 || double.IsNaN(minimumShare))
            throw new ArgumentOutOfRangeException(nameof(minimumShare), "The minimum share must be in [0, 1].");
        _depth = StrategyNesting.Wrap(inner, nameof(inner));
        _inner = inner;
        MinimumShare = minimumShare;
    }

    int INestedStrategy.Depth => _depth;

    /// <summary>The minimum share of each batch owed to every group.</summary>
    public double MinimumShare { get; }

    /// <inheritdoc />
    public string Name => $"{_inner.Name}+quota";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters =>
        new Dictionary<string, object?>(_inner.Parameters) { ["minimumShare"] = MinimumShare, ["inner"] = _inner.Name };

    /// <summary>The per-group quota for a batch of <paramref name="count"/>: ⌊share × count⌋.</summary>
    public int Quota(int count) => (int)Math.Floor(MinimumShare * count);

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var quota = Quota(count);
        if (context.Groups is not { } groups || quota == 0) return _inner.Select(context, count);

        var members = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var i in context.Candidates)
        {
            var g = groups[i] ?? NoGroup;
            if (!members.TryGetValue(g, out var list)) members[g] = list = [];
            list.Add(i);
        }
        var seats = DealSeats(members, quota, count);

        var indices = new List<int>(count);
        var scores = new List<double>(count);
        var reasons = new List<string>(count);
        foreach (var (group, n) in seats)
        {
            var r = _inner.Select(QueryContexts.WithCandidates(context, members[group].ToArray(), context.Seed), n);
            indices.AddRange(r.Indices);
            scores.AddRange(r.Scores);
            var note = $"quota for group '{group}' ({n} of {count.ToString(CultureInfo.InvariantCulture)}): ";
            reasons.AddRange(r.Reasons.Select(x => note + x));
        }
        var rest = count - indices.Count;
        if (rest > 0)
        {
            var taken = indices.ToHashSet();
            var remaining = context.Candidates.Where(i => !taken.Contains(i)).ToArray();
            var r = indices.Count == 0 ? _inner.Select(context, rest) : _inner.Select(QueryContexts.WithCandidates(context, remaining, context.Seed), rest);
            indices.AddRange(r.Indices);
            scores.AddRange(r.Scores);
            reasons.AddRange(r.Reasons);
        }
        return new QueryResult(indices.ToArray(), scores.ToArray(), reasons.ToArray());
    }

    /// <summary>Quota seats per group, in dealing order; the total never exceeds <paramref name="count"/>.</summary>
    private static List<(string Group, int Seats)> DealSeats(Dictionary<string, List<int>> members, int quota, int count)
    {
        var order = members.OrderBy(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, Owed: Math.Min(quota, kv.Value.Count))).ToArray();
        var seats = new int[order.Length];
        var left = count;
        for (var dealt = true; dealt && left > 0;)
        {
            dealt = false;
            for (var g = 0; g < order.Length && left > 0; g++)
            {
                if (seats[g] >= order[g].Owed) continue;
                seats[g]++;
                left--;
                dealt = true;
            }
        }
        var result = new List<(string, int)>(order.Length);
        for (var g = 0; g < order.Length; g++) if (seats[g] > 0) result.Add((order[g].Key, seats[g]));
        return result;
    }
}
