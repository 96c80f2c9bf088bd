using Sift.Features;
using Sift.Items;

namespace Sift.Core.Tests.Features;

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
