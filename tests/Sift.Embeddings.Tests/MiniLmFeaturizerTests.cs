using Sift.Core.Tests.Features;
using Sift.Features;
using Sift.Items;

namespace Sift.Embeddings.Tests;

public sealed class MiniLmFeaturizerContractTests(MiniLmFixture model) : FeaturizerContractTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override IFeaturizer Create() =>
        new MiniLmFeaturizer(model.Encoder, (id, d) => FileEmbeddingCache.Open(_dir.Path, id, d), ownsEncoder: false);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task FeaturizeAsync_Pool_TheEncodersVectorsForPoolAndOther()
    {
        var request = Request();
        var data = await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        var direct = model.Encoder.Encode([request.Pool[3].FeatureText, request.Other[2].FeatureText]);
        ((DenseMatrix)data.Pool).Row(3).ToArray().ShouldBe(direct.Row(0).ToArray());
        ((DenseMatrix)data.Other!).Row(2).ToArray().ShouldBe(direct.Row(1).ToArray());
        data.Pool.Columns.ShouldBe(384);
        data.VectorsAreEmbeddings.ShouldBeTrue();
        data.Description["model"].ShouldBe(model.Encoder.ModelId);
        data.Description["max_tokens"].ShouldBe(256);
    }

    [Fact]
    public async Task FeaturizeAsync_SecondTime_EveryTextIsACacheHit()
    {
        var counting = new CountingCache(_dir.Path);
        using var featurizer = new MiniLmFeaturizer(model.Encoder, counting.Open, ownsEncoder: false);
        var first = await featurizer.FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        counting.Hits.ShouldBe(0);
        counting.Added.ShouldBe(75);

        var second = await featurizer.FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        counting.Hits.ShouldBe(75);
        counting.Added.ShouldBe(75);
        ((DenseMatrix)second.Pool).Data.ShouldBe(((DenseMatrix)first.Pool).Data);
    }

    [Fact]
    public async Task FeaturizeAsync_CorruptCacheFile_IsRebuiltAndGivesTheSameVectors()
    {
        var clean = await Create().FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        var file = Directory.GetFiles(_dir.Path, "*.vectors").Single();
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x40; // a flipped bit inside the block of vectors
        File.WriteAllBytes(file, bytes);

        var counting = new CountingCache(_dir.Path);
        using var featurizer = new MiniLmFeaturizer(model.Encoder, counting.Open, ownsEncoder: false);
        var again = await featurizer.FeaturizeAsync(Request(), TestContext.Current.CancellationToken);

        counting.Cache!.Repairs.ShouldNotBeEmpty();
        counting.Hits.ShouldBe(0);
        ((DenseMatrix)again.Pool).Data.ShouldBe(((DenseMatrix)clean.Pool).Data);
    }

    [Fact]
    public async Task FeaturizeAsync_EmptyEmojiNonLatinAndOneMegabyteTexts_FiniteUnitVectors()
    {
        string[] texts = ["", "🙂🚀🎉", "日本語のテキスト", "نص عربي قصير", "Ελληνικά", new string('x', 1 << 20)];
        var request = new FeaturizeRequest(texts.Select((_, i) => $"u{i}").ToList(), texts.Select(t => (ItemContent)new TextContent(t)).ToList());
        var data = await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        for (var r = 0; r < texts.Length; r++)
        {
            ((DenseMatrix)data.Pool).Row(r).ToArray().ShouldAllBe(v => float.IsFinite(v));
            data.Pool.RowNormSquared(r).ShouldBe(1, 1e-4);
        }
    }

    private sealed class CountingCache(string directory)
    {
        public FileEmbeddingCache? Cache { get; private set; }

        public int Hits { get; private set; }

        public int Added { get; private set; }

        public IEmbeddingCache Open(string modelId, int dimension)
        {
            Cache = FileEmbeddingCache.Open(directory, modelId, dimension);
            return new Wrapper(this, Cache);
        }

        private sealed class Wrapper(CountingCache owner, FileEmbeddingCache inner) : IEmbeddingCache
        {
            public string ModelId => inner.ModelId;

            public int Dimension => inner.Dimension;

            public int Get(IReadOnlyList<EmbeddingKey> keys, DenseMatrix destination, Span<bool> found)
            {
                var hits = inner.Get(keys, destination, found);
                owner.Hits += hits;
                return hits;
            }

            public void Add(IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors)
            {
                owner.Added += keys.Count;
                inner.Add(keys, vectors);
            }
        }
    }
}
