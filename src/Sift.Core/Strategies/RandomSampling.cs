namespace Sift.Strategies;

/// <summary>Uniform random sampling without replacement: the control every other strategy is measured against.</summary>
public sealed class RandomSampling : IRankingStrategy
{
    /// <inheritdoc />
    public string Name => "random";

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        // Rank candidates by a seeded key of their pool index, so the draw does not depend on candidate order.
        var seed = Seeds.Mix(context.Seed, "random");
        var keys = new double[context.Candidates.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = Seeds.Uniform(seed, context.Candidates[i]);
        var top = TopK.Select(keys, count, seed, context.Candidates);
        return new QueryResult(
            top.Select(p => context.Candidates[p]).ToArray(),
            top.Select(p => keys[p]).ToArray(),
            top.Select(_ => "drawn uniformly at random").ToArray());
    }
}
