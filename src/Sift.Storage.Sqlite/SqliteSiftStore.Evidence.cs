using Sift.Evidence;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Sqlite;

public sealed partial class SqliteSiftStore
{
    // ---- evidence ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Appends events to the project's evidence inside the caller's write transaction; returns the last seq. The one
    /// place this store writes evidence (the governance log's hash chain goes here). SQLite has one writer at a time,
    /// so max(seq) + 1 read in the write transaction is the next number, gap-free and in commit order.
    /// </summary>
    private long AppendEvidence(long projectId, params ReadOnlySpan<EvidenceRow> rows)
    {
        var seq = (long)W("SELECT coalesce(max(seq), 0) FROM evidence WHERE project_id = @p").With("@p", projectId).ExecuteScalar()!;
        foreach (var row in rows)
        {
            W("INSERT INTO evidence (project_id, seq, kind, at, json) VALUES (@p, @s, @k, @t, @j)")
                .With("@p", projectId).With("@s", ++seq).With("@k", row.Kind).With("@t", row.At).With("@j", row.Json).ExecuteNonQuery();
        }
        return seq;
    }

    /// <summary>A user's name, read in the current write transaction.</summary>
    private string UserName(long userId) =>
        W("SELECT name FROM users WHERE id = @id").With("@id", userId).ExecuteScalar() as string ?? throw new NotFoundException($"User {userId} does not exist.");

    /// <summary>An item's external id, read in the current write transaction.</summary>
    private string ExternalId(long itemId) => (string)W("SELECT external_id FROM items WHERE id = @i").With("@i", itemId).ExecuteScalar()!;

    /// <summary>Gives answers stored before schema version 5 a person's provenance (the annotator, the instructions version, the time).</summary>
    private void BackfillProvenance()
    {
        var rows = All(W("""
            SELECT a.id, u.name, a.instructions_version, a.created_at FROM annotations a JOIN users u ON u.id = a.annotator_id
            WHERE a.provenance_json IS NULL
            """), r => (Id: r.GetInt64(0), Name: r.GetString(1), Version: r.GetInt32(2), At: r.GetInt64(3)));
        foreach (var (id, name, version, at) in rows)
        {
            W("UPDATE annotations SET provenance_json = @j WHERE id = @id")
                .With("@j", SerializeProvenance(StoreEvidence.Provenance(null, name, version, Time(at)))).With("@id", id).ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public Task<long> AppendEvidenceAsync(long projectId, EvidenceEvent evidence, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var row = StoreEvidence.Row(evidence, now);
        return WriteAsync(() =>
        {
            RequireProject(projectId);
            return AppendEvidence(projectId, row);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredEvidence>> ReadEvidenceAsync(long projectId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterSeq, limit);
        return Task.FromResult<IReadOnlyList<StoredEvidence>>(Read(c => All(
            R(c, $"SELECT {EvidenceColumns} FROM evidence WHERE project_id = @p AND seq > @after ORDER BY seq LIMIT @n")
                .With("@p", projectId).With("@after", afterSeq).With("@n", limit), MapEvidence), cancellationToken));
    }
}
