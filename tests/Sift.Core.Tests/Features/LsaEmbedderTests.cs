using MathNet.Numerics.LinearAlgebra;
using Sift.Features;

namespace Sift.Core.Tests.Features;

public class LsaEmbedderTests
{
    [Fact]
    public void Compute_LowRankMatrix_SingularValuesMatchDenseSvd()
    {
        var dense = LowRank(rows: 200, columns: 300, rank: 8, noise: 0, seed: 1);
        var options = new LsaOptions { Dimensions = 8, NormalizeRows = false };

        var (_, singularValues) = LsaEmbedder.Compute(ToSparse(dense), options);

        var expected = ToMatrix(dense).Svd(computeVectors: false).S;
        for (var i = 0; i < 8; i++)
            (Math.Abs(singularValues[i] - expected[i]) / expected[i]).ShouldBeLessThan(1e-3, $"singular value {i}");
    }

    [Fact]
    public void Compute_NoisyLowRankMatrix_TopSingularValuesMatchDenseSvd()
    {
        var dense = LowRank(rows: 300, columns: 400, rank: 6, noise: 0.01, seed: 2);
        var options = new LsaOptions { Dimensions = 6, NormalizeRows = false };

        var (_, singularValues) = LsaEmbedder.Compute(ToSparse(dense), options);

        var expected = ToMatrix(dense).Svd(computeVectors: false).S;
        for (var i = 0; i < 6; i++)
            (Math.Abs(singularValues[i] - expected[i]) / expected[i]).ShouldBeLessThan(1e-3, $"singular value {i}");
    }

    [Fact]
    public void Compute_LowRankMatrix_EmbeddingEqualsXTimesRightSingularVectors()
    {
        var dense = LowRank(rows: 150, columns: 250, rank: 5, noise: 0, seed: 3);
        var options = new LsaOptions { Dimensions = 5, NormalizeRows = false };

        var (embedding, singularValues) = LsaEmbedder.Compute(ToSparse(dense), options);

        var x = ToMatrix(dense);
        var xv = x * x.Svd(computeVectors: true).VT.SubMatrix(0, 5, 0, x.ColumnCount).Transpose();
        for (var b = 0; b < 5; b++)
        {
            // Singular vectors are defined up to sign.
            double dot = 0;
            for (var i = 0; i < x.RowCount; i++) dot += embedding.Row(i)[b] * xv[i, b];
            var sign = Math.Sign(dot);
            for (var i = 0; i < x.RowCount; i++)
                Math.Abs(embedding.Row(i)[b] - sign * xv[i, b]).ShouldBeLessThan(1e-3 * singularValues[0], $"row {i}, component {b}");
        }
    }

    [Fact]
    public void Compute_SameSeed_IdenticalOutput()
    {
        var x = ToSparse(LowRank(rows: 120, columns: 90, rank: 10, noise: 0.05, seed: 4));
        var options = new LsaOptions { Dimensions = 12, Seed = 7 };

        var first = LsaEmbedder.Compute(x, options);
        var second = LsaEmbedder.Compute(x, options);

        second.Embedding.Data.ShouldBe(first.Embedding.Data);
        second.SingularValues.ShouldBe(first.SingularValues);
    }

    [Fact]
    public async Task Compute_OneThreadAndManyThreads_IdenticalOutput()
    {
        var x = ToSparse(LowRank(rows: 1500, columns: 700, rank: 20, noise: 0.05, seed: 5));
        var options = new LsaOptions { Dimensions = 16, Seed = 3 };

        var parallel = LsaEmbedder.Compute(x, options);
        // Parallel.For schedules on the current scheduler, so an exclusive one runs every block on one thread.
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var serial = await Task.Factory.StartNew(() => LsaEmbedder.Compute(x, options), TestContext.Current.CancellationToken, TaskCreationOptions.None, exclusive);

        serial.Embedding.Data.ShouldBe(parallel.Embedding.Data);
        serial.SingularValues.ShouldBe(parallel.SingularValues);
    }

    [Fact]
    public void Compute_DifferentSeed_SameSingularValues()
    {
        var x = ToSparse(LowRank(rows: 300, columns: 400, rank: 6, noise: 0.01, seed: 6));

        var a = LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 6, Seed = 1 }).SingularValues;
        var b = LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 6, Seed = 2 }).SingularValues;

        for (var i = 0; i < 6; i++) (Math.Abs(a[i] - b[i]) / a[i]).ShouldBeLessThan(1e-3);
    }

    [Fact]
    public void Compute_DifferentSeed_EmbeddingsAgreeIncludingSigns()
    {
        var x = ToSparse(LowRank(rows: 200, columns: 300, rank: 4, noise: 0, seed: 7));

        var a = LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 4, Seed = 1 }).Embedding;
        var b = LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 4, Seed = 2 }).Embedding;

        for (var i = 0; i < a.Data.Length; i++) a.Data[i].ShouldBe(b.Data[i], 1e-3);
    }

    [Fact]
    public void Compute_DefaultOptions_RowsHaveUnitNorm()
    {
        var x = ToSparse(LowRank(rows: 80, columns: 60, rank: 12, noise: 0.1, seed: 8));

        var (embedding, _) = LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 10 });

        embedding.Rows.ShouldBe(80);
        embedding.Columns.ShouldBe(10);
        for (var i = 0; i < embedding.Rows; i++) Math.Sqrt(embedding.RowNormSquared(i)).ShouldBe(1, 1e-5);
    }

    [Fact]
    public void Compute_FewerRowsThanDimensions_PadsWithZeroComponents()
    {
        var x = ToSparse(LowRank(rows: 5, columns: 40, rank: 5, noise: 0.1, seed: 9));

        var (embedding, singularValues) = LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 10, NormalizeRows = false });

        embedding.Columns.ShouldBe(10);
        singularValues[4].ShouldBeGreaterThan(0);
        for (var b = 5; b < 10; b++)
        {
            singularValues[b].ShouldBe(0);
            for (var i = 0; i < 5; i++) embedding.Row(i)[b].ShouldBe(0f);
        }
    }

    [Fact]
    public void Compute_AllZeroMatrix_ZeroEmbedding()
    {
        var x = new SparseMatrix(50, new long[11], [], []);

        var (embedding, singularValues) = LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 4 });

        embedding.Rows.ShouldBe(10);
        embedding.Data.ShouldAllBe(v => v == 0);
        singularValues.ShouldAllBe(v => v == 0);
    }

    [Fact]
    public void Compute_MatrixWithEmptyRows_EmptyRowsStayZero()
    {
        var dense = LowRank(rows: 60, columns: 50, rank: 6, noise: 0, seed: 10);
        for (var j = 0; j < 50; j++) dense[7, j] = 0;

        var (embedding, _) = LsaEmbedder.Compute(ToSparse(dense), new LsaOptions { Dimensions = 6 });

        embedding.Row(7).ToArray().ShouldAllBe(v => v == 0);
        embedding.Data.ShouldAllBe(v => float.IsFinite(v));
    }

    [Theory]
    [InlineData(1, 10, 4)]
    [InlineData(1025, 10, 4)]
    [InlineData(100, -1, 4)]
    [InlineData(100, 10, -1)]
    [InlineData(100, 10, 33)]
    public void Constructor_OutOfRangeOption_Throws(int dimensions, int oversamples, int powerIterations)
    {
        var options = new LsaOptions { Dimensions = dimensions, Oversamples = oversamples, PowerIterations = powerIterations };

        Should.Throw<ConfigurationException>(() => new LsaEmbedder(options));
    }

    [Fact]
    public void Compute_NonFiniteValue_Throws()
    {
        var x = new SparseMatrix(3, [0, 1, 2], [0, 2], [1f, float.NaN]);

        Should.Throw<ArgumentException>(() => LsaEmbedder.Compute(x, new LsaOptions { Dimensions = 2 }));
    }

    [Fact]
    public void Embed_IdCountDiffersFromRows_Throws()
    {
        var x = ToSparse(LowRank(rows: 10, columns: 20, rank: 3, noise: 0, seed: 11));

        Should.Throw<ArgumentException>(() => new LsaEmbedder().Embed(["a", "b"], x));
    }

    [Fact]
    public void Embed_DefaultOptions_NamesDimensionsAndReturnsOneRowPerItem()
    {
        var x = ToSparse(LowRank(rows: 30, columns: 40, rank: 5, noise: 0.1, seed: 12));
        var embedder = new LsaEmbedder(new LsaOptions { Dimensions = 8 });

        var embedding = embedder.Embed([.. Enumerable.Range(0, 30).Select(i => $"item{i}")], x);

        embedder.Name.ShouldBe("lsa-8");
        embedding.Rows.ShouldBe(30);
        embedding.Columns.ShouldBe(8);
    }

    /// <summary>A sparse rank-r matrix: sparse A (1–2 entries a row) times sparse B (~10% dense), plus optional sparse noise.</summary>
    private static double[,] LowRank(int rows, int columns, int rank, double noise, int seed)
    {
        var random = new Random(seed);
        var a = new double[rows, rank];
        for (var i = 0; i < rows; i++)
        {
            a[i, i % rank] = Normal(random);
            a[i, random.Next(rank)] += Normal(random);
        }
        var b = new double[rank, columns];
        for (var f = 0; f < rank; f++)
        {
            var scale = 10.0 / (f + 1);
            for (var j = 0; j < columns; j++)
                if (random.NextDouble() < 0.1 || j % rank == f) b[f, j] = scale * Normal(random);
        }
        var x = new double[rows, columns];
        for (var i = 0; i < rows; i++)
            for (var f = 0; f < rank; f++)
                if (a[i, f] != 0)
                    for (var j = 0; j < columns; j++) x[i, j] += a[i, f] * b[f, j];
        if (noise > 0)
        {
            for (var i = 0; i < rows; i++)
                for (var t = 0; t < 3; t++) x[i, random.Next(columns)] += noise * Normal(random);
        }
        // Round to float so the dense reference sees exactly the matrix that Compute sees.
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++) x[i, j] = (float)x[i, j];
        return x;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static SparseMatrix ToSparse(double[,] dense)
    {
        var pointers = new List<long> { 0 };
        var indices = new List<int>();
        var values = new List<float>();
        for (var i = 0; i < dense.GetLength(0); i++)
        {
            for (var j = 0; j < dense.GetLength(1); j++)
            {
                if (dense[i, j] == 0) continue;
                indices.Add(j);
                values.Add((float)dense[i, j]);
            }
            pointers.Add(indices.Count);
        }
        return new SparseMatrix(dense.GetLength(1), [.. pointers], [.. indices], [.. values]);
    }

    private static Matrix<double> ToMatrix(double[,] dense) => Matrix<double>.Build.DenseOfArray(dense);
}
