using System.Data.Common;
using Sift.Evidence;
using Sift.Oracles;
using Sift.Projects;
using Sift.Routing;
using static Sift.Storage.StoreRows;

namespace Sift.Storage;

/// <summary>
/// The rows of model annotators and their answers, shared by both backends (same column names and order), the checks
/// their writes make, and the evidence a model answer appends.
/// </summary>
internal static class ModelAnnotatorRows
{
    public const string AnnotatorColumns =
        "id, project_id, user_id, name, model, key_env, concurrency, timeout_ms, retries, price_in, price_out, enabled, created_at, last_error, last_error_at";

    public const string AnswerColumns =
        "id, project_id, annotator_id, item_id, task_id, outcome, labels_json, stated, calibrated, decision, reason, provenance_json, annotation_id, created_at";

    /// <summary>The role number of model users in the users table.</summary>
    public const int ModelRole = (int)Role.Model;

    /// <summary>The name of a model annotator's user: unique across projects, readable in exports.</summary>
    public static string UserName(long projectId, string name) => FormattableString.Invariant($"{name} (project {projectId})");

    /// <summary>
    /// The token hash column of a model user: not the SHA-256 of any token (it holds a colon), so no token signs in as it;
    /// unique per project and name.
    /// </summary>
    public static string NoTokenHash(long projectId, string name) => FormattableString.Invariant($"model-annotator:{projectId}:{name}");

    public static ModelAnnotator MapAnnotator(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3),
        new ModelAnnotatorConfig
        {
            Model = r.GetString(4),
            KeyEnv = NullableString(r, 5),
            Concurrency = r.GetInt32(6),
            Timeout = TimeSpan.FromMilliseconds(r.GetInt64(7)),
            Retries = r.GetInt32(8),
            InputPricePer1K = r.GetDouble(9),
            OutputPricePer1K = r.GetDouble(10),
        },
        r.GetBoolean(11), Time(r.GetInt64(12)))
    {
        LastError = NullableString(r, 13),
        LastErrorAt = Time(r, 14),
    };

    public static ModelAnswer MapAnswer(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), (ModelAnswerOutcome)r.GetInt32(5),
        DeserializeLabels(r.GetString(6)), r.GetString(9), DeserializeProvenance(r.GetString(11)), Time(r.GetInt64(13)))
    {
        StatedConfidence = NullableDouble(r, 7),
        Calibrated = NullableDouble(r, 8),
        Reason = NullableString(r, 10),
        AnnotationId = r.IsDBNull(12) ? null : r.GetInt64(12),
    };

    /// <summary>Checks a model annotator before it is stored.</summary>
    public static void CheckAnnotator(string name, ModelAnnotatorConfig config)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrWhiteSpace(config.Model);
        if (name.Contains('\0', StringComparison.Ordinal) || config.Model.Contains('\0', StringComparison.Ordinal) || config.KeyEnv?.Contains('\0', StringComparison.Ordinal) == true)
            throw new ArgumentException("A model annotator's name, model and key variable may not contain NUL.", nameof(config));
        ArgumentOutOfRangeException.ThrowIfLessThan(config.Concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(config.Retries, 0);
        if (config.Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(config), "The time-out must be positive.");
        if (!(config.InputPricePer1K >= 0) || !(config.OutputPricePer1K >= 0) || double.IsInfinity(config.InputPricePer1K) || double.IsInfinity(config.OutputPricePer1K))
            throw new ArgumentOutOfRangeException(nameof(config), "Prices must be finite numbers of at least 0.");
    }

    /// <summary>Checks a model answer before it is stored.</summary>
    public static void CheckAnswer(NewModelAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(answer.Labels);
        ArgumentNullException.ThrowIfNull(answer.Provenance);
        ArgumentException.ThrowIfNullOrWhiteSpace(answer.Decision);
        if (!Enum.IsDefined(answer.Outcome)) throw new ArgumentOutOfRangeException(nameof(answer), "Unknown outcome.");
        if (answer.Outcome == ModelAnswerOutcome.Accepted && answer.Labels.Count == 0) throw new ArgumentException("An accepted answer needs labels.", nameof(answer));
        if (answer.Outcome == ModelAnswerOutcome.Declined && answer.Labels.Count > 0) throw new ArgumentException("A declined answer has no labels.", nameof(answer));
        if (answer.Labels.Any(l => string.IsNullOrEmpty(l) || l.Contains('\0', StringComparison.Ordinal)))
            throw new ArgumentException("A label may not be empty or contain NUL.", nameof(answer));
    }

    /// <summary>The client request id of an accepted model answer's submit: one per task, so a repeat cannot submit twice.</summary>
    public static string RequestId(long taskId) => FormattableString.Invariant($"model-task-{taskId}");

    /// <summary>
    /// The evidence a model answer appends after its submit or skip: for answers not accepted an <see cref="AnswerEvent"/>
    /// (deferred: sent to people; declined: no valid answer), then the <see cref="RoutingEvent"/>.
    /// </summary>
    public static EvidenceRow[] Evidence(NewModelAnswer answer, string externalId)
    {
        var rows = new List<EvidenceRow>();
        if (answer.Outcome != ModelAnswerOutcome.Accepted)
        {
            var status = answer.Outcome == ModelAnswerOutcome.Declined ? AnswerStatus.Declined : AnswerStatus.Deferred;
            rows.Add(StoreEvidence.Row(new AnswerEvent(externalId, [.. answer.Labels], status, answer.Provenance) { Reason = answer.Reason }, answer.Now));
        }
        var inputs = new Dictionary<string, object?>(answer.Inputs, StringComparer.Ordinal)
        {
            ["oracle"] = answer.Provenance.Name,
            ["stated_confidence"] = answer.StatedConfidence,
            ["calibrated_confidence"] = answer.Calibrated,
        };
        if (answer.Reason is not null) inputs["reason"] = answer.Reason;
        var returned = answer.Outcome == ModelAnswerOutcome.Accepted ? answer.Labels : [];
        rows.Add(StoreEvidence.Row(new RoutingEvent(externalId, answer.Decision, inputs, answer.Provenance.Cost.Money, [.. returned]), answer.Now));
        return [.. rows];
    }
}
