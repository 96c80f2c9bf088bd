using Sift.Features;

namespace Sift.Core.Tests.Features;

/// <summary>
/// TEST DOUBLE of a sentence encoder: each word adds 1 to one of <see cref="Dimension"/> coordinates chosen by a stable
/// hash of the word (FNV-1a), so texts sharing words get similar vectors. Deterministic; counts the texts it was given.
/// Not a model.
/// </summary>
internal sealed class WordHashEncoder(int dimension = 16) : ITextEncoder
{
    private int _texts;

    public string ModelId => $"word-hash@{Dimension}";

    public int Dimension { get; } = dimension;

    /// <summary>Texts encoded so far.</summary>
    public int Texts => Volatile.Read(ref _texts);

    public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = new DenseMatrix(texts.Count, Dimension);
        for (var i = 0; i < texts.Count; i++)
        {
            var row = result.Row(i);
            foreach (var word in texts[i].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                uint h = 2166136261;
                foreach (var c in word) h = (h ^ c) * 16777619;
                row[(int)(h % (uint)Dimension)] += 1;
            }
            row[Dimension - 1] += 0.01f; // no zero vector for an empty text
        }
        Interlocked.Add(ref _texts, texts.Count);
        progress?.Report(new EncodeProgress(texts.Count, texts.Count, 0));
        return result;
    }
}
