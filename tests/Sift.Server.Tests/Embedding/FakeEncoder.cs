using System.Security.Cryptography;
using System.Text;
using Sift.Features;

namespace Sift.Server.Tests.Embedding;

/// <summary>
/// A deterministic stand-in for the sentence encoder: each text's vector comes from SHA-256 of the text (unit length),
/// so equal texts get equal vectors in every run. It records every text it was given, can advance a fake clock per
/// call (so rates are exact), and can hold a call until the test lets it go (or its token is cancelled).
/// </summary>
public sealed class FakeEncoder(int dimension = 8, string modelId = "fake-encoder@1") : ITextEncoder
{
    private readonly Lock _gate = new();
    private readonly List<string> _texts = [];
    private readonly List<int> _calls = [];

    public string ModelId { get; } = modelId;

    public int Dimension { get; } = dimension;

    /// <summary>Called at the start of every call with its texts (e.g. to advance a fake clock or to block).</summary>
    public Action<IReadOnlyList<string>, CancellationToken>? OnEncode { get; set; }

    /// <summary>Every text encoded so far, in order.</summary>
    public IReadOnlyList<string> Texts
    {
        get { lock (_gate) return [.. _texts]; }
    }

    /// <summary>The size of every call so far.</summary>
    public IReadOnlyList<int> Calls
    {
        get { lock (_gate) return [.. _calls]; }
    }

    public static float[] VectorOf(string text, int dimension)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(EmbeddingText.Normalize(text)));
        var v = new float[dimension];
        for (var j = 0; j < dimension; j++) v[j] = hash[j % hash.Length] / 255f - 0.5f + j * 0.001f;
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        for (var j = 0; j < dimension; j++) v[j] /= norm;
        return v;
    }

    public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        OnEncode?.Invoke(texts, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _texts.AddRange(texts);
            _calls.Add(texts.Count);
        }
        var m = new DenseMatrix(texts.Count, Dimension);
        for (var i = 0; i < texts.Count; i++) VectorOf(texts[i], Dimension).CopyTo(m.Row(i));
        return m;
    }
}
