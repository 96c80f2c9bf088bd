namespace Sift.Projects;

/// <summary>
/// The cold-start order: a seeded random order of a project's items in which an item's place depends only on the
/// project's seed and its external id (so an import keeps the earlier items' relative order, and the same data and seed
/// give the same order on any backend). Stores keep each item's <see cref="StoredKey"/> and hand out, in this order,
/// every item that needs answers but is not in the stored ranking — before the first model, all of them; after it,
/// whatever lies beyond the stored top of the ranking until the live loop tops it up. The server's cold-start ranking
/// sorts by the same key, so both agree.
/// </summary>
public static class ColdStartOrder
{
    /// <summary>The strategy recorded on tasks handed out in this order (model version 0).</summary>
    public const string Strategy = "cold-start";

    /// <summary>The reason recorded on such tasks while the project has no trained ranking.</summary>
    public const string Reason = "cold start: random order";

    /// <summary>The reason recorded on such tasks once a trained ranking is stored (its stored positions ran out).</summary>
    public const string BeyondRankingReason = "beyond the stored ranking: random order";

    /// <summary>The item's sort key: ascending keys (ties, a 64-bit collision, by external id) give the order.</summary>
    public static ulong Key(ulong projectSeed, string externalId)
    {
        ArgumentNullException.ThrowIfNull(externalId);
        return Seeds.Mix(Seeds.Mix(projectSeed, "cold-start"), externalId);
    }

    /// <summary>
    /// <see cref="Key"/> as a signed 64-bit integer that sorts the same way (the sign bit flipped), for a database
    /// column.
    /// </summary>
    public static long StoredKey(ulong projectSeed, string externalId) => unchecked((long)(Key(projectSeed, externalId) ^ 0x8000_0000_0000_0000UL));
}
