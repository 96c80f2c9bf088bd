using Sift.Features;

namespace Sift.Core.Tests.Features;

public sealed class TextEncoderFeaturizerContractTests : FeaturizerContractTests
{
    protected override IFeaturizer Create() => new TextEncoderFeaturizer(new WordHashEncoder(), "words");

    [Fact]
    public async Task FeaturizeAsync_Request_PoolAndOtherAreTheEncodersUnitVectorsAndTheVectorsAreEmbeddings()
    {
        var request = Request();
        var data = await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        var raw = new WordHashEncoder().Encode([request.Other[4].FeatureText]);
        raw.NormalizeRows();
        ((DenseMatrix)data.Other!).Row(4).ToArray().ShouldBe(raw.Row(0).ToArray());
        data.Pool.ShouldBeSameAs(data.Vectors);
        data.VectorsAreEmbeddings.ShouldBeTrue();
        data.Description["model"].ShouldBe("word-hash@16");
        data.Description["dimensions"].ShouldBe(16);
    }

    [Fact]
    public async Task FeaturizeAsync_Progress_ReportsTheEmbeddingStageUpToEveryPoolAndOtherItem()
    {
        var reports = new List<FeaturizeProgress>();
        var request = Request();
        request = new FeaturizeRequest(request.PoolIds, request.Pool) { OtherIds = request.OtherIds, Other = request.Other, Progress = new Inline(reports.Add) };
        await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        reports.ShouldNotBeEmpty();
        reports.ShouldAllBe(r => r.Stage == "embedding" && r.Total == 75);
        reports[^1].Done.ShouldBe(75);
    }

    private sealed class Inline(Action<FeaturizeProgress> action) : IProgress<FeaturizeProgress>
    {
        public void Report(FeaturizeProgress value) => action(value);
    }
}

public sealed class ConcatFeaturizerContractTests : FeaturizerContractTests
{
    protected override IFeaturizer Create() => new ConcatFeaturizer([new FeatureBlock(new TfidfFeaturizer()), new FeatureBlock(new TextEncoderFeaturizer(new WordHashEncoder(), "words"), 2)]);

    [Fact]
    public async Task FeaturizeAsync_TfidfAndEncoder_SparseRowsSideBySideEachTimesItsWeight()
    {
        var request = Request();
        var tfidf = await new TfidfFeaturizer().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        var words = await new TextEncoderFeaturizer(new WordHashEncoder(), "words").FeaturizeAsync(request, TestContext.Current.CancellationToken);
        var data = await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);

        var sparse = data.Pool.ShouldBeOfType<SparseMatrix>();
        sparse.Columns.ShouldBe(tfidf.Pool.Columns + 16);
        var t = (SparseMatrix)tfidf.Pool;
        var w = (DenseMatrix)words.Pool;
        for (var r = 0; r < 60; r++)
        {
            var expected = new float[sparse.Columns];
            var idx = t.RowIndices(r);
            var val = t.RowValues(r);
            for (var k = 0; k < idx.Length; k++) expected[idx[k]] = val[k];
            for (var j = 0; j < 16; j++) expected[t.Columns + j] = w.Row(r)[j] * 2;
            var actual = new float[sparse.Columns];
            var ai = sparse.RowIndices(r);
            var av = sparse.RowValues(r);
            for (var k = 0; k < ai.Length; k++) actual[ai[k]] = av[k];
            actual.ShouldBe(expected);
        }
        data.Other!.Columns.ShouldBe(sparse.Columns);
        data.Pool.RowNormSquared(0).ShouldBe(1 + 4, 1e-4);
    }

    [Fact]
    public async Task FeaturizeAsync_EncoderBlockPresent_VectorsComeFromTheEncoderNotLsa()
    {
        var data = await Create().FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        var words = await new TextEncoderFeaturizer(new WordHashEncoder(), "words").FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        data.Vectors.Data.ShouldBe(words.Vectors.Data);
        data.VectorsAreEmbeddings.ShouldBeTrue();
        data.Description["vectors_from"].ShouldBe("words");
        data.Description["kind"].ShouldBe("tfidf+words");
    }

    [Fact]
    public async Task FeaturizeAsync_OnlyTfidf_VectorsAreItsLsa()
    {
        var data = await new ConcatFeaturizer([new FeatureBlock(new TfidfFeaturizer(), 0.5)]).FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        var tfidf = await new TfidfFeaturizer().FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        data.Vectors.Data.ShouldBe(tfidf.Vectors.Data);
        data.VectorsAreEmbeddings.ShouldBeFalse();
        ((SparseMatrix)data.Pool).Values.ShouldBe(((SparseMatrix)tfidf.Pool).Values.Select(v => v * 0.5f).ToArray());
    }

    [Fact]
    public async Task FeaturizeAsync_TwoDenseBlocks_DenseConcatenation()
    {
        var featurizer = new ConcatFeaturizer([new FeatureBlock(new TextEncoderFeaturizer(new WordHashEncoder(8), "a")), new FeatureBlock(new TextEncoderFeaturizer(new WordHashEncoder(4), "b"), 3)]);
        var data = await featurizer.FeaturizeAsync(Request(), TestContext.Current.CancellationToken);
        var dense = data.Pool.ShouldBeOfType<DenseMatrix>();
        dense.Columns.ShouldBe(12);
        dense.RowNormSquared(5).ShouldBe(1 + 9, 1e-4);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_WeightNotAFiniteNumberAboveZero_OneSentence(double weight)
    {
        var ex = Should.Throw<ConfigurationException>(() => new ConcatFeaturizer([new FeatureBlock(new TfidfFeaturizer(), weight)]));
        ex.Message.ShouldStartWith("The weight of feature block 'tfidf' must be a finite number above 0");
    }

    [Fact]
    public void Constructor_NoBlock_OneSentence() =>
        Should.Throw<ConfigurationException>(() => new ConcatFeaturizer([])).Message.ShouldBe("A feature concatenation needs at least one block.");
}
