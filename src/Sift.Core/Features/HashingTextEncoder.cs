using System.Globalization;

namespace Sift.Features;

/// <summary>
/// A text encoder with no model to load: the hashing trick (Weinberger et al. 2009, "Feature Hashing for Large Scale
/// Multitask Learning") over lower-cased word unigrams and bigrams — each hashed (64-bit FNV-1a) to one of
/// <see cref="Dimension"/> slots with a hashed sign, weighted 1 + log(count) — and scaled to unit length. It knows no
/// meaning (two paraphrases share no words, no vector), so it is a fallback where a sentence encoder is not available:
/// fast, deterministic across processes and machines, nothing fitted, so a vector never depends on other texts.
/// Thread-safe.
/// </summary>
public sealed class HashingTextEncoder : ITextEncoder
{
    /// <summary>Creates an encoder.</summary>
    /// <param name="dimension">Length of every vector: 16 to 65,536. Default 512.</param>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range.</exception>
    public HashingTextEncoder(int dimension = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, 65_536);
        Dimension = dimension;
    }

    /// <inheritdoc />
    public string ModelId => string.Create(CultureInfo.InvariantCulture, $"hashing-words-1-2@{Dimension}");

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new DenseMatrix(texts.Count, Dimension);
        Parallelism.ForBlocks(texts.Count, 256, (start, length) =>
        {
            var counts = new Dictionary<ulong, int>();
            for (var i = start; i < start + length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                counts.Clear();
                ulong previous = 0;
                var first = true;
                foreach (var word in Words(texts[i] ?? ""))
                {
                    var h = Hash(word, 0xcbf29ce484222325UL);
                    Add(counts, h);
                    if (!first) Add(counts, Hash(word, previous ^ 0x9E3779B97F4A7C15UL)); // the bigram (previous, word)
                    previous = h;
                    first = false;
                }
                var row = result.Row(i);
                foreach (var (h, n) in counts)
                {
                    var slot = (int)(h % (ulong)Dimension);
                    var sign = (h >> 63) == 0 ? 1f : -1f;
                    row[slot] += sign * (float)(1 + Math.Log(n));
                }
            }
        });
        result.NormalizeRows();
        progress?.Report(new EncodeProgress(texts.Count, texts.Count, 0));
        return result;
    }

    private static void Add(Dictionary<ulong, int> counts, ulong h) => counts[h] = counts.GetValueOrDefault(h) + 1;

    /// <summary>Runs of letters and digits, lower-cased (invariant).</summary>
    private static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    /// <summary>64-bit FNV-1a of the UTF-16 code units, from <paramref name="basis"/>.</summary>
    private static ulong Hash(string word, ulong basis)
    {
        var h = basis;
        foreach (var c in word)
        {
            h ^= c;
            h *= 0x100000001b3UL;
        }
        return h;
    }
}
