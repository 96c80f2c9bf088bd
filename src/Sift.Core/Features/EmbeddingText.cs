using System.Text;

namespace Sift.Features;

/// <summary>
/// The text an encoder sees and a cache key hashes: leading and trailing white space removed
/// (<see cref="char.IsWhiteSpace(char)"/>) and unpaired UTF-16 surrogates replaced by U+FFFD. Nothing else changes —
/// case, inner white space, punctuation and Unicode composition stay — so the normal form never merges two texts that
/// an encoder might tell apart (BERT-style tokenizers ignore outer white space).
/// </summary>
/// <remarks>
/// Unicode NFC is deliberately not applied: <see cref="string.Normalize()"/> does nothing in a process running with
/// <c>InvariantGlobalization</c> (as Sift's programs do) and composes elsewhere, so keys would depend on the host.
/// A composed and a decomposed spelling of the same text are thus two cache entries (with equal MiniLM vectors,
/// since that tokenizer strips accents itself).
/// </remarks>
public static class EmbeddingText
{
    /// <summary>Returns the normal form of <paramref name="text"/> (the same instance when it is already normal).</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ReplaceUnpairedSurrogates(text).Trim();
    }

    private static string ReplaceUnpairedSurrogates(string text)
    {
        var span = text.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            if (!char.IsSurrogate(span[i])) { i++; continue; }
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1])) { i += 2; continue; }
            break;
        }
        if (i == span.Length) return text;

        var builder = new StringBuilder(text.Length);
        builder.Append(span[..i]);
        while (i < span.Length)
        {
            var c = span[i];
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                builder.Append(c).Append(span[i + 1]);
                i += 2;
                continue;
            }
            builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            i++;
        }
        return builder.ToString();
    }
}
