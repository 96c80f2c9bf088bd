using System.Globalization;
using System.Text.Json;
using Sift.Data;

namespace Sift.Quality;

/// <summary>The kind of annotations file <see cref="AnnotationFileReader"/> reads.</summary>
public enum AnnotationFileShape
{
    /// <summary>Decided by the first non-blank line: an object with <c>annotations</c> is an export, one with <c>annotator</c> a simple file.</summary>
    Auto,

    /// <summary>
    /// A Sift server export (JSONL): per item <c>{"id": …, "annotations": [{"annotator": …, "labels": […], …}], …}</c>.
    /// Other fields (text, resolved_label, meta…) are ignored; items without annotations are kept as unrated items.
    /// </summary>
    Export,

    /// <summary>One rating per line: <c>{"item": …, "annotator": …, "label": …}</c>; other fields are ignored.</summary>
    Simple,
}

/// <summary>Ratings read from an annotations file.</summary>
/// <param name="Table">The ratings.</param>
/// <param name="Shape">The shape the file was read as (never <see cref="AnnotationFileShape.Auto"/>).</param>
/// <param name="Replaced">Ratings that replaced an earlier rating of the same item by the same annotator.</param>
public sealed record AnnotationFile(RatingTable Table, AnnotationFileShape Shape, int Replaced)
{
    /// <summary>
    /// Gold labels by item id, from an export's <c>gold_label</c> (admins' exports carry it; null or absent: no gold
    /// label). Each is a category name: a gold label that is a category is kept as it is; otherwise it is read as
    /// labels joined with <c>;</c> and named as <see cref="LabelSets.CategoryOfJoined"/> does, so a multi-label gold
    /// <c>"b;a"</c> matches the answer <c>["a", "b"]</c>. Empty when the file has none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Gold { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>
/// Reads annotations in JSON Lines into a <see cref="RatingTable"/>, all or nothing: the first bad line stops the read
/// with an <see cref="ImportException"/> naming the file, line and field. Blank lines are skipped.
/// <list type="bullet">
/// <item>Item ids and annotator names may be strings or integers; labels in a simple file strings, numbers or booleans
/// (as in <see cref="TextDatasetReader"/>); labels in an export strings.</item>
/// <item>An export answer with one label is that label; a multi-label answer (zero or several labels) counts as one
/// nominal category, its labels sorted ordinally and joined with <c>;</c> (the empty set is the empty string).</item>
/// <item>When an annotator rates an item again, the later line (in an export: the later answer) replaces the earlier.</item>
/// <item>An export's <c>gold_label</c> (a string, or null) is kept in <see cref="AnnotationFile.Gold"/>; it is not a rating.</item>
/// </list>
/// Reads from a stream (the caller opens files); thread-safe.
/// </summary>
public static class AnnotationFileReader
{
    /// <summary>Reads the stream (not disposed) to the end.</summary>
    /// <param name="stream">UTF-8 JSON Lines.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <param name="shape">The expected shape; <see cref="AnnotationFileShape.Auto"/> decides by the first line.</param>
    /// <exception cref="ImportException">A line is not valid UTF-8 or JSON, is of another shape, or lacks a field.</exception>
    public static AnnotationFile Read(Stream stream, string source, AnnotationFileShape shape = AnnotationFileShape.Auto)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        var builder = new RatingTableBuilder();
        var gold = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonLines.ReadObjects(stream, source, (root, line) =>
        {
            if (shape == AnnotationFileShape.Auto)
            {
                shape = root.TryGetProperty("annotations", out _) ? AnnotationFileShape.Export
                    : root.TryGetProperty("annotator", out _) ? AnnotationFileShape.Simple
                    : throw new ImportException(source, line, null,
                        "neither a Sift export line (with 'id' and 'annotations') nor an annotation line (with 'item', 'annotator' and 'label')");
            }
            if (shape == AnnotationFileShape.Export) ReadExportLine(root, source, line, builder, gold);
            else ReadSimpleLine(root, source, line, builder);
        });
        var table = builder.Build();
        return new AnnotationFile(table, shape == AnnotationFileShape.Auto ? AnnotationFileShape.Simple : shape, builder.Replaced)
        {
            Gold = GoldCategories(gold, table),
        };
    }

    /// <summary>Names each gold label as a category (see <see cref="AnnotationFile.Gold"/>).</summary>
    private static Dictionary<string, string> GoldCategories(Dictionary<string, string> gold, RatingTable table)
    {
        var categories = table.CategoryNames.ToHashSet(StringComparer.Ordinal);
        return gold.ToDictionary(g => g.Key, g => categories.Contains(g.Value) ? g.Value : LabelSets.CategoryOfJoined(g.Value), StringComparer.Ordinal);
    }

    private static void ReadExportLine(JsonElement root, string source, long line, RatingTableBuilder builder, Dictionary<string, string> gold)
    {
        var item = Key(root, "id", source, line, "the file's first line is a Sift export");
        builder.AddItem(item);
        if (root.TryGetProperty("gold_label", out var goldLabel) && goldLabel.ValueKind != JsonValueKind.Null)
        {
            if (goldLabel.ValueKind != JsonValueKind.String) throw new ImportException(source, line, "gold_label", "not a string or null");
            gold[item] = JsonLines.String(goldLabel, source, line, "gold_label");
        }
        if (!root.TryGetProperty("annotations", out var annotations))
            throw new ImportException(source, line, "annotations", "missing (the file's first line is a Sift export, which has 'annotations' on every line)");
        if (annotations.ValueKind != JsonValueKind.Array) throw new ImportException(source, line, "annotations", "not an array");
        var index = 0;
        foreach (var answer in annotations.EnumerateArray())
        {
            var field = FormattableString.Invariant($"annotations[{index}]");
            if (answer.ValueKind != JsonValueKind.Object) throw new ImportException(source, line, field, "not a JSON object");
            var annotator = Key(answer, "annotator", source, line, null, field + ".");
            if (!answer.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Array)
                throw new ImportException(source, line, field + ".labels", "missing or not an array");
            var chosen = new List<string>();
            var l = 0;
            foreach (var label in labels.EnumerateArray())
            {
                var labelField = FormattableString.Invariant($"{field}.labels[{l++}]");
                if (label.ValueKind != JsonValueKind.String) throw new ImportException(source, line, labelField, "not a string");
                var text = JsonLines.String(label, source, line, labelField);
                if (string.IsNullOrWhiteSpace(text)) throw new ImportException(source, line, labelField, "empty or only whitespace");
                chosen.Add(text);
            }
            builder.Add(item, annotator, LabelSets.Category(chosen));
            index++;
        }
    }

    private static void ReadSimpleLine(JsonElement root, string source, long line, RatingTableBuilder builder)
    {
        const string why = "the file's first line is an annotation line, so every line needs 'item', 'annotator' and 'label'";
        var item = Key(root, "item", source, line, why);
        var annotator = Key(root, "annotator", source, line, why);
        if (!root.TryGetProperty("label", out var value) || value.ValueKind == JsonValueKind.Null)
            throw new ImportException(source, line, "label", $"missing ({why})");
        var label = value.ValueKind switch
        {
            JsonValueKind.String => JsonLines.String(value, source, line, "label"),
            JsonValueKind.Number => value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw new ImportException(source, line, "label", "not a string, a number or a boolean"),
        };
        if (string.IsNullOrWhiteSpace(label)) throw new ImportException(source, line, "label", "empty or only whitespace");
        builder.Add(item, annotator, label);
    }

    /// <summary>A required id-like field: a non-empty string or an integer (as its invariant text).</summary>
    private static string Key(JsonElement owner, string name, string source, long line, string? why, string prefix = "")
    {
        var field = prefix + name;
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new ImportException(source, line, field, why is null ? "missing" : $"missing ({why})");
        var text = value.ValueKind switch
        {
            JsonValueKind.String => JsonLines.String(value, source, line, field),
            JsonValueKind.Number when value.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
            _ => throw new ImportException(source, line, field, "not a string or an integer"),
        };
        if (string.IsNullOrWhiteSpace(text)) throw new ImportException(source, line, field, "empty or only whitespace");
        return text;
    }
}
