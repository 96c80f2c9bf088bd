namespace Sift.Features;

/// <summary>
/// An <see cref="ITextEncoder"/> that never embeds the same text twice: it normalises every text
/// (<see cref="EmbeddingText"/>), answers repeated and cached texts from the <see cref="IEmbeddingCache"/>, sends only
/// the rest to the inner encoder, in chunks, and adds each finished chunk to the cache at once — so a long run that
/// is stopped resumes where it was.
/// </summary>
/// <remarks>Thread-safe when the inner encoder and the cache are.</remarks>
public sealed class CachingTextEncoder : ITextEncoder
{
    /// <summary>The default of <c>chunkSize</c>: 1,024 texts per call of the inner encoder.</summary>
    public const int DefaultChunkSize = 1024;

    private readonly ITextEncoder _inner;
    private readonly IEmbeddingCache _cache;
    private readonly int _chunkSize;

    /// <summary>Puts <paramref name="cache"/> in front of <paramref name="inner"/>.</summary>
    /// <param name="inner">The encoder that computes missing vectors; it receives normalised texts.</param>
    /// <param name="cache">The cache; its model id and dimension must be the encoder's.</param>
    /// <param name="chunkSize">Texts per inner call (each chunk is cached when done). Default <see cref="DefaultChunkSize"/>.</param>
    /// <exception cref="ArgumentException">The cache belongs to another model or dimension.</exception>
    public CachingTextEncoder(ITextEncoder inner, IEmbeddingCache cache, int chunkSize = DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        if (!string.Equals(inner.ModelId, cache.ModelId, StringComparison.Ordinal) || inner.Dimension != cache.Dimension)
        {
            throw new ArgumentException(
                $"The cache holds {cache.Dimension}-dimensional vectors of '{cache.ModelId}', the encoder makes {inner.Dimension}-dimensional vectors of '{inner.ModelId}'.",
                nameof(cache));
        }
        _inner = inner;
        _cache = cache;
        _chunkSize = chunkSize;
    }

    /// <inheritdoc />
    public string ModelId => _inner.ModelId;

    /// <inheritdoc />
    public int Dimension => _inner.Dimension;

    /// <inheritdoc />
    public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var n = texts.Count;
        var result = new DenseMatrix(n, Dimension);
        if (n == 0) return result;

        // Distinct keys in first-seen order; firstOf[i] is the row that holds text i's vector.
        var firstOf = new int[n];
        var uniqueRows = new List<int>();
        var uniqueKeys = new List<EmbeddingKey>();
        var uniqueTexts = new List<string>();
        var seen = new Dictionary<EmbeddingKey, int>();
        for (var i = 0; i < n; i++)
        {
            var normal = EmbeddingText.Normalize(texts[i] ?? throw new ArgumentException($"Text {i} is null.", nameof(texts)));
            var key = EmbeddingKey.Create(ModelId, normal);
            if (seen.TryGetValue(key, out var row))
            {
                firstOf[i] = row;
                continue;
            }
            seen.Add(key, i);
            firstOf[i] = i;
            uniqueRows.Add(i);
            uniqueKeys.Add(key);
            uniqueTexts.Add(normal);
        }

        var cached = new DenseMatrix(uniqueKeys.Count, Dimension);
        var found = new bool[uniqueKeys.Count];
        var hits = _cache.Get(uniqueKeys, cached, found);
        for (var u = 0; u < uniqueKeys.Count; u++)
        {
            if (found[u]) cached.Row(u).CopyTo(result.Row(uniqueRows[u]));
        }

        var missing = new List<int>(uniqueKeys.Count - hits);
        for (var u = 0; u < uniqueKeys.Count; u++)
        {
            if (!found[u]) missing.Add(u);
        }
        var fromCache = n - missing.Count;
        progress?.Report(new EncodeProgress(fromCache, n, fromCache));

        for (var start = 0; start < missing.Count; start += _chunkSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(_chunkSize, missing.Count - start);
            var chunkTexts = new string[count];
            var chunkKeys = new EmbeddingKey[count];
            for (var j = 0; j < count; j++)
            {
                chunkTexts[j] = uniqueTexts[missing[start + j]];
                chunkKeys[j] = uniqueKeys[missing[start + j]];
            }
            var done = fromCache + start;
            var inner = progress is null ? null : new ForwardingProgress(progress, done, n, fromCache);
            var vectors = _inner.Encode(chunkTexts, inner, cancellationToken);
            if (vectors.Rows != count || vectors.Columns != Dimension)
                throw new InvalidOperationException($"The encoder '{ModelId}' returned {vectors.Rows}×{vectors.Columns} for {count} texts of dimension {Dimension}.");
            _cache.Add(chunkKeys, vectors);
            for (var j = 0; j < count; j++) vectors.Row(j).CopyTo(result.Row(uniqueRows[missing[start + j]]));
            progress?.Report(new EncodeProgress(done + count, n, fromCache));
        }

        for (var i = 0; i < n; i++)
        {
            if (firstOf[i] != i) result.Row(firstOf[i]).CopyTo(result.Row(i));
        }
        return result;
    }

    // Maps the inner encoder's progress within one chunk onto the whole call.
    private sealed class ForwardingProgress(IProgress<EncodeProgress> outer, int offset, int total, int cached) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value) => outer.Report(new EncodeProgress(offset + value.Done, total, cached));
    }
}
