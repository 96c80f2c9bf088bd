using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

public sealed class NearDuplicateFilterTests
{
    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var j = 0; j < a.Length; j++) { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; }
        return dot / Math.Sqrt(na * nb);
    }

    // Rows 0-2 are one direction (2 a scaled copy), 3-4 another, 5 is near 3 (cos ≈ 0.995), 6 and 7 are distinct.
    private static readonly float[][] Rows =
    [
        [1, 0, 0], [1, 0, 0], [2, 0, 0],
        [0, 1, 0], [0, 1, 0], [0, 1, 0.1f],
        [0, 0, 1], [1, 1, 1],
    ];

    private static FixedScores RankedByIndex(int n) => new([.. Enumerable.Range(0, n).Select(i => (double)(n - i))]);

    [Fact]
    public void Select_ExactDuplicates_NoPairAboveThreshold()
    {
        var context = FixedScores.Context(Rows);
        var result = new NearDuplicateFilter(RankedByIndex(Rows.Length), 0.95).Select(context, 4);
        result.Indices.ShouldBe([0, 3, 6, 7]);
        foreach (var a in result.Indices)
            foreach (var b in result.Indices.Where(b => b != a))
                Cosine(Rows[a], Rows[b]).ShouldBeLessThanOrEqualTo(0.95);
        result.Reasons.ShouldAllBe(r => !r.Contains("near-duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public void Select_LooserThreshold_KeepsNearButNotExactDuplicates()
    {
        var context = FixedScores.Context(Rows);
        var result = new NearDuplicateFilter(RankedByIndex(Rows.Length), 0.999).Select(context, 5);
        result.Indices.ShouldBe([0, 3, 5, 6, 7]);
    }

    [Fact]
    public void Select_PoolTooRedundant_FillsWithBestRemainingAndSaysSo()
    {
        var context = FixedScores.Context(Rows[..5]);
        var result = new NearDuplicateFilter(RankedByIndex(5), 0.95).Select(context, 4);
        result.Indices.ShouldBe([0, 3, 1, 2]);
        result.Reasons[..2].ShouldAllBe(r => !r.Contains("near-duplicate", StringComparison.Ordinal));
        result.Reasons[2].ShouldContain("near-duplicate of pool item 0");
        result.Reasons[3].ShouldContain("only 2 candidates");
    }

    [Fact]
    public void Select_FirstListAllDuplicates_GrowsTheList()
    {
        // The 12 best-ranked items are copies; 4 × count = 8 is not enough, 16 is.
        float[][] rows = [.. Enumerable.Range(0, 20).Select(i => i < 12 ? new[] { 1f, 0f } : new[] { (float)(i - 11), 1f + i })];
        var context = FixedScores.Context(rows);
        var result = new NearDuplicateFilter(RankedByIndex(20), 0.95).Select(context, 2);
        result.Indices.ShouldBe([0, 12]);
    }

    [Fact]
    public void Select_SparseFeaturesWithoutEmbeddings_UsesFeatures()
    {
        // Rows: {0:1}, {0:2}, {1:1}, {0:1, 1:1}; rows 0 and 1 are duplicates.
        var x = new SparseMatrix(2, [0, 1, 2, 3, 5], [0, 0, 1, 0, 1], [1, 2, 1, 1, 1]);
        var context = new QueryContext(x, [0, 1, 2, 3], 1);
        var result = new NearDuplicateFilter(RankedByIndex(4), 0.95).Select(context, 3);
        result.Indices.ShouldBe([0, 2, 3]);
    }

    [Fact]
    public void Select_DenseFeaturesWithoutEmbeddings_UsesFeatures()
    {
        var context = FixedScores.Context(Rows, embeddings: false);
        new NearDuplicateFilter(RankedByIndex(Rows.Length)).Select(context, 4).Indices.ShouldBe([0, 3, 6, 7]);
    }

    [Fact]
    public void Select_Margin_NoPairAboveThreshold()
    {
        var (context, _, _) = TestData.Context(4);
        var result = new NearDuplicateFilter(new MarginSampling(), 0.5).Select(context, 10);
        var x = context.Embeddings!;
        foreach (var a in result.Indices)
            foreach (var b in result.Indices.Where(b => b != a))
                Cosine(x.Row(a).ToArray(), x.Row(b).ToArray()).ShouldBeLessThanOrEqualTo(0.5);
    }

    [Fact]
    public void Constructor_ThresholdOutOfRange_Rejected() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new NearDuplicateFilter(new MarginSampling(), 1.5));

    [Fact]
    public void Name_AppendsDedup() => new NearDuplicateFilter(new MarginSampling()).Name.ShouldBe("margin+dedup");
}
