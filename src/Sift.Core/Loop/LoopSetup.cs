using Sift.Features;
using Sift.Learners;
using Sift.Projects;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Loop;

/// <summary>
/// What stays the same across the rounds of one active-learning run: the featurised pool, the label schema, and the
/// injected parts (learner, strategy, stopping rule). Checked once, when the <see cref="ActiveLearningLoop"/> is made,
/// so that a strategy whose needs cannot be met fails before the first round.
/// </summary>
public sealed record LoopSetup
{
    /// <summary>The featurised pool (row = pool position); features are computed once per pool by the driver, not per round.</summary>
    public required FeaturizedData Features { get; init; }

    /// <summary>The label schema, in order; a label index is a position here.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Single-label (one label per item) or multi-label (any subset). Default single.</summary>
    public LabelMode Mode { get; init; } = LabelMode.Single;

    /// <summary>Fits the model each round (warm-started from the previous one) and the committee members.</summary>
    public required ILearner Learner { get; init; }

    /// <summary>
    /// The query strategy (single-label; required there). Multi-label runs are ranked by the mean one-vs-rest
    /// uncertainty and take no strategy. The instance may keep state across rounds (a bandit's weights).
    /// </summary>
    public IQueryStrategy? Strategy { get; init; }

    /// <summary>What the strategy needs computed (from its <see cref="StrategyDescriptor"/>). Default none.</summary>
    public StrategyNeeds Needs { get; init; }

    /// <summary>The stopping rule consulted after every fit.</summary>
    public required IStoppingRule Stop { get; init; }

    /// <summary>Members of the bootstrap committee, for strategies that need one. Default 5; at least 2 when needed.</summary>
    public int CommitteeSize { get; init; } = 5;

    /// <summary>Per-pool-item labeling cost, for cost-aware strategies; null when unknown.</summary>
    public double[]? Costs { get; init; }

    /// <summary>Per-pool-item subgroup, for quota strategies; null when unknown.</summary>
    public string?[]? Groups { get; init; }

    /// <summary>
    /// The pool holds pairwise comparisons: each row is a pair's feature difference φ_A − φ_B (a dense matrix, e.g. from
    /// <see cref="Preferences.PairFeaturizer"/>), the labels are <see cref="Items.PairLabels.All"/> in that order, and the
    /// learner is a <see cref="Preferences.BradleyTerry"/> reward model. Then accuracy is held-out pairwise accuracy on
    /// the decisive pairs (macro-F1 is not defined), and the pair strategies get <see cref="QueryContext.Pairs"/>.
    /// Default false.
    /// </summary>
    public bool Pairwise { get; init; }

    /// <summary>
    /// Checks that the setup is whole and that the strategy's needs can be met: a committee needs a size of at least 2,
    /// embeddings need a feature source that gives vectors.
    /// </summary>
    /// <exception cref="ConfigurationException">A need cannot be met, or a part is missing or does not fit the pool; the message says which.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Features);
        ArgumentNullException.ThrowIfNull(Labels);
        ArgumentNullException.ThrowIfNull(Learner);
        ArgumentNullException.ThrowIfNull(Stop);
        if (Labels.Count < 1) throw new ConfigurationException("The label schema is empty.");
        var rows = Features.Pool.Rows;
        if (Costs is not null && Costs.Length != rows) throw new ConfigurationException($"{Costs.Length} costs were given for a pool of {rows} items.");
        if (Groups is not null && Groups.Length != rows) throw new ConfigurationException($"{Groups.Length} groups were given for a pool of {rows} items.");
        if (Pairwise)
        {
            if (Mode != LabelMode.Single) throw new ConfigurationException("Pairwise comparisons take one answer each (A, B, tie or both_bad), not several labels.");
            if (!Labels.SequenceEqual(Items.PairLabels.All, StringComparer.Ordinal))
                throw new ConfigurationException($"Pairwise comparisons use the schema {string.Join(", ", Items.PairLabels.All)}, in that order.");
            if (Learner is not Preferences.BradleyTerry) throw new ConfigurationException($"Pairwise comparisons are fitted by a Bradley–Terry reward model, not by {Learner.Describe()}.");
            if (Features.Pool is not DenseMatrix) throw new ConfigurationException("Pairwise comparisons need dense pair differences as features.");
        }
        if (Mode == LabelMode.Multi)
        {
            if (Strategy is not null)
                throw new ConfigurationException($"Strategy '{Strategy.Name}' applies to single-label labeling; multi-label items are ranked by their mean one-vs-rest uncertainty.");
            return;
        }
        var strategy = Strategy ?? throw new ConfigurationException("Single-label active learning needs a query strategy.");
        CheckNeeds(strategy.Name, Needs, Features, CommitteeSize, Pairwise);
    }

    /// <summary>Checks that a strategy's needs can be met by a feature source and a committee size (see <see cref="Validate"/>).</summary>
    /// <exception cref="ConfigurationException">A need cannot be met; the message names the strategy and the need.</exception>
    public static void CheckNeeds(string strategy, StrategyNeeds needs, FeaturizedData features, int committeeSize, bool pairwise = false)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(features);
        if (needs.HasFlag(StrategyNeeds.Pairs) && !pairwise)
            throw new ConfigurationException($"Strategy '{strategy}' chooses pairwise comparisons (preference pairs); these items are not pairs.");
        if (needs.HasFlag(StrategyNeeds.Committee) && committeeSize < 2)
            throw new ConfigurationException($"Strategy '{strategy}' needs a committee of at least 2 models; the committee size is {committeeSize}.");
        if (needs.HasFlag(StrategyNeeds.Embeddings) && !features.HasVectors)
            throw new ConfigurationException($"Strategy '{strategy}' needs item vectors (embeddings), and the feature source"
                + (features.Description.TryGetValue("kind", out var kind) && kind is not null ? $" '{kind}'" : "") + " gives none.");
    }
}
