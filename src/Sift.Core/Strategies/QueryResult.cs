namespace Sift.Strategies;

/// <summary>
/// What a strategy chose: pool indices in pick order, each with the score that ranked it and a short reason.
/// </summary>
public sealed record QueryResult(int[] Indices, double[] Scores, string[] Reasons)
{
    /// <summary>Number of chosen items.</summary>
    public int Count => Indices.Length;

    /// <summary>
    /// Round-level facts a strategy wants in the evidence record (e.g. the arm a bandit chose and its rewards);
    /// an <c>"arm"</c> entry is also reported per round in simulation results. Null when there are none.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Details { get; init; }
}

/// <summary>A query strategy: scores the unlabeled candidates and picks a batch.</summary>
/// <remarks>
/// Implementations must return exactly <c>count</c> distinct indices drawn from
/// <see cref="QueryContext.Candidates"/>, be deterministic for a given <see cref="QueryContext.Seed"/>,
/// and throw <see cref="PoolExhaustedException"/> when fewer than <c>count</c> candidates remain.
/// </remarks>
public interface IQueryStrategy
{
    /// <summary>Registered name (as in <c>--strategy NAME</c>).</summary>
    string Name { get; }

    /// <summary>Parameters for the evidence record.</summary>
    IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?>();

    /// <summary>Picks <paramref name="count"/> items.</summary>
    QueryResult Select(QueryContext context, int count);
}
