using System.Globalization;
using System.Text.Json.Nodes;
using CsvHelper;

namespace Sift.Data;

/// <summary>
/// Reads CSV (or TSV) with a header row through CsvHelper: RFC 4180 quoting, quoted fields may span lines, and
/// errors name the line on which the row starts. Columns not named by the options go into each item's metadata.
/// </summary>
internal static class CsvDatasetReader
{
    public static TextDataset Read(Stream stream, string source, DataFormatOptions options, char delimiter)
    {
        var builder = new DatasetBuilder(source, options);
        var csvOptions = new CsvReaderOptions
        {
            Separator = delimiter,
            HasHeader = true,
            TrackLineNumbers = true,
            DetectSeparatorHint = false,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Recover,

            // A stray quote inside an unquoted field (he said "hi") is kept as text; other quoting errors would
            // silently change the data, so they stop the import.
            OnMalformedRecord = record =>
            {
                if (record.Reason != CsvMalformedReason.StrayQuote) throw builder.Error(record.LineNumber, null, Describe(record.Reason));
            },
        };

        try
        {
            using var csv = CsvReader.Create(stream, csvOptions, leaveOpen: true);
            ReadRows(csv, builder);
        }
        catch (CsvFormatException e)
        {
            throw builder.Error(e.LineNumber, null, "malformed CSV: " + FirstSentence(e.Message));
        }

        return builder.Build();
    }

    private static void ReadRows(CsvReader csv, DatasetBuilder builder)
    {
        var options = builder.Options;
        csv.ReadHeader();
        var headers = csv.Headers;
        if (headers.Count == 0) return;
        var headerLine = csv.LineNumber;

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in headers)
        {
            // The header's raw bytes are not exposed; CsvHelper decodes invalid UTF-8 to U+FFFD, so look for that.
            if (name.Contains('\uFFFD', StringComparison.Ordinal)) throw builder.Error(headerLine, null, "the header row is not valid UTF-8");
            var nul = TextRules.IndexOfForbiddenInText(name);
            if (nul >= 0) throw builder.Error(headerLine, null, "a column name " + TextRules.Describe(name, nul));
            if (!string.IsNullOrWhiteSpace(name) && !seen.Add(name)) throw builder.Error(headerLine, name, "the header row names this column twice");
        }

        var text = Column(headers, options.TextField);
        if (text < 0) throw builder.Error(headerLine, options.TextField, $"the header row has no column with this name; the columns are {ColumnList(headers)}");
        var label = Column(headers, options.LabelField);
        if (label < 0 && options.RequireLabels)
        {
            throw builder.Error(headerLine, options.LabelField,
                $"the header row has no column with this name, but labels are required; the columns are {ColumnList(headers)}");
        }
        var id = Column(headers, options.IdField);
        var group = Column(headers, options.GroupField);
        var cost = Column(headers, options.CostField);
        var metaColumns = Enumerable.Range(0, headers.Count).Where(i => i != text && i != label && i != id && i != group && i != cost).ToArray();

        while (csv.Read())
        {
            var line = csv.LineNumber;
            var invalid = Utf8LineReader.FirstInvalidUtf8(csv.RawRecord);
            if (invalid >= 0) throw builder.Error(line, null, "not valid UTF-8");
            if (Utf8LineReader.IsBlank(csv.RawRecord)) continue;
            if (csv.FieldCount != headers.Count)
            {
                throw builder.Error(line, null, string.Create(CultureInfo.InvariantCulture,
                    $"the row has {csv.FieldCount} fields but the header row has {headers.Count}"));
            }

            var itemText = builder.CheckText(csv.GetString(text), line);
            string? itemId = null;
            if (id >= 0 && !csv.IsEmpty(id))
            {
                itemId = csv.GetString(id);
                if (string.IsNullOrWhiteSpace(itemId)) throw builder.Error(line, options.IdField, "only whitespace");
            }

            var itemLabel = label >= 0 ? NullIfBlank(csv.GetString(label)) : null;
            if (itemLabel is null && label >= 0 && options.RequireLabels)
                throw builder.Error(line, options.LabelField, "missing or empty, but labels are required");
            var itemGroup = group >= 0 ? NullIfBlank(csv.GetString(group)) : null;
            var itemCost = cost >= 0 ? ParseCost(csv.GetString(cost), line, builder) : 1.0;

            JsonObject? meta = null;
            if (metaColumns.Length > 0)
            {
                meta = [];
                foreach (var i in metaColumns)
                {
                    var key = MetaKey(headers[i], i);
                    var value = csv.GetString(i);
                    builder.CheckFreeText(value, line, key);
                    meta[key] = value;
                }
            }

            builder.Add(line, itemId, itemText, itemLabel, itemGroup, itemCost, meta);
        }
    }

    /// <summary>The header's column names, quoted, for an error that must say which columns there are (at most 20).</summary>
    private static string ColumnList(IReadOnlyList<string> headers)
    {
        var names = headers.Take(20).Select(h => $"'{(h.Length > 40 ? h[..40] + "…" : h)}'");
        return string.Join(", ", names) + (headers.Count > 20 ? $" and {headers.Count - 20} more" : "");
    }

    /// <summary>The index of the column called <paramref name="name"/>: an exact match, else one ignoring case and surrounding spaces; -1 when none.</summary>
    private static int Column(IReadOnlyList<string> headers, string name)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            if (string.Equals(headers[i], name, StringComparison.Ordinal)) return i;
        }

        for (var i = 0; i < headers.Count; i++)
        {
            if (string.Equals(headers[i].Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase)) return i;
        }

        return -1;
    }

    private static double ParseCost(string value, long line, DatasetBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(value)) return 1.0;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var cost))
            throw builder.Error(line, builder.Options.CostField, $"'{value}' is not a number");
        return builder.CheckCost(cost, line);
    }

    private static string? NullIfBlank(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>A column without a name (as left by a trailing delimiter) is kept in the metadata as <c>column3</c>.</summary>
    private static string MetaKey(string header, int index) =>
        string.IsNullOrWhiteSpace(header) ? string.Create(CultureInfo.InvariantCulture, $"column{index + 1}") : header;

    private static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.TextAfterClosingQuote => "text follows the closing quote of a quoted field",
        CsvMalformedReason.UnterminatedQuote => "a quoted field is never closed",
        CsvMalformedReason.LineBreakInQuotes => "a quoted field holds a line break",
        CsvMalformedReason.FieldCountMismatch => "the row has a different number of fields than the header row",
        _ => "malformed quoting",
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOfAny(['\n', '.']);
        return (end >= 0 ? message[..end] : message).Trim();
    }
}
