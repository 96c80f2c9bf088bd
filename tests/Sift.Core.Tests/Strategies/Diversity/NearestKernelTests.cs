using Sift.Features;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Diversity;

public sealed class NearestKernelTests
{
    [Theory]
    [InlineData(1, 1, 3)]
    [InlineData(7, 5, 17)]
    [InlineData(301, 37, 100)]
    [InlineData(1030, 64, 128)]
    public void Nearest_MatchesBruteForce(int rows, int centres, int dims)
    {
        var rng = new Random(rows + centres);
        var x = new DenseMatrix(rows, dims);
        for (var i = 0; i < x.Data.Length; i++) x.Data[i] = (float)(rng.NextDouble() * 2 - 1);
        var c = new float[centres * dims];
        for (var i = 0; i < c.Length; i++) c[i] = (float)(rng.NextDouble() * 2 - 1);
        var ids = Enumerable.Range(0, rows).Reverse().ToArray();
        var norms = ids.Select(i => x.Row(i).ToArray().Sum(v => v * v)).ToArray();
        var dist = new float[rows];
        var at = new int[rows];
        EmbeddingSupport.Nearest(x, ids, norms, c, centres, dist, at);
        for (var r = 0; r < rows; r++)
        {
            var row = x.Row(ids[r]).ToArray();
            var best = double.PositiveInfinity;
            var bestAt = -1;
            for (var k = 0; k < centres; k++)
            {
                double d2 = 0;
                for (var j = 0; j < dims; j++) { var diff = row[j] - c[k * dims + j]; d2 += diff * diff; }
                if (d2 < best) { best = d2; bestAt = k; }
            }
            dist[r].ShouldBe((float)best, 1e-3f);
            if (at[r] != bestAt)
            {
                // Only a float near-tie may pick another centre: its distance must equal the best.
                double d2 = 0;
                for (var j = 0; j < dims; j++) { var diff = row[j] - c[at[r] * dims + j]; d2 += diff * diff; }
                d2.ShouldBe(best, 1e-3);
            }
        }
    }
}
