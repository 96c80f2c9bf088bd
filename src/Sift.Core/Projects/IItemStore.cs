using Sift.Evidence;

namespace Sift.Projects;

/// <summary>
/// A project's items: their content, group, cost, metadata, gold labels and held-out flag. Part of
/// <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable transaction.
/// </summary>
public interface IItemStore
{
    /// <summary>
    /// Adds items in one transaction: all or nothing. An item whose external id is already in the project, or
    /// appeared earlier in the same batch, is skipped and counted as a duplicate. Once this returns the new items can
    /// be handed out (in the cold-start order, see <see cref="IQueueStore.ClaimNextAsync"/>): no second write is needed to queue them.
    /// In the same transaction an <see cref="ImportEvent"/> (source, counts, content kind, SHA-256 from
    /// <paramref name="origin"/>) is appended to the project's evidence, also when every item was a duplicate.
    /// </summary>
    /// <exception cref="NotFoundException">The project does not exist.</exception>
    /// <exception cref="ArgumentException">An item is invalid (null, empty id, content that does not match its text, NUL characters); nothing is stored.</exception>
    Task<ImportResult> ImportItemsAsync(long projectId, IReadOnlyList<NewItem> items, ImportOrigin origin, CancellationToken cancellationToken = default);

    /// <summary>All items of a project, by id.</summary>
    Task<IReadOnlyList<Item>> GetItemsAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>One item of a project, or null.</summary>
    Task<Item?> GetItemAsync(long projectId, long itemId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the project's items in id order: those with an id greater than <paramref name="afterId"/> (0: from
    /// the first), at most <paramref name="limit"/>. Keyset paging: pass the last id of a page to get the next; an item
    /// is never on two pages, and items imported while a reader pages show up on a later page. Empty past the end.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterId"/> is negative, or <paramref name="limit"/> is not between 1 and <see cref="Paging.MaxLimit"/>.</exception>
    Task<IReadOnlyList<Item>> GetItemsPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// External ids by item id, without reading item texts: of every item of the project when <paramref name="itemIds"/>
    /// is null, otherwise of those of the given ids that are items of the project (others are left out).
    /// </summary>
    Task<IReadOnlyDictionary<long, string>> GetExternalIdsAsync(long projectId, IReadOnlyCollection<long>? itemIds = null, CancellationToken cancellationToken = default);

    /// <summary>Gold labels that came with the import, by item id (only items that have one). Never for annotators.</summary>
    Task<IReadOnlyDictionary<long, string>> GetGoldLabelsAsync(long projectId, CancellationToken cancellationToken = default);
}
