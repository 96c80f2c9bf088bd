using Sift.Core.Tests.Support;
using Sift.Strategies;
using static Sift.Core.Tests.Strategies.Diversity.DiversityTestData;

namespace Sift.Core.Tests.Strategies.Diversity;

public sealed class KMeansSamplingTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Select_ThreeSeparatedBlobs_PicksOnePerBlob(ulong seed)
    {
        // Unit vectors around 0°, 120° and 240°, ±6°; blob sizes 12, 9 and 6.
        var rng = new Random(7);
        var rows = new List<float[]>();
        var blobOf = new List<int>();
        int[] sizes = [12, 9, 6];
        for (var b = 0; b < 3; b++)
        {
            for (var i = 0; i < sizes[b]; i++)
            {
                var angle = (b * 120 + (rng.NextDouble() * 12 - 6)) * Math.PI / 180;
                rows.Add([(float)Math.Cos(angle), (float)Math.Sin(angle)]);
                blobOf.Add(b);
            }
        }
        var result = new KMeansSampling().Select(Context(Matrix(rows.ToArray()), labeled: [], seed: seed), 3);
        result.Indices.Select(i => blobOf[i]).ShouldBe([0, 1, 2]);
        result.Scores.ShouldBe([12.0, 9.0, 6.0]);
        result.Reasons[0].ShouldBe("nearest to centroid of cluster 0 (12 items)");
    }

    [Fact]
    public void Select_DuplicatePoints_StillReturnsDistinctItems()
    {
        var x = Matrix([1f, 0f], [1f, 0f], [1f, 0f], [0f, 1f]);
        var result = new KMeansSampling().Select(Context(x, labeled: []), 4);
        result.Indices.Order().ShouldBe([0, 1, 2, 3]);
    }

    [Fact]
    public void Select_ManyBlocks_IsDeterministic()
    {
        var (x, _) = TestData.Blobs(2500, 5, 8, 4);
        x.NormalizeRows();
        var a = new KMeansSampling().Select(Context(x, labeled: [0]), 10);
        var b = new KMeansSampling().Select(Context(x, labeled: [0]), 10);
        a.Indices.ShouldBe(b.Indices);
        a.Scores.Sum().ShouldBe(2499);
    }

    [Fact]
    public void Select_NoEmbeddings_ThrowsQueryException()
    {
        var x = Matrix([0f, 0f], [1f, 0f]);
        Should.Throw<QueryException>(() => new KMeansSampling().Select(Context(x, [0], embeddings: false), 1));
    }

    [Fact]
    public void Constructor_NonPositiveIterations_Throws() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new KMeansSampling(0));
}
