using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sift.Oracles;

namespace Sift.Evidence;

/// <summary>
/// One entry of the evidence stream: something the loop did or learned that a reviewer must be able to trace
/// (an import, a model version, a selection, an answer with its provenance, a stop decision, an export). Every
/// decision goes through one <see cref="IEvidenceSink"/>; the governance log hash-chains what it receives. Events
/// hold no timings that vary between identical runs, except <see cref="At"/>, which comes from an injected clock.
/// </summary>
public abstract record EvidenceEvent
{
    /// <summary>The event's kind as written (<c>import</c>, <c>round</c>, <c>selection</c>, <c>answer</c>, <c>model</c>, <c>stop</c>, <c>export</c>, …).</summary>
    [JsonPropertyOrder(-3)]
    public abstract string Kind { get; }

    /// <summary>When it happened (server); null in simulation, where time plays no part.</summary>
    [JsonPropertyOrder(-2)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? At { get; init; }
}

/// <summary>Receives the evidence stream. Implementations are thread-safe unless they say otherwise.</summary>
public interface IEvidenceSink
{
    /// <summary>Records one event. Durable sinks have stored it when this returns.</summary>
    void Emit(EvidenceEvent evidence);
}

/// <summary>A sink that drops everything (for callers that want no record).</summary>
public sealed class NullEvidenceSink : IEvidenceSink
{
    /// <summary>The one instance.</summary>
    public static NullEvidenceSink Instance { get; } = new();

    private NullEvidenceSink() { }

    /// <inheritdoc />
    public void Emit(EvidenceEvent evidence) { }
}

/// <summary>A sink that keeps events in memory, in emit order. Thread-safe.</summary>
public sealed class ListEvidenceSink : IEvidenceSink
{
    private readonly List<EvidenceEvent> _events = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public void Emit(EvidenceEvent evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        lock (_gate) _events.Add(evidence);
    }

    /// <summary>A copy of the events so far.</summary>
    public IReadOnlyList<EvidenceEvent> Events
    {
        get
        {
            lock (_gate) return _events.ToList();
        }
    }
}

/// <summary>Items were imported into a pool or project.</summary>
/// <param name="Source">The file or upload name.</param>
/// <param name="Imported">Items added.</param>
/// <param name="Duplicates">Items skipped because their id was already there.</param>
/// <param name="HeldOut">Imported items put into the held-out evaluation set.</param>
/// <param name="ContentKind">Kind of the items (<c>text</c>, <c>pair</c>).</param>
public sealed record ImportEvent(string Source, int Imported, int Duplicates, int HeldOut, string ContentKind) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "import";

    /// <summary>SHA-256 (hex) of the imported bytes, when known.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }
}

/// <summary>A model version was trained.</summary>
/// <param name="Version">Model version (1, 2, …) or round number in simulation.</param>
/// <param name="Fingerprint">Hash of the model's parameters.</param>
/// <param name="Learner">Learner and its parameters.</param>
/// <param name="Featurizer">Feature source and its parameters.</param>
/// <param name="Labels">Training labels.</param>
/// <param name="LabelsPerClass">Training labels per class.</param>
/// <param name="Metrics">What was measured on it (held-out accuracy, macro-F1, κ, …).</param>
public sealed record ModelEvent(int Version, string Fingerprint, string Learner, string Featurizer, int Labels,
    IReadOnlyDictionary<string, int> LabelsPerClass, IReadOnlyDictionary<string, double?> Metrics) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "model";
}

/// <summary>One item chosen for labeling: why and how highly.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Score">The score that ranked it.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Exploration">Chosen at random as the control, not by the strategy.</param>
public sealed record SelectedItem(string ItemId, double Score, string Reason, bool Exploration = false);

/// <summary>Items were chosen for labeling (a simulated batch, or one task handed out in the server).</summary>
/// <param name="ModelVersion">The model version whose scores ranked them (0 = cold start).</param>
/// <param name="Strategy">The strategy spec.</param>
/// <param name="Items">The chosen items, in pick order.</param>
public sealed record SelectionEvent(int ModelVersion, string Strategy, IReadOnlyList<SelectedItem> Items) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "selection";

    /// <summary>The person the items were handed to (server hand-out), when any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HandedTo { get; init; }
}

/// <summary>An oracle answered an item.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Labels">The labels given (empty when declined or deferred).</param>
/// <param name="Status">Answered, declined or deferred.</param>
/// <param name="Provenance">Who or what answered, under which instructions or template, how sure, at what cost.</param>
public sealed record AnswerEvent(string ItemId, IReadOnlyList<string> Labels, AnswerStatus Status, Provenance Provenance) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "answer";

    /// <summary>Why it was declined or deferred, when it was.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <summary>True when this withdraws the annotator's earlier answer (undo).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Undo { get; init; }
}

/// <summary>The stopping rules decided (after a model version).</summary>
/// <param name="Stop">Whether to stop.</param>
/// <param name="Rule">The rule that decided.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record StopEvent(bool Stop, string Rule, string Reason) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "stop";
}

/// <summary>Labels were exported.</summary>
/// <param name="Format">The export format.</param>
/// <param name="Items">Items exported.</param>
/// <param name="By">Who exported.</param>
public sealed record ExportEvent(string Format, int Items, string By) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "export";

    /// <summary>The evidence chain's head (last entry's seq) when the export started; the export's own entry follows it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? HeadSeq { get; init; }

    /// <summary>The hash of that entry (<see cref="EvidenceChain.Hash"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HeadHash { get; init; }
}

/// <summary>A project's settings were set: when it was created, and on every change (server).</summary>
/// <param name="Change"><c>created</c> or <c>updated</c>.</param>
/// <param name="Settings">The settings in force from now on.</param>
public sealed record SettingsEvent(string Change, Sift.Projects.ProjectSettings Settings) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "settings";
}

/// <summary>The canonical JSON of evidence events: one compact line, kind first, snake_case, invariant.</summary>
public static class EvidenceJson
{
    // SiftJson.Compact, with kind and at placed first in every event: the order attributes on EvidenceEvent do not reach
    // the records' overrides of Kind, and positional records would otherwise write their parameters first.
    private static readonly JsonSerializerOptions Options = new(SiftJson.Compact)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { KindFirst } },
    };

    /// <summary>One event as one line of JSON (no newline).</summary>
    public static string Serialize(EvidenceEvent evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return JsonSerializer.Serialize(evidence, evidence.GetType(), Options);
    }

    private static void KindFirst(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || !typeof(EvidenceEvent).IsAssignableFrom(info.Type)) return;
        foreach (var property in info.Properties)
        {
            if (property.Name == "kind") property.Order = -3;
            else if (property.Name == "at") property.Order = -2;
        }
    }
}
