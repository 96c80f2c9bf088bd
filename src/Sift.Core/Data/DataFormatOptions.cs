using Sift.Items;

namespace Sift.Data;

/// <summary>
/// How <see cref="TextDatasetReader"/> reads a data set: the format and the names of the fields (JSON Lines) or
/// columns (CSV) that hold each part of an item. Every property has a stated default, so
/// <c>new DataFormatOptions()</c> reads <c>{"text": ..., "label": ...}</c> files.
/// </summary>
/// <remarks>Not thread-safe to change while a read is using it; reading with the same instance from several threads is fine.</remarks>
public sealed class DataFormatOptions
{
    /// <summary>The default of <see cref="MaxTextLength"/>: 1,000,000 characters.</summary>
    public const int DefaultMaxTextLength = 1_000_000;

    /// <summary>The file format. Default <see cref="DataFormat.Auto"/>: decided from the source name's extension.</summary>
    public DataFormat Format { get; set; } = DataFormat.Auto;

    /// <summary>The field holding the item's text; required on every item. Default <c>"text"</c>.</summary>
    public string TextField { get; set; } = "text";

    /// <summary>
    /// The field holding the gold label. Default <c>"label"</c>. In JSON Lines it may be a string, a number or a
    /// boolean (read as its invariant string form: <c>1</c>, <c>2.5</c>, <c>true</c>); <c>null</c>, an empty
    /// string and an empty CSV cell mean "unlabeled".
    /// </summary>
    public string LabelField { get; set; } = "label";

    /// <summary>
    /// The field holding the item's id: a string or an integer. Default <c>"id"</c>. When absent, the id is the
    /// 1-based line number on which the item starts. Ids must be unique within the file.
    /// </summary>
    public string IdField { get; set; } = "id";

    /// <summary>The field holding the item's subgroup (a string). Default <c>"group"</c>.</summary>
    public string GroupField { get; set; } = "group";

    /// <summary>The field holding the labeling cost: a finite, non-negative number; 1 when absent. Default <c>"cost"</c>.</summary>
    public string CostField { get; set; } = "cost";

    /// <summary>
    /// JSON Lines only: the field holding free-form metadata (a JSON object). Default <c>"meta"</c>. CSV files have
    /// no meta column: every column not named by these options goes into the item's metadata as a string.
    /// </summary>
    public string MetaField { get; set; } = "meta";

    /// <summary>
    /// Whether every item must carry a label. Default <see langword="false"/>. When <see langword="true"/>, an
    /// unlabeled item is an error, and so is a file in which no item has the label field at all.
    /// </summary>
    public bool RequireLabels { get; set; }

    /// <summary>The longest text accepted, in UTF-16 characters; a longer one is an error. Default <see cref="DefaultMaxTextLength"/>.</summary>
    public int MaxTextLength { get; set; } = DefaultMaxTextLength;

    /// <summary>
    /// CSV only: the field delimiter, an ASCII character. Default <see langword="null"/>: a tab for a source name
    /// ending in <c>.tsv</c>, a comma otherwise.
    /// </summary>
    public char? CsvDelimiter { get; set; }

    /// <summary>
    /// What the rows hold. Default <see cref="ContentKind.Text"/>: each row's text is in <see cref="TextField"/>.
    /// <see cref="ContentKind.Pair"/> (JSON Lines only): each row is a preference pair — TRL's explicit-prompt
    /// preference format <c>{"prompt", "chosen", "rejected"}</c> (the gold preference is the side the chosen response
    /// lands on, <see cref="PairLabels.A"/> or <see cref="PairLabels.B"/>, and it may not carry a label too), or
    /// <c>{"prompt", "response_a", "response_b"}</c> with an optional label (one of <see cref="PairLabels"/>); a prompt
    /// is a string or a conversation (a list of <c>{"role", "content"}</c> messages, roles <c>system</c>,
    /// <c>user</c>, <c>assistant</c>, at least one <c>user</c>), a response a string or a list of one
    /// <c>assistant</c> message. The id, group, cost and meta fields are read as for text.
    /// <see langword="null"/>: the first item decides — a row with <see cref="TextField"/> is text, a row with
    /// <c>prompt</c> and a response, or <c>chosen</c> and <c>rejected</c>, and no text field is a pair — and every other row must be of the same kind.
    /// </summary>
    public ContentKind? Content { get; set; } = ContentKind.Text;

    /// <summary>
    /// Seeds the coin that puts a chosen/rejected row's chosen response on side A or B, one toss per item from this
    /// seed and the item's id (its content when it has none): the same file and seed give the same sides, in any
    /// order. Default 0.
    /// </summary>
    public ulong PairSideSeed { get; set; }

    /// <summary>Checks the options; <see cref="TextDatasetReader"/> calls this before reading.</summary>
    /// <exception cref="ConfigurationException">A field name is empty or used twice, <see cref="MaxTextLength"/> is not positive, <see cref="Format"/> is undefined or the delimiter cannot be used.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Format)) throw new ConfigurationException($"Unknown data format '{Format}'.");
        if (Content is { } kind && !Enum.IsDefined(kind)) throw new ConfigurationException($"Unknown item content kind '{kind}'.");
        if (Content == ContentKind.Pair && Format == DataFormat.Csv) throw new ConfigurationException("Preference pairs are read from JSON Lines only, not CSV.");
        if (MaxTextLength < 1) throw new ConfigurationException($"MaxTextLength must be at least 1 (got {MaxTextLength}).");

        (string Option, string? Name)[] fields =
        [
            (nameof(TextField), TextField), (nameof(LabelField), LabelField), (nameof(IdField), IdField),
            (nameof(GroupField), GroupField), (nameof(CostField), CostField), (nameof(MetaField), MetaField),
        ];
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, name) in fields)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ConfigurationException($"{option} must name a field.");
            if (!seen.TryAdd(name, option))
                throw new ConfigurationException($"{seen[name]} and {option} both name the field '{name}'.");
            if (Content != ContentKind.Text && option != nameof(TextField) && JsonlPairRows.Fields.Contains(name, StringComparer.Ordinal))
                throw new ConfigurationException($"{option} names the field '{name}', which a preference pair row uses for its prompt or a response.");
        }

        if (CsvDelimiter is { } d && (d > '\x7f' || d is '"' or '\r' or '\n' or '\0'))
            throw new ConfigurationException($"CsvDelimiter must be an ASCII character other than a quote or a line break (got U+{(int)d:X4}).");
    }

    /// <summary>The format to read <paramref name="sourceName"/> as.</summary>
    internal DataFormat ResolveFormat(string sourceName)
    {
        if (Format != DataFormat.Auto) return Format;
        return Extension(sourceName) is ".csv" or ".tsv" ? DataFormat.Csv : DataFormat.Jsonl;
    }

    /// <summary>The CSV delimiter to read <paramref name="sourceName"/> with.</summary>
    internal char ResolveDelimiter(string sourceName) =>
        CsvDelimiter ?? (Extension(sourceName) == ".tsv" ? '\t' : ',');

    private static string Extension(string sourceName) => Path.GetExtension(sourceName).ToLowerInvariant();
}
