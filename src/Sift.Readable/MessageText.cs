using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Encodings;

namespace Sift.Readable;

/// <summary>What <see cref="MessageText"/> did to one message, for the converter's report.</summary>
internal sealed class ConversionNotes
{
    /// <summary>How many parts took each decoding route.</summary>
    public Dictionary<DecodeRoute, int> Routes { get; } = [];

    /// <summary>Charsets named by parts that .NET does not know (decoded as if none was named).</summary>
    public HashSet<string> UnknownCharsets { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many HTML parts (or text/plain parts that hold HTML) were reduced to text.</summary>
    public int HtmlParts { get; set; }

    /// <summary>How many text/plain parts held HTML and were read as HTML.</summary>
    public int PlainHtmlParts { get; set; }

    /// <summary>A part held quoted-printable without saying so and was decoded.</summary>
    public bool UndeclaredQuotedPrintable { get; set; }

    /// <summary>A text part held a MIME multipart or a whole message (broken headers) and was parsed as one.</summary>
    public bool EmbeddedMime { get; set; }

    /// <summary>An alternative's text/plain part was a stub and its HTML part was read instead.</summary>
    public bool PlainStub { get; set; }

    /// <summary>No readable text part was found.</summary>
    public bool NoBody { get; set; }

    public void Count(DecodeRoute route) => Routes[route] = Routes.GetValueOrDefault(route) + 1;
}

/// <summary>
/// The readable text of one raw RFC 822 message, parsed with MimeKit: its subject, a blank line, then its body:
/// the multipart tree walked (in an alternative, text/plain preferred, else text/html reduced to text), transfer
/// encodings decoded, each part decoded with its charset (<see cref="CharsetDecoder"/>). No header but the subject
/// is kept. The result is normalised but not cut.
/// </summary>
internal static partial class MessageText
{
    // Registered before MimeKit first looks for an encoding, so that encoded words in big5, gb2312, koi8-r... decode.
    private static readonly Encoding Windows1252 = CharsetDecoder.Windows1252;

    // A text part holding a message or multipart is parsed again, but never deeper than this.
    private const int MaxDepth = 4;

    private static readonly ParserOptions Options = new()
    {
        // Raw 8-bit header bytes (no RFC 2047 encoding) that are not UTF-8 are read as windows-1252, never as U+FFFD.
        CharsetEncoding = Windows1252,
    };

    /// <summary>Converts the message in <paramref name="raw"/> (the bytes of one file of the corpus).</summary>
    public static string Convert(byte[] raw, ConversionNotes notes)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(notes);
        using var stream = new MemoryStream(raw, SkipMboxLine(raw), raw.Length - SkipMboxLine(raw), writable: false);
        var message = MimeMessage.Load(Options, stream);

        var subject = TextShaper.Normalise(message.Subject ?? "");
        var body = TextShaper.Normalise(BodyText(message.Body, notes, 0) ?? "");
        notes.NoBody = body.Length == 0;
        return subject.Length == 0 ? body : body.Length == 0 ? subject : subject + "\n\n" + body;
    }

    /// <summary>The corpus's files start with an mbox "From " separator line, which is not a header.</summary>
    private static int SkipMboxLine(byte[] raw)
    {
        if (!raw.AsSpan().StartsWith("From "u8)) return 0;
        var end = raw.AsSpan().IndexOf((byte)'\n');
        return end < 0 ? raw.Length : end + 1;
    }

    private static string? BodyText(MimeEntity? entity, ConversionNotes notes, int depth)
    {
        switch (entity)
        {
            case MultipartAlternative alternative:
                return AlternativeText(alternative, notes, depth);
            case Multipart multipart:
                // mixed, related, signed, report...: every inline readable part in order; attachments only when
                // nothing else is readable.
                var inline = multipart.Where(p => !IsAttachment(p)).Select(p => BodyText(p, notes, depth)).Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
                if (inline.Count == 0)
                    inline = multipart.Where(IsAttachment).Select(p => BodyText(p, notes, depth)).Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
                return inline.Count == 0 ? null : string.Join("\n\n", inline);
            case MessagePart { Message: { } embedded }:
                // A forwarded message: its subject and body, as the outer one.
                return WithSubject(embedded.Subject, BodyText(embedded.Body, notes, depth));
            case TextPart text when text.IsPlain || text.IsHtml || text.ContentType.IsMimeType("text", "enriched"):
                return PartText(text, notes, depth);
            default:
                // Images, applications, signatures, calendars: nothing to read.
                return null;
        }
    }

    /// <summary>
    /// The text/plain part, unless it is a stub (shorter than a quarter of the HTML part's text, such as "this is an
    /// HTML message"); else the first other part that yields text.
    /// </summary>
    private static string? AlternativeText(MultipartAlternative alternative, ConversionNotes notes, int depth)
    {
        var plainPart = alternative.OfType<TextPart>().FirstOrDefault(p => p.IsPlain);
        var plain = plainPart is null ? null : PartText(plainPart, notes, depth);
        string? other = null;
        foreach (var part in alternative)
        {
            if (part == plainPart) continue;
            other = BodyText(part, notes, depth);
            if (!string.IsNullOrWhiteSpace(other)) break;
        }

        if (string.IsNullOrWhiteSpace(plain)) return other;
        if (string.IsNullOrWhiteSpace(other)) return plain;
        if (TextShaper.Normalise(plain).Length * 4 >= TextShaper.Normalise(other).Length) return plain;
        notes.PlainStub = true;
        return other;
    }

    private static string? WithSubject(string? subject, string? body) =>
        string.IsNullOrWhiteSpace(subject) ? body : subject + "\n\n" + body;

    private static bool IsAttachment(MimeEntity entity) => entity.ContentDisposition?.IsAttachment == true;

    private static string? PartText(TextPart part, ConversionNotes notes, int depth)
    {
        var bytes = DecodedBytes(part, notes);
        if (depth < MaxDepth && EmbeddedText(bytes, notes, depth) is { } embedded) return embedded;
        var charset = part.ContentType.Charset;
        var declared = string.IsNullOrWhiteSpace(charset) ? null : EncodingOrNull(charset, notes);
        if (declared is null && part.IsHtml && MetaCharset(bytes) is { } meta)
            declared = EncodingOrNull(meta, notes);

        var text = CharsetDecoder.Decode(bytes, declared, out var route);
        notes.Count(route);

        if (part.IsHtml || (part.IsPlain && LooksLikeHtml(text)))
        {
            notes.HtmlParts++;
            if (!part.IsHtml) notes.PlainHtmlParts++;
            return HtmlText.ToText(text);
        }

        if (part.ContentType.IsMimeType("text", "enriched"))
            return EnrichedCommand().Replace(text, "");
        return text;
    }

    /// <summary>The part's content with its transfer encoding undone; quoted-printable is also undone when undeclared.</summary>
    private static byte[] DecodedBytes(TextPart part, ConversionNotes notes)
    {
        if (part.Content is null) return [];
        using var buffer = new MemoryStream();
        part.Content.DecodeTo(buffer);
        var bytes = buffer.ToArray();
        if (part.ContentTransferEncoding is ContentEncoding.QuotedPrintable or ContentEncoding.Base64 || !LooksQuotedPrintable(bytes))
            return bytes;

        notes.UndeclaredQuotedPrintable = true;
        var decoder = new QuotedPrintableDecoder();
        var output = new byte[decoder.EstimateOutputLength(bytes.Length)];
        var length = decoder.Decode(bytes, 0, bytes.Length, output);
        return output[..length];
    }

    /// <summary>
    /// The text of a MIME structure that a broken message carries in its body: a multipart whose header went missing
    /// (the body starts with a boundary line and a part header) or a whole message after a few lines of junk (the
    /// body starts with a header block that holds a well-formed Content-Type). Null when the body starts with neither.
    /// </summary>
    private static string? EmbeddedText(byte[] bytes, ConversionNotes notes, int depth)
    {
        // Latin-1 maps each byte to one character, so offsets in the text are offsets in the bytes.
        var text = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 16_384));
        if (FindEmbedded(text) is not var (start, boundary)) return null;
        notes.EmbeddedMime = true;
        if (boundary is not null)
        {
            var header = Encoding.ASCII.GetBytes($"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n");
            using var multipart = new MemoryStream([.. header, .. bytes.AsSpan(start)]);
            return BodyText(MimeEntity.Load(Options, multipart), notes, depth + 1);
        }

        using var stream = new MemoryStream(bytes, start, bytes.Length - start, writable: false);
        var message = MimeMessage.Load(Options, stream);
        return WithSubject(message.Subject, BodyText(message.Body, notes, depth + 1));
    }

    /// <summary>
    /// Where an embedded structure starts within the first five lines (the lines before it short, at most 80
    /// characters): a boundary line followed by a Content-Type line (then with the boundary), or a header block,
    /// ended by a blank line, with a well-formed Content-Type (then without).
    /// </summary>
    internal static (int Start, string? Boundary)? FindEmbedded(string text)
    {
        var lines = new List<(int Offset, string Text)>();
        for (var offset = 0; offset < text.Length && lines.Count < 80;)
        {
            var end = text.IndexOf('\n', offset);
            if (end < 0) end = text.Length;
            lines.Add((offset, text[offset..end].TrimEnd('\r')));
            offset = end + 1;
        }

        for (var first = 0; first < Math.Min(5, lines.Count); first++)
        {
            if (first > 0 && lines[first - 1].Text.Length > 80) break;
            var line = lines[first].Text;
            if (line.StartsWith("--", StringComparison.Ordinal) && line.TrimEnd() is { Length: >= 3 and <= 72 } marker
                && !marker.Contains('"', StringComparison.Ordinal) && first + 1 < lines.Count)
            {
                var next = lines[first + 1].Text.Trim().Length == 0 && first + 2 < lines.Count ? first + 2 : first + 1;
                if (PartContentType().IsMatch(lines[next].Text)) return (lines[first].Offset, marker[2..]);
            }

            if (!HeaderName().IsMatch(line)) continue;
            var contentType = false;
            for (var k = first; k < lines.Count; k++)
            {
                var header = lines[k].Text;
                if (header.Trim().Length == 0)
                {
                    if (contentType) return (lines[first].Offset, null);
                    break;
                }

                if (header[0] is ' ' or '\t' && k > first) continue;
                if (!HeaderName().IsMatch(header)) break;
                contentType |= WellFormedContentType().IsMatch(header);
            }
        }

        return null;
    }

    /// <summary>
    /// Quoted-printable sent without saying so: an encoded '=' ("=3D"), or three soft line breaks as encoders write
    /// them (a 60-77 character line ending in '=' after a character that is not '=', '-' or a space). Separator lines
    /// such as "=====" or "-=-=-=" and HTML attributes such as height=20 at a line's end are not soft breaks.
    /// </summary>
    private static bool LooksQuotedPrintable(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        return text.Contains("=3D", StringComparison.Ordinal) || SoftLineBreak().Count(text) >= 3;
    }

    private static bool LooksLikeHtml(string text) => HtmlMark().Count(text) >= 3;

    private static string? MetaCharset(byte[] bytes)
    {
        var head = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
        var match = MetaCharsetPattern().Match(head);
        return match.Success ? match.Groups["charset"].Value : null;
    }

    /// <summary>The encoding a charset name stands for; null (and noted) for names no encoding answers to.</summary>
    private static Encoding? EncodingOrNull(string charset, ConversionNotes notes)
    {
        var encoding = CharsetDecoder.Find(charset);
        if (encoding is null) notes.UnknownCharsets.Add(charset);
        return encoding;
    }

    [GeneratedRegex(@"^[^\r\n]{58,75}[^=\s-]=\r?$", RegexOptions.Multiline)]
    private static partial Regex SoftLineBreak();

    [GeneratedRegex(@"^Content-Type:[ \t]*[\w.+-]+/", RegexOptions.IgnoreCase)]
    private static partial Regex PartContentType();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9-]*:")]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^Content-Type:[ \t]*[\w.+-]+/[\w.+-]+[ \t]*(;.*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex WellFormedContentType();

    [GeneratedRegex(@"<\s*/?\s*(html|head|body|p|br|div|font|table|tr|td|center|span|a\s+href|img\s|b|i|u)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlMark();

    [GeneratedRegex(@"<meta[^>]+charset\s*=\s*[""']?(?<charset>[A-Za-z0-9_\-:.]+)", RegexOptions.IgnoreCase)]
    private static partial Regex MetaCharsetPattern();

    [GeneratedRegex(@"</?[A-Za-z][A-Za-z0-9-]*>")]
    private static partial Regex EnrichedCommand();
}
