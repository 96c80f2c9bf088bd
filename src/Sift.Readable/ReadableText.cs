using System.Text;
using System.Text.RegularExpressions;
using MimeKit.Encodings;

namespace Sift.Readable;

/// <summary>What an item's text is made of, as far as <see cref="ReadableText"/> can tell.</summary>
public enum TextSource
{
    /// <summary>An RFC 822 message (headers, then a body, possibly MIME): shown as its subject and readable body.</summary>
    Email,

    /// <summary>HTML (three or more tags): shown as the text a browser would show.</summary>
    Html,

    /// <summary>Quoted-printable that nothing declared (<c>=3D</c>, soft line breaks): shown decoded.</summary>
    QuotedPrintable,
}

/// <summary>An item's text made readable: the clean text and what it was decoded from.</summary>
/// <param name="Text">The readable text: white space normalised, no markup, no headers but the subject.</param>
/// <param name="Source">What the original was.</param>
public sealed record ReadableResult(string Text, TextSource Source);

/// <summary>
/// Makes e-mail and HTML-ish text readable for people, with the same code that made the demo corpus
/// (<c>tools/Sift.DemoCorpus</c>): MIME parsed and transfer encodings undone with MimeKit, charsets decoded without
/// U+FFFD, HTML reduced to text with AngleSharp's HTML5 parser (scripts, styles and the head dropped; nothing of the
/// markup kept). The result is plain text, to be shown as text, never as HTML. Thread-safe; no I/O.
/// </summary>
public static partial class ReadableText
{
    /// <summary>Ends a text that was cut at <see cref="CutLength"/> characters (the demo corpus's texts are): " […]".</summary>
    public const string CutMarker = TextShaper.CutMarker;

    /// <summary>The length a cut text was cut to, the marker included: 4,000.</summary>
    public const int CutLength = TextShaper.MaxLength;

    /// <summary>
    /// Whether <paramref name="text"/> is one that was cut: it ends with <see cref="CutMarker"/> and is within the last
    /// word (200 characters) of <see cref="CutLength"/>.
    /// </summary>
    public static bool WasCut(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.EndsWith(CutMarker, StringComparison.Ordinal) && text.Length is > CutLength - 200 - 1 and <= CutLength;
    }

    /// <summary>Texts longer than this (in characters) are left as they are: 1,000,000.</summary>
    public const int MaxInputLength = 1_000_000;

    /// <summary>
    /// The readable form of <paramref name="text"/>, or null when it is plain text already (or too long to look at, or
    /// nothing readable came out of it): the caller then shows the text itself.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static ReadableResult? Make(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text.Length > MaxInputLength) return null;
        try
        {
            ReadableResult? result = null;
            if (LooksLikeMessage(text))
                result = new ReadableResult(MessageText.Convert(Bytes(text), new ConversionNotes()), TextSource.Email);
            else if (LooksLikeHtml(text))
                result = new ReadableResult(TextShaper.Normalise(HtmlText.ToText(text)), TextSource.Html);
            else if (text.Contains("=3D", StringComparison.Ordinal) || SoftLineBreak().Count(text) >= 3)
                result = new ReadableResult(QuotedPrintable(text), TextSource.QuotedPrintable);
            if (result is null || result.Text.Length == 0) return null;
            return result.Text == TextShaper.Normalise(text) ? null : result;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or DecoderFallbackException or NotSupportedException)
        {
            // Untrusted input the parsers cannot make sense of: shown as it is.
            return null;
        }
    }

    /// <summary>
    /// A header block first (at least two header lines, one of them a mail header such as From, Subject, Date,
    /// Received or Content-Type), ended by a blank line; an mbox "From " line before it is allowed.
    /// </summary>
    internal static bool LooksLikeMessage(string text)
    {
        var lines = text.Split('\n', 60);
        var first = lines.Length > 0 && lines[0].StartsWith("From ", StringComparison.Ordinal) ? 1 : 0;
        int headers = 0, mail = 0;
        for (var i = first; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0) return headers >= 2 && mail >= 1;
            if (line[0] is ' ' or '\t' && headers > 0) continue;
            var match = HeaderLine().Match(line);
            if (!match.Success) return false;
            headers++;
            if (MailHeaders.Contains(match.Groups["name"].Value)) mail++;
        }
        return false;
    }

    private static readonly HashSet<string> MailHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Subject", "Date", "Received", "Return-Path", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Reply-To", "Delivered-To",
    };

    /// <summary>
    /// HTML rather than text that mentions a tag: it starts with markup (after white space), or it holds three or more
    /// tags and markup is at least a fifth of it. A plain post quoting a bit of HTML stays as it is.
    /// </summary>
    internal static bool LooksLikeHtml(string text)
    {
        var tags = HtmlMark().Matches(text);
        if (tags.Count < 3) return false;
        if (text.AsSpan().TrimStart().StartsWith("<", StringComparison.Ordinal)) return true;
        var markup = AnyTag().Matches(text).Sum(m => m.Length);
        return markup * 5 >= text.Length;
    }

    /// <summary>The text's bytes for the MIME parser: one byte per character when it fits in Latin-1 (8-bit mail read as such), else UTF-8.</summary>
    private static byte[] Bytes(string text)
    {
        foreach (var c in text)
            if (c > '\u00FF') return Encoding.UTF8.GetBytes(text);
        return Encoding.Latin1.GetBytes(text);
    }

    private static string QuotedPrintable(string text)
    {
        var bytes = Bytes(text);
        var decoder = new QuotedPrintableDecoder();
        var output = new byte[decoder.EstimateOutputLength(bytes.Length)];
        var length = decoder.Decode(bytes, 0, bytes.Length, output);
        var decoded = CharsetDecoder.Decode(output.AsSpan(0, length), null, out _);
        return TextShaper.Normalise(HtmlMark().Count(decoded) >= 3 ? HtmlText.ToText(decoded) : decoded);
    }

    [GeneratedRegex(@"<[!/]?[A-Za-z][^<>]{0,2000}>")]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"^(?<name>[A-Za-z][A-Za-z0-9-]{0,60}):")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"^[^\r\n]{58,75}[^=\s-]=\r?$", RegexOptions.Multiline)]
    private static partial Regex SoftLineBreak();

    [GeneratedRegex(@"<\s*/?\s*(html|head|body|p|br|div|font|table|tr|td|center|span|a\s+href|img\s|b|i|u)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlMark();
}
