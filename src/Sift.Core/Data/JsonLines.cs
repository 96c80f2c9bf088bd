using System.Text.Json;

namespace Sift.Data;

/// <summary>
/// The part every JSON Lines reader shares: streams the lines, skips blank ones (still counted), and hands each line's
/// object to the caller, or stops with an <see cref="ImportException"/> naming the file and line when a line is not
/// valid UTF-8, not JSON, or not an object.
/// </summary>
internal static class JsonLines
{
    private static readonly JsonDocumentOptions ParseOptions = new() { AllowDuplicateProperties = false };

    /// <summary>Calls <paramref name="readObject"/> with each non-blank line's object and its 1-based line number.</summary>
    public static void ReadObjects(Stream stream, string source, Action<JsonElement, long> readObject)
    {
        using var lines = new Utf8LineReader(stream);
        while (lines.TryReadLine(out var bytes))
        {
            var line = lines.LineNumber;
            if (Utf8LineReader.IsBlank(bytes.Span)) continue;

            var invalid = Utf8LineReader.FirstInvalidUtf8(bytes.Span);
            if (invalid >= 0)
                throw new ImportException(source, line, null, FormattableString.Invariant($"not valid UTF-8 (byte {invalid + 1} of the line)"));

            using var document = Parse(bytes, source, line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ImportException(source, line, null, root.ValueKind == JsonValueKind.Array && line == 1
                    ? "a JSON array, but the file must hold one JSON object per line (JSON Lines)"
                    : "not a JSON object; each line must hold one object");
            }

            readObject(root, line);
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> bytes, string source, long line)
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
            throw new ImportException(source, line, null, $"malformed JSON{where}");
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check unescapes every key, and an unpaired surrogate escape (\uDC00) throws this.
            throw new ImportException(source, line, null, "a key holds an unpaired surrogate escape (\\uD800 to \\uDFFF)");
        }
    }

    /// <summary>A JSON string's value, or an error naming the field when it holds an unpaired surrogate escape.</summary>
    public static string String(JsonElement value, string source, long line, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new ImportException(source, line, field, "holds an unpaired surrogate escape (\\uD800 to \\uDFFF)");
        }
    }

    /// <summary>A property's name, or an error naming the field when it holds an unpaired surrogate escape.</summary>
    public static string PropertyName(JsonProperty property, string source, long line, string field)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw new ImportException(source, line, field, "a key holds an unpaired surrogate escape (\\uD800 to \\uDFFF)");
        }
    }
}
