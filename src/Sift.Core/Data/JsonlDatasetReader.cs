using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Items;

namespace Sift.Data;

/// <summary>
/// Reads JSON Lines: one object per line, streamed line by line; blank lines are skipped but counted. A line is a text
/// item or a preference pair (<see cref="JsonlPairRows"/>), as <see cref="DataFormatOptions.Content"/> says; every line
/// of a file is of one kind.
/// </summary>
internal static class JsonlDatasetReader
{
    public static TextDataset Read(Stream stream, string source, DataFormatOptions options)
    {
        var builder = new DatasetBuilder(source, options);
        JsonLines.ReadObjects(stream, source, (root, line) => ReadItem(root, line, builder));
        return builder.Build();
    }

    private static void ReadItem(JsonElement root, long line, DatasetBuilder builder)
    {
        var options = builder.Options;
        var kind = builder.CheckKind(KindOf(root, options), line);
        string? text = null;
        if (kind == ContentKind.Text)
        {
            if (!root.TryGetProperty(options.TextField, out var textElement) || textElement.ValueKind != JsonValueKind.String)
            {
                throw builder.Error(line, options.TextField, JsonlPairRows.LooksLikePair(root)
                    ? "missing; the line is a preference pair (a prompt with two responses), not a text item"
                    : "missing or not a string");
            }

            text = builder.CheckText(JsonLines.String(textElement, builder.Source, line, options.TextField), line);
        }

        string? id = null;
        if (Present(root, options.IdField, out var idElement))
        {
            id = idElement.ValueKind switch
            {
                JsonValueKind.String => JsonLines.String(idElement, builder.Source, line, options.IdField),
                JsonValueKind.Number when idElement.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
                _ => throw builder.Error(line, options.IdField, "not a string or an integer"),
            };
            if (string.IsNullOrWhiteSpace(id)) throw builder.Error(line, options.IdField, "empty or only whitespace");
        }

        string? label = null;
        if (Present(root, options.LabelField, out var labelElement))
        {
            label = labelElement.ValueKind switch
            {
                JsonValueKind.String => JsonLines.String(labelElement, builder.Source, line, options.LabelField),
                JsonValueKind.Number => NumberText(labelElement),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => throw builder.Error(line, options.LabelField, "not a string, a number or a boolean"),
            };
            if (string.IsNullOrWhiteSpace(label)) label = null;
        }

        string? group = null;
        if (Present(root, options.GroupField, out var groupElement))
        {
            if (groupElement.ValueKind != JsonValueKind.String) throw builder.Error(line, options.GroupField, "not a string");
            group = JsonLines.String(groupElement, builder.Source, line, options.GroupField);
            if (string.IsNullOrWhiteSpace(group)) group = null;
        }

        var cost = 1.0;
        if (Present(root, options.CostField, out var costElement))
        {
            if (costElement.ValueKind != JsonValueKind.Number) throw builder.Error(line, options.CostField, "not a number");
            cost = builder.CheckCost(costElement.TryGetDouble(out var c) ? c : double.PositiveInfinity, line);
        }

        JsonObject? meta = null;
        if (Present(root, options.MetaField, out var metaElement))
        {
            if (metaElement.ValueKind != JsonValueKind.Object) throw builder.Error(line, options.MetaField, "not a JSON object");

            CheckMeta(metaElement, line, builder);

            // Clone: the element's document is disposed once the line is read.
            meta = JsonObject.Create(metaElement.Clone());
        }

        if (kind == ContentKind.Text)
        {
            builder.Add(line, id, text!, label, group, cost, meta);
            return;
        }

        if (JsonlPairRows.HasResponses(root))
        {
            // A prompt with several responses: every pair of them, (1, 2), (1, 3), …, each its own item; no winner is known.
            if (label is not null)
                throw builder.Error(line, options.LabelField, "given on a row with a list of responses, which makes several pairs; give each pair its own row to label it");
            foreach (var (suffix, each) in JsonlPairRows.ReadResponses(root, line, builder))
                builder.Add(line, id, each.FeatureText, null, group, cost, meta?.DeepClone().AsObject(), each, suffix);
            return;
        }

        var (pair, gold) = JsonlPairRows.Read(root, line, id, builder);
        if (gold is not null && label is not null)
            throw builder.Error(line, options.LabelField, "given on a chosen/rejected row, whose preference the two fields already say");
        if (label is not null) label = PairLabels.Parse(label) ?? throw builder.Error(line, options.LabelField, $"'{label}' is not a preference ({string.Join(", ", PairLabels.All)})");
        builder.Add(line, id, pair.FeatureText, gold ?? label, group, cost, meta, pair);
    }

    /// <summary>
    /// The kind of the item on a line: the one the options name, or, when they leave it open, text for a line with the
    /// text field and a pair for a line with a prompt and a response but no text field.
    /// </summary>
    private static ContentKind KindOf(JsonElement root, DataFormatOptions options) =>
        options.Content ?? (!root.TryGetProperty(options.TextField, out _) && JsonlPairRows.LooksLikePair(root) ? ContentKind.Pair : ContentKind.Text);

    /// <summary>Every key and string in the metadata is free text: no NUL, no unpaired surrogate (the depth is bounded by the parser).</summary>
    private static void CheckMeta(JsonElement element, long line, DatasetBuilder builder)
    {
        var field = builder.Options.MetaField;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    builder.CheckFreeText(JsonLines.PropertyName(property, builder.Source, line, field), line, field);
                    CheckMeta(property.Value, line, builder);
                }

                break;
            case JsonValueKind.Array:
                foreach (var value in element.EnumerateArray()) CheckMeta(value, line, builder);
                break;
            case JsonValueKind.String:
                builder.CheckFreeText(JsonLines.String(element, builder.Source, line, field), line, field);
                break;
        }
    }

    /// <summary>Whether the field is there and not <c>null</c>; a <c>null</c> optional field counts as absent.</summary>
    private static bool Present(JsonElement root, string field, out JsonElement value) =>
        root.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A number's invariant text: integers as written (<c>1</c>), others in round-trip form (<c>2.5</c>).</summary>
    private static string NumberText(JsonElement number)
    {
        if (number.TryGetInt64(out var n)) return n.ToString(CultureInfo.InvariantCulture);
        return number.TryGetDouble(out var d) ? d.ToString("R", CultureInfo.InvariantCulture) : number.GetRawText();
    }
}
