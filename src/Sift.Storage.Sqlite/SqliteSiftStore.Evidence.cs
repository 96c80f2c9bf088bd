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
    /// so the last row read in the write transaction gives the next number (gap-free, in commit order) and the hash to
    /// chain onto.
    /// </summary>
    private long AppendEvidence(long projectId, params ReadOnlySpan<EvidenceRow> rows)
    {
        var last = All(W("SELECT seq, hash FROM evidence WHERE project_id = @p ORDER BY seq DESC LIMIT 1").With("@p", projectId), r => (Seq: r.GetInt64(0), Hash: r.GetString(1)));
        var (seq, prev) = last.Count == 0 ? (0L, EvidenceChain.Genesis) : last[0];
        foreach (var row in rows)
        {
            var entry = ChainEntry.After(++seq, prev, row.Json);
            W("INSERT INTO evidence (project_id, seq, kind, at, json, prev_hash, hash) VALUES (@p, @s, @k, @t, @j, @v, @h)")
                .With("@p", projectId).With("@s", seq).With("@k", row.Kind).With("@t", row.At).With("@j", row.Json)
                .With("@v", prev).With("@h", entry.Hash).ExecuteNonQuery();
            prev = entry.Hash;
        }
        return seq;
    }

    /// <summary>Chains the evidence stored before schema version 10, project by project in seq order.</summary>
    private void BackfillChain()
    {
        var projects = All(W("SELECT DISTINCT project_id FROM evidence WHERE hash = ''"), r => r.GetInt64(0));
        foreach (var projectId in projects)
        {
            var rows = All(W("SELECT seq, json FROM evidence WHERE project_id = @p ORDER BY seq").With("@p", projectId), r => (Seq: r.GetInt64(0), Json: r.GetString(1)));
            var prev = EvidenceChain.Genesis;
            foreach (var (seq, json) in rows)
            {
                var hash = EvidenceChain.Hash(seq, prev, json);
                W("UPDATE evidence SET prev_hash = @v, hash = @h WHERE project_id = @p AND seq = @s")
                    .With("@v", prev).With("@h", hash).With("@p", projectId).With("@s", seq).ExecuteNonQuery();
                prev = hash;
            }
        }
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
