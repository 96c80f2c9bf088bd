using System.Globalization;
using System.Text;

namespace Sift.Readable;

/// <summary>White-space normalisation and the length cap of the demo corpus's texts.</summary>
internal static class TextShaper
{
    /// <summary>The longest text, in UTF-16 characters, the marker included.</summary>
    public const int MaxLength = 4000;

    /// <summary>Ends a text that was cut at <see cref="MaxLength"/>.</summary>
    public const string CutMarker = " […]";

    // A cut looks back this far for a space; a longer "word" (a URL, a base64 blob) is cut where the cap falls.
    private const int WordSearch = 200;

    /// <summary>
    /// Line breaks become <c>\n</c>; tabs, no-break and other spaces become one space; control, format (zero-width)
    /// and U+FFFD characters go; lines are trimmed and at most one blank line separates paragraphs.
    /// </summary>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var result = new StringBuilder(text.Length);
        var blank = 0;
        foreach (var raw in lines)
        {
            var line = NormaliseLine(raw);
            if (line.Length == 0)
            {
                blank++;
                continue;
            }

            if (result.Length > 0) result.Append(blank > 0 ? "\n\n" : "\n");
            blank = 0;
            result.Append(line);
        }

        return result.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> when it fits in <see cref="MaxLength"/>; else its start, cut at the last space before
    /// the cap (or at the cap when there is none in the last 200 characters, never inside a surrogate pair), followed
    /// by <see cref="CutMarker"/>, <see cref="MaxLength"/> characters at most in all.
    /// </summary>
    public static string Cut(string text, out bool cut)
    {
        ArgumentNullException.ThrowIfNull(text);
        cut = text.Length > MaxLength;
        if (!cut) return text;

        var limit = MaxLength - CutMarker.Length;
        var end = limit;
        // A space right at the limit is a clean boundary too: look at text[limit] as well.
        var space = text.LastIndexOfAny([' ', '\n'], limit, WordSearch + 1);
        if (space > 0) end = space;
        else if (char.IsHighSurrogate(text[end - 1])) end--;
        return text[..end].TrimEnd() + CutMarker;
    }

    private static string NormaliseLine(string line)
    {
        var result = new StringBuilder(line.Length);
        var space = false;
        foreach (var rune in line.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune))
            {
                space = result.Length > 0;
                continue;
            }

            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
                || category is UnicodeCategory.OtherNotAssigned || rune.Value == 0xFFFD) continue;
            if (space) result.Append(' ');
            space = false;
            result.Append(rune.ToString());
        }

        return result.ToString();
    }
}
