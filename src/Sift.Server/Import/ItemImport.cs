using System.Security.Cryptography;
using System.Text;
using Sift.Data;
using Sift.Items;
using Sift.Privacy;
using Sift.Projects;
using Sift.Server.Api;
using Sift.Server.Hosting;

namespace Sift.Server.Import;

/// <summary>
/// Turns an uploaded JSONL/CSV body into the items to store: reads it with Core's streaming readers (all-or-nothing,
/// errors name line and field), checks ids, groups, metadata and labels against the project, gives an item without
/// an id a stable one (a hash of its text), and decides per item, deterministically, whether it is held out.
/// </summary>
internal static class ItemImport
{
    /// <summary>The name errors give the upload.</summary>
    public const string SourceName = "import";

    /// <summary>The longest external id or group accepted.</summary>
    public const int MaxIdLength = 200;

    /// <summary>The longest metadata object accepted, as JSON text.</summary>
    public const int MaxMetaLength = 64 * 1024;

    /// <summary>The separator of several labels in one multi-label gold field (as in exports' <c>resolved_label</c>).</summary>
    public const char MultiLabelSeparator = ';';

    /// <summary>Reads and checks every item of <paramref name="body"/>; throws <see cref="ImportException"/> at the first problem.</summary>
    /// <param name="body">The file.</param>
    /// <param name="format">How to read it.</param>
    /// <param name="settings">The project's settings (schema, seed, held-out share).</param>
    /// <param name="gold">A gold import: every labeled row becomes a gold item, so none of them is held out.</param>
    public static List<NewItem> Read(Stream body, DataFormatOptions format, ProjectSettings settings, bool gold = false)
    {
        var dataset = TextDatasetReader.Read(body, SourceName, format);
        if (dataset.ContentKind != settings.Content)
        {
            throw new RequestValidationException("content", dataset.ContentKind == ContentKind.Pair
                ? "The file holds preference pairs (a prompt with two or more responses), but this is a text project. " + SettingsInput.PairsInTextProject
                : $"The file holds text items, but this project's items are '{ItemContentJson.KindName(settings.Content)}'.");
        }

        var schema = settings.Labels.ToHashSet(StringComparer.Ordinal);
        // Redaction before the queue: what is stored as the item's text is what annotators, the featurizer and model
        // annotators read; the original goes admin-only (or nowhere) with the item, in the same transaction.
        var redactor = settings.Privacy.Redact ? new ItemRedactor(settings.Privacy) : null;
        var items = new List<NewItem>(dataset.Count);
        foreach (var item in dataset.Items)
        {
            var id = item.IdFromLine ? TextId(item.Text) : item.Id;
            if (id.Length > MaxIdLength) throw Error(item, format.IdField, $"longer than {MaxIdLength} characters");
            if (item.Group is { Length: > MaxIdLength }) throw Error(item, format.GroupField, $"longer than {MaxIdLength} characters");
            var meta = item.Meta?.ToJsonString();
            if (meta is { Length: > MaxMetaLength }) throw Error(item, format.MetaField, $"longer than {MaxMetaLength:N0} characters as JSON");
            var label = item.Label is null ? null : CheckLabel(item, item.Label, settings, schema, format.LabelField);
            var stored = new NewItem(id, item.Text, item.Group, item.Cost, meta, label, !(gold && label is not null) && IsHeldOut(settings, id)) { Content = item.Content };
            items.Add(redactor is null ? stored : redactor.Redact(stored));
        }

        return items;
    }

    /// <summary>
    /// Whether the item with this external id goes to the held-out evaluation set: a uniform draw seeded by the
    /// project's seed and the id, below <see cref="ProjectSettings.HeldOutShare"/>. The same id always lands on the
    /// same side, whatever order or batch it is imported in.
    /// </summary>
    public static bool IsHeldOut(ProjectSettings settings, string externalId) =>
        settings.HeldOutShare > 0 && Seeds.Uniform(Seeds.Mix(settings.Seed, "held-out:" + externalId), 0) < settings.HeldOutShare;

    /// <summary>The id of an item imported without one: <c>text-</c> and 16 hex digits of the SHA-256 of its text, so re-imports de-duplicate.</summary>
    public static string TextId(string text) => "text-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static string CheckLabel(TextItem item, string label, ProjectSettings settings, HashSet<string> schema, string field)
    {
        var parts = settings.Mode == LabelMode.Multi
            ? label.Split(MultiLabelSeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [label];
        foreach (var part in parts)
        {
            if (!schema.Contains(part))
                throw Error(item, field, $"'{Shorten(part)}' is not a label of this project ({string.Join(", ", settings.Labels)})");
        }

        if (parts.Distinct(StringComparer.Ordinal).Count() != parts.Length) throw Error(item, field, "a label appears more than once");
        return string.Join(MultiLabelSeparator, parts);
    }

    private static ImportException Error(TextItem item, string field, string problem) => new(SourceName, item.Line, field, problem);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
