using Sift.Evidence;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Sqlite;

public sealed partial class SqliteSiftStore : IPrivacyStore
{
    // ---- originals of redacted items (admin-only) ----------------------------------------------------------------

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, StoredOriginal>> GetOriginalsAsync(long projectId, IReadOnlyCollection<long> itemIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        return Task.FromResult<IReadOnlyDictionary<long, StoredOriginal>>(Read(c =>
        {
            var found = new Dictionary<long, StoredOriginal>();
            // Chunks keep each statement under SQLite's parameter limit.
            foreach (var chunk in itemIds.Distinct().Chunk(500))
            {
                var command = R(c, $"""
                    SELECT o.item_id, i.external_id, o.text, o.sha256 FROM item_originals o JOIN items i ON i.id = o.item_id
                    WHERE o.project_id = @p AND o.item_id IN ({string.Join(',', chunk.Select((_, k) => "@i" + k))})
                    """).With("@p", projectId);
                for (var k = 0; k < chunk.Length; k++) command.With("@i" + k, chunk[k]);
                foreach (var o in All(command, r => new StoredOriginal(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3)))) found[o.ItemId] = o;
            }
            return found;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public Task<int> CountOriginalsAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => Convert.ToInt32(R(c, "SELECT count(*) FROM item_originals WHERE project_id = @p").With("@p", projectId).ExecuteScalar(),
            System.Globalization.CultureInfo.InvariantCulture), cancellationToken));

    /// <inheritdoc />
    public Task<int> PurgeOriginalsAsync(long projectId, string policy, string trigger, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        ArgumentException.ThrowIfNullOrWhiteSpace(trigger);
        return WriteAsync(() =>
        {
            RequireProject(projectId);
            var purged = All(W("""
                SELECT i.external_id, o.sha256 FROM item_originals o JOIN items i ON i.id = o.item_id
                WHERE o.project_id = @p ORDER BY o.item_id
                """).With("@p", projectId), r => new PurgedItem(r.GetString(0), r.GetString(1)));
            if (purged.Count == 0) return 0;
            W("DELETE FROM item_originals WHERE project_id = @p").With("@p", projectId).ExecuteNonQuery();
            AppendEvidence(projectId, [.. RetentionEvent.For(policy, purged, trigger).Select(e => StoreEvidence.Row(e, now))]);
            return purged.Count;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ChainHead?> GetEvidenceHeadAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(R(c, "SELECT seq, hash FROM evidence WHERE project_id = @p ORDER BY seq DESC LIMIT 1").With("@p", projectId),
            r => new ChainHead(r.GetInt64(0), r.GetString(1))), cancellationToken));
}
