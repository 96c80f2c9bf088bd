using System.Text;

namespace Sift.Features;

/// <summary>
/// The text an encoder sees and a cache key hashes: Unicode NFC, leading and trailing white space removed
/// (<see cref="char.IsWhiteSpace(char)"/>), and unpaired UTF-16 surrogates replaced by U+FFFD. Nothing else changes
/// (case, inner white space and punctuation stay), so two texts with the same normal form are the same text to any
/// encoder that ignores outer white space and Unicode composition, as BERT-style tokenizers do.
/// </summary>
public static class EmbeddingText
{
    /// <summary>Returns the normal form of <paramref name="text"/> (the same instance when it is already normal).</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var clean = ReplaceUnpairedSurrogates(text);
        // string.Normalize throws on unpaired surrogates, hence the replacement first.
        var composed = clean.IsNormalized(NormalizationForm.FormC) ? clean : clean.Normalize(NormalizationForm.FormC);
        return composed.Trim();
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
