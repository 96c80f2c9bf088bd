using System.Data.Common;
using System.Text.Json;
using Sift.Evidence;
using Sift.Items;
using Sift.Oracles;
using Sift.Projects;

namespace Sift.Storage;

/// <summary>
/// The row shapes both backends share: column lists (same names and order in both schemas), times as UTC ticks, the
/// JSON columns, and the mapping of a row to its record. Booleans are read with <see cref="DbDataReader.GetBoolean"/>,
/// which SQLite answers from its 0/1 integers.
/// </summary>
internal static class StoreRows
{
    public const string TaskColumns = "id, project_id, item_id, annotator_id, state, leased_at, expires_at, model_version, strategy, score, reason, exploration, held_out";
    public const string AnnotationColumns = "id, project_id, item_id, annotator_id, task_id, labels_json, instructions_version, client_request_id, created_at, undone, provenance_json";
    public const string ItemColumns = "id, project_id, external_id, text, grp, cost, meta_json, held_out, content_kind, content_json";
    public const string UserColumns = "id, name, role, created_at, disabled";
    public const string ProjectColumns = "id, name, settings_json, instructions_version, created_at";
    public const string ModelColumns = "project_id, version, trained_at, labels, held_out_labeled, accuracy, macro_f1, duration_seconds, stop_recommended, stop_reason, metrics_json";
    public const string TrainerStatusColumns = "project_id, state, started_at, finished_at, last_duration, error, owner";
    public const string EvidenceColumns = "project_id, seq, kind, at, json, prev_hash, hash";

    /// <summary>Settings and label lists as stored since the first schema (web defaults: camelCase).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static long Ticks(DateTimeOffset time) => time.UtcTicks;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    public static DateTimeOffset? Time(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Time(reader.GetInt64(ordinal));

    public static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static double? NullableDouble(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    public static string SerializeSettings(ProjectSettings settings) => JsonSerializer.Serialize(settings, Json);

    public static ProjectSettings DeserializeSettings(string json) =>
        JsonSerializer.Deserialize<ProjectSettings>(json, Json) ?? throw new InvalidDataException("A project's settings are empty.");

    public static string SerializeLabels(IReadOnlyList<string> labels) => JsonSerializer.Serialize(labels, Json);

    public static string[] DeserializeLabels(string json) => JsonSerializer.Deserialize<string[]>(json, Json) ?? [];

    public static string SerializeProvenance(Provenance provenance) => JsonSerializer.Serialize(provenance, SiftJson.Compact);

    public static Provenance DeserializeProvenance(string json) =>
        JsonSerializer.Deserialize<Provenance>(json, SiftJson.Compact) ?? throw new InvalidDataException("An annotation's provenance is empty.");

    public static User MapUser(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), (Role)r.GetInt32(2), Time(r.GetInt64(3)), r.GetBoolean(4));

    public static Project MapProject(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), DeserializeSettings(r.GetString(2)), r.GetInt32(3), Time(r.GetInt64(4)));

    public static Item MapItem(DbDataReader r)
    {
        var text = r.GetString(3);
        var item = new Item(r.GetInt64(0), r.GetInt64(1), r.GetString(2), text, NullableString(r, 4), r.GetDouble(5), NullableString(r, 6), r.GetBoolean(7));
        var kind = ItemContentJson.ParseKind(r.GetString(8));
        return kind == ContentKind.Text ? item : item with { Content = ItemContentJson.Decode(kind, text, NullableString(r, 9)) };
    }

    public static TaskRecord MapTask(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), (TaskState)r.GetInt32(4), Time(r.GetInt64(5)), Time(r.GetInt64(6)),
            r.GetInt32(7), r.GetString(8), r.GetDouble(9), r.GetString(10), r.GetBoolean(11), r.GetBoolean(12));

    public static Annotation MapAnnotation(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), DeserializeLabels(r.GetString(5)), r.GetInt32(6), r.GetString(7),
            Time(r.GetInt64(8)), r.GetBoolean(9))
        {
            Provenance = r.IsDBNull(10) ? null : DeserializeProvenance(r.GetString(10)),
        };

    public static ModelVersion MapModel(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt32(1), Time(r.GetInt64(2)), r.GetInt32(3), r.GetInt32(4), NullableDouble(r, 5), NullableDouble(r, 6),
            r.GetDouble(7), r.GetBoolean(8), r.GetString(9), r.GetString(10));

    public static TrainerStatus MapTrainerStatus(DbDataReader r) =>
        new(r.GetInt64(0), (TrainerState)r.GetInt32(1), Time(r, 2), Time(r, 3), NullableDouble(r, 4), NullableString(r, 5), NullableString(r, 6));

    public static StoredEvidence MapEvidence(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), Time(r.GetInt64(3)), r.GetString(4)) { Prev = r.GetString(5), Hash = r.GetString(6) };

    public static Instructions MapInstructions(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt32(1), r.GetString(2), r.GetInt64(3), Time(r.GetInt64(4)));

    public static ProjectMember MapMember(DbDataReader r) => new(r.GetInt64(0), r.GetInt64(1), Time(r.GetInt64(2)));
}
