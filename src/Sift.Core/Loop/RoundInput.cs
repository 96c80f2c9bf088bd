using Sift.Features;
using Sift.Learners;

namespace Sift.Loop;

/// <summary>Items with known labels that a round's model is scored on.</summary>
public sealed class EvaluationSet
{
    /// <summary>Creates a set.</summary>
    /// <param name="features">The matrix the rows index (the pool's, or a test set's).</param>
    /// <param name="rows">Rows of <paramref name="features"/>.</param>
    /// <param name="labels">Sorted label indices of each row (one for single-label), aligned with <paramref name="rows"/>.</param>
    /// <exception cref="ArgumentException">Rows and labels differ in length.</exception>
    public EvaluationSet(FeatureMatrix features, int[] rows, IReadOnlyList<int[]> labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        if (rows.Length != labels.Count) throw new ArgumentException("Evaluation rows and labels differ in length.", nameof(labels));
        Features = features;
        Rows = rows;
        Labels = labels;
    }

    /// <summary>The matrix the rows index.</summary>
    public FeatureMatrix Features { get; }

    /// <summary>The rows.</summary>
    public int[] Rows { get; }

    /// <summary>The true label set of each row.</summary>
    public IReadOnlyList<int[]> Labels { get; }
}

/// <summary>A model's predictions on the stop set, by pool row, for κ between consecutive models.</summary>
/// <param name="Rows">Pool rows.</param>
/// <param name="Labels">Predicted label set of each row.</param>
public sealed record StopSetLabels(int[] Rows, IReadOnlyList<int[]> Labels);

/// <summary>How a round selects: a batch of <see cref="Count"/> items, or an order of every candidate.</summary>
public sealed record SelectionRequest
{
    /// <summary>Choose a batch of up to this many items (fewer when fewer candidates remain).</summary>
    public static SelectionRequest Batch(int count) => new() { Count = count };

    /// <summary>
    /// Order every candidate. A ranking strategy (<see cref="Strategies.IRankingStrategy"/>) orders them all; one that
    /// chooses its batch as a set orders its first <paramref name="setBatch"/> and margin orders the rest.
    /// </summary>
    public static SelectionRequest All(int setBatch) => new() { OrderAll = true, Count = setBatch };

    /// <summary>No selection (measure only).</summary>
    public static SelectionRequest None { get; } = new();

    /// <summary>Batch size; with <see cref="OrderAll"/>, the batch a set strategy chooses before margin takes over.</summary>
    public int Count { get; private init; }

    /// <summary>Whether every candidate is ordered.</summary>
    public bool OrderAll { get; private init; }

    /// <summary>Whether to select even when the stopping rule says stop (a server keeps ranking its queue). Default false.</summary>
    public bool EvenWhenStopping { get; init; }
}

/// <summary>
/// The state one round starts from: the labels so far, the previous model (warm start), the sets to evaluate on, the
/// stop set and the histories the stopping rules read, the unlabeled pool, and the round's seeds. A driver (the
/// simulator, the server's trainer) builds it; the round does not change it.
/// </summary>
public sealed record RoundInput
{
    /// <summary>Round number (0 = the model trained on the seed set or the first labels).</summary>
    public required int Round { get; init; }

    /// <summary>Pool rows of the training items.</summary>
    public required int[] TrainingRows { get; init; }

    /// <summary>Sorted label indices of each training row (one for single-label), aligned with <see cref="TrainingRows"/>.</summary>
    public required IReadOnlyList<int[]> TrainingLabels { get; init; }

    /// <summary>The previous model, to warm-start from when it was fitted on as many feature columns and the same schema; null: cold.</summary>
    public LabelSetModel? WarmModel { get; init; }

    /// <summary>The previous committee, warm-started from together with <see cref="WarmModel"/>.</summary>
    public Committee? WarmCommittee { get; init; }

    /// <summary>Scored and reported only, never used for a decision (a simulation's test set). Null: none.</summary>
    public EvaluationSet? Test { get; init; }

    /// <summary>Scored, reported and fed to the stopping rules' validation history (a validation split, a server's held-out items). Null: none.</summary>
    public EvaluationSet? Validation { get; init; }

    /// <summary>Pool rows on which consecutive models' predictions are compared (κ). Empty: no κ.</summary>
    public int[] StopSet { get; init; } = [];

    /// <summary>The previous model's stop-set predictions; κ is taken on the rows both cover. Null: none (first model).</summary>
    public StopSetLabels? PreviousStopSet { get; init; }

    /// <summary>Validation accuracy of the earlier rounds; this round's is appended for the stopping rules.</summary>
    public IReadOnlyList<double> ValidationHistory { get; init; } = [];

    /// <summary>Money spent when each <see cref="ValidationHistory"/> point was measured (for <c>money-gain</c>); empty if not tracked.</summary>
    public IReadOnlyList<double> SpentHistory { get; init; } = [];

    /// <summary>κ of the earlier rounds; this round's is appended for the stopping rules.</summary>
    public IReadOnlyList<double> AgreementHistory { get; init; } = [];

    /// <summary>Selectable pool rows without a label: what the stopping rules count as remaining and measure uncertainty over.</summary>
    public required int[] Unlabeled { get; init; }

    /// <summary>The rows the strategy may choose from; null: all of <see cref="Unlabeled"/>. Must be distinct.</summary>
    public int[]? Candidates { get; init; }

    /// <summary>Whether to measure the mean uncertainty over <see cref="Unlabeled"/> even when no stopping rule reads it. Default false.</summary>
    public bool MeasureUncertainty { get; init; }

    /// <summary>Money spent so far, for money rules.</summary>
    public double Spent { get; init; }

    /// <summary>What to select. Default: nothing.</summary>
    public SelectionRequest Selection { get; init; } = SelectionRequest.None;

    /// <summary>
    /// Pool rows with pseudo-labels (self-training): fitted on with <see cref="PseudoWeight"/>, but never counted as
    /// labels (stopping rules, per-class counts, committee, strategy). Single-label only; default none.
    /// </summary>
    public int[] PseudoRows { get; init; } = [];

    /// <summary>The pseudo-label (class index) of each of <see cref="PseudoRows"/>.</summary>
    public int[] PseudoLabels { get; init; } = [];

    /// <summary>Sample weight of a pseudo-labeled row relative to a real label's 1. Default 0.5.</summary>
    public double PseudoWeight { get; init; } = 0.5;

    /// <summary>
    /// Per training row a sample weight (e.g. the resolved label's confidence), or null: every label counts 1 (default).
    /// The main model only; the committee and the counts ignore it.
    /// </summary>
    public double[]? TrainingWeights { get; init; }

    /// <summary>Seed of the strategy's random choices this round.</summary>
    public ulong QuerySeed { get; init; }

    /// <summary>Seed of the committee's bootstrap samples this round.</summary>
    public ulong CommitteeSeed { get; init; }
}
