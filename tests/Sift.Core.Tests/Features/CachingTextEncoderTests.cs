using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Sift.Features;

namespace Sift.Core.Tests.Features;

public sealed class CachingTextEncoderTests
{
    [Fact]
    public void Encode_RepeatedAndCachedTexts_EmbedsEachDistinctTextOnce()
    {
        var inner = new CountingEncoder();
        var cache = new MemoryCache(inner.ModelId, inner.Dimension);
        var encoder = new CachingTextEncoder(inner, cache);

        var first = encoder.Encode(["a", "b", "a", "  b\n", "c"]);
        var second = encoder.Encode(["c", "d", "a"]);

        inner.Seen.ShouldBe(["a", "b", "c", "d"]);
        first.Row(0).ToArray().ShouldBe(first.Row(2).ToArray());
        first.Row(1).ToArray().ShouldBe(first.Row(3).ToArray());
        second.Row(0).ToArray().ShouldBe(first.Row(4).ToArray());
        second.Row(2).ToArray().ShouldBe(first.Row(0).ToArray());
        second.Row(1).ToArray().ShouldBe(CountingEncoder.VectorOf("d"));
        cache.Count.ShouldBe(4);
    }

    [Fact]
    public void Encode_ManyTexts_AddsEveryChunkToTheCacheAsItFinishes()
    {
        var inner = new CountingEncoder();
        var cache = new MemoryCache(inner.ModelId, inner.Dimension);
        var encoder = new CachingTextEncoder(inner, cache, chunkSize: 3);

        encoder.Encode(["1", "2", "3", "4", "5", "6", "7"]);

        inner.Calls.ShouldBe(3);
        cache.AddCalls.ShouldBe([3, 3, 1]);
    }

    [Fact]
    public void Encode_CancelledAfterTheFirstChunk_KeepsThatChunkCachedAndResumes()
    {
        using var cts = new CancellationTokenSource();
        var inner = new CountingEncoder { AfterCall = cts.Cancel };
        var cache = new MemoryCache(inner.ModelId, inner.Dimension);
        var encoder = new CachingTextEncoder(inner, cache, chunkSize: 2);

        Should.Throw<OperationCanceledException>(() => encoder.Encode(["1", "2", "3", "4"], cancellationToken: cts.Token));
        cache.Count.ShouldBe(2);

        inner.AfterCall = null;
        encoder.Encode(["1", "2", "3", "4"]);
        inner.Seen.ShouldBe(["1", "2", "3", "4"]);
    }

    [Fact]
    public void Encode_Progress_CountsCachedTextsAndEndsAtTheTotal()
    {
        var inner = new CountingEncoder();
        var cache = new MemoryCache(inner.ModelId, inner.Dimension);
        var encoder = new CachingTextEncoder(inner, cache, chunkSize: 2);
        encoder.Encode(["x"]);
        var reports = new List<EncodeProgress>();

        encoder.Encode(["x", "y", "z", "x"], new ListProgress(reports));

        reports[0].ShouldBe(new EncodeProgress(2, 4, 2));
        reports[^1].ShouldBe(new EncodeProgress(4, 4, 2));
        reports.Select(r => r.Done).ShouldBeInOrder();
    }

    [Fact]
    public void Encode_NoTexts_ReturnsAnEmptyMatrixWithoutCallingTheEncoder()
    {
        var inner = new CountingEncoder();
        var encoder = new CachingTextEncoder(inner, new MemoryCache(inner.ModelId, inner.Dimension));

        var result = encoder.Encode([]);

        result.Rows.ShouldBe(0);
        result.Columns.ShouldBe(inner.Dimension);
        inner.Calls.ShouldBe(0);
    }

    [Fact]
    public void Constructor_CacheOfAnotherModel_Throws()
    {
        var inner = new CountingEncoder();
        Should.Throw<ArgumentException>(() => new CachingTextEncoder(inner, new MemoryCache("other@1", inner.Dimension)))
            .Message.ShouldContain("other@1");
        Should.Throw<ArgumentException>(() => new CachingTextEncoder(inner, new MemoryCache(inner.ModelId, inner.Dimension + 1)));
    }

    [Fact]
    public void EmbeddingKey_Create_IsSha256OfModelIdZeroByteAndTrimmedText()
    {
        var expected = SHA256.HashData([.. Encoding.UTF8.GetBytes("m@1"), 0, .. Encoding.UTF8.GetBytes("Héllo wörld")]);

        var key = EmbeddingKey.Create("m@1", "  Héllo wörld \n");

        key.ToString().ShouldBe(Convert.ToHexStringLower(expected));
        key.ShouldBe(EmbeddingKey.Create("m@1", "Héllo wörld"));
        key.ShouldNotBe(EmbeddingKey.Create("m@2", "Héllo wörld"));
        key.ShouldNotBe(EmbeddingKey.Create("m@1", "héllo wörld"));
    }

    [Fact]
    public void EmbeddingKey_WriteToThenRead_RoundTrips()
    {
        var key = EmbeddingKey.Create("m", "text");
        var bytes = new byte[EmbeddingKey.Size];

        key.WriteTo(bytes);

        EmbeddingKey.Read(bytes).ShouldBe(key);
    }

    [Fact]
    public void EmbeddingText_Normalize_ReplacesUnpairedSurrogatesAndKeepsPairs()
    {
        EmbeddingText.Normalize("a\uD800b\uDC00 😀 ").ShouldBe("a\uFFFDb\uFFFD 😀");
        EmbeddingText.Normalize("plain").ShouldBeSameAs("plain");
        EmbeddingText.Normalize(" \t\u00A0\u3000 ").ShouldBe("");
    }

    /// <summary>A deterministic fake: each vector is derived from the text's hash; records what it was asked.</summary>
    private sealed class CountingEncoder : ITextEncoder
    {
        public List<string> Seen { get; } = [];

        public int Calls { get; private set; }

        public Action? AfterCall { get; set; }

        public string ModelId => "fake@1";

        public int Dimension => 4;

        public static float[] VectorOf(string text)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
            return [hash[0], hash[1], hash[2], hash[3]];
        }

        public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            var result = new DenseMatrix(texts.Count, Dimension);
            for (var i = 0; i < texts.Count; i++)
            {
                Seen.Add(texts[i]);
                VectorOf(texts[i]).CopyTo(result.Row(i));
            }
            AfterCall?.Invoke();
            return result;
        }
    }

    private sealed class MemoryCache(string modelId, int dimension) : IEmbeddingCache
    {
        private readonly ConcurrentDictionary<EmbeddingKey, float[]> _vectors = new();

        public List<int> AddCalls { get; } = [];

        public string ModelId => modelId;

        public int Dimension => dimension;

        public int Count => _vectors.Count;

        public int Get(IReadOnlyList<EmbeddingKey> keys, DenseMatrix destination, Span<bool> found)
        {
            var hits = 0;
            for (var i = 0; i < keys.Count; i++)
            {
                if (!_vectors.TryGetValue(keys[i], out var v)) continue;
                v.CopyTo(destination.Row(i));
                found[i] = true;
                hits++;
            }
            return hits;
        }

        public void Add(IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors)
        {
            AddCalls.Add(keys.Count);
            for (var i = 0; i < keys.Count; i++) _vectors.TryAdd(keys[i], vectors.Row(i).ToArray());
        }
    }

    private sealed class ListProgress(List<EncodeProgress> reports) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value) => reports.Add(value);
    }
}
