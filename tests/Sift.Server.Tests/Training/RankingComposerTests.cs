using Sift.Projects;
using Sift.Server.Training;

namespace Sift.Server.Tests.Training;

public class RankingComposerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProjectSnapshot Snapshot(int items, ulong seed = 7, int overlap = 1, ISet<long>? heldOut = null,
        IReadOnlyDictionary<long, string>? gold = null, IReadOnlyDictionary<long, int>? answers = null)
    {
        var settings = new ProjectSettings { Labels = ["a", "b"], Seed = seed, Overlap = overlap };
        return new ProjectSnapshot
        {
            Project = new Project(1, "p", settings, 1, T0),
            Items = Enumerable.Range(1, items).Select(i => new Item(i, 1, $"x{i}", $"text {i}", null, 1, null, heldOut?.Contains(i) ?? false)).ToList(),
            Gold = gold ?? new Dictionary<long, string>(),
            Annotations = [],
            Resolved = new Dictionary<long, ResolvedLabel>(),
            Answers = answers ?? new Dictionary<long, int>(),
            Models = [],
        };
    }

    [Fact]
    public void ColdStart_FreshProject_RanksEveryItemOnceAsVersionZero()
    {
        var ranking = RankingComposer.ColdStart(Snapshot(50));

        ranking.ModelVersion.ShouldBe(0);
        ranking.Strategy.ShouldBe("cold-start");
        ranking.Items.Select(i => i.ItemId).Order().ShouldBe(Enumerable.Range(1, 50).Select(i => (long)i));
        ranking.Items.Select(i => i.Rank).ShouldBe(Enumerable.Range(0, 50));
        ranking.Items.ShouldAllBe(i => i.Reason == "cold start: random order" && !i.Exploration && i.Score == 0);
    }

    [Fact]
    public void ColdStart_Order_IsRandomButFixedBySeed()
    {
        var a = RankingComposer.ColdStart(Snapshot(200, seed: 3)).Items.Select(i => i.ItemId).ToList();
        var b = RankingComposer.ColdStart(Snapshot(200, seed: 3)).Items.Select(i => i.ItemId).ToList();
        var c = RankingComposer.ColdStart(Snapshot(200, seed: 4)).Items.Select(i => i.ItemId).ToList();

        a.ShouldBe(b);
        c.ShouldNotBe(a);
        a.ShouldNotBe(a.Order().ToList()); // not id order
    }

    [Fact]
    public void ColdStart_AfterMoreItems_KeepsTheEarlierItemsRelativeOrder()
    {
        var before = RankingComposer.ColdStart(Snapshot(100)).Items.Select(i => i.ItemId).ToList();
        var after = RankingComposer.ColdStart(Snapshot(150)).Items.Select(i => i.ItemId).Where(id => id <= 100).ToList();
        after.ShouldBe(before);
    }

    [Fact]
    public void ColdStart_HeldOutAndAnsweredItems_InterleavesHeldOutWithoutGoldAndSkipsCompleteOnes()
    {
        var heldOut = new HashSet<long> { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        var ranking = RankingComposer.ColdStart(Snapshot(100, overlap: 2, heldOut: heldOut,
            gold: new Dictionary<long, string> { [1] = "a", [2] = "b" },
            answers: new Dictionary<long, int> { [20] = 2, [21] = 1, [3] = 2 }));

        var ids = ranking.Items.Select(i => i.ItemId).ToHashSet();
        ids.ShouldNotContain(1); // held out with gold: needs no answers
        ids.ShouldNotContain(2);
        ids.ShouldNotContain(3); // complete (2 of 2)
        ids.ShouldNotContain(20);
        ids.ShouldContain(21); // 1 of 2
        ids.Count.ShouldBe(100 - 4);
        var heldOutRanks = ranking.Items.Where(i => heldOut.Contains(i.ItemId)).Select(i => i.Rank).ToList();
        heldOutRanks.Count.ShouldBe(7);
        heldOutRanks.Max().ShouldBeGreaterThan(heldOutRanks.Min() + 7); // spread out, not a block
    }

    [Fact]
    public void DrawExploration_Share_DrawsThatManyDistinctCandidatesFixedBySeed()
    {
        var candidates = Enumerable.Range(1, 300).Select(i => new Item(i * 3, 1, $"e{i}", "t", null, 1, null, false)).ToList();
        var a = RankingComposer.DrawExploration(candidates, 0.1, 11);
        var b = RankingComposer.DrawExploration(candidates, 0.1, 11);
        var c = RankingComposer.DrawExploration(candidates, 0.1, 12);

        a.Count.ShouldBe(30);
        a.Distinct().Count().ShouldBe(30);
        a.ShouldAllBe(id => candidates.Contains(id));
        a.ShouldBe(b);
        c.ShouldNotBe(a);
        RankingComposer.DrawExploration(candidates, 0, 11).ShouldBeEmpty();
    }

    [Fact]
    public void Compose_Parts_PartialFirstThenStrategyOrderWithExplorationAndHeldOutSpreadAmongThem()
    {
        var partial = new List<(long, string)> { (900, "needs more answers: 1 of 2") };
        var strategy = Enumerable.Range(0, 180).Select(i => new StrategyPick(i, 1000 - i, $"score {1000 - i}")).ToList();
        var exploration = Enumerable.Range(500, 20).Select(i => (long)i).ToList();
        var heldOut = Enumerable.Range(700, 10).Select(i => (long)i).ToList();

        var items = RankingComposer.Compose(partial, strategy, exploration, "random control (ε = 0.1)", heldOut, 5);

        items.Count.ShouldBe(211);
        items[0].ItemId.ShouldBe(900);
        items.Select(i => i.Rank).ShouldBe(Enumerable.Range(0, 211));
        items.Select(i => i.ItemId).Distinct().Count().ShouldBe(211);
        var strategyPositions = items.Where(i => !i.Exploration && i.Reason.StartsWith("score", StringComparison.Ordinal)).ToList();
        strategyPositions.Select(i => i.Score).ShouldBe(strategy.Select(s => s.Score)); // strategy order kept
        strategyPositions.ShouldAllBe(i => i.Reason == $"score {i.Score}");
        var explored = items.Where(i => i.Exploration).ToList();
        explored.Select(i => i.ItemId).ShouldBe(exploration, ignoreOrder: true);
        explored.ShouldAllBe(i => i.Reason == "random control (ε = 0.1)" && i.Score == 0);
        items.Where(i => i.Reason == "held-out evaluation sample").Select(i => i.ItemId).ShouldBe(heldOut, ignoreOrder: true);
        // Exploration is spread over the queue, not appended: some in each half.
        explored.Count(i => i.Rank < 105).ShouldBeGreaterThan(0);
        explored.Count(i => i.Rank >= 105).ShouldBeGreaterThan(0);
        RankingComposer.Compose(partial, strategy, exploration, "r", heldOut, 5).Select(i => i.ItemId)
            .ShouldBe(RankingComposer.Compose(partial, strategy, exploration, "r", heldOut, 5).Select(i => i.ItemId));
    }

    [Fact]
    public void Compose_LongRanking_EveryPrefixHoldsTheExplorationAndHeldOutSharesToWithinABlock()
    {
        var strategy = Enumerable.Range(0, 17_000).Select(i => new StrategyPick(i, -i, "s")).ToList();
        var exploration = Enumerable.Range(100_000, 2_000).Select(i => (long)i).ToList();
        var heldOut = Enumerable.Range(200_000, 1_000).Select(i => (long)i).ToList();

        var items = RankingComposer.Compose([], strategy, exploration, "random control (ε = 0.1)", heldOut, 9);

        int explored = 0, held = 0;
        for (var n = 1; n <= items.Count; n++)
        {
            if (items[n - 1].Exploration) explored++;
            if (items[n - 1].Reason == RankingComposer.HeldOutReason) held++;
            // Any prefix: off by at most what one shuffled block can move (10% and 5% of 50 positions, plus rounding).
            Math.Abs(explored - 0.1 * n).ShouldBeLessThanOrEqualTo(7, $"exploration in the first {n}");
            Math.Abs(held - 0.05 * n).ShouldBeLessThanOrEqualTo(5, $"held-out in the first {n}");
            if (n % RankingComposer.LayoutBlock == 0) Math.Abs(explored - 0.1 * n).ShouldBeLessThanOrEqualTo(2, $"exploration in the first {n}");
        }
        // Within a block the positions are random, not every tenth.
        var positions = items.Where(i => i.Exploration).Select(i => i.Rank).ToList();
        positions.Zip(positions.Skip(1), (a, b) => b - a).Distinct().Count().ShouldBeGreaterThan(5);
    }

    [Fact]
    public void ExplorationReason_Share_NamesEpsilon()
    {
        RankingComposer.ExplorationReason(0.1).ShouldBe("random control (ε = 0.1)");
        RankingComposer.ExplorationReason(0.125).ShouldBe("random control (ε = 0.125)");
    }
}
