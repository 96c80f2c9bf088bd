using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// <c>pair-uncertainty</c>: the comparisons whose outcome the current reward model is least sure of — the entropy (nats)
/// of its three-way prediction (A better, B better, tie), in [0, ln 3] (ln 2 for a model without ties). Under
/// Bradley–Terry and Davidson this ranks pairs by |Δ| = |u(A) − u(B)|, smallest first. Needs a trained model. For a
/// diversity guard, compose with <c>+dedup(cosine)</c> over the pair differences.
/// </summary>
public sealed class PairUncertaintySampling : ScoredStrategy
{
    /// <inheritdoc />
    public override string Name => "pair-uncertainty";

    /// <inheritdoc />
    public override void Score(QueryContext context, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pairs = PairQueryInputs.Require(context, Name);
        var model = pairs.Model ?? throw new QueryException($"The strategy '{Name}' needs a trained reward model, and none is available yet.");
        var result = new double[scores.Length];
        var candidates = context.Candidates;
        Parallelism.ForBlocks(candidates.Length, 1024, (start, length) =>
        {
            for (var i = start; i < start + length; i++)
            {
                var p = model.Predict(model.Difference(pairs.Differences, candidates[i]));
                result[i] = Entropy(p.A) + Entropy(p.B) + Entropy(p.Tie);
            }
        });
        result.CopyTo(scores);
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score)
    {
        var pairs = context.Pairs!;
        var p = pairs.Model!.Predict(pairs.Model.Difference(pairs.Differences, context.Candidates[position]));
        return string.Create(CultureInfo.InvariantCulture, $"uncertain preference: P(A≻B)={p.A:0.###}, P(B≻A)={p.B:0.###}, P(tie)={p.Tie:0.###}, entropy {score:0.###} nats");
    }

    private static double Entropy(double p) => p > 0 ? -p * Math.Log(p) : 0;
}
