using Sift.Learners;
using Sift.Stopping;

namespace Sift.Loop;

/// <summary>A model's score on an evaluation set.</summary>
/// <param name="Accuracy">Share of items whose predicted label set equals the truth.</param>
/// <param name="MacroF1">Macro-F1 (<see cref="LabelSetMetrics.MacroF1"/>); NaN when no label is present.</param>
public sealed record EvaluationScore(double Accuracy, double MacroF1);

/// <summary>One item a round chose, in pick order.</summary>
/// <param name="Row">Pool row.</param>
/// <param name="Score">The score that ranked it.</param>
/// <param name="Reason">Why, in words.</param>
public readonly record struct RoundPick(int Row, double Score, string Reason);

/// <summary>What one round did and measured. Immutable.</summary>
public sealed class RoundOutcome
{
    /// <summary>The fitted model (warm start of the next round).</summary>
    public required LabelSetModel Model { get; init; }

    /// <summary>The fitted committee, when the strategy needs one.</summary>
    public Committee? Committee { get; init; }

    /// <summary>Seconds spent fitting the model and the committee.</summary>
    public double FitSeconds { get; init; }

    /// <summary>Seconds the strategy took to select.</summary>
    public double QuerySeconds { get; init; }

    /// <summary>Score on the test set, when one was given.</summary>
    public EvaluationScore? Test { get; init; }

    /// <summary>Score on the validation set, when one was given.</summary>
    public EvaluationScore? Validation { get; init; }

    /// <summary>Predicted label set of each stop-set row (aligned with <see cref="RoundInput.StopSet"/>).</summary>
    public required StopSetLabels StopSet { get; init; }

    /// <summary>κ between the previous and this model on the stop-set rows both cover; null for the first model or no common rows.</summary>
    public double? Kappa { get; init; }

    /// <summary>Stop-set rows κ was taken on.</summary>
    public int KappaItems { get; init; }

    /// <summary>Mean normalised uncertainty over the unlabeled rows; null when not measured or none are left.</summary>
    public double? MeanUncertainty { get; init; }

    /// <summary>The stopping rule's verdict after this round's fit.</summary>
    public required StopDecision Decision { get; init; }

    /// <summary>Training items per label (an item counts once for each of its labels).</summary>
    public required IReadOnlyList<int> LabelsPerClass { get; init; }

    /// <summary>Whether the round selected (false when nothing was asked, nothing was left, or the rule said stop).</summary>
    public bool Selected { get; init; }

    /// <summary>The chosen items in pick order; empty when nothing was selected.</summary>
    public IReadOnlyList<RoundPick> Picks { get; init; } = [];

    /// <summary>What the strategy reported about its choice (a bandit's arm and rewards); null when nothing.</summary>
    public IReadOnlyDictionary<string, object?>? Details { get; init; }

    /// <summary>Who ordered the picks: the strategy's name, or <c>one-vs-rest mean uncertainty</c> for multi-label.</summary>
    public required string Ranker { get; init; }
}
