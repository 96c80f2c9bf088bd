using System.Globalization;
using Sift.Projects;

namespace Sift.Server.Training;

/// <summary>One position the strategy filled: the item, its score and the strategy's reason.</summary>
internal readonly record struct StrategyPick(long ItemId, double Score, string Reason);

/// <summary>
/// Builds rankings (docs/server-design.md, "Live loop"). Every random choice is keyed by a seed and item ids, so
/// the same project state and seed give the same ranking.
/// </summary>
internal static class RankingComposer
{
    public const string ColdStartStrategy = ColdStartOrder.Strategy;
    public const string ColdStartReason = ColdStartOrder.Reason;
    public const string HeldOutReason = "held-out evaluation sample";

    /// <summary>Reason of an exploration (random-control) position.</summary>
    public static string ExplorationReason(double share) =>
        string.Create(CultureInfo.InvariantCulture, $"random control (ε = {share:0.###})");

    /// <summary>Reason of an item that already has answers but fewer than the overlap asks for.</summary>
    public static string OverlapReason(int answers, int overlap) =>
        string.Create(CultureInfo.InvariantCulture, $"needs more answers: {answers} of {overlap}");

    /// <summary>
    /// The cold-start ranking (model version 0): every item with fewer answers than the overlap, in the cold-start order
    /// (<see cref="ColdStartOrder"/>), held-out items interleaved (held-out items with a gold label are left out: they
    /// need no answers). An item's place depends only on the seed and its external id, so an import keeps the earlier
    /// items' relative order, and the same data and seed give the same order on any backend. The live loop stores it
    /// without positions: the store hands items out in this same order by itself.
    /// </summary>
    public static Ranking ColdStart(ProjectSnapshot snapshot)
    {
        var overlap = snapshot.Settings.Overlap;
        var seed = snapshot.Settings.Seed;
        var order = snapshot.Items
            .Where(i => snapshot.Answers.GetValueOrDefault(i.Id) < overlap && !(i.HeldOut && snapshot.Gold.ContainsKey(i.Id)))
            .OrderBy(i => ColdStartOrder.Key(seed, i.ExternalId)).ThenBy(i => i.ExternalId, StringComparer.Ordinal)
            .ToList();
        return new Ranking(snapshot.Project.Id, 0, ColdStartStrategy,
            order.Select((item, rank) => new RankedItem(item.Id, rank, 0, ColdStartReason, false)).ToList());
    }

    /// <summary>
    /// Draws the exploration (random-control) items: round(<paramref name="share"/> × candidates) of them, uniformly
    /// at random without replacement (the first of a seeded shuffle).
    /// </summary>
    public static IReadOnlyList<Item> DrawExploration(IReadOnlyList<Item> candidates, double share, ulong seed)
    {
        var count = (int)Math.Round(share * candidates.Count, MidpointRounding.AwayFromZero);
        return count <= 0 ? [] : Shuffle(candidates, Seeds.Mix(seed, "exploration")).Take(count).ToList();
    }

    /// <summary>
    /// A seeded random order of <paramref name="items"/>: by a key mixed from the seed and each external id (ties, which
    /// need a 64-bit collision, by external id), so it does not depend on store ids or on the other items.
    /// </summary>
    public static List<Item> Shuffle(IEnumerable<Item> items, ulong seed) =>
        items.OrderBy(i => Seeds.Mix(seed, i.ExternalId)).ThenBy(i => i.ExternalId, StringComparer.Ordinal).ToList();

    /// <summary>Positions per block of <see cref="Compose"/>'s stratified layout.</summary>
    public const int LayoutBlock = 50;

    /// <summary>
    /// Lays out a trained ranking: first the items that need more answers (in the given order), then the strategy's
    /// items in strategy order with the exploration and held-out items spread among them, stratified: the position kinds
    /// are interleaved evenly (smooth weighted round-robin, so every prefix holds each kind's share to within one
    /// position) and then shuffled, seeded, within blocks of <see cref="LayoutBlock"/> positions. So every stretch of the
    /// queue — the stored top of a ranking in particular — holds the exploration (random-control) and held-out shares to
    /// within one block's worth, and where in a block they sit is random.
    /// </summary>
    /// <param name="partial">Items with some answers but fewer than the overlap, with their reasons.</param>
    /// <param name="strategy">The strategy's order over the candidates that are not exploration items.</param>
    /// <param name="exploration">Exploration items (drawn uniformly at random from the candidates).</param>
    /// <param name="explorationReason">Reason recorded on exploration positions.</param>
    /// <param name="heldOut">Held-out items that still need an evaluation label, in random order.</param>
    /// <param name="seed">Seed of the position shuffle.</param>
    public static List<RankedItem> Compose(
        IReadOnlyList<(long ItemId, string Reason)> partial, IReadOnlyList<StrategyPick> strategy,
        IReadOnlyList<long> exploration, string explorationReason, IReadOnlyList<long> heldOut, ulong seed)
    {
        var kinds = Interleave(strategy.Count, exploration.Count, heldOut.Count);
        var random = Seeds.Random(Seeds.Mix(seed, "positions"));
        for (var start = 0; start < kinds.Length; start += LayoutBlock)
            random.Shuffle(kinds.AsSpan(start, Math.Min(LayoutBlock, kinds.Length - start)));

        var items = new List<RankedItem>(partial.Count + kinds.Length);
        foreach (var (itemId, reason) in partial) items.Add(new RankedItem(itemId, items.Count, 0, reason, false));
        int s = 0, e = 0, h = 0;
        foreach (var kind in kinds)
        {
            items.Add(kind switch
            {
                1 => new RankedItem(exploration[e++], items.Count, 0, explorationReason, true),
                2 => new RankedItem(heldOut[h++], items.Count, 0, HeldOutReason, false),
                _ => new RankedItem(strategy[s].ItemId, items.Count, strategy[s].Score, strategy[s++].Reason, false),
            });
        }
        return items;
    }

    /// <summary>
    /// Kinds 0, 1 and 2, <paramref name="counts"/> of each, evenly interleaved by smooth weighted round-robin: each step
    /// credits every kind its count and takes the kind with the most credit (ties to the lower kind), which then pays
    /// the total. After n steps each kind was taken about n × count / total times (within two).
    /// </summary>
    private static byte[] Interleave(params int[] counts)
    {
        var total = counts.Sum();
        var kinds = new byte[total];
        var credit = new long[counts.Length];
        for (var n = 0; n < total; n++)
        {
            var best = 0;
            for (var k = 0; k < counts.Length; k++)
            {
                credit[k] += counts[k];
                if (credit[k] > credit[best]) best = k;
            }
            credit[best] -= total;
            kinds[n] = (byte)best;
        }
        return kinds;
    }
}
