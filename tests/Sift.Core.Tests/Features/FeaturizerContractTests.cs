using System.Reflection;
using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Items;

namespace Sift.Core.Tests.Features;

/// <summary>What a featuriser under test may use: a small text pool, a test set, and user vectors for every item.</summary>
public sealed class FeaturizerFixture
{
    public FeaturizerFixture(int pool = 60, int other = 15, int seed = 3)
    {
        var (texts, _, _) = TestData.Topics(pool + other, seed);
        var ids = Enumerable.Range(0, pool + other).Select(i => $"doc-{i:D3}").ToArray();
        PoolIds = ids[..pool];
        Pool = [.. texts.Take(pool).Select(t => (ItemContent)new TextContent(t))];
        OtherIds = ids[pool..];
        Other = [.. texts.Skip(pool).Select(t => (ItemContent)new TextContent(t))];
        var rng = new Random(seed);
        Vectors = ids.ToDictionary(id => id, _ => Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), StringComparer.Ordinal);
    }

    public IReadOnlyList<string> PoolIds { get; }

    public IReadOnlyList<ItemContent> Pool { get; }

    public IReadOnlyList<string> OtherIds { get; }

    public IReadOnlyList<ItemContent> Other { get; }

    /// <summary>An 8-dimensional vector for every pool and other item, by id, for featurisers of user-supplied vectors.</summary>
    public IReadOnlyDictionary<string, float[]> Vectors { get; }

    public FeaturizeRequest Request(bool withOther = false, ulong seed = 5) => withOther
        ? new(PoolIds, Pool) { OtherIds = OtherIds, Other = Other, Seed = seed }
        : new(PoolIds, Pool) { Seed = seed };
}

/// <summary>
/// The contract every <see cref="IFeaturizer"/> honours: one row per pool item and per other item, with the same
/// columns; other items are transformed, never fitted on (the pool's features do not change when a test set is
/// added); the same request gives the same features; unit-length (or zero) vectors for the diversity strategies; a
/// description. Each featuriser's suite inherits this class and returns it from <see cref="Create"/>;
/// <see cref="FeaturizerSuiteDiscoveryTests"/> fails for a featuriser in Sift.Core without a suite.
/// </summary>
public abstract class FeaturizerContractTests
{
    protected abstract IFeaturizer Create(FeaturizerFixture fixture);

    private Task<FeaturizedData> FeaturizeAsync(FeaturizerFixture fixture, FeaturizeRequest request) =>
        Create(fixture).FeaturizeAsync(request, TestContext.Current.CancellationToken);

    /// <summary>Each row's dot product with a fixed pseudo-random vector and its squared norm: equal matrices, equal prints.</summary>
    private static double[] Print(FeatureMatrix m)
    {
        var rng = new Random(17);
        var w = Enumerable.Range(0, m.Columns).Select(_ => rng.NextDouble() - 0.5).ToArray();
        return [.. Enumerable.Range(0, m.Rows).SelectMany(r => new[] { m.Dot(r, w), m.RowNormSquared(r) })];
    }

    [Fact]
    public async Task FeaturizeAsync_PoolOnly_OneRowPerPoolItemAndNoOthers()
    {
        var fixture = new FeaturizerFixture();
        var data = await FeaturizeAsync(fixture, fixture.Request());
        data.Pool.Rows.ShouldBe(fixture.Pool.Count);
        data.Pool.Columns.ShouldBeGreaterThan(0);
        (data.Other?.Rows ?? 0).ShouldBe(0);
    }

    [Fact]
    public async Task FeaturizeAsync_WithOthers_OneRowPerOtherItemSameColumns()
    {
        var fixture = new FeaturizerFixture();
        var data = await FeaturizeAsync(fixture, fixture.Request(withOther: true));
        data.Other.ShouldNotBeNull();
        data.Other.Rows.ShouldBe(fixture.Other.Count);
        data.Other.Columns.ShouldBe(data.Pool.Columns);
    }

    [Fact]
    public async Task FeaturizeAsync_WithOthers_PoolFeaturesUnchanged()
    {
        var fixture = new FeaturizerFixture();
        var alone = await FeaturizeAsync(fixture, fixture.Request());
        var withOther = await FeaturizeAsync(fixture, fixture.Request(withOther: true));
        Print(withOther.Pool).ShouldBe(Print(alone.Pool));
    }

    [Fact]
    public async Task FeaturizeAsync_SameRequest_SameFeaturesAndVectors()
    {
        var fixture = new FeaturizerFixture();
        var a = await FeaturizeAsync(fixture, fixture.Request(withOther: true));
        var b = await FeaturizeAsync(fixture, fixture.Request(withOther: true));
        Print(b.Pool).ShouldBe(Print(a.Pool));
        Print(b.Other!).ShouldBe(Print(a.Other!));
        b.Vectors.Data.ShouldBe(a.Vectors.Data);
    }

    [Fact]
    public async Task Vectors_Always_OneUnitOrZeroRowPerPoolItem()
    {
        var fixture = new FeaturizerFixture();
        var data = await FeaturizeAsync(fixture, fixture.Request(withOther: true));
        data.Vectors.Rows.ShouldBe(fixture.Pool.Count);
        data.Vectors.Columns.ShouldBeGreaterThan(0);
        for (var r = 0; r < data.Vectors.Rows; r++)
        {
            var norm = data.Vectors.RowNormSquared(r);
            if (norm != 0) norm.ShouldBe(1, 1e-4, $"row {r}");
        }
    }

    [Fact]
    public async Task Description_Always_SaysWhatProducedTheFeatures()
    {
        var fixture = new FeaturizerFixture();
        (await FeaturizeAsync(fixture, fixture.Request())).Description.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task FeaturizeAsync_NullRequest_Throws()
    {
        var featurizer = Create(new FeaturizerFixture());
        await Should.ThrowAsync<ArgumentNullException>(() => featurizer.FeaturizeAsync(null!, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Name_Always_Given() => Create(new FeaturizerFixture()).Name.ShouldNotBeNullOrWhiteSpace();
}

/// <summary>
/// A featuriser written the way a library user would write one (a single class): feature hashing of words into 64
/// columns, rows scaled to unit length. It shows the contract can be met by one class, and keeps the suite exercised.
/// </summary>
internal sealed class HashedWordsFeaturizer : IFeaturizer
{
    private const int Columns = 64;

    public string Name => "hashed-words";

    public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pool = Hash(request.Pool);
        var other = request.Other.Count > 0 ? Hash(request.Other) : null;
        return Task.FromResult(new FeaturizedData(pool, other, () => pool, new Dictionary<string, object?> { ["kind"] = Name, ["columns"] = Columns }));
    }

    private static DenseMatrix Hash(IReadOnlyList<ItemContent> items)
    {
        var m = new DenseMatrix(items.Count, Columns);
        for (var i = 0; i < items.Count; i++)
        {
            foreach (var word in items[i].FeatureText.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                m.Row(i)[(int)(Seeds.Mix(0, word) % Columns)] += 1;
        }
        m.NormalizeRows();
        return m;
    }
}

public sealed class HashedWordsFeaturizerContractTests : FeaturizerContractTests
{
    protected override IFeaturizer Create(FeaturizerFixture fixture) => new HashedWordsFeaturizer();
}

/// <summary>Every featuriser that Sift.Core ships runs the featuriser contract: a new one without a suite fails here.</summary>
public sealed class FeaturizerSuiteDiscoveryTests
{
    [Fact]
    public void EveryFeaturizerInCore_HasAContractSuite()
    {
        var fixture = new FeaturizerFixture();
        var covered = typeof(FeaturizerContractTests).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(FeaturizerContractTests)) && !t.IsAbstract)
            .Select(t => ((IFeaturizer)t.GetMethod("Create", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(Activator.CreateInstance(t), [fixture])!).GetType())
            .ToHashSet();
        var shipped = typeof(IFeaturizer).Assembly.GetTypes().Where(t => typeof(IFeaturizer).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });
        shipped.Where(t => !covered.Contains(t)).Select(t => t.FullName).ShouldBeEmpty(
            "each featuriser needs a suite: public sealed class XContractTests : FeaturizerContractTests { protected override IFeaturizer Create(FeaturizerFixture f) => new X(…); }");
    }
}
