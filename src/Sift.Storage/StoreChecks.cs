using Sift.Items;
using Sift.Oracles;
using Sift.Projects;

namespace Sift.Storage;

/// <summary>Argument checks shared by the store backends.</summary>
internal static class StoreChecks
{
    public const int MaxClientRequestIdLength = 200;

    public static void CheckItem(NewItem? item, int index)
    {
        if (item is null) throw new ArgumentException($"items[{index}]: the item is null.", "items");
        if (string.IsNullOrEmpty(item.ExternalId)) throw new ArgumentException($"items[{index}]: external id may not be empty.", "items");
        if (item.Text is null) throw new ArgumentException($"items[{index}] ('{item.ExternalId}'): text may not be null.", "items");
        if (!double.IsFinite(item.Cost) || item.Cost < 0) throw new ArgumentException($"items[{index}] ('{item.ExternalId}'): cost must be a finite number of at least 0, not {item.Cost}.", "items");
        // PostgreSQL text cannot hold NUL; both backends refuse it so they accept the same data.
        var content = item.Content;
        if (content is null) throw new ArgumentException($"items[{index}] ('{item.ExternalId}'): content may not be null.", "items");
        // A text item's text column is its content: the two may not disagree.
        if (content is TextContent text && !string.Equals(text.Text, item.Text, StringComparison.Ordinal))
            throw new ArgumentException($"items[{index}] ('{item.ExternalId}'): the text content differs from the item's text.", "items");
        if (content is not TextContent) EncodeContent(content, index, item.ExternalId);
        if (HasNul(item.ExternalId) || HasNul(item.Text) || HasNul(item.Group) || HasNul(item.MetaJson) || HasNul(item.GoldLabel))
            throw new ArgumentException($"items[{index}] ('{item.ExternalId.Replace("\0", "", StringComparison.Ordinal)}'): contains a NUL character.", "items");
    }

    private static string? EncodeContent(ItemContent content, int index, string externalId)
    {
        if (content is PairContent pair)
        {
            IEnumerable<string?> parts = [pair.Prompt, pair.ResponseA, pair.ResponseB, .. pair.Conversation?.SelectMany(t => new[] { t?.Role, t?.Content }) ?? []];
            if (parts.Any(p => p is null)) throw new ArgumentException($"items[{index}] ('{externalId}'): a part of the pair is null.", "items");
            // Refused like NUL in any other text, so that both backends accept the same items.
            if (parts.Any(HasNul)) throw new ArgumentException($"items[{index}] ('{externalId}'): the pair contains a NUL character.", "items");
        }
        try
        {
            return ItemContentJson.Encode(content);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"items[{index}] ('{externalId}'): {e.Message}", "items", e);
        }
    }

    public static void CheckOrigin(ImportOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        if (origin.Source is null || HasNul(origin.Source) || HasNul(origin.Sha256)) throw new ArgumentException("origin: the source is null or contains a NUL character.", nameof(origin));
    }

    public static void CheckRanking(Ranking ranking)
    {
        ArgumentNullException.ThrowIfNull(ranking.Items, "ranking.Items");
        ArgumentNullException.ThrowIfNull(ranking.Strategy, "ranking.Strategy");
        if (ranking.ModelVersion < 0) throw new ArgumentException($"ranking: model version must be at least 0, not {ranking.ModelVersion}.", nameof(ranking));
        var ranks = new HashSet<int>();
        var items = new HashSet<long>();
        foreach (var position in ranking.Items)
        {
            if (position is null) throw new ArgumentException("ranking: a position is null.", nameof(ranking));
            if (position.Reason is null) throw new ArgumentException($"ranking: the reason of rank {position.Rank} is null.", nameof(ranking));
            if (!ranks.Add(position.Rank)) throw new ArgumentException($"ranking: rank {position.Rank} appears twice.", nameof(ranking));
            if (!items.Add(position.ItemId)) throw new ArgumentException($"ranking: item {position.ItemId} appears twice.", nameof(ranking));
            if (!double.IsFinite(position.Score)) throw new ArgumentException($"ranking: the score of rank {position.Rank} is not a finite number.", nameof(ranking));
        }
    }

    public static bool HasNul(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal);

    public static void CheckLease(TimeSpan lease)
    {
        if (lease <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lease), "The lease must be positive.");
    }

    public static void CheckSubmit(IReadOnlyList<string> labels, string clientRequestId, Provenance? provenance = null)
    {
        if (provenance is not null && (provenance.Name is null || HasNul(provenance.Name)))
            throw new ArgumentException("provenance: the name is null or contains a NUL character.", nameof(provenance));
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var label in labels)
            if (label is null || HasNul(label)) throw new ArgumentException("labels: a label is null or contains a NUL character.", nameof(labels));
        if (string.IsNullOrEmpty(clientRequestId)) throw new ArgumentException("client_request_id: may not be empty.", nameof(clientRequestId));
        if (HasNul(clientRequestId)) throw new ArgumentException("client_request_id: contains a NUL character.", nameof(clientRequestId));
        if (clientRequestId.Length > MaxClientRequestIdLength)
            throw new ArgumentException($"client_request_id: longer than {MaxClientRequestIdLength} characters.", nameof(clientRequestId));
    }

    public static void CheckPage(long afterId, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, Paging.MaxLimit);
    }

    /// <summary>The revision stripe a write by this annotator bumps (imports use stripe 0).</summary>
    public static int RevisionStripe(long annotatorId) => (int)(annotatorId & 15);
}
