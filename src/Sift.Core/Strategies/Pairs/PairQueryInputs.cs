using Sift.Features;
using Sift.Preferences;

namespace Sift.Strategies;

/// <summary>
/// What the pair strategies (<see cref="PairUncertaintySampling"/>, <see cref="PairDOptimalSampling"/>) read when the
/// pool holds pairwise comparisons: the feature difference of every pair and the current reward model. Set as
/// <see cref="QueryContext.Pairs"/>. Immutable.
/// </summary>
public sealed class PairQueryInputs
{
    /// <summary>Creates the inputs.</summary>
    /// <param name="differences">φ(prompt, A) − φ(prompt, B) for every pool item (row = pool index), e.g. from <see cref="PairFeatures.Differences"/>.</param>
    public PairQueryInputs(DenseMatrix differences)
    {
        ArgumentNullException.ThrowIfNull(differences);
        Differences = differences;
    }

    /// <summary>Feature difference of every pair of the pool (row = pool index).</summary>
    public DenseMatrix Differences { get; }

    /// <summary>The current reward model; null before the first fit (cold start).</summary>
    public BradleyTerryModel? Model { get; init; }

    /// <summary>
    /// The reward model's inverse regularisation strength (<see cref="BradleyTerryOptions.C"/>), so that the prior
    /// information of the D-optimal design (the identity, from ½‖w‖²) and the data's information (C·Σ I(Δ)·zzᵀ) are on
    /// the fit's scale. Default 1, the learner's default.
    /// </summary>
    public double C { get; init; } = 1.0;

    /// <summary>The inputs of <paramref name="context"/>, or a clear error naming the strategy that needs them.</summary>
    internal static PairQueryInputs Require(QueryContext context, string strategy)
    {
        var pairs = context.Pairs ?? throw new QueryException($"The strategy '{strategy}' chooses pairwise comparisons and needs a pool of pairs with their feature differences; this pool has none.");
        if (pairs.Differences.Rows < 1 || context.Candidates.Any(c => (uint)c >= (uint)pairs.Differences.Rows))
            throw new QueryException($"The strategy '{strategy}' found candidates outside the pair difference matrix ({pairs.Differences.Rows} rows).");
        return pairs;
    }
}
