using Sift.Core.Tests.Support;
using Sift.Loop;

namespace Sift.Core.Tests.Loop;

public sealed class ColdStartTests
{
    [Fact]
    public void Select_KMeansOnFiveSeparatedBlobs_OneItemFromEachBlob()
    {
        var (x, y) = TestData.Blobs(250, 5, 8, seed: 4, spread: 0.3);

        var candidates = Enumerable.Range(0, 250).ToArray();
        var picks = ColdStart.Select(SeedStrategy.KMeans, x, candidates, 5, seed: 11);
        picks.Length.ShouldBe(5);
        picks.Select(i => y[i]).Order().ShouldBe([0, 1, 2, 3, 4]);
    }

    [Fact]
    public void Select_RandomOnTheSameBlobs_UsuallyMissesABlob()
    {
        // The reason for k-means: over 20 seeds, a random five covers all five blobs far less often (k-means can still
        // land in a local optimum now and then).
        var (x, y) = TestData.Blobs(250, 5, 8, seed: 4, spread: 0.3);

        var candidates = Enumerable.Range(0, 250).ToArray();
        var covered = Enumerable.Range(0, 20).Count(s => ColdStart.Select(SeedStrategy.Random, null, candidates, 5, (ulong)s).Select(i => y[i]).Distinct().Count() == 5);
        var kmeans = Enumerable.Range(0, 20).Count(s => ColdStart.Select(SeedStrategy.KMeans, x, candidates, 5, (ulong)s).Select(i => y[i]).Distinct().Count() == 5);
        kmeans.ShouldBeGreaterThanOrEqualTo(17);
        covered.ShouldBeLessThanOrEqualTo(5);
    }

    [Theory]
    [InlineData(SeedStrategy.Random)]
    [InlineData(SeedStrategy.KMeans)]
    public void Select_SameSeed_SameDistinctCandidates(SeedStrategy strategy)
    {
        var (x, _) = TestData.Blobs(120, 3, 6, seed: 2);
        var candidates = Enumerable.Range(0, 120).Where(i => i % 3 != 0).ToArray();
        var a = ColdStart.Select(strategy, x, candidates, 12, seed: 7);
        var b = ColdStart.Select(strategy, x, candidates, 12, seed: 7);
        a.ShouldBe(b);
        a.Distinct().Count().ShouldBe(12);
        a.ShouldAllBe(i => i % 3 != 0);
        ColdStart.Select(strategy, x, candidates, 12, seed: 8).ShouldNotBe(a);
    }

    [Fact]
    public void Select_KMeansWithoutVectors_OneSentence() =>
        Should.Throw<ConfigurationException>(() => ColdStart.Select(SeedStrategy.KMeans, null, [1, 2, 3], 2, 0))
            .Message.ShouldBe("A k-means cold start needs item vectors, and the feature source gives none.");

    [Fact]
    public void Select_MoreThanTheCandidates_Throws() =>
        Should.Throw<ArgumentOutOfRangeException>(() => ColdStart.Select(SeedStrategy.Random, null, [1, 2, 3], 4, 0));

    [Theory]
    [InlineData("kmeans", SeedStrategy.KMeans)]
    [InlineData(" K-Means ", SeedStrategy.KMeans)]
    [InlineData("random", SeedStrategy.Random)]
    public void Parse_KnownNames(string text, SeedStrategy expected) => ColdStart.Parse(text).ShouldBe(expected);

    [Fact]
    public void Parse_Unknown_OneSentence() =>
        Should.Throw<ConfigurationException>(() => ColdStart.Parse("first")).Message.ShouldBe("The seed strategy must be 'kmeans' or 'random', not 'first'.");
}
