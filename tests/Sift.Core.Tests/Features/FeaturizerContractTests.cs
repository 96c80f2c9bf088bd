using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Items;

namespace Sift.Core.Tests.Features;

/// <summary>
/// The contract every feature source honours. Each featuriser's test class inherits it (Sift.Embeddings.Tests compiles
/// this file too, for the sentence encoder); <c>FeaturizerDiscoveryTests</c> fails for a featuriser in Core without one.
/// </summary>
public abstract class FeaturizerContractTests
{
    /// <summary>The featuriser, able to featurise every item of <see cref="Request"/>.</summary>
    protected abstract IFeaturizer Create();

    /// <summary>Whether the source gives item vectors for the diversity strategies (a pair source does not). Default true.</summary>
    protected virtual bool GivesVectors => true;

    /// <summary>
    /// A small pool of 60 topic texts (ids p0…p59) and 15 other items (t0…t14); a source of another item kind
    /// overrides it with 60 and 15 items of its kind.
    /// </summary>
    protected virtual FeaturizeRequest Request(ulong seed = 0)
    {
        var (texts, _, _) = TestData.Topics(75, 9);
        return new FeaturizeRequest(Enumerable.Range(0, 60).Select(i => $"p{i}").ToList(), texts.Take(60).Select(t => (ItemContent)new TextContent(t)).ToList())
        {
            OtherIds = Enumerable.Range(0, 15).Select(i => $"t{i}").ToList(),
            Other = texts.Skip(60).Select(t => (ItemContent)new TextContent(t)).ToList(),
            Seed = seed,
        };
    }

    private static float[] Row(FeatureMatrix m, int row)
    {
        var w = new double[m.Columns];
        var result = new float[m.Columns];
        for (var j = 0; j < m.Columns; j++)
        {
            w[j] = 1;
            result[j] = (float)m.Dot(row, w);
            w[j] = 0;
        }
        return result;
    }

    [Fact]
    public async Task FeaturizeAsync_Request_OneRowPerPoolAndOtherItem()
    {
        var data = await Create().FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        data.Pool.Rows.ShouldBe(60);
        data.Other.ShouldNotBeNull().Rows.ShouldBe(15);
        data.Other.Columns.ShouldBe(data.Pool.Columns);
        data.Pool.Columns.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task FeaturizeAsync_SameRequest_SameFeaturesAndVectors()
    {
        var a = await Create().FeaturizeAsync(Request(3), TestContext.Current.CancellationToken);
        var b = await Create().FeaturizeAsync(Request(3), TestContext.Current.CancellationToken);
        for (var r = 0; r < 60; r++) Row(a.Pool, r).ShouldBe(Row(b.Pool, r));
        if (GivesVectors) a.Vectors.Data.ShouldBe(b.Vectors.Data);
    }

    [Fact]
    public async Task FeaturizeAsync_Vectors_UnitRowsAlignedWithThePool()
    {
        var data = await Create().FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        data.HasVectors.ShouldBe(GivesVectors);
        if (!GivesVectors) return;
        data.Vectors.Rows.ShouldBe(60);
        for (var r = 0; r < 60; r++) data.Vectors.RowNormSquared(r).ShouldBe(1, 1e-4);
    }

    [Fact]
    public async Task FeaturizeAsync_Description_NamesTheKind()
    {
        var featurizer = Create();
        var data = await featurizer.FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        data.Description["kind"].ShouldBe(featurizer.Name);
    }

    [Fact]
    public async Task FeaturizeAsync_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => Create().FeaturizeAsync(Request(), cancelled.Token));
    }
}
