using System.Globalization;
using System.Text;

namespace Sift.Embeddings.Unicode;

/// <summary>
/// Hugging Face's uncased BERT normalisation, done here so that it does not depend on the host's globalisation
/// mode (under <c>InvariantGlobalization</c>, which Sift's programs use, <see cref="string.Normalize()"/> changes
/// nothing, so Microsoft.ML.Tokenizers' own normaliser would keep accents and turn "café" into [UNK]):
/// <list type="number">
/// <item>drop U+0000, U+FFFD and "other" characters (controls, format, private-use, unassigned);</item>
/// <item>turn tab, line breaks and space separators into a space;</item>
/// <item>put spaces around CJK ideographs;</item>
/// <item>lower-case, then decompose canonically and drop non-spacing marks (strip accents): a table made from
/// Python's <c>unicodedata</c> (<c>accent-table.txt</c>, by <c>make-accent-table.py</c>) and the Hangul algorithm.</item>
/// </list>
/// Thread-safe.
/// </summary>
internal sealed class BertNormalizer : Microsoft.ML.Tokenizers.Normalizer
{
    private static readonly Dictionary<int, string> Accents = LoadAccentTable();

    /// <inheritdoc />
    public override string Normalize(string original) => Normalize(original.AsSpan());

    /// <inheritdoc />
    public override string Normalize(ReadOnlySpan<char> original)
    {
        if (original.IsEmpty) return string.Empty;
        var builder = new StringBuilder(original.Length + 16);
        Span<char> chars = stackalloc char[2];
        var rest = original;
        while (!rest.IsEmpty)
        {
            // An unpaired surrogate decodes as U+FFFD and is dropped below.
            Rune.DecodeFromUtf16(rest, out var rune, out var consumed);
            rest = rest[consumed..];
            var value = rune.Value;
            if (value < 0x80)
            {
                if (value is '\t' or '\n' or '\r' or ' ') builder.Append(' ');
                else if (value < 0x20 || value == 0x7F) continue;
                else builder.Append((char)(value is >= 'A' and <= 'Z' ? value + 32 : value));
                continue;
            }
            var category = Rune.GetUnicodeCategory(rune);
            if (value == 0xFFFD || category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.NonSpacingMark)
                continue;
            if (category == UnicodeCategory.SpaceSeparator)
            {
                builder.Append(' ');
                continue;
            }
            var cjk = IsCjk(value);
            if (cjk) builder.Append(' ');
            AppendStripped(builder, Rune.ToLowerInvariant(rune), chars);
            if (cjk) builder.Append(' ');
        }
        return builder.ToString();
    }

    private static void AppendStripped(StringBuilder builder, Rune rune, Span<char> chars)
    {
        var value = rune.Value;
        if (value is >= HangulBase and < HangulBase + HangulCount)
        {
            // Unicode 15.0, section 3.12: a syllable is L + V (+ T) jamo.
            var index = value - HangulBase;
            builder.Append((char)(0x1100 + index / (21 * 28)));
            builder.Append((char)(0x1161 + index % (21 * 28) / 28));
            if (index % 28 != 0) builder.Append((char)(0x11A7 + index % 28));
        }
        else if (Accents.TryGetValue(value, out var stripped)) builder.Append(stripped);
        else builder.Append(chars[..rune.EncodeToUtf16(chars)]);
    }

    private const int HangulBase = 0xAC00;
    private const int HangulCount = 11172;

    // Hugging Face's _is_chinese_char: the CJK Unified Ideographs blocks and their extensions, and compatibility ideographs.
    private static bool IsCjk(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private static Dictionary<int, string> LoadAccentTable()
    {
        using var stream = typeof(BertNormalizer).Assembly.GetManifestResourceStream("Sift.Embeddings.Unicode.accent-table.txt")
            ?? throw new InvalidOperationException("The accent table resource is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var table = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var key = int.Parse(line.AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var builder = new StringBuilder();
            foreach (var part in line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                builder.Append(char.ConvertFromUtf32(int.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            table[key] = builder.ToString();
        }
        return table;
    }
}
