using Sift.Items;
using Sift.Llm.Prompts;
using Sift.Llm.Tests.TestDoubles;
using Sift.Oracles;

namespace Sift.Llm.Tests.Prompts;

public class FewShotSelectorTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    private static OracleRequest Request(params LabeledExample[] examples) =>
        new([new OracleQuestion("item", new TextContent("the item"))], Labels) { Examples = examples };

    private static readonly LabeledExample[] Pool =
    [
        Requests.Example("a1", "near a", "a"), Requests.Example("a2", "nearest a", "a"), Requests.Example("a3", "far a", "a"),
        Requests.Example("b1", "far b", "b"), Requests.Example("c1", "mid c", "c"),
        Requests.Example("item", "the item", "a"), Requests.Example("x1", "foreign", "z"),
    ];

    private static readonly Dictionary<string, float[]> Vectors = new()
    {
        ["the item"] = [1, 0], ["nearest a"] = [1, 0.05f], ["near a"] = [1, 0.2f], ["far a"] = [0, 1],
        ["far b"] = [0.1f, 1], ["mid c"] = [1, 1], ["foreign"] = [1, 0],
    };

    [Fact]
    public async Task SelectAsync_WithVectors_CoversClassesThenNearest_MostSimilarLast()
    {
        var selector = new FewShotSelector(new FixedEmbeddings(Vectors));
        var request = Request(Pool);
        var chosen = await selector.SelectAsync(request.Questions[0], request, 4, 1, default);
        // Each class's nearest first (a2, c1, b1), then the nearest of the rest (a1); shown least similar first.
        chosen.Select(e => e.ItemId).ShouldBe(["b1", "c1", "a1", "a2"]);
    }

    [Fact]
    public async Task SelectAsync_FewerShotsThanClasses_TakesTheNearestClasses()
    {
        var selector = new FewShotSelector(new FixedEmbeddings(Vectors));
        var request = Request(Pool);
        var chosen = await selector.SelectAsync(request.Questions[0], request, 2, 1, default);
        chosen.Select(e => e.ItemId).ShouldBe(["c1", "a2"]);
    }

    [Fact]
    public async Task SelectAsync_NeverTheItemItselfNorForeignLabels()
    {
        var selector = new FewShotSelector(new FixedEmbeddings(Vectors));
        var request = Request(Pool);
        var chosen = await selector.SelectAsync(request.Questions[0], request, 32, 1, default);
        chosen.Select(e => e.ItemId).ShouldBe(["a3", "b1", "c1", "a1", "a2"], ignoreOrder: true);
    }

    [Fact]
    public async Task SelectAsync_NoVectors_SeededRandomCoveringClasses()
    {
        var selector = new FewShotSelector(null);
        var request = Request(Pool);
        var one = await selector.SelectAsync(request.Questions[0], request, 3, 42, default);
        var again = await selector.SelectAsync(request.Questions[0], request, 3, 42, default);
        one.Select(e => e.ItemId).ShouldBe(again.Select(e => e.ItemId));
        one.SelectMany(e => e.Labels).Distinct().ShouldBe(Labels, ignoreOrder: true);
        var seeds = Enumerable.Range(0, 20).Select(s => string.Join(",", selector.SelectAsync(request.Questions[0], request, 3, (ulong)s, default).AsTask().Result.Select(e => e.ItemId)));
        seeds.Distinct().Count().ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task SelectAsync_CachesVectors()
    {
        var embeddings = new FixedEmbeddings(Vectors);
        var selector = new FewShotSelector(embeddings);
        var request = Request(Pool);
        await selector.SelectAsync(request.Questions[0], request, 2, 1, default);
        await selector.SelectAsync(request.Questions[0], request, 2, 1, default);
        embeddings.Calls.ShouldBe(1);
    }
}
