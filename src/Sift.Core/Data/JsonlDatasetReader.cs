using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Data;

/// <summary>Reads JSON Lines: one object per line, streamed line by line; blank lines are skipped but counted.</summary>
internal static class JsonlDatasetReader
{
    private static readonly JsonDocumentOptions ParseOptions = new() { AllowDuplicateProperties = false };

    public static TextDataset Read(Stream stream, string source, DataFormatOptions options)
    {
        var builder = new DatasetBuilder(source, options);
        using var lines = new Utf8LineReader(stream);
        while (lines.TryReadLine(out var bytes))
        {
            var line = lines.LineNumber;
            if (Utf8LineReader.IsBlank(bytes.Span)) continue;

            var invalid = Utf8LineReader.FirstInvalidUtf8(bytes.Span);
            if (invalid >= 0)
            {
                throw builder.Error(line, null, FormattableString.Invariant(
                    $"not valid UTF-8 (byte {invalid + 1} of the line)"));
            }

            using var document = Parse(bytes, line, builder);
            ReadItem(document.RootElement, line, builder);
        }

        return builder.Build();
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> bytes, long line, DatasetBuilder builder)
    {
        try
        {
            return JsonDocument.Parse(bytes, ParseOptions);
        }
        catch (JsonException e)
        {
            var where = e.BytePositionInLine is { } position
                ? FormattableString.Invariant($" near byte {position + 1} of the line")
                : "";
            throw builder.Error(line, null, $"malformed JSON{where}");
        }
    }

    private static void ReadItem(JsonElement root, long line, DatasetBuilder builder)
    {
        var options = builder.Options;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw builder.Error(line, null, root.ValueKind == JsonValueKind.Array && line == 1
                ? "a JSON array, but the file must hold one JSON object per line (JSON Lines)"
                : "not a JSON object; each line must hold one object");
        }

        if (!root.TryGetProperty(options.TextField, out var textElement) || textElement.ValueKind != JsonValueKind.String)
            throw builder.Error(line, options.TextField, "missing or not a string");
        var text = builder.CheckText(ReadString(textElement, options.TextField, line, builder), line);

        string? id = null;
        if (Present(root, options.IdField, out var idElement))
        {
            id = idElement.ValueKind switch
            {
                JsonValueKind.String => ReadString(idElement, options.IdField, line, builder),
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
                JsonValueKind.String => ReadString(labelElement, options.LabelField, line, builder),
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
            group = ReadString(groupElement, options.GroupField, line, builder);
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

            // Clone: the element's document is disposed once the line is read.
            meta = JsonObject.Create(metaElement.Clone());
        }

        builder.Add(line, id, text, label, group, cost, meta);
    }

    private static string ReadString(JsonElement value, string field, long line, DatasetBuilder builder)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw builder.Error(line, field, "holds an unpaired surrogate escape (\\uD800 to \\uDFFF)");
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
