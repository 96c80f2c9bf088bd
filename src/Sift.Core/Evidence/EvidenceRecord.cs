using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Oracles;

namespace Sift.Evidence;

/// <summary>One chosen item in a round's evidence, with the oracle's answer.</summary>
/// <param name="Index">Pool index.</param>
/// <param name="Id">Item id.</param>
/// <param name="Score">The score that ranked it.</param>
/// <param name="Reason">Why it was chosen, in words.</param>
/// <param name="Label">The label the oracle gave.</param>
/// <param name="Provenance">Who or what gave it, how sure, at what cost (for the simulator's gold oracle: <c>simulated-gold</c>).</param>
public sealed record EvidenceSelection(int Index, string Id, double Score, string Reason, string Label, Provenance Provenance);

/// <summary>
/// One round of a simulated run (<c>kind</c> <c>round</c>), one JSON line: what was trained, how it scored, what the
/// stopping rules said, what was chosen and why, and what the oracle answered. Holds no timings, so the same seed gives
/// a byte-identical record.
/// </summary>
public sealed record RoundEvent : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "round";

    /// <summary>Run identity (strategy and seed in simulation).</summary>
    public required IReadOnlyDictionary<string, object?> Run { get; init; }

    /// <summary>Round number, 0 for the model trained on the seed set.</summary>
    public required int Round { get; init; }

    /// <summary>Labeled items the model was trained on.</summary>
    public required int Labels { get; init; }

    /// <summary>Fingerprint of the trained model's parameters.</summary>
    public required string ModelFingerprint { get; init; }

    /// <summary>Learner and its parameters.</summary>
    public required string Learner { get; init; }

    /// <summary>The feature source (<c>tfidf</c>, <c>vectors</c>).</summary>
    public required string Featurizer { get; init; }

    /// <summary>Strategy name and parameters.</summary>
    public required IReadOnlyDictionary<string, object?> Strategy { get; init; }

    /// <summary>Labeled items per class at training time.</summary>
    public required IReadOnlyDictionary<string, int> LabelsPerClass { get; init; }

    /// <summary>Metrics of this round's model (test accuracy, macro-F1, validation, κ…).</summary>
    public required IReadOnlyDictionary<string, double?> Metrics { get; init; }

    /// <summary>The stopping rules' verdict after this round.</summary>
    public required StopState Stopping { get; init; }

    /// <summary>What the strategy reported about this round's choice (e.g. a bandit's arm and rewards); null if nothing.</summary>
    public IReadOnlyDictionary<string, object?>? StrategyDetails { get; init; }

    /// <summary>Items chosen for labeling after this round, with their answers (empty when the loop stopped).</summary>
    public required IReadOnlyList<EvidenceSelection> Selected { get; init; }
}

/// <summary>Stopping verdict as recorded.</summary>
public sealed record StopState(bool Stop, string Rule, string Reason, IReadOnlyDictionary<string, object?> State);

/// <summary>JSON settings shared by every file Sift writes: snake_case, invariant, compact, stable.</summary>
public static class SiftJson
{
    /// <summary>Compact options (one object per line).</summary>
    public static JsonSerializerOptions Compact { get; } = Create(false);

    /// <summary>Indented options (results files).</summary>
    public static JsonSerializerOptions Indented { get; } = Create(true);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = indented,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>Writes an enum as its snake_case name (<c>simulation</c>, <c>answered</c>) and reads it back.</summary>
internal sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower)
    where TEnum : struct, Enum;
