using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Items;

namespace Sift.Core.Tests.Features;

/// <summary>The contract every feature source honours. Each featuriser's test class inherits it.</summary>
public abstract class FeaturizerContractTests
{
    /// <summary>The featuriser, able to featurise every item of <see cref="Request"/>.</summary>
    protected abstract IFeaturizer Create();

    /// <summary>A small pool of 60 topic texts (ids p0…p59) and 15 other items (t0…t14).</summary>
    protected static FeaturizeRequest Request(ulong seed = 0)
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
        a.Vectors.Data.ShouldBe(b.Vectors.Data);
    }

    [Fact]
    public async Task FeaturizeAsync_Vectors_UnitRowsAlignedWithThePool()
    {
        var data = await Create().FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        data.HasVectors.ShouldBeTrue();
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

public sealed class TfidfFeaturizerContractTests : FeaturizerContractTests
{
    protected override IFeaturizer Create() => new TfidfFeaturizer();

    [Fact]
    public async Task FeaturizeAsync_SameTextsAsTheVectorizer_SameMatrix()
    {
        var request = Request();
        var data = await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        var (vectorizer, pool) = TfidfVectorizer.FitTransform(request.Pool.Select(c => c.FeatureText).ToList());
        var sparse = data.Pool.ShouldBeOfType<SparseMatrix>();
        sparse.Values.ShouldBe(pool.Values);
        sparse.ColumnIndices.ShouldBe(pool.ColumnIndices);
        ((SparseMatrix)data.Other!).Values.ShouldBe(vectorizer.Transform(request.Other.Select(c => c.FeatureText).ToList()).Values);
        data.Description["vocabulary"].ShouldBe(vectorizer.FeatureCount);
        data.Vectors.Data.ShouldBe(LsaEmbedder.Compute(pool, new LsaOptions()).Embedding.Data);
    }

    [Fact]
    public async Task FeaturizeAsync_NoTermInTwoDocumentsWithFallback_EveryTerm()
    {
        var request = new FeaturizeRequest(["a", "b", "c"], [new TextContent("alpha"), new TextContent("beta"), new TextContent("gamma")]);
        var data = await new TfidfFeaturizer(fallBackToEveryTerm: true).FeaturizeAsync(request, TestContext.Current.CancellationToken);
        data.Pool.Columns.ShouldBe(3);
        data.Description["min_df"].ShouldBe(1);
    }

    [Fact]
    public async Task FeaturizeAsync_NoTermInTwoDocumentsWithoutFallback_TheVectorizersSentence()
    {
        var request = new FeaturizeRequest(["a", "b", "c"], [new TextContent("alpha"), new TextContent("beta"), new TextContent("gamma")]);
        var ex = await Should.ThrowAsync<ConfigurationException>(() => Create().FeaturizeAsync(request, TestContext.Current.CancellationToken));
        ex.Message.ShouldBe("No term occurs in at least 2 documents: lower min_df or add text.");
    }

    [Fact]
    public async Task FeaturizeAsync_Seed_SeedsTheLsaVectorsOnly()
    {
        var a = await Create().FeaturizeAsync(Request(1), TestContext.Current.CancellationToken);
        var b = await Create().FeaturizeAsync(Request(2), TestContext.Current.CancellationToken);
        ((SparseMatrix)a.Pool).Values.ShouldBe(((SparseMatrix)b.Pool).Values);
        a.Vectors.Data.ShouldNotBe(b.Vectors.Data);
    }
}

public sealed class VectorsFeaturizerContractTests : FeaturizerContractTests
{
    private static Dictionary<string, float[]> Vectors(Func<string, bool>? include = null)
    {
        var ids = Enumerable.Range(0, 60).Select(i => $"p{i}").Concat(Enumerable.Range(0, 15).Select(i => $"t{i}"));
        var rng = new Random(5);
        return ids.Where(id => include?.Invoke(id) ?? true).ToDictionary(id => id, _ => Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble() + 0.1f).ToArray());
    }

    protected override IFeaturizer Create() => new VectorsFeaturizer(Vectors(), "vectors.jsonl");

    [Fact]
    public async Task FeaturizeAsync_Rows_AreTheItemsVectorsScaledToUnitLength()
    {
        var vectors = Vectors();
        var data = await Create().FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        var p7 = vectors["p7"];
        var norm = MathF.Sqrt(p7.Sum(v => v * v));
        data.Vectors.Row(7).ToArray().ShouldBe(p7.Select(v => v / norm).ToArray(), 1e-6f);
        data.Pool.ShouldBeSameAs(data.Vectors);
        data.Description["dimensions"].ShouldBe(8);
    }

    [Fact]
    public async Task FeaturizeAsync_ItemWithoutVector_OneSentenceNamingSourceAndItem()
    {
        var featurizer = new VectorsFeaturizer(Vectors(id => id != "t3"), "vectors.jsonl");
        var ex = await Should.ThrowAsync<SiftException>(() => featurizer.FeaturizeAsync(Request(), TestContext.Current.CancellationToken));
        ex.Message.ShouldBe("vectors.jsonl: No vector for item 't3' (1 of 15 items has no vector).");
    }
}
