using System.Numerics.Tensors;
using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Strategies;
using static Sift.Core.Tests.Strategies.Diversity.DiversityTestData;

namespace Sift.Core.Tests.Strategies.Diversity;

public sealed class CoreSetSamplingTests
{
    [Fact]
    public void Select_PointsOnALine_PicksFarthestInOrder()
    {
        float[] positions = [0, 1, 3, 4.5f, 7, 10, 13, 20];
        var x = Matrix(positions.Select(p => new[] { p, 0f }).ToArray());
        var result = new CoreSetSampling().Select(Context(x, labeled: [0]), 7);
        result.Indices.ShouldBe([7, 5, 3, 6, 4, 2, 1]);
        result.Scores.ShouldBe([20, 10, 4.5, 3, 2.5, 1.5, 1], tolerance: 1e-4);
        result.Reasons[0].ShouldBe("k-center: distance 20 to nearest labeled/chosen item");
    }

    [Fact]
    public void Select_UnitVectors_UsesChordDistance()
    {
        // Angles 0°, 90°, 180°: from the labeled 0° point, 180° is at distance 2 and 90° at √2.
        var x = Matrix([1f, 0f], [0f, 1f], [-1f, 0f]);
        var result = new CoreSetSampling().Select(Context(x, labeled: [0]), 2);
        result.Indices.ShouldBe([2, 1]);
        result.Scores.ShouldBe([2, Math.Sqrt(2)], tolerance: 1e-5);
    }

    [Fact]
    public void Select_NothingLabeled_FirstPickSeededThenFarthest()
    {
        float[] positions = [0, 1, 3, 4.5f, 7, 10, 13, 20];
        var x = Matrix(positions.Select(p => new[] { p, 0f }).ToArray());
        var a = new CoreSetSampling().Select(Context(x, labeled: [], seed: 5), 3);
        var b = new CoreSetSampling().Select(Context(x, labeled: [], seed: 5), 3);
        a.Indices.ShouldBe(b.Indices);
        a.Scores[0].ShouldBe(0);
        a.Reasons[0].ShouldContain("random");
        // The second pick is an end of the line: the farthest point from any first pick.
        var farthest = positions[a.Indices[0]] >= 10 ? 0 : 7;
        a.Indices[1].ShouldBe(farthest);
    }

    [Fact]
    public void Select_ManyBlocks_MatchesSequentialGreedy()
    {
        var (x, _) = TestData.Blobs(3000, 4, 8, 3);
        x.NormalizeRows();
        int[] labeled = [0, 1, 2];
        var result = new CoreSetSampling().Select(Context(x, labeled), 12);
        result.Indices.ShouldBe(NaiveKCenter(x, labeled, 12));
    }

    [Fact]
    public void Select_NoEmbeddings_ThrowsQueryException()
    {
        var x = Matrix([0f, 0f], [1f, 0f]);
        var e = Should.Throw<QueryException>(() => new CoreSetSampling().Select(Context(x, [0], embeddings: false), 1));
        e.Message.ShouldContain("embeddings");
    }

    private static int[] NaiveKCenter(DenseMatrix x, int[] labeled, int count)
    {
        var centres = labeled.ToList();
        var picks = new List<int>();
        for (var k = 0; k < count; k++)
        {
            var best = -1;
            var bestD = double.NegativeInfinity;
            for (var i = 0; i < x.Rows; i++)
            {
                if (centres.Contains(i)) continue;
                var d = centres.Min(c => (double)TensorPrimitives.Distance<float>(x.Row(i), x.Row(c)));
                if (d > bestD) { bestD = d; best = i; }
            }
            centres.Add(best);
            picks.Add(best);
        }
        return picks.ToArray();
    }
}
