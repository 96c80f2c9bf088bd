using Sift.Evidence;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore : IPrivacyStore
{
    // ---- originals of redacted items (admin-only) ----------------------------------------------------------------

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, StoredOriginal>> GetOriginalsAsync(long projectId, IReadOnlyCollection<long> itemIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        if (itemIds.Count == 0) return new Dictionary<long, StoredOriginal>();
        var rows = await R("""
            SELECT o.item_id, i.external_id, o.text, o.sha256 FROM item_originals o JOIN items i ON i.id = o.item_id
            WHERE o.project_id = @p AND o.item_id = ANY(@i)
            """).With("@p", projectId).With("@i", itemIds.Distinct().ToArray())
            .AllAsync(r => new StoredOriginal(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3)), cancellationToken);
        return rows.ToDictionary(o => o.ItemId);
    }

    /// <inheritdoc />
    public async Task<int> CountOriginalsAsync(long projectId, CancellationToken cancellationToken = default) =>
        Convert.ToInt32(await R("SELECT count(*) FROM item_originals WHERE project_id = @p").With("@p", projectId).ScalarAsync(cancellationToken),
            System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public Task<int> PurgeOriginalsAsync(long projectId, string policy, string trigger, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        ArgumentException.ThrowIfNullOrWhiteSpace(trigger);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, projectId);
            // DELETE … RETURNING: two purges at once each remove (and record) a disjoint set.
            var purged = await tx.Cmd("""
                WITH gone AS (DELETE FROM item_originals WHERE project_id = @p RETURNING item_id, sha256)
                SELECT i.external_id, gone.sha256 FROM gone JOIN items i ON i.id = gone.item_id ORDER BY gone.item_id
                """).With("@p", projectId).AllAsync(r => new PurgedItem(r.GetString(0), r.GetString(1)), tx.Ct);
            if (purged.Count == 0) return 0;
            await AppendEvidenceAsync(tx, projectId, [.. RetentionEvent.For(policy, purged, trigger).Select(e => StoreEvidence.Row(e, now))]);
            return purged.Count;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ChainHead?> GetEvidenceHeadAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R("SELECT seq, hash FROM evidence WHERE project_id = @p ORDER BY seq DESC LIMIT 1").With("@p", projectId)
            .OneAsync(r => new ChainHead(r.GetInt64(0), r.GetString(1)), cancellationToken);
}
