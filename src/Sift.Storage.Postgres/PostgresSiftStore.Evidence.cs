using Sift.Evidence;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore
{
    // ---- evidence ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Appends events to the project's evidence inside the caller's transaction; returns the last seq. The one place
    /// this store writes evidence. The project's head row (last seq and its hash) is taken first and stays locked until
    /// the commit, so appenders of one project take turns (in any process), seq is gap-free in commit order and each
    /// entry chains onto the one committed before it; a rolled-back transaction gives its numbers back. Callers append
    /// last, so the lock is held only for the rest of the commit (except the claim, which takes the head first: see there).
    /// Two round trips: the head, then the rows and the new head in one statement.
    /// </summary>
    private static async Task<long> AppendEvidenceAsync(Tx tx, long projectId, params EvidenceRow[] rows)
    {
        if (rows.Length == 0) throw new ArgumentException("No evidence to append.", nameof(rows));
        var head = await tx.Cmd("""
            INSERT INTO evidence_heads (project_id, seq, hash) VALUES (@p, 0, '')
            ON CONFLICT (project_id) DO UPDATE SET seq = evidence_heads.seq
            RETURNING seq, hash
            """).With("@p", projectId).AllAsync(r => (Seq: r.GetInt64(0), Hash: r.GetString(1)), tx.Ct);
        var (seq, prev) = head[0];
        if (seq == 0) prev = EvidenceChain.Genesis;
        var prevs = new string[rows.Length];
        var hashes = new string[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            prevs[i] = prev;
            prev = hashes[i] = EvidenceChain.Hash(seq + i + 1, prevs[i], rows[i].Json);
        }
        var last = seq + rows.Length;
        await tx.Cmd("""
            WITH rows AS (
                INSERT INTO evidence (project_id, seq, kind, at, json, prev_hash, hash)
                SELECT @p, @s + x.n, x.k, x.t, x.j, x.v, x.h FROM unnest(@k, @t, @j, @v, @h) WITH ORDINALITY AS x(k, t, j, v, h, n))
            UPDATE evidence_heads SET seq = @last, hash = @head WHERE project_id = @p
            """).With("@p", projectId).With("@s", seq).With("@k", rows.Select(r => r.Kind).ToArray())
            .With("@t", rows.Select(r => r.At).ToArray()).With("@j", rows.Select(r => r.Json).ToArray())
            .With("@v", prevs).With("@h", hashes).With("@last", last).With("@head", prev).ExecAsync(tx.Ct);
        return last;
    }

    /// <summary>Chains the evidence stored before schema version 10, project by project in seq order, and sets each head's hash.</summary>
    private static async Task BackfillChainAsync(Tx tx)
    {
        var projects = await tx.Cmd("SELECT DISTINCT project_id FROM evidence WHERE hash = ''").AllAsync(r => r.GetInt64(0), tx.Ct);
        foreach (var projectId in projects)
        {
            var rows = await tx.Cmd("SELECT seq, json FROM evidence WHERE project_id = @p ORDER BY seq").With("@p", projectId)
                .AllAsync(r => (Seq: r.GetInt64(0), Json: r.GetString(1)), tx.Ct);
            var prevs = new string[rows.Count];
            var hashes = new string[rows.Count];
            var prev = EvidenceChain.Genesis;
            for (var i = 0; i < rows.Count; i++)
            {
                prevs[i] = prev;
                prev = hashes[i] = EvidenceChain.Hash(rows[i].Seq, prevs[i], rows[i].Json);
            }
            await tx.Cmd("UPDATE evidence e SET prev_hash = x.v, hash = x.h FROM unnest(@s, @v, @h) AS x(s, v, h) WHERE e.project_id = @p AND e.seq = x.s")
                .With("@p", projectId).With("@s", rows.Select(r => r.Seq).ToArray()).With("@v", prevs).With("@h", hashes).ExecAsync(tx.Ct);
            await tx.Cmd("UPDATE evidence_heads SET hash = @h WHERE project_id = @p").With("@p", projectId).With("@h", prev).ExecAsync(tx.Ct);
        }
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
