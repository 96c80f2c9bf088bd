using System.Text;

namespace Sift.Readable;

/// <summary>How <see cref="CharsetDecoder"/> turned a part's bytes into text, for the converter's report.</summary>
internal enum DecodeRoute
{
    /// <summary>Only ASCII bytes (or UTF-8 where UTF-8 or nothing was declared).</summary>
    Plain,

    /// <summary>The declared charset decoded every byte (windows-1252 for us-ascii and iso-8859-1, its superset).</summary>
    Declared,

    /// <summary>The bytes were valid UTF-8 although another charset was declared (a mislabelled part).</summary>
    MislabelledUtf8,

    /// <summary>Nothing or UTF-8 was declared but the bytes are not UTF-8: read as windows-1252.</summary>
    GuessedWindows1252,

    /// <summary>The declared charset, with the few bytes invalid in it read as windows-1252.</summary>
    DeclaredWithRepairs,
}

/// <summary>
/// Decodes a MIME part's bytes with its declared charset without ever producing U+FFFD: UTF-8 when the bytes are
/// valid UTF-8 (many parts are mislabelled), else the declared charset strictly, else windows-1252 for the bytes the
/// declared charset rejects (windows-1252 maps every byte to a character).
/// </summary>
internal static class CharsetDecoder
{
    /// <summary>
    /// Windows-1252: what mail that says us-ascii or iso-8859-1 actually holds when it has 8-bit bytes ("smart
    /// quotes" from Windows mail clients); the WHATWG Encoding Standard reads both labels as windows-1252 too.
    /// </summary>
    public static Encoding Windows1252 { get; } = GetWindows1252();

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="bytes"/>; <paramref name="declared"/> is the charset the part names, if any and if known.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, Encoding? declared, out DecodeRoute route)
    {
        var latin = declared is null || declared.CodePage is 65001 or 20127 or 28591 or 1252;
        var ascii = IsAscii(bytes);
        // iso-2022-jp and other 7-bit stateful charsets are ASCII bytes too: only the Latin family may skip decoding.
        if (ascii && latin)
        {
            route = DecodeRoute.Plain;
            return Encoding.ASCII.GetString(bytes);
        }

        if (!ascii && TryDecode(StrictUtf8, bytes, out var utf8))
        {
            route = declared is null or { CodePage: 65001 } ? DecodeRoute.Plain : DecodeRoute.MislabelledUtf8;
            return utf8;
        }

        if (latin)
        {
            route = declared is null or { CodePage: 65001 } ? DecodeRoute.GuessedWindows1252 : DecodeRoute.Declared;
            return Windows1252.GetString(bytes);
        }

        if (TryDecode(Strict(declared!), bytes, out var text))
        {
            route = DecodeRoute.Declared;
            return text;
        }

        route = DecodeRoute.DeclaredWithRepairs;
        var repairing = Encoding.GetEncoding(declared!.CodePage, EncoderFallback.ReplacementFallback, new Windows1252Fallback());
        return repairing.GetString(bytes);
    }

    /// <summary>
    /// The encoding <paramref name="charset"/> names (IANA names and aliases, plus the misspellings this corpus
    /// has, such as <c>CHINESEBIG5</c>); null for names that say nothing (<c>default</c>, <c>unknown-8bit</c>).
    /// </summary>
    public static Encoding? Find(string charset)
    {
        ArgumentNullException.ThrowIfNull(charset);
        var name = charset.Trim().Trim('"', '\'').ToLowerInvariant();
        name = name switch
        {
            "chinesebig5" or "big-5" => "big5",
            "gb2312_charset" => "gb2312",
            "iso8859-1" or "iso_8859-1" or "latin1" => "iso-8859-1",
            _ => name,
        };
        _ = Windows1252; // the code pages are registered
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The code-page encodings (windows-125x, koi8-r, gb2312, big5, ...), registered before first use.</summary>
    private static Encoding GetWindows1252()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(1252);
    }

    private static bool IsAscii(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyInRange((byte)0x80, (byte)0xFF);

    private static Encoding Strict(Encoding encoding) =>
        Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    private static bool TryDecode(Encoding strict, ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    /// <summary>Reads each byte the charset rejects as its windows-1252 character instead of U+FFFD.</summary>
    private sealed class Windows1252Fallback : DecoderFallback
    {
        public override int MaxCharCount => 4;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

        private sealed class Buffer : DecoderFallbackBuffer
        {
            private string _pending = "";
            private int _next;

            public override int Remaining => _pending.Length - _next;

            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                _pending = Windows1252.GetString(bytesUnknown);
                _next = 0;
                return _pending.Length > 0;
            }

            public override char GetNextChar() => _next < _pending.Length ? _pending[_next++] : '\0';

            public override bool MovePrevious()
            {
                if (_next == 0) return false;
                _next--;
                return true;
            }

            public override void Reset()
            {
                _pending = "";
                _next = 0;
            }
        }
    }
}
