using Sift.Features;
using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>
/// What every <see cref="IEmbeddingStore"/> promises (its XML docs), as one suite that each backend inherits: hits and
/// misses, idempotent puts, vectors that outlive the store instance, and damaged rows read as missing and rebuilt.
/// Each test gets a fresh, migrated, empty database.
/// </summary>
public abstract class EmbeddingStoreContract : IAsyncLifetime
{
    protected const string Model = "test-model@0123456789abcdef";

    private readonly List<ISiftStore> _extra = [];

    /// <summary>The store under test (fresh, migrated, empty).</summary>
    protected IEmbeddingStore Store { get; private set; } = null!;

    private ISiftStore Owner { get; set; } = null!;

    /// <summary>Creates a store on a fresh, empty database (not yet migrated).</summary>
    protected abstract Task<ISiftStore> CreateStoreAsync();

    /// <summary>Opens another store instance on the same database, as another process would (migrated).</summary>
    protected abstract Task<ISiftStore> OpenSecondStoreAsync();

    /// <summary>Writes a row as it is, past the store's checks (a damaged or foreign row, as a crash or a hand edit could leave).</summary>
    protected abstract Task WriteRawRowAsync(byte[] key, string modelId, int dims, byte[] vector);

    /// <summary>Called after the stores are disposed: drop the database.</summary>
    protected virtual Task DeleteDatabaseAsync() => Task.CompletedTask;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Owner = await CreateStoreAsync();
        await Owner.MigrateAsync(Ct);
        Store = (IEmbeddingStore)Owner;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _extra) await store.DisposeAsync();
        await Owner.DisposeAsync();
        await DeleteDatabaseAsync();
        GC.SuppressFinalize(this);
    }

    protected async Task<IEmbeddingStore> SecondStoreAsync()
    {
        var store = await OpenSecondStoreAsync();
        _extra.Add(store);
        return (IEmbeddingStore)store;
    }

    protected static EmbeddingKey Key(string text, string model = Model) => EmbeddingKey.Create(model, text);

    /// <summary>Distinct, text-dependent vectors (not unit length: the store keeps values as given).</summary>
    protected static DenseMatrix Vectors(int dims, params string[] texts)
    {
        var m = new DenseMatrix(texts.Length, dims);
        for (var r = 0; r < texts.Length; r++)
            for (var j = 0; j < dims; j++) m.Row(r)[j] = (texts[r].Length * 0.37f + j * 1.5f + r) / (j + 1) - 0.25f;
        return m;
    }

    private static EmbeddingKey[] Keys(params string[] texts) => texts.Select(t => Key(t)).ToArray();

    private static byte[] Raw(EmbeddingKey key)
    {
        var bytes = new byte[EmbeddingKey.Size];
        key.WriteTo(bytes);
        return bytes;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    [Fact]
    public async Task GetEmbeddings_NothingStored_EveryKeyMisses()
    {
        var found = await Store.GetEmbeddingsAsync(Model, 8, Keys("a", "b"), Ct);
        found.ShouldBe([null, null]);
        (await Store.GetEmbeddingsAsync(Model, 8, [], Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task PutEmbeddings_ThenGet_HitsReturnTheSameBitsInKeyOrderAndMissesAreNull()
    {
        var vectors = Vectors(8, "first text", "second", "third one");
        (await Store.PutEmbeddingsAsync(Model, Keys("first text", "second", "third one"), vectors, Ct)).ShouldBe(3);

        var found = await Store.GetEmbeddingsAsync(Model, 8, Keys("third one", "unknown", "first text", "third one"), Ct);

        found[0].ShouldBe(vectors.Row(2).ToArray());
        found[1].ShouldBeNull();
        found[2].ShouldBe(vectors.Row(0).ToArray());
        found[3].ShouldBe(vectors.Row(2).ToArray());
    }

    [Fact]
    public async Task PutEmbeddings_SameKeysAgain_WritesNothingAndKeepsTheFirstVector()
    {
        var first = Vectors(4, "x", "y");
        (await Store.PutEmbeddingsAsync(Model, Keys("x", "y"), first, Ct)).ShouldBe(2);

        var other = Vectors(4, "another", "pair!");
        (await Store.PutEmbeddingsAsync(Model, Keys("x", "y"), other, Ct)).ShouldBe(0);
        (await Store.PutEmbeddingsAsync(Model, Keys("y", "z"), Vectors(4, "y", "z"), Ct)).ShouldBe(1);

        var found = await Store.GetEmbeddingsAsync(Model, 4, Keys("x", "y", "z"), Ct);
        found[0].ShouldBe(first.Row(0).ToArray());
        found[1].ShouldBe(first.Row(1).ToArray());
        found[2].ShouldNotBeNull();
    }

    [Fact]
    public async Task PutEmbeddings_KeyTwiceInOneCall_StoredOnceWithItsFirstRow()
    {
        var vectors = Vectors(3, "dup", "dup-second-row");
        (await Store.PutEmbeddingsAsync(Model, [Key("dup"), Key("dup")], vectors, Ct)).ShouldBe(1);
        (await Store.GetEmbeddingsAsync(Model, 3, Keys("dup"), Ct))[0].ShouldBe(vectors.Row(0).ToArray());
    }

    [Fact]
    public async Task PutEmbeddings_NormalFormOfATextIsItsKey_OuterWhiteSpaceHitsTheSameRow()
    {
        await Store.PutEmbeddingsAsync(Model, [Key("  spaced text\n")], Vectors(2, "s"), Ct);
        (await Store.GetEmbeddingsAsync(Model, 2, [Key("spaced text")], Ct))[0].ShouldNotBeNull();
    }

    [Fact]
    public async Task GetEmbeddings_AnotherModelOrDimension_Misses()
    {
        await Store.PutEmbeddingsAsync(Model, Keys("shared"), Vectors(4, "shared"), Ct);

        // The same key asked for under another model id or dimension is not that model's vector.
        (await Store.GetEmbeddingsAsync("other-model", 4, Keys("shared"), Ct))[0].ShouldBeNull();
        (await Store.GetEmbeddingsAsync(Model, 5, Keys("shared"), Ct))[0].ShouldBeNull();
        // The other model's own key for the text is another row.
        (await Store.GetEmbeddingsAsync("other-model", 4, [Key("shared", "other-model")], Ct))[0].ShouldBeNull();
    }

    [Fact]
    public async Task GetEmbeddings_StoredRowOfTheWrongLength_MissesAndThePutRebuildsIt()
    {
        var key = Key("cut short");
        await WriteRawRowAsync(Raw(key), Model, 4, Floats(1, 2, 3)); // 12 bytes for 4 dimensions

        (await Store.GetEmbeddingsAsync(Model, 4, [key], Ct))[0].ShouldBeNull();

        var vectors = Vectors(4, "cut short");
        (await Store.PutEmbeddingsAsync(Model, [key], vectors, Ct)).ShouldBe(1);
        (await Store.GetEmbeddingsAsync(Model, 4, [key], Ct))[0].ShouldBe(vectors.Row(0).ToArray());
    }

    [Fact]
    public async Task GetEmbeddings_StoredRowWithNonFiniteValuesOrForeignHeader_MissesAndThePutRebuildsIt()
    {
        var nan = Key("nan row");
        var foreign = Key("foreign row");
        var shortDims = Key("dims row");
        await WriteRawRowAsync(Raw(nan), Model, 2, Floats(float.NaN, 1));
        await WriteRawRowAsync(Raw(foreign), "someone-else", 2, Floats(1, 2));
        await WriteRawRowAsync(Raw(shortDims), Model, 1, Floats(1, 2));

        (await Store.GetEmbeddingsAsync(Model, 2, [nan, foreign, shortDims], Ct)).ShouldBe([null, null, null]);

        var vectors = Vectors(2, "a", "b", "c");
        (await Store.PutEmbeddingsAsync(Model, [nan, foreign, shortDims], vectors, Ct)).ShouldBe(3);
        var found = await Store.GetEmbeddingsAsync(Model, 2, [nan, foreign, shortDims], Ct);
        for (var i = 0; i < 3; i++) found[i].ShouldBe(vectors.Row(i).ToArray());
    }

    [Fact]
    public async Task PutEmbeddings_OneInstance_AnotherInstanceReadsThemAfterTheFirstIsGone()
    {
        var vectors = Vectors(16, "durable one", "durable two");
        await Store.PutEmbeddingsAsync(Model, Keys("durable one", "durable two"), vectors, Ct);
        var second = await SecondStoreAsync();

        var found = await second.GetEmbeddingsAsync(Model, 16, Keys("durable two", "durable one"), Ct);

        found[0].ShouldBe(vectors.Row(1).ToArray());
        found[1].ShouldBe(vectors.Row(0).ToArray());
        (await second.PutEmbeddingsAsync(Model, Keys("durable one"), Vectors(16, "z"), Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task PutEmbeddings_TwoInstancesAtOnceSameNewKeys_EachKeyStoredOnceAndReadable()
    {
        var second = await SecondStoreAsync();
        var texts = Enumerable.Range(0, 300).Select(i => $"concurrent {i}").ToArray();
        var vectors = Vectors(8, texts);

        var written = await Task.WhenAll(
            Task.Run(() => Store.PutEmbeddingsAsync(Model, Keys(texts), vectors, Ct), Ct),
            Task.Run(() => second.PutEmbeddingsAsync(Model, Keys(texts), vectors, Ct), Ct));

        written.Sum().ShouldBeInRange(300, 600); // both may insert a key at the same moment; it is stored once
        var found = await Store.GetEmbeddingsAsync(Model, 8, Keys(texts), Ct);
        for (var i = 0; i < texts.Length; i++) found[i].ShouldBe(vectors.Row(i).ToArray());
    }

    [Fact]
    public async Task GetEmbeddings_MoreKeysThanAPage_AllAnsweredInOrder()
    {
        var texts = Enumerable.Range(0, 2_503).Select(i => $"t{i}").ToArray();
        var vectors = Vectors(2, texts);
        (await Store.PutEmbeddingsAsync(Model, Keys(texts), vectors, Ct)).ShouldBe(texts.Length);

        var asked = texts.Reverse().Append("never stored").ToArray();
        var found = await Store.GetEmbeddingsAsync(Model, 2, Keys(asked), Ct);

        found.Count.ShouldBe(asked.Length);
        found[^1].ShouldBeNull();
        for (var i = 0; i < texts.Length; i++) found[i].ShouldBe(vectors.Row(texts.Length - 1 - i).ToArray());
    }

    [Fact]
    public async Task PutEmbeddings_BadArguments_Throw()
    {
        var bad = Vectors(2, "a");
        bad.Row(0)[1] = float.PositiveInfinity;
        await Should.ThrowAsync<ArgumentException>(() => Store.PutEmbeddingsAsync(Model, Keys("a"), bad, Ct));
        await Should.ThrowAsync<ArgumentException>(() => Store.PutEmbeddingsAsync(Model, Keys("a", "b"), Vectors(2, "a"), Ct));
        await Should.ThrowAsync<ArgumentException>(() => Store.PutEmbeddingsAsync(" ", Keys("a"), Vectors(2, "a"), Ct));
        await Should.ThrowAsync<ArgumentException>(() => Store.PutEmbeddingsAsync("m\0", Keys("a"), Vectors(2, "a"), Ct));
        await Should.ThrowAsync<ArgumentException>(() => Store.GetEmbeddingsAsync(Model, 0, Keys("a"), Ct));
        (await Store.GetEmbeddingsAsync(Model, 2, Keys("a"), Ct))[0].ShouldBeNull(); // nothing of the refused puts was stored
    }
}
