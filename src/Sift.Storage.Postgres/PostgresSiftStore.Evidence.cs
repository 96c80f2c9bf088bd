using Sift.Evidence;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore
{
    // ---- evidence ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Appends events to the project's evidence inside the caller's transaction; returns the last seq. The one place
    /// this store writes evidence (the governance log's hash chain goes here). The project's head row is updated in
    /// the same statement and stays locked until the commit, so appenders of one project take turns (in any process)
    /// and seq is gap-free in commit order; a rolled-back transaction gives its numbers back. Callers append last, so
    /// the lock is held only for the rest of the commit (except the claim, which takes the head first: see there).
    /// </summary>
    private static async Task<long> AppendEvidenceAsync(Tx tx, long projectId, params EvidenceRow[] rows)
    {
        if (rows.Length == 0) throw new ArgumentException("No evidence to append.", nameof(rows));
        var seqs = await tx.Cmd("""
            WITH head AS (
                INSERT INTO evidence_heads (project_id, seq) VALUES (@p, @n)
                ON CONFLICT (project_id) DO UPDATE SET seq = evidence_heads.seq + excluded.seq
                RETURNING seq)
            INSERT INTO evidence (project_id, seq, kind, at, json)
            SELECT @p, head.seq - @n + x.n, x.k, x.t, x.j FROM head, unnest(@k, @t, @j) WITH ORDINALITY AS x(k, t, j, n)
            RETURNING seq
            """).With("@p", projectId).With("@n", (long)rows.Length).With("@k", rows.Select(r => r.Kind).ToArray())
            .With("@t", rows.Select(r => r.At).ToArray()).With("@j", rows.Select(r => r.Json).ToArray()).AllAsync(r => r.GetInt64(0), tx.Ct);
        return seqs.Max();
    }

    private static async Task<string> UserNameAsync(Tx tx, long userId) =>
        await tx.Cmd("SELECT name FROM users WHERE id = @id").With("@id", userId).ScalarAsync(tx.Ct) as string
        ?? throw new NotFoundException($"User {userId} does not exist.");

    /// <summary>Gives answers stored before schema version 5 a person's provenance (the annotator, the instructions version, the time).</summary>
    private static async Task BackfillProvenanceAsync(Tx tx)
    {
        var rows = await tx.Cmd("""
            SELECT a.id, u.name, a.instructions_version, a.created_at FROM annotations a JOIN users u ON u.id = a.annotator_id
            WHERE a.provenance_json IS NULL
            """).AllAsync(r => (Id: r.GetInt64(0), Name: r.GetString(1), Version: r.GetInt32(2), At: r.GetInt64(3)), tx.Ct);
        if (rows.Count == 0) return;
        await tx.Cmd("UPDATE annotations a SET provenance_json = x.j FROM unnest(@i, @j) AS x(id, j) WHERE a.id = x.id")
            .With("@i", rows.Select(r => r.Id).ToArray())
            .With("@j", rows.Select(r => SerializeProvenance(StoreEvidence.Provenance(null, r.Name, r.Version, Time(r.At)))).ToArray()).ExecAsync(tx.Ct);
    }

    /// <inheritdoc />
    public Task<long> AppendEvidenceAsync(long projectId, EvidenceEvent evidence, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var row = StoreEvidence.Row(evidence, now);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, projectId);
            return await AppendEvidenceAsync(tx, projectId, row);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredEvidence>> ReadEvidenceAsync(long projectId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterSeq, limit);
        return await R($"SELECT {EvidenceColumns} FROM evidence WHERE project_id = @p AND seq > @after ORDER BY seq LIMIT @n")
            .With("@p", projectId).With("@after", afterSeq).With("@n", limit).AllAsync(MapEvidence, cancellationToken);
    }
}
