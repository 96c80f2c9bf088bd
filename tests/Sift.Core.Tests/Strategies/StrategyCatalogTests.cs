using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

/// <summary>A strategy of a library user's own, one short class: the item with the highest pool index first.</summary>
internal sealed class NewestFirst : ScoredStrategy
{
    public override string Name => "newest-first";

    public override void Score(QueryContext context, Span<double> scores)
    {
        for (var i = 0; i < scores.Length; i++) scores[i] = context.Candidates[i];
    }

    protected override string Reason(QueryContext context, int position, double score) => $"pool index {context.Candidates[position]}";
}

public sealed class StrategyCatalogTests
{
    private static StrategyCatalog WithNewestFirst() =>
        new StrategyCatalog(StrategyCatalog.Default).Add("newest-first", "highest pool index first", StrategyNeeds.None, () => new NewestFirst());

    [Fact]
    public void Add_ToACopy_GetFindsItWithDecorators()
    {
        var catalog = WithNewestFirst();
        var (context, _, _) = TestData.Context(1);
        catalog.Get("Newest-First").Create().Select(context, 3).Indices.ShouldBe([179, 178, 177]);
        var decorated = catalog.Get("newest-first+explore(0.5)@100");
        decorated.Name.ShouldBe("newest-first+explore@100");
        decorated.Needs.ShouldBe(StrategyNeeds.None);
        decorated.Create().Select(context, 4).Count.ShouldBe(4);
        catalog.All.Count.ShouldBe(StrategyCatalog.Default.All.Count + 1);
    }

    [Fact]
    public void Add_ToACopy_DefaultUnchanged()
    {
        _ = WithNewestFirst();
        StrategyCatalog.Default.All.ShouldNotContain(d => d.Name == "newest-first");
        Should.Throw<ConfigurationException>(() => StrategyCatalog.Default.Get("newest-first")).Message.ShouldContain("Unknown strategy 'newest-first'");
    }

    [Fact]
    public void Add_ToDefault_RefusedWithAHint()
    {
        StrategyCatalog.Default.IsReadOnly.ShouldBeTrue();
        Should.Throw<InvalidOperationException>(() => StrategyCatalog.Default.Add("mine", "mine", StrategyNeeds.None, () => new RandomSampling()))
            .Message.ShouldContain("new StrategyCatalog(StrategyCatalog.Default)");
    }

    [Theory]
    [InlineData("MARGIN", "already in the catalog")]
    [InlineData("", "1 to 64 letters")]
    [InlineData("my+strategy", "1 to 64 letters")]
    [InlineData("my strategy", "1 to 64 letters")]
    [InlineData("x@2", "1 to 64 letters")]
    public void Add_BadOrTakenName_Refused(string name, string fragment) =>
        Should.Throw<ArgumentException>(() => new StrategyCatalog(StrategyCatalog.Default).Add(name, "d", StrategyNeeds.None, () => new RandomSampling()))
            .Message.ShouldContain(fragment);

    [Fact]
    public void Add_BlankDescription_Refused() =>
        Should.Throw<ArgumentException>(() => new StrategyCatalog().Add("mine", " ", StrategyNeeds.None, () => new RandomSampling()));

    [Fact]
    public void Get_EmptyCatalog_ClearError() =>
        Should.Throw<ConfigurationException>(() => new StrategyCatalog().Get("margin")).Message.ShouldContain("Unknown strategy 'margin'");

    [Fact]
    public void StrategyRegistry_ForwardsToTheDefaultCatalog()
    {
        StrategyRegistry.All.ShouldBeSameAs(StrategyCatalog.Default.All);
        StrategyRegistry.Get("margin").ShouldBeSameAs(StrategyCatalog.Default.Get("margin"));
    }
}

/// <summary>A user's strategy runs the same contract once it is in a catalog.</summary>
public sealed class AddedStrategyContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() =>
        new StrategyCatalog().Add("newest-first", "highest pool index first", StrategyNeeds.None, () => new NewestFirst()).Get("newest-first+explore(0.2)").Create();
}
