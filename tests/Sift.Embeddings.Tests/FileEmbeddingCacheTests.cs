using Sift.Features;

namespace Sift.Embeddings.Tests;

public sealed class FileEmbeddingCacheTests : IDisposable
{
    private const string Model = "test-model@0123";
    private const int Dimension = 3;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private FileEmbeddingCache Open() => FileEmbeddingCache.Open(_dir.Path, Model, Dimension);

    private static EmbeddingKey Key(string text) => EmbeddingKey.Create(Model, text);

    private static DenseMatrix Vectors(params float[][] rows) => new(rows.Length, Dimension, rows.SelectMany(r => r).ToArray());

    private static (int Hits, bool[] Found, DenseMatrix Values) Lookup(FileEmbeddingCache cache, params string[] texts)
    {
        var values = new DenseMatrix(texts.Length, Dimension);
        var found = new bool[texts.Length];
        var hits = cache.Get(texts.Select(Key).ToList(), values, found);
        return (hits, found, values);
    }

    [Fact]
    public void Get_AfterAdd_HitsAddedKeysAndMissesOthers()
    {
        var cache = Open();
        cache.Add([Key("a"), Key("b")], Vectors([1, 2, 3], [4, 5, 6]));

        var (hits, found, values) = Lookup(cache, "b", "zzz", "a");

        hits.ShouldBe(2);
        found.ShouldBe([true, false, true]);
        values.Row(0).ToArray().ShouldBe([4f, 5, 6]);
        values.Row(1).ToArray().ShouldBe([0f, 0, 0]);
        values.Row(2).ToArray().ShouldBe([1f, 2, 3]);
    }

    [Fact]
    public void Open_Again_ReadsBackEveryVectorBitForBit()
    {
        Open().Add([Key("a"), Key("b")], Vectors([1.5f, -0f, float.Epsilon], [4, 5, 6]));
        Open().Add([Key("c")], Vectors([7, 8, 9]));

        var reopened = Open();
        var (hits, _, values) = Lookup(reopened, "a", "b", "c");

        hits.ShouldBe(3);
        reopened.Count.ShouldBe(3);
        reopened.Repairs.ShouldBeEmpty();
        BitConverter.SingleToInt32Bits(values.Row(0)[1]).ShouldBe(BitConverter.SingleToInt32Bits(-0f));
        values.Row(0)[2].ShouldBe(float.Epsilon);
    }

    [Fact]
    public void Add_KeysAlreadyStored_AreNotWrittenAgain()
    {
        var cache = Open();
        cache.Add([Key("a")], Vectors([1, 2, 3]));
        var length = new FileInfo(cache.FilePath).Length;

        cache.Add([Key("a"), Key("a")], Vectors([1, 2, 3], [1, 2, 3]));
        Open().Add([Key("a")], Vectors([9, 9, 9]));

        new FileInfo(cache.FilePath).Length.ShouldBe(length);
        Lookup(Open(), "a").Values.Row(0).ToArray().ShouldBe([1f, 2, 3]);
    }

    [Fact]
    public void Open_TruncatedLastBlock_DropsItKeepsEarlierBlocksAndAppendsAfterThem()
    {
        var cache = Open();
        cache.Add([Key("a")], Vectors([1, 2, 3]));
        var soundLength = new FileInfo(cache.FilePath).Length;
        cache.Add([Key("b"), Key("c")], Vectors([4, 5, 6], [7, 8, 9]));
        using (var file = new FileStream(cache.FilePath, FileMode.Open)) file.SetLength(file.Length - 10);  // a torn append

        var repaired = Open();
        repaired.Repairs.Count.ShouldBe(1);
        repaired.Repairs[0].ShouldContain("damaged block");
        new FileInfo(repaired.FilePath).Length.ShouldBe(soundLength);
        Lookup(repaired, "a", "b", "c").Found.ShouldBe([true, false, false]);

        repaired.Add([Key("b")], Vectors([4, 5, 6]));
        var after = Open();
        after.Repairs.ShouldBeEmpty();
        Lookup(after, "a", "b").Hits.ShouldBe(2);
    }

    [Fact]
    public void Open_FlippedBitInABlock_DropsThatBlockAndAllAfterIt()
    {
        var cache = Open();
        cache.Add([Key("a")], Vectors([1, 2, 3]));
        var firstEnd = new FileInfo(cache.FilePath).Length;
        cache.Add([Key("b")], Vectors([4, 5, 6]));
        cache.Add([Key("c")], Vectors([7, 8, 9]));
        var bytes = File.ReadAllBytes(cache.FilePath);
        bytes[firstEnd + 8 + EmbeddingKey.Size] ^= 0x01;  // a bit of b's first float
        File.WriteAllBytes(cache.FilePath, bytes);

        var repaired = Open();

        repaired.Repairs.Single().ShouldContain("checksum");
        Lookup(repaired, "a", "b", "c").Found.ShouldBe([true, false, false]);
        new FileInfo(repaired.FilePath).Length.ShouldBe(firstEnd);
    }

    [Theory]
    [InlineData(0)]   // magic
    [InlineData(13)]  // dimension
    [InlineData(30)]  // model id or generation
    public void Open_DamagedHeader_RebuildsAnEmptyFile(int offset)
    {
        var cache = Open();
        cache.Add([Key("a")], Vectors([1, 2, 3]));
        var bytes = File.ReadAllBytes(cache.FilePath);
        bytes[offset] ^= 0x40;
        File.WriteAllBytes(cache.FilePath, bytes);

        var rebuilt = Open();

        rebuilt.Repairs.Single().ShouldContain("header");
        rebuilt.Count.ShouldBe(0);
        Lookup(rebuilt, "a").Hits.ShouldBe(0);
        Open().Repairs.ShouldBeEmpty();
    }

    [Fact]
    public void Open_FileOfAnotherDimension_IsRebuiltNotTrusted()
    {
        FileEmbeddingCache.Open(_dir.Path, Model, 2).Add([Key("a")], new DenseMatrix(1, 2, [1, 2]));

        var cache = Open();

        cache.Repairs.Single().ShouldContain("2-dimensional");
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public void Open_GarbageOrEmptyFile_IsRebuilt()
    {
        File.WriteAllText(Path.Combine(_dir.Path, FileEmbeddingCache.FileNameOf(Model)), "not a cache");
        Open().Repairs.Single().ShouldContain("header");

        File.WriteAllBytes(Path.Combine(_dir.Path, FileEmbeddingCache.FileNameOf(Model)), []);
        Open().Repairs.Single().ShouldContain("shorter than a header");
    }

    [Fact]
    public void TwoInstances_OnOneFile_SeeEachOthersVectors()
    {
        var first = Open();
        var second = Open();

        first.Add([Key("a")], Vectors([1, 2, 3]));
        second.Add([Key("a"), Key("b")], Vectors([1, 2, 3], [4, 5, 6]));

        Lookup(first, "a", "b").Hits.ShouldBe(2);
        Lookup(Open(), "a", "b").Hits.ShouldBe(2);
        Open().Count.ShouldBe(2);
    }

    [Fact]
    public void Add_FromManyThreadsAndInstances_KeepsTheFileSound()
    {
        var caches = Enumerable.Range(0, 4).Select(_ => Open()).ToArray();

        Parallel.For(0, 40, i =>
        {
            var cache = caches[i % caches.Length];
            cache.Add([Key($"t{i}"), Key($"t{(i + 1) % 40}")], Vectors([i, i, i], [i + 1, i + 1, i + 1]));
        });

        var reopened = Open();
        reopened.Repairs.ShouldBeEmpty();
        reopened.Count.ShouldBe(40);
    }

    [Fact]
    public void Open_AfterAnotherInstanceRebuiltTheFile_ReadsTheNewFile()
    {
        var stale = Open();
        stale.Add([Key("a")], Vectors([1, 2, 3]));
        File.WriteAllText(stale.FilePath, "garbage");
        Open().Add([Key("b")], Vectors([4, 5, 6]));  // rebuilds, then adds b

        Lookup(stale, "a", "b").Found.ShouldBe([false, true]);
    }

    [Fact]
    public void FileNameOf_ModelId_KeepsSafeCharactersOnly()
    {
        FileEmbeddingCache.FileNameOf("minilm-l6-v2@ab12").ShouldBe("minilm-l6-v2_ab12.vectors");
        FileEmbeddingCache.FileNameOf("../x/y").ShouldBe(".._x_y.vectors");
    }

    [Fact]
    public void DefaultDirectory_IsEmbeddingsUnderTheSiftCacheRoot()
    {
        var root = Environment.GetEnvironmentVariable(FileEmbeddingCache.CacheEnvironmentVariable);
        var expected = string.IsNullOrWhiteSpace(root)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "sift", "embeddings")
            : Path.Combine(root, "embeddings");

        FileEmbeddingCache.DefaultDirectory.ShouldBe(expected);
    }
}
