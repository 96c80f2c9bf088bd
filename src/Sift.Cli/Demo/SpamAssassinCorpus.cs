using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Sift.Data;

namespace Sift.Cli.Demo;

/// <summary>The demo corpus as JSON Lines of <c>{"id","text","label","group"}</c>, split in two.</summary>
/// <param name="TrainJsonl">About 80% of the messages, in id order.</param>
/// <param name="TestJsonl">The other 20% (<see cref="SpamAssassinCorpus.IsTest"/>), in id order.</param>
/// <param name="TrainCount">The lines of <paramref name="TrainJsonl"/>.</param>
/// <param name="TestCount">The lines of <paramref name="TestJsonl"/>.</param>
internal sealed record SpamAssassinSplit(byte[] TrainJsonl, byte[] TestJsonl, int TrainCount, int TestCount);

/// <summary>
/// The demo corpus: the SpamAssassin public corpus (6,046 e-mails labeled spam or ham), converted once to clean
/// text by the development tool <c>tools/Sift.DemoCorpus</c> and shipped inside this assembly as
/// <c>Demo/spam-assassin.jsonl.gz</c> (origin and licence in <c>Demo/NOTICE.md</c>). Nothing is downloaded.
/// </summary>
internal static class SpamAssassinCorpus
{
    /// <summary>The name of the embedded resource: gzip-compressed JSON Lines, UTF-8.</summary>
    public const string ResourceName = "Sift.Cli.Demo.spam-assassin.jsonl.gz";

    /// <summary>The messages in the corpus.</summary>
    public const int MessageCount = 6046;

    /// <summary>The longest text, in characters: the converter cut longer ones at a word and ended them with <see cref="CutMarker"/>.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>Ends every text the converter cut at <see cref="MaxTextLength"/>.</summary>
    public const string CutMarker = " […]";

    /// <summary>Opens the corpus as a stream of JSON Lines (decompressed as it is read).</summary>
    /// <exception cref="SiftException">The resource is missing from the build.</exception>
    public static Stream OpenJsonl()
    {
        var resource = typeof(SpamAssassinCorpus).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new SiftException($"this build of sift lacks the demo corpus (resource {ResourceName}); rebuild src/Sift.Cli");
        return new GZipStream(resource, CompressionMode.Decompress);
    }

    /// <summary>The corpus split by <see cref="IsTest"/>: the same items on every machine.</summary>
    /// <exception cref="SiftException">The resource is missing or a line has no string id.</exception>
    public static SpamAssassinSplit Split(CancellationToken ct)
    {
        using var reader = new StreamReader(OpenJsonl(), new UTF8Encoding(false, throwOnInvalidBytes: true));
        using var train = new MemoryStream();
        using var test = new MemoryStream();
        int trainCount = 0, testCount = 0, number = 0;
        while (reader.ReadLine() is { } line)
        {
            ct.ThrowIfCancellationRequested();
            number++;
            if (line.Length == 0) continue;
            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            if (IsTest(IdOf(bytes, number)))
            {
                test.Write(bytes);
                testCount++;
            }
            else
            {
                train.Write(bytes);
                trainCount++;
            }
        }

        return new SpamAssassinSplit(train.ToArray(), test.ToArray(), trainCount, testCount);
    }

    /// <summary>The training and test sets, with their gold labels and groups.</summary>
    /// <exception cref="SiftException">The resource is missing or damaged.</exception>
    public static (TextDataset Train, TextDataset Test) Load(CancellationToken ct)
    {
        var split = Split(ct);
        var options = new DataFormatOptions { Format = DataFormat.Jsonl, RequireLabels = true, MaxTextLength = MaxTextLength };
        return (TextDatasetReader.Read(new MemoryStream(split.TrainJsonl), "demo corpus (train)", options),
            TextDatasetReader.Read(new MemoryStream(split.TestJsonl), "demo corpus (test)", options));
    }

    /// <summary>
    /// Whether the item with this id belongs to the test split: FNV-1a (32-bit) of its UTF-8 bytes, modulo 5, is 0,
    /// which puts about 20% of the items in it, the same ones on every machine.
    /// </summary>
    internal static bool IsTest(string id)
    {
        // FNV-1a: Fowler, Noll, Vo, http://www.isthe.com/chongo/tech/comp/fnv/ (offset basis 2166136261, prime 16777619).
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(id)) hash = unchecked((hash ^ b) * 16777619u);
        return hash % 5 == 0;
    }

    private static string IdOf(byte[] line, int number)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isId = reader.ValueTextEquals("id"u8);
                    reader.Read();
                    if (isId && reader.TokenType == JsonTokenType.String) return reader.GetString()!;
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new SiftException($"the demo corpus is damaged: line {number} has no string \"id\"");
    }
}
