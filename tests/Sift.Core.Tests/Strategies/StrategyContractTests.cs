using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

/// <summary>
/// The contract every strategy honours: exact count, no duplicates, never a labeled or held-out item, same seed → same
/// picks, empty or exhausted pool → <see cref="PoolExhaustedException"/>. <see cref="CatalogStrategyContractTests"/>
/// runs it over every strategy in <see cref="StrategyCatalog.Default"/> (and over each decorator), so a strategy added
/// to the catalog is checked without a test of its own; <see cref="StrategyContractTests"/> runs it over a hand-built
/// composition that no spec can spell.
/// </summary>
internal static class StrategyContract
{
    /// <summary>Builds the round a strategy is tested on (seed, optional cap on candidates); pair strategies need a pool of pairs.</summary>
    public delegate (QueryContext Context, HashSet<int> Labeled, HashSet<int> HeldOut) ContextFactory(ulong seed, int? candidateLimit = null);

    private static ContextFactory Default => (seed, limit) => TestData.Context(seed, candidateLimit: limit);

    public static void AnyCount_ReturnsExactlyThatManyDistinctCandidates(Func<IQueryStrategy> create, int count, ContextFactory? contexts = null)
    {
        var (context, _, _) = (contexts ?? Default)(1);
        var result = create().Select(context, count);
        result.Indices.Length.ShouldBe(count);
        result.Scores.Length.ShouldBe(count);
        result.Reasons.Length.ShouldBe(count);
        result.Indices.Distinct().Count().ShouldBe(count);
        result.Reasons.ShouldAllBe(r => !string.IsNullOrWhiteSpace(r));
    }

    public static void Always_NeverPicksLabeledOrHeldOutItems(Func<IQueryStrategy> create, ContextFactory? contexts = null)
    {
        var (context, labeled, heldOut) = (contexts ?? Default)(2);
        var result = create().Select(context, context.Candidates.Length);
        result.Indices.ShouldAllBe(i => !labeled.Contains(i) && !heldOut.Contains(i));
        result.Indices.Order().ShouldBe(context.Candidates.Order());
    }

    public static void SameSeed_SamePicks(Func<IQueryStrategy> create, ContextFactory? contexts = null)
    {
        var a = create().Select((contexts ?? Default)(42).Context, 20);
        var b = create().Select((contexts ?? Default)(42).Context, 20);
        a.Indices.ShouldBe(b.Indices);
        a.Scores.ShouldBe(b.Scores);
    }

    public static void RankingStrategy_ABatchIsThePrefixOfTheWholeOrder(Func<IQueryStrategy> create, ContextFactory? contexts = null)
    {
        var strategy = create();
        Assert.SkipUnless(strategy is IRankingStrategy, $"{strategy.Name} chooses its batch as a set");
        var all = strategy.Select((contexts ?? Default)(7).Context, (contexts ?? Default)(7).Context.Candidates.Length);
        var batch = create().Select((contexts ?? Default)(7).Context, 15);
        batch.Indices.ShouldBe(all.Indices.Take(15));
        batch.Scores.ShouldBe(all.Scores.Take(15));
        batch.Reasons.ShouldBe(all.Reasons.Take(15));
    }

    public static void EmptyPool_ThrowsPoolExhausted(Func<IQueryStrategy> create, ContextFactory? contexts = null)
    {
        var (context, _, _) = (contexts ?? Default)(3, 0);
        Should.Throw<PoolExhaustedException>(() => create().Select(context, 1));
    }

    public static void MoreThanRemain_ThrowsPoolExhausted(Func<IQueryStrategy> create, ContextFactory? contexts = null)
    {
        var (context, _, _) = (contexts ?? Default)(3, 5);
        var e = Should.Throw<PoolExhaustedException>(() => create().Select(context, 6));
        e.Available.ShouldBe(5);
        e.Requested.ShouldBe(6);
    }

    public static void NonPositiveCount_Throws(Func<IQueryStrategy> create, ContextFactory? contexts = null)
    {
        var (context, _, _) = (contexts ?? Default)(3);
        Should.Throw<ArgumentOutOfRangeException>(() => create().Select(context, 0));
    }
}

/// <summary>The contract for a hand-built composition that no spec can spell: inherit, and return it from <see cref="Create"/>.</summary>
public abstract class StrategyContractTests
{
    protected abstract IQueryStrategy Create();

    /// <summary>The round a strategy is tested on; pair strategies override it with a pool of pairs.</summary>
    protected virtual (QueryContext Context, HashSet<int> Labeled, HashSet<int> HeldOut) CreateContext(ulong seed, int? candidateLimit = null) =>
        TestData.Context(seed, candidateLimit: candidateLimit);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    public void Select_AnyCount_ReturnsExactlyThatManyDistinctCandidates(int count) =>
        StrategyContract.AnyCount_ReturnsExactlyThatManyDistinctCandidates(Create, count, CreateContext);

    [Fact]
    public void Select_Always_NeverPicksLabeledOrHeldOutItems() => StrategyContract.Always_NeverPicksLabeledOrHeldOutItems(Create, CreateContext);

    [Fact]
    public void Select_SameSeed_SamePicks() => StrategyContract.SameSeed_SamePicks(Create, CreateContext);

    [Fact]
    public void Select_RankingStrategy_ABatchIsThePrefixOfTheWholeOrder() => StrategyContract.RankingStrategy_ABatchIsThePrefixOfTheWholeOrder(Create, CreateContext);

    [Fact]
    public void Select_EmptyPool_ThrowsPoolExhausted() => StrategyContract.EmptyPool_ThrowsPoolExhausted(Create, CreateContext);

    [Fact]
    public void Select_MoreThanRemain_ThrowsPoolExhausted() => StrategyContract.MoreThanRemain_ThrowsPoolExhausted(Create, CreateContext);

    [Fact]
    public void Select_NonPositiveCount_Throws() => StrategyContract.NonPositiveCount_Throws(Create, CreateContext);
}

/// <summary>The contract over every strategy of <see cref="StrategyCatalog.Default"/> and over each decorator, found from the catalog.</summary>
public sealed class CatalogStrategyContractTests
{
    /// <summary>One spec per decorator, on a strategy it fits.</summary>
    private static readonly string[] DecoratedSpecs = ["margin+explore(0.3)", "margin+quota(0.2)", "margin+cost", "margin+dedup", "margin@60", "margin-kmeans+dedup(0.9)@100", "pair-dopt+explore(0.2)@60"];

    private static IEnumerable<string> All => StrategyCatalog.Default.All.Select(d => d.Name).Concat(DecoratedSpecs);

    public static TheoryData<string> Specs() => [.. All];

    public static TheoryData<string, int> SpecsAndCounts() => [.. All.SelectMany(spec => new[] { 1, 7, 50 }.Select(count => (spec, count)))];

    private static Func<IQueryStrategy> Factory(string spec) => StrategyCatalog.Default.Get(spec).Create;

    /// <summary>A strategy for pairwise comparisons is tested on a pool of pairs; every other on the text round.</summary>
    private static StrategyContract.ContextFactory Contexts(string spec) => StrategyCatalog.Default.Get(spec).Needs.HasFlag(StrategyNeeds.Pairs)
        ? (seed, limit) => Preferences.PairTestData.Context(seed, candidateLimit: limit)
        : (seed, limit) => TestData.Context(seed, candidateLimit: limit);

    [Fact]
    public void Default_HoldsTheTwentyBuiltIns()
    {
        StrategyCatalog.Default.All.Count.ShouldBe(20);
        StrategyCatalog.Default.All.Where(d => d.Needs.HasFlag(StrategyNeeds.Pairs)).Select(d => d.Name).ShouldBe(["pair-uncertainty", "pair-dopt", "pair-uncertainty-dopt"]);
    }

    [Theory]
    [MemberData(nameof(SpecsAndCounts))]
    public void Select_AnyCount_ReturnsExactlyThatManyDistinctCandidates(string spec, int count) =>
        StrategyContract.AnyCount_ReturnsExactlyThatManyDistinctCandidates(Factory(spec), count, Contexts(spec));

    [Theory]
    [MemberData(nameof(Specs))]
    public void Select_Always_NeverPicksLabeledOrHeldOutItems(string spec) => StrategyContract.Always_NeverPicksLabeledOrHeldOutItems(Factory(spec), Contexts(spec));

    [Theory]
    [MemberData(nameof(Specs))]
    public void Select_SameSeed_SamePicks(string spec) => StrategyContract.SameSeed_SamePicks(Factory(spec), Contexts(spec));

    [Theory]
    [MemberData(nameof(Specs))]
    public void Select_RankingStrategy_ABatchIsThePrefixOfTheWholeOrder(string spec) =>
        StrategyContract.RankingStrategy_ABatchIsThePrefixOfTheWholeOrder(Factory(spec), Contexts(spec));

    [Theory]
    [MemberData(nameof(Specs))]
    public void Select_EmptyPool_ThrowsPoolExhausted(string spec) => StrategyContract.EmptyPool_ThrowsPoolExhausted(Factory(spec), Contexts(spec));

    [Theory]
    [MemberData(nameof(Specs))]
    public void Select_MoreThanRemain_ThrowsPoolExhausted(string spec) => StrategyContract.MoreThanRemain_ThrowsPoolExhausted(Factory(spec), Contexts(spec));

    [Theory]
    [MemberData(nameof(Specs))]
    public void Select_NonPositiveCount_Throws(string spec) => StrategyContract.NonPositiveCount_Throws(Factory(spec), Contexts(spec));

    /// <summary>
    /// The loop computes a committee and vectors only for strategies that declare them (a model always exists), so a
    /// strategy that reads what it did not declare would fail in a run, not here, unless this test gives it only what
    /// it declared.
    /// </summary>
    [Theory]
    [MemberData(nameof(Specs))]
    public void Select_OnlyDeclaredNeedsProvided_Selects(string spec)
    {
        var descriptor = StrategyCatalog.Default.Get(spec);
        var (full, labeled, heldOut) = Contexts(spec)(5);
        var context = new QueryContext(full.Features, full.Candidates, full.Seed)
        {
            ClassCount = full.ClassCount,
            Model = full.Model,
            Committee = descriptor.Needs.HasFlag(StrategyNeeds.Committee) ? full.Committee : null,
            Embeddings = descriptor.Needs.HasFlag(StrategyNeeds.Embeddings) ? full.Embeddings : null,
            LabeledIndices = full.LabeledIndices,
            LabeledClasses = full.LabeledClasses,
            Costs = full.Costs,
            Groups = full.Groups,
            ClassNames = full.ClassNames,
            Pairs = descriptor.Needs.HasFlag(StrategyNeeds.Pairs) ? full.Pairs : null,
        };
        var result = descriptor.Create().Select(context, 10);
        result.Indices.Distinct().Count().ShouldBe(10);
        result.Indices.ShouldAllBe(i => !labeled.Contains(i) && !heldOut.Contains(i));
    }
}

public sealed class RandomSamplingTests
{
    [Fact]
    public void Select_DifferentSeeds_DifferentPicks()
    {
        var a = new RandomSampling().Select(TestData.Context(1).Context, 20);
        var b = new RandomSampling().Select(TestData.Context(2).Context, 20);
        a.Indices.ShouldNotBe(b.Indices);
    }
}
