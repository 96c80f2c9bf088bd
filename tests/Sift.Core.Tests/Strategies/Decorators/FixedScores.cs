using Sift.Features;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

/// <summary>A scored strategy with a fixed score per pool index, for hand-made decorator tests.</summary>
internal sealed class FixedScores(double[] byPoolIndex) : ScoredStrategy
{
    public override string Name => "fixed";

    public override void Score(QueryContext context, Span<double> scores)
    {
        for (var i = 0; i < scores.Length; i++) scores[i] = byPoolIndex[context.Candidates[i]];
    }

    /// <summary>A context over <paramref name="rows"/> dense vectors, every row a candidate.</summary>
    public static QueryContext Context(float[][] rows, ulong seed = 1, bool embeddings = true)
    {
        var x = new DenseMatrix(rows.Length, rows[0].Length, rows.SelectMany(r => r).ToArray());
        return new QueryContext(x, Enumerable.Range(0, rows.Length).ToArray(), seed) { Embeddings = embeddings ? x : null };
    }
}
