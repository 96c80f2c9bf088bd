using System.Text.Json.Serialization;

namespace Sift.Simulation;

/// <summary>The <c>results.json</c> document (schema fixed by the engine issue; extra keys are allowed).</summary>
public sealed record SimulationResult(
    DatasetInfo Dataset,
    IReadOnlyDictionary<string, object?> Config,
    FullDataResult FullData,
    IReadOnlyList<RunResult> Runs,
    IReadOnlyList<StrategySummary> Summary)
{
    /// <summary>Labeling policies compared with simulated LLMs and people (<c>--llm-sim</c>); null when none were simulated.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Routing.RoutingPolicyResult>? Routing { get; init; }

    /// <summary>Each simulated LLM's calibration (ECE and reliability bins, stated and calibrated); null when none were simulated.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Routing.ModelCalibrationResult>? RoutingCalibration { get; init; }

    /// <summary>The reference learner behind the simulated LLMs' profiles; null when none were simulated.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, object?>? RoutingReference { get; init; }
}

/// <summary>The data the experiment ran on.</summary>
public sealed record DatasetInfo(string Train, string Test, int Classes, int PoolSize, int TestSize, IReadOnlyList<string> ClassNames, int Features);

/// <summary>The ceiling: the learner trained on the whole pool. Macro-F1 is null for preference pairs (accuracy is pairwise accuracy there).</summary>
public sealed record FullDataResult(double Accuracy, double? MacroF1, double FitSeconds);

/// <summary>One strategy under one seed.</summary>
public sealed record RunResult(string Strategy, int Seed, IReadOnlyList<RoundResult> Rounds, StopInfo? Stopped)
{
    /// <summary>Calibration of the run's last model on the test set.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RunCalibration? Calibration { get; init; }

    /// <summary>For preference pairs: the last reward model's fit to the test set's outcomes; null for text items.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PreferenceFit? Preference { get; init; }
}

/// <summary>
/// How a run's last reward model fits the test comparisons, beyond pairwise accuracy: log loss over the outcomes A, B
/// and tie (a model that drops ties pays for every tie), log loss of the decisive outcomes under P(A ≻ B | decisive)
/// (comparable between models with and without ties), and the fitted tie probability.
/// </summary>
/// <param name="LogLoss">Mean negative log-likelihood (nats) of the test outcomes A, B, tie; each probability floored at 1e-12.</param>
/// <param name="DecisiveLogLoss">Mean negative log-likelihood of the decisive test outcomes.</param>
/// <param name="TieProbability">P(tie) for two responses of equal utility (0 when the model predicts no ties).</param>
/// <param name="TiesLabeled">Tie answers among the comparisons the model was fitted on.</param>
public sealed record PreferenceFit(double LogLoss, double DecisiveLogLoss, double TieProbability, int TiesLabeled);

/// <summary>
/// How well the last model's probabilities mean what they say, on the test set: expected calibration error (15 bins)
/// and the reliability bins, before and — when a temperature was fitted on the validation split — after temperature
/// scaling. Temperature scaling never changes a prediction, only its confidence.
/// </summary>
public sealed record RunCalibration
{
    /// <summary>ECE of the model's own probabilities.</summary>
    public required double Ece { get; init; }

    /// <summary>Reliability bins of the model's own probabilities.</summary>
    public required IReadOnlyList<Metrics.ReliabilityBin> Bins { get; init; }

    /// <summary>The temperature fitted on the validation split (null: not calibrated).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Temperature { get; init; }

    /// <summary>ECE after temperature scaling.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EceCalibrated { get; init; }

    /// <summary>Reliability bins after temperature scaling.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Metrics.ReliabilityBin>? BinsCalibrated { get; init; }

    /// <summary>Validation items the temperature was fitted on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ValidationItems { get; init; }
}

/// <summary>
/// One round: the model trained on <see cref="Labels"/> items, evaluated on the test set. For preference pairs,
/// <see cref="Accuracy"/> is held-out pairwise accuracy on the decisive pairs and <see cref="MacroF1"/> is null.
/// </summary>
public sealed record RoundResult(int Labels, double Accuracy, double? MacroF1, double FitSeconds, double QuerySeconds)
{
    /// <summary>Validation accuracy, when a validation split exists.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ValidationAccuracy { get; init; }

    /// <summary>κ between this and the previous model on the stop set.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? StopSetKappa { get; init; }

    /// <summary>Money spent so far.</summary>
    public double Spent { get; init; }

    /// <summary>Pseudo-labels (self-training) the round's model was also fitted on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PseudoLabels { get; init; }

    /// <summary>The base strategy a meta-strategy (bandit) used for the query after this round.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Arm { get; init; }
}

/// <summary>Why a run ended.</summary>
public sealed record StopInfo(int Labels, string Rule, string Reason);

/// <summary>Per-strategy summary over seeds.</summary>
public sealed record StrategySummary(
    string Strategy,
    double Aulc,
    [property: JsonPropertyName("labels_to_95")] int? LabelsTo95,
    [property: JsonPropertyName("labels_to_98")] int? LabelsTo98,
    [property: JsonPropertyName("savings_vs_random_95")] double? SavingsVsRandom95,
    [property: JsonPropertyName("savings_vs_random_98")] double? SavingsVsRandom98)
{
    /// <summary>Mean test accuracy at the last round.</summary>
    public double FinalAccuracy { get; init; }

    /// <summary>Labels at the last round.</summary>
    public int FinalLabels { get; init; }

    /// <summary>Median seconds of one round (fit + query).</summary>
    public double MedianRoundSeconds { get; init; }

    /// <summary>
    /// Labels this strategy needs to match random's mean accuracy at random's last round (interpolated; null if it never
    /// does) — a saving that is defined even when no strategy reaches 95% of the ceiling within the budget.
    /// </summary>
    public int? LabelsToRandomFinal { get; init; }

    /// <summary>Random's final label count ÷ <see cref="LabelsToRandomFinal"/>.</summary>
    public double? SavingsVsRandomFinal { get; init; }

    /// <summary>
    /// When random never reaches 95% of full-data accuracy within the budget but this strategy does: random's final
    /// label count ÷ this strategy's <see cref="LabelsTo95"/>, a lower bound of the saving (random needs more labels than
    /// it had). Null otherwise.
    /// </summary>
    [JsonPropertyName("savings_vs_random_95_at_least")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SavingsVsRandom95AtLeast { get; init; }

    /// <summary>The same lower bound at 98%.</summary>
    [JsonPropertyName("savings_vs_random_98_at_least")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SavingsVsRandom98AtLeast { get; init; }

    /// <summary>Mean over seeds of the last model's expected calibration error on the test set (15 bins).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Ece { get; init; }

    /// <summary>The same after temperature scaling fitted on the validation split; null when not calibrated.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EceCalibrated { get; init; }

    /// <summary>Mean fitted temperature over seeds; null when not calibrated.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Temperature { get; init; }

    /// <summary>For meta-strategies: share of queries each base strategy made, over all seeds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, double>? ArmShares { get; init; }

    /// <summary>For meta-strategies: the base strategy used most in the second half of the rounds (what it settled on).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SettledOn { get; init; }
}
