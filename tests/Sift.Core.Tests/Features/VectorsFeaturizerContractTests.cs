using Sift.Features;

namespace Sift.Core.Tests.Features;

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
