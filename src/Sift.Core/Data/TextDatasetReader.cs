namespace Sift.Data;

/// <summary>
/// Reads a data set from a stream of JSON Lines or CSV (see <see cref="DataFormatOptions"/>): text items, or
/// preference pairs from JSON Lines (<see cref="DataFormatOptions.Content"/>). The text must be
/// UTF-8 (a byte order mark is allowed). Reading is all-or-nothing: the first problem in the input throws an
/// <see cref="ImportException"/> naming the source, the line and the field, and no items are returned.
/// </summary>
/// <remarks>Thread-safe: each call reads its own stream.</remarks>
public static class TextDatasetReader
{
    /// <summary>Reads every item of <paramref name="stream"/>, from its current position to its end.</summary>
    /// <param name="stream">The input; read sequentially (it need not be seekable) and left open.</param>
    /// <param name="sourceName">
    /// The name used in error messages and <see cref="TextDataset.Source"/>, usually the file path; its extension
    /// picks the format when <see cref="DataFormatOptions.Format"/> is <see cref="DataFormat.Auto"/>.
    /// </param>
    /// <param name="options">Format and field names; <see langword="null"/> for the defaults.</param>
    /// <returns>The items in file order.</returns>
    /// <exception cref="ImportException">The input is malformed, an item is invalid, or it holds no items.</exception>
    /// <exception cref="ConfigurationException"><paramref name="options"/> are invalid (see <see cref="DataFormatOptions.Validate"/>).</exception>
    /// <exception cref="IOException">Reading the stream failed.</exception>
    public static TextDataset Read(Stream stream, string sourceName, DataFormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        options ??= new DataFormatOptions();
        options.Validate();

        if (options.ResolveFormat(sourceName) == DataFormat.Jsonl) return JsonlDatasetReader.Read(stream, sourceName, options);
        if (options.Content == Items.ContentKind.Pair) throw new ConfigurationException("Preference pairs are read from JSON Lines only, not CSV.");
        return CsvDatasetReader.Read(stream, sourceName, options, options.ResolveDelimiter(sourceName));
    }
}
