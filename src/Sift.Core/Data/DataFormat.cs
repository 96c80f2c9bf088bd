namespace Sift.Data;

/// <summary>The file format of a data set, for <see cref="DataFormatOptions.Format"/>.</summary>
public enum DataFormat
{
    /// <summary>
    /// Decide from the source name's extension: <c>.csv</c> and <c>.tsv</c> are read as CSV (a <c>.tsv</c> file
    /// with a tab delimiter); <c>.jsonl</c>, <c>.json</c>, <c>.ndjson</c> and every other name as JSON Lines.
    /// </summary>
    Auto,

    /// <summary>JSON Lines: one JSON object per line, UTF-8.</summary>
    Jsonl,

    /// <summary>Delimited text with a header row and RFC 4180 quoting, UTF-8.</summary>
    Csv,
}
