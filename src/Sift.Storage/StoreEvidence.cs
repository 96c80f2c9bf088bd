using Sift.Evidence;
using Sift.Items;
using Sift.Oracles;
using Sift.Projects;

namespace Sift.Storage;

/// <summary>One evidence event ready to store: its kind, time (UTC ticks) and canonical JSON.</summary>
internal readonly record struct EvidenceRow(string Kind, long At, string Json);

/// <summary>
/// The evidence events a store appends for its own writes, built the same way by every backend, so both record the
/// same stream for the same calls.
/// </summary>
internal static class StoreEvidence
{
    /// <summary>Names of the change a <see cref="SettingsEvent"/> records.</summary>
    public const string Created = "created", Updated = "updated";

    /// <summary>The row of an event; its time is <paramref name="now"/> unless the event has one.</summary>
    public static EvidenceRow Row(EvidenceEvent evidence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var at = evidence.At ?? now;
        var stamped = evidence.At is null ? evidence with { At = at } : evidence;
        return new EvidenceRow(stamped.Kind, StoreRows.Ticks(at), EvidenceJson.Serialize(stamped));
    }

    public static EvidenceRow Import(ImportOrigin origin, ImportResult result, IReadOnlyList<NewItem> items)
    {
        var kinds = items.Select(i => i.Content.Kind).Distinct().Order().Select(ItemContentJson.KindName).ToList();
        var kind = kinds.Count == 0 ? ItemContentJson.KindName(ContentKind.Text) : string.Join(",", kinds);
        return Row(new ImportEvent(origin.Source, result.Imported, result.Duplicates, result.HeldOut, kind) { Sha256 = origin.Sha256 }, origin.At);
    }

    /// <summary>The redaction events of an import: the items actually added that carry an original, in input order.</summary>
    public static IEnumerable<EvidenceRow> Redactions(ImportOrigin origin, IReadOnlyList<NewItem> added, string retention)
    {
        var redacted = added.Where(i => i.Original is not null)
            .Select(i => new RedactedItem(i.ExternalId, i.Original!.Sha256, i.Original.Counts)).ToList();
        if (redacted.Count == 0) return [];
        var kept = added.Any(i => i.Original is { Text: not null });
        return RedactionEvent.For(redacted, retention, kept, origin.Sha256).Select(e => Row(e, origin.At));
    }

    public static EvidenceRow Selection(TaskRecord task, string externalId, string annotatorName) =>
        Row(new SelectionEvent(task.ModelVersion, task.Strategy, [new SelectedItem(externalId, task.Score, task.Reason, task.Exploration)])
        {
            HandedTo = annotatorName,
        }, task.LeasedAt);

    /// <summary>
    /// The provenance recorded with an answer: the caller's, or a person's (the annotator's name); with the instructions
    /// version and time the store records filled in when unset.
    /// </summary>
    public static Provenance Provenance(Provenance? given, string annotatorName, int instructionsVersion, DateTimeOffset now)
    {
        var provenance = given ?? new Provenance { Kind = OracleKind.Person, Name = annotatorName };
        return provenance with
        {
            InstructionsVersion = provenance.InstructionsVersion ?? instructionsVersion,
            At = provenance.At ?? now,
        };
    }

    public static EvidenceRow Answer(string externalId, IReadOnlyList<string> labels, Provenance provenance, DateTimeOffset now, bool undo = false) =>
        Row(new AnswerEvent(externalId, [.. labels], AnswerStatus.Answered, provenance) { Undo = undo }, now);

    public static EvidenceRow[] Model(ModelVersion model, ModelEvent? given, string stopRule)
    {
        var metrics = new Dictionary<string, double?>(StringComparer.Ordinal)
        {
            ["accuracy"] = model.Accuracy,
            ["macro_f1"] = model.MacroF1,
            ["held_out_labeled"] = model.HeldOutLabeled,
        };
        var modelEvent = given ?? new ModelEvent(model.Version, "", "", "", model.Labels, new Dictionary<string, int>(StringComparer.Ordinal), metrics);
        return
        [
            Row(modelEvent, model.TrainedAt),
            Row(new StopEvent(model.StopRecommended, stopRule, model.StopReason), model.TrainedAt),
        ];
    }

    public static EvidenceRow Settings(string change, ProjectSettings settings, DateTimeOffset now) => Row(new SettingsEvent(change, settings), now);
}
