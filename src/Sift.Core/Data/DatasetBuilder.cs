using System.Globalization;
using System.Text.Json.Nodes;
using Sift.Items;

namespace Sift.Data;

/// <summary>
/// The checks that both formats share: text present and not too long, characters allowed (<see cref="TextRules"/>),
/// cost valid, ids unique, labels present when required. Collects the items and builds the data set only when the whole file is read, so that a file
/// with an error yields nothing.
/// </summary>
internal sealed class DatasetBuilder(string source, DataFormatOptions options)
{
    private readonly List<TextItem> _items = [];
    private readonly Dictionary<string, long> _idLines = new(StringComparer.Ordinal);
    private bool _sawLabel;
    private long _firstUnlabeledLine;
    private ContentKind? _kind;
    private long _kindLine;

    public DataFormatOptions Options => options;

    /// <summary>The file (or stream name) being read.</summary>
    public string Source => source;

    public ImportException Error(long line, string? field, string problem) => new(source, line, field, problem);

    /// <summary>Checks the text of the item on <paramref name="line"/>.</summary>
    public string CheckText(string text, long line) => CheckText(text, line, options.TextField);

    /// <summary>Checks one text part of the item on <paramref name="line"/> (its text, a prompt, a response, a message).</summary>
    public string CheckText(string text, long line, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) throw Error(line, field, "empty or only whitespace");
        if (text.Length > options.MaxTextLength)
        {
            throw Error(line, field, string.Create(CultureInfo.InvariantCulture,
                $"{text.Length:N0} characters long; the limit is {options.MaxTextLength:N0}"));
        }

        CheckFreeText(text, line, field);
        return text;
    }

    /// <summary>Checks that the item on <paramref name="line"/> is of the kind the file's first item set (a file holds one kind).</summary>
    public ContentKind CheckKind(ContentKind kind, long line)
    {
        if (_kind is null)
        {
            _kind = kind;
            _kindLine = line;
        }
        else if (_kind != kind)
        {
            throw Error(line, null, string.Create(CultureInfo.InvariantCulture,
                $"{Describe(kind)}, but the file's first item (line {_kindLine}) is {Describe(_kind.Value)}; a file holds one kind of item"));
        }

        return kind;
    }

    private static string Describe(ContentKind kind) => kind == ContentKind.Pair ? "a preference pair" : "a text item";

    /// <summary>Checks free text (the item's text, a metadata string or key) against <see cref="TextRules"/>: no NUL.</summary>
    public void CheckFreeText(string value, long line, string field)
    {
        var at = TextRules.IndexOfForbiddenInText(value);
        if (at >= 0) throw Error(line, field, TextRules.Describe(value, at) + "; text may hold any character but NUL");
    }

    /// <summary>Checks an id, group or label against <see cref="TextRules"/>: no control characters.</summary>
    private void CheckName(string? value, long line, string field)
    {
        if (value is null) return;
        var at = TextRules.IndexOfForbiddenInName(value);
        if (at >= 0) throw Error(line, field, TextRules.Describe(value, at) + "; ids, groups and labels may not hold control characters");
    }

    /// <summary>Checks a cost value.</summary>
    public double CheckCost(double cost, long line)
    {
        if (!double.IsFinite(cost)) throw Error(line, options.CostField, "not a finite number");
        if (cost < 0)
        {
            throw Error(line, options.CostField, string.Create(CultureInfo.InvariantCulture,
                $"negative ({cost}); a cost must be 0 or more"));
        }

        return cost;
    }

    /// <summary>
    /// Adds an item that starts on <paramref name="line"/>; a <see langword="null"/> id becomes the line number. A row
    /// that makes several items (a prompt with several responses) gives each a <paramref name="idSuffix"/>, appended to
    /// its id or line number.
    /// </summary>
    public void Add(long line, string? id, string text, string? label, string? group, double cost, JsonObject? meta, ItemContent? content = null, string idSuffix = "")
    {
        CheckName(id, line, options.IdField);
        CheckName(label, line, options.LabelField);
        CheckName(group, line, options.GroupField);
        var idFromLine = id is null;
        id = (id ?? line.ToString(CultureInfo.InvariantCulture)) + idSuffix;
        if (!_idLines.TryAdd(id, line))
        {
            throw Error(line, options.IdField, string.Create(CultureInfo.InvariantCulture,
                $"duplicate id '{id}', first used on line {_idLines[id]}"));
        }

        TrackLabel(label, line);
        var item = new TextItem(id, text, label, group, cost, meta) { Line = line, IdFromLine = idFromLine };
        _items.Add(content is null ? item : item with { Content = content });
    }

    /// <summary>The data set, once every line has been read.</summary>
    public TextDataset Build()
    {
        if (_items.Count == 0) throw Error(0, null, "the file holds no items");
        if (_firstUnlabeledLine > 0) throw Error(0, options.LabelField, "no item has this field, but labels are required");
        return new TextDataset(source, _items.ToArray());
    }

    private void TrackLabel(string? label, long line)
    {
        if (!options.RequireLabels) return;
        if (label is null)
        {
            if (_sawLabel) throw MissingLabel(line);

            // Not reported yet: if no item has a label, the error concerns the whole file, not this line.
            if (_firstUnlabeledLine == 0) _firstUnlabeledLine = line;
            return;
        }

        _sawLabel = true;
        if (_firstUnlabeledLine > 0) throw MissingLabel(_firstUnlabeledLine);
    }

    private ImportException MissingLabel(long line) => Error(line, options.LabelField, "missing or empty, but labels are required");
}
