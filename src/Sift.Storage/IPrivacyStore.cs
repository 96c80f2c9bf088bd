using Sift.Projects;

namespace Sift.Storage;

/// <summary>An item's original text as kept admin-only beside its redacted view.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="ExternalId">Its external id.</param>
/// <param name="Text">The original text.</param>
/// <param name="Sha256">SHA-256 of the original (the hash in the import's redaction event).</param>
public sealed record StoredOriginal(long ItemId, string ExternalId, string Text, string Sha256);

/// <summary>
/// Originals of redacted items (governance issue): written by <see cref="IItemStore.ImportItemsAsync"/> from
/// <see cref="NewItem.Original"/> in the import's transaction (with its <see cref="Evidence.RedactionEvent"/>), read by
/// admins only, purged under the project's retention policy. Implemented by every store backend next to
/// <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable transaction.
/// </summary>
public interface IPrivacyStore
{
    /// <summary>The originals of these items of the project that are still kept (items without one are left out).</summary>
    Task<IReadOnlyDictionary<long, StoredOriginal>> GetOriginalsAsync(long projectId, IReadOnlyCollection<long> itemIds, CancellationToken cancellationToken = default);

    /// <summary>How many originals the project keeps.</summary>
    Task<int> CountOriginalsAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every original the project keeps and, when there were any, appends <see cref="Evidence.RetentionEvent"/>s
    /// (the ids and hashes of the purged items) in the same transaction. Returns how many were purged.
    /// </summary>
    Task<int> PurgeOriginalsAsync(long projectId, string policy, string trigger, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// The last committed entry of the project's evidence chain (seq and hash), or null when it has none: what an export
    /// records as the head it was taken at (a second anchor outside the database).
    /// </summary>
    Task<Evidence.ChainHead?> GetEvidenceHeadAsync(long projectId, CancellationToken cancellationToken = default);
}
