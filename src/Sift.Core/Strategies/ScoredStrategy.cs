using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// Base for strategies that score every candidate independently and take the top <c>count</c>
/// (modAL's utility + selector split). Higher scores are picked first; exact ties are broken by a
/// seeded pseudo-random key, so the order is deterministic yet unbiased.
/// </summary>
public abstract class ScoredStrategy : IRankingStrategy
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public virtual IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?>();

    /// <summary>Writes one informativeness score per candidate (aligned with <see cref="QueryContext.Candidates"/>).</summary>
    public abstract void Score(QueryContext context, Span<double> scores);

    /// <summary>A short human-readable reason for picking candidate <paramref name="position"/>.</summary>
    protected virtual string Reason(QueryContext context, int position, double score) =>
        $"{Name} score {score.ToString("G4", CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        ArgumentNullException.ThrowIfNull(context);
        StrategyGuard.CheckCount(context, count);
        var scores = new double[context.Candidates.Length];
        Score(context, scores);
        var top = TopK.Select(scores, count, Seeds.Mix(context.Seed, "ties"), context.Candidates);
        var indices = new int[count];
        var chosen = new double[count];
        var reasons = new string[count];
        for (var i = 0; i < count; i++)
        {
            var pos = top[i];
            indices[i] = context.Candidates[pos];
            chosen[i] = scores[pos];
            reasons[i] = Reason(context, pos, scores[pos]);
        }
        return new QueryResult(indices, chosen, reasons);
    }
}

/// <summary>Checks shared by every strategy.</summary>
public static class StrategyGuard
{
    /// <summary>Throws for a non-positive count or when fewer candidates than asked for remain.</summary>
    public static void CheckCount(QueryContext context, int count)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (context.Candidates.Length < count) throw new PoolExhaustedException(count, context.Candidates.Length);
    }
}

/// <summary>Top-k selection by score with seeded tie-breaking; O(n log k).</summary>
public static class TopK
{
    /// <summary>
    /// Positions of the <paramref name="count"/> highest scores, best first. NaN scores rank last.
    /// Ties are broken by a pseudo-random key derived from <paramref name="tieSeed"/> and <paramref name="keys"/>
    /// (the pool index), so the same item wins a tie whatever the candidate order.
    /// </summary>
    public static int[] Select(ReadOnlySpan<double> scores, int count, ulong tieSeed, ReadOnlySpan<int> keys)
    {
        var heap = new PriorityQueue<int, (double Score, double Tie)>(count + 1, Comparer<(double Score, double Tie)>.Create(static (a, b) =>
        {
            var c = a.Score.CompareTo(b.Score);
            return c != 0 ? c : a.Tie.CompareTo(b.Tie);
        }));
        for (var i = 0; i < scores.Length; i++)
        {
            var s = double.IsNaN(scores[i]) ? double.NegativeInfinity : scores[i];
            var key = (s, Seeds.Uniform(tieSeed, keys[i]));
            if (heap.Count < count) heap.Enqueue(i, key);
            else if (heap.TryPeek(out _, out var min) && (key.s > min.Score || (key.s == min.Score && key.Item2 > min.Tie)))
                heap.EnqueueDequeue(i, key);
        }
        var result = new int[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--) result[i] = heap.Dequeue();
        return result;
    }
}
