using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sift.DemoCorpus;

/// <summary>One item of the demo corpus.</summary>
internal sealed record CorpusItem(string Id, string Text, string Label, string Group);

/// <summary>Writes the demo corpus: gzip-compressed JSON Lines of <c>{"id","text","label","group"}</c>, UTF-8.</summary>
internal static class CorpusWriter
{
    /// <summary>Writes <paramref name="items"/> in the order given.</summary>
    public static void Write(Stream output, IEnumerable<CorpusItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
        // Relaxed escaping keeps non-ASCII text readable and small; the file is data, never embedded in HTML.
        using var writer = new Utf8JsonWriter(gzip, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var item in items)
        {
            writer.WriteStartObject();
            writer.WriteString("id", item.Id);
            writer.WriteString("text", item.Text);
            writer.WriteString("label", item.Label);
            writer.WriteString("group", item.Group);
            writer.WriteEndObject();
            writer.Flush();
            gzip.WriteByte((byte)'\n');
            writer.Reset();
        }
    }
}
