using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sift.Server.Training;

/// <summary>
/// What a model version measured beyond accuracy and macro-F1: stored as <c>ModelVersion.MetricsJson</c> (snake_case
/// JSON) and read back by the dashboard and by the next retrain (retrain trigger, κ against this model's stop-set
/// predictions, the stopping rule's histories).
/// </summary>
internal sealed record ModelMetrics
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Items with a resolved label (training and held-out) when trained; the retrain trigger counts from here.</summary>
    public int Resolved { get; init; }

    /// <summary>Items in the project when trained; a change (an import) makes a retrain due.</summary>
    public int Items { get; init; }

    /// <summary>The project's strategy setting when trained; a change makes a retrain due.</summary>
    public string Strategy { get; init; } = "";

    /// <summary>The exploration share when trained; a change makes a retrain due.</summary>
    public double ExplorationShare { get; init; }

    /// <summary>What ordered the strategy positions (the strategy's name, or the multi-label ranker).</summary>
    public string Ranker { get; init; } = "";

    /// <summary>The learner and its settings.</summary>
    public string Learner { get; init; } = "";

    /// <summary>Training labels per class (multi-label: items carrying each label).</summary>
    public Dictionary<string, int> TrainingLabelsPerClass { get; init; } = [];

    /// <summary>Cohen's κ between this and the previous model's predictions on the stop set; null for the first model.</summary>
    public double? Kappa { get; init; }

    /// <summary>Stop-set items both models predicted (κ's sample size).</summary>
    public int KappaItems { get; init; }

    /// <summary>Mean normalised predictive entropy over the unlabeled pool (0 certain, 1 uniform); null when the pool is empty.</summary>
    public double? MeanUncertainty { get; init; }

    /// <summary>The stop decision of the project's stopping rule.</summary>
    public StopMetrics Stop { get; init; } = new();

    /// <summary>Active-vs-random lift, when measurable.</summary>
    public LiftMetrics? Lift { get; init; }

    /// <summary>Why the lift is (or is not) measured.</summary>
    public string LiftStatus { get; init; } = "";

    /// <summary>The majority-class baseline on the same held-out items; null without held-out labels, for pairs, and in metrics stored before it was measured.</summary>
    public BaselineMetrics? Baseline { get; init; }

    /// <summary>How the ranking was composed.</summary>
    public RankingMetrics Ranking { get; init; } = new();

    /// <summary>This model's predictions on the fixed stop set (for the next model's κ).</summary>
    public StopSetPredictions StopSet { get; init; } = new();

    /// <summary>The features it was fitted on (<c>tfidf</c>, <c>minilm</c>, <c>tfidf+minilm</c>); null in metrics stored before features were recorded (TF-IDF).</summary>
    public string? Features { get; init; }

    /// <summary>Why the features are not the project's setting (e.g. "waiting for vectors: 120 of 6,046 items embedded"); null when they are.</summary>
    public string? FeaturesNote { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses stored metrics; an unreadable document gives empty metrics rather than an error.</summary>
    public static ModelMetrics Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelMetrics>(json, Json) ?? new ModelMetrics();
        }
        catch (JsonException)
        {
            return new ModelMetrics();
        }
    }
}

/// <summary>The stopping rule's verdict on a model version.</summary>
internal sealed record StopMetrics
{
    public bool Stop { get; init; }
    public string Rule { get; init; } = "";
    public string Reason { get; init; } = "";
    public IReadOnlyDictionary<string, object?>? State { get; init; }
}

/// <summary>The active-vs-random estimate on a model version.</summary>
internal sealed record LiftMetrics
{
    /// <summary>Labels each arm's model was fitted on (equal): the seed set plus <see cref="ArmLabels"/>.</summary>
    public int Labels { get; init; }

    /// <summary>The shared seed set: resolved training labels first answered from the cold-start ranking.</summary>
    public int SeedLabels { get; init; }

    /// <summary>Labels each arm adds to the seed set.</summary>
    public int ArmLabels { get; init; }
    public double ActiveAccuracy { get; init; }
    public double RandomAccuracy { get; init; }

    /// <summary>Active minus random held-out accuracy.</summary>
    public double Difference { get; init; }

    /// <summary>2.5th percentile of the paired-bootstrap differences.</summary>
    public double Low { get; init; }

    /// <summary>97.5th percentile of the paired-bootstrap differences.</summary>
    public double High { get; init; }

    /// <summary>Resolved labels from random-control positions.</summary>
    public int RandomArmLabels { get; init; }

    /// <summary>Resolved labels from strategy positions.</summary>
    public int StrategyArmLabels { get; init; }

    /// <summary>Held-out items both models were evaluated on.</summary>
    public int HeldOut { get; init; }

    public int BootstrapSamples { get; init; }

    public Lift ToLift() => new(Labels, ActiveAccuracy, RandomAccuracy, Difference, Low, High);
}

/// <summary>Positions of each kind in the ranking.</summary>
internal sealed record RankingMetrics
{
    public int Length { get; init; }
    public int Strategy { get; init; }
    public int Exploration { get; init; }
    public int HeldOut { get; init; }
    public int NeedsMoreAnswers { get; init; }
}

/// <summary>Predicted labels of the stop-set items, aligned with the ids.</summary>
internal sealed record StopSetPredictions
{
    public long[] Ids { get; init; } = [];
    public string[][] Predictions { get; init; } = [];
}

/// <summary>Always answering the most common training label set, scored on the held-out items.</summary>
internal sealed record BaselineMetrics
{
    /// <summary>The label set always answered (labels joined as in exports).</summary>
    public string Label { get; init; } = "";

    /// <summary>Its held-out accuracy.</summary>
    public double Accuracy { get; init; }

    /// <summary>How many held-out items it was scored on.</summary>
    public int HeldOut { get; init; }

    /// <summary>As the dashboard shows it.</summary>
    public Baseline ToBaseline() => new(Label, Accuracy, HeldOut);
}
