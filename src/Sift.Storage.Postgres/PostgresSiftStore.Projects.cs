using System.Globalization;
using System.Text.Json;
using Sift.Items;
using Npgsql;
using NpgsqlTypes;
using Sift.Evidence;
using Sift.Oracles;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore
{
    private const int ImportChunk = 1000;

    // ---- projects ----------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<Project> CreateProjectAsync(string name, ProjectSettings settings, string instructionsMarkdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(instructionsMarkdown);
        return WriteAsync(async tx =>
        {
            await RequireUserAsync(tx, authorId);
            long id;
            try
            {
                id = (long)(await tx.Cmd("INSERT INTO projects (name, settings_json, overlap, instructions_version, created_at) VALUES (@n, @s, @k, 1, @t) RETURNING id")
                    .With("@n", name).With("@s", SerializeSettings(settings)).With("@k", settings.Overlap).With("@t", Ticks(now)).ScalarAsync(tx.Ct))!;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new ConflictException($"A project named '{name}' already exists.");
            }
            await tx.Cmd("INSERT INTO instructions (project_id, version, markdown, author_id, created_at) VALUES (@p, 1, @m, @a, @t)")
                .With("@p", id).With("@m", instructionsMarkdown).With("@a", authorId).With("@t", Ticks(now)).ExecAsync(tx.Ct);
            await AppendEvidenceAsync(tx, id, StoreEvidence.Settings(StoreEvidence.Created, settings, now));
            return new Project(id, name, settings, 1, Time(Ticks(now)));
        }, cancellationToken);
    }

    private static async Task RequireUserAsync(Tx tx, long userId)
    {
        if (await tx.Cmd("SELECT 1 FROM users WHERE id = @id").With("@id", userId).ScalarAsync(tx.Ct) is null)
            throw new NotFoundException($"User {userId} does not exist.");
    }

    private static async Task RequireProjectAsync(Tx tx, long projectId)
    {
        if (await tx.Cmd("SELECT 1 FROM projects WHERE id = @id").With("@id", projectId).ScalarAsync(tx.Ct) is null)
            throw new NotFoundException($"Project {projectId} does not exist.");
    }

    /// <inheritdoc />
    public async Task<Project?> GetProjectAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {ProjectColumns} FROM projects WHERE id = @id").With("@id", projectId).OneAsync(MapProject, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken = default) =>
        await R($"SELECT {ProjectColumns} FROM projects ORDER BY id").AllAsync(MapProject, cancellationToken);

    /// <inheritdoc />
    public Task<Project?> UpdateSettingsAsync(long projectId, ProjectSettings settings, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return WriteAsync(async tx =>
        {
            // FOR UPDATE: settings changes of one project run one after another, and wait for imports (which hold FOR SHARE).
            if (await ProjectSettingsOfAsync(tx, projectId, "FOR UPDATE") is not { } before) return null;
            var project = await tx.Cmd($"UPDATE projects SET settings_json = @s, overlap = @k WHERE id = @id RETURNING {ProjectColumns}")
                .With("@s", SerializeSettings(settings)).With("@k", settings.Overlap).With("@id", projectId).OneAsync(MapProject, tx.Ct);
            if (project is null) return null;
            if (settings.Overlap != before.Overlap)
            {
                // Relative, so a claim or skip committing meanwhile is counted whichever commits first.
                await tx.Cmd("UPDATE items SET free_slots = free_slots + @d WHERE project_id = @p")
                    .With("@d", settings.Overlap - before.Overlap).With("@p", projectId).ExecAsync(tx.Ct);
            }
            // The overlap may have changed: recompute which ranked items still have a free slot.
            await tx.Cmd("UPDATE ranked_items r SET open = i.holders < @k FROM items i WHERE r.project_id = @p AND i.id = r.item_id AND r.open <> (i.holders < @k)")
                .With("@k", settings.Overlap).With("@p", projectId).ExecAsync(tx.Ct);
            if (settings.Seed != before.Seed) await SetColdKeysAsync(tx, projectId, settings.Seed, onlyMissing: false);
            await AppendEvidenceAsync(tx, projectId, StoreEvidence.Settings(StoreEvidence.Updated, settings, now));
            return project;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Instructions?> AddInstructionsAsync(long projectId, string markdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        return WriteAsync<Instructions?>(async tx =>
        {
            // The update locks the project row, so concurrent additions get consecutive versions.
            var version = await tx.Cmd("UPDATE projects SET instructions_version = instructions_version + 1 WHERE id = @id RETURNING instructions_version")
                .With("@id", projectId).ScalarAsync(tx.Ct);
            if (version is null) return null;
            await RequireUserAsync(tx, authorId);
            await tx.Cmd("INSERT INTO instructions (project_id, version, markdown, author_id, created_at) VALUES (@p, @v, @m, @a, @t)")
                .With("@p", projectId).With("@v", (int)version).With("@m", markdown).With("@a", authorId).With("@t", Ticks(now)).ExecAsync(tx.Ct);
            return new Instructions(projectId, (int)version, markdown, authorId, Time(Ticks(now)));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Instructions?> GetInstructionsAsync(long projectId, int? version = null, CancellationToken cancellationToken = default) =>
        await R("""
            SELECT project_id, version, markdown, author_id, created_at FROM instructions
            WHERE project_id = @p AND version = coalesce(@v, (SELECT instructions_version FROM projects WHERE id = @p))
            """).With("@p", projectId).WithNullable("@v", version, NpgsqlDbType.Integer)
            .OneAsync(MapInstructions, cancellationToken);

    // ---- items -------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<ImportResult> ImportItemsAsync(long projectId, IReadOnlyList<NewItem> items, ImportOrigin origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        StoreChecks.CheckOrigin(origin);
        return WriteAsync(async tx =>
        {
            // FOR SHARE: a settings change (new seed or overlap) waits until these items are in, so none misses it.
            var settings = await ProjectSettingsOfAsync(tx, projectId, "FOR SHARE") ?? throw new NotFoundException($"Project {projectId} does not exist.");
            int imported = 0, heldOut = 0;
            var redacted = new List<NewItem>();
            // Chunks of rows in one statement each, all in one transaction: a bad item rolls back every chunk before it.
            for (var start = 0; start < items.Count; start += ImportChunk)
            {
                var count = Math.Min(ImportChunk, items.Count - start);
                var ids = new string[count];
                var texts = new string[count];
                var groups = new string?[count];
                var costs = new double[count];
                var metas = new string?[count];
                var golds = new string?[count];
                var held = new bool[count];
                var keys = new long[count];
                var kinds = new string[count];
                var contents = new string?[count];
                for (var i = 0; i < count; i++)
                {
                    var item = items[start + i];
                    StoreChecks.CheckItem(item, start + i);
                    (ids[i], texts[i], groups[i], costs[i], metas[i], golds[i], held[i]) = (item.ExternalId, item.Text, item.Group, item.Cost, item.MetaJson, item.GoldLabel, item.HeldOut);
                    keys[i] = ColdStartOrder.StoredKey(settings.Seed, item.ExternalId);
                    (kinds[i], contents[i]) = (ItemContentJson.KindName(item.Content.Kind), ItemContentJson.Encode(item.Content));
                }
                // ON CONFLICT DO NOTHING also skips a repeat of an id earlier in the same statement; ORDER BY keeps ids in input order.
                var added = await tx.Cmd("""
                    INSERT INTO items (project_id, external_id, text, grp, cost, meta_json, gold_label, held_out, cold_key, free_slots, content_kind, content_json)
                    SELECT @p, x.e, x.t, x.g, x.c, x.m, x.gold, x.h, x.k, @free, x.ck, x.cj
                    FROM unnest(@e, @t, @g, @c, @m, @gold, @h, @key, @ck, @cj) WITH ORDINALITY AS x(e, t, g, c, m, gold, h, k, ck, cj, n)
                    ORDER BY x.n
                    ON CONFLICT (project_id, external_id) DO NOTHING
                    RETURNING id, external_id, held_out
                    """).With("@p", projectId).With("@e", ids).With("@t", texts)
                    .WithNullable("@g", groups, NpgsqlDbType.Array | NpgsqlDbType.Text).With("@c", costs)
                    .WithNullable("@m", metas, NpgsqlDbType.Array | NpgsqlDbType.Text).WithNullable("@gold", golds, NpgsqlDbType.Array | NpgsqlDbType.Text)
                    .With("@h", held).With("@key", keys).With("@free", settings.Overlap).With("@ck", kinds)
                    .WithNullable("@cj", contents, NpgsqlDbType.Array | NpgsqlDbType.Text).AllAsync(r => (Id: r.GetInt64(0), ExternalId: r.GetString(1), HeldOut: r.GetBoolean(2)), tx.Ct);
                imported += added.Count;
                heldOut += added.Count(a => a.HeldOut);
                // Originals of the redacted items actually added (the first of a repeated id is the one inserted).
                var byId = new Dictionary<string, NewItem>(StringComparer.Ordinal);
                for (var i = 0; i < count; i++) byId.TryAdd(items[start + i].ExternalId, items[start + i]);
                var kept = new List<(long Id, string Text, string Sha256)>();
                foreach (var (itemId, externalId, _) in added)
                {
                    if (byId[externalId].Original is not { } original) continue;
                    redacted.Add(byId[externalId]);
                    if (original.Text is not null) kept.Add((itemId, original.Text, original.Sha256));
                }
                if (kept.Count > 0)
                {
                    await tx.Cmd("INSERT INTO item_originals (item_id, project_id, text, sha256) SELECT x.i, @p, x.t, x.h FROM unnest(@i, @t, @h) AS x(i, t, h)")
                        .With("@p", projectId).With("@i", kept.Select(k => k.Id).ToArray()).With("@t", kept.Select(k => k.Text).ToArray())
                        .With("@h", kept.Select(k => k.Sha256).ToArray()).ExecAsync(tx.Ct);
                }
            }
            if (imported > 0) await BumpRevisionAsync(tx, projectId, 0);
            var result = new ImportResult(imported, items.Count - imported, heldOut);
            // The redaction record follows the import's entry in the same transaction.
            await AppendEvidenceAsync(tx, projectId, [StoreEvidence.Import(origin, result, items), .. StoreEvidence.Redactions(origin, redacted, settings.Privacy.Retention)]);
            return result;
        }, cancellationToken);
    }

    /// <summary>The project's stored settings, read with the given row lock, or null when it does not exist.</summary>
    private static async Task<ProjectSettings?> ProjectSettingsOfAsync(Tx tx, long projectId, string rowLock) =>
        await tx.Cmd($"SELECT settings_json FROM projects WHERE id = @p {rowLock}").With("@p", projectId).ScalarAsync(tx.Ct) is string json
            ? DeserializeSettings(json) : null;

    /// <summary>Writes the cold-start keys of the project's items (those without one, or all of them after a seed change).</summary>
    private static async Task SetColdKeysAsync(Tx tx, long projectId, ulong seed, bool onlyMissing)
    {
        var items = await tx.Cmd(onlyMissing ? "SELECT id, external_id FROM items WHERE project_id = @p AND cold_key IS NULL" : "SELECT id, external_id FROM items WHERE project_id = @p")
            .With("@p", projectId).AllAsync(r => (Id: r.GetInt64(0), ExternalId: r.GetString(1)), tx.Ct);
        if (items.Count == 0) return;
        await tx.Cmd("UPDATE items i SET cold_key = x.k FROM unnest(@i, @k) AS x(id, k) WHERE i.id = x.id")
            .With("@i", items.Select(i => i.Id).ToArray()).With("@k", items.Select(i => ColdStartOrder.StoredKey(seed, i.ExternalId)).ToArray()).ExecAsync(tx.Ct);
    }

    /// <summary>Gives items stored before schema version 2 their cold-start keys.</summary>
    private static async Task BackfillColdKeysAsync(Tx tx)
    {
        foreach (var projectId in await tx.Cmd("SELECT id FROM projects ORDER BY id").AllAsync(r => r.GetInt64(0), tx.Ct))
            await SetColdKeysAsync(tx, projectId, (await ProjectSettingsOfAsync(tx, projectId, ""))!.Seed, onlyMissing: true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Item>> GetItemsAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {ItemColumns} FROM items WHERE project_id = @p ORDER BY id").With("@p", projectId).AllAsync(MapItem, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Item>> GetItemsPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterId, limit);
        return await R($"SELECT {ItemColumns} FROM items WHERE project_id = @p AND id > @after ORDER BY id LIMIT @n")
            .With("@p", projectId).With("@after", afterId).With("@n", limit).AllAsync(MapItem, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, string>> GetExternalIdsAsync(long projectId, IReadOnlyCollection<long>? itemIds = null, CancellationToken cancellationToken = default)
    {
        var command = itemIds is null
            ? R("SELECT id, external_id FROM items WHERE project_id = @p")
            : R("SELECT id, external_id FROM items WHERE project_id = @p AND id = ANY(@ids)").With("@ids", itemIds.ToArray());
        var rows = await command.With("@p", projectId).AllAsync(r => (Id: r.GetInt64(0), External: r.GetString(1)), cancellationToken);
        return rows.ToDictionary(r => r.Id, r => r.External);
    }

    /// <inheritdoc />
    public async Task<Item?> GetItemAsync(long projectId, long itemId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {ItemColumns} FROM items WHERE id = @id AND project_id = @p").With("@id", itemId).With("@p", projectId).OneAsync(MapItem, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, string>> GetGoldLabelsAsync(long projectId, CancellationToken cancellationToken = default)
    {
        var rows = await R("SELECT id, gold_label FROM items WHERE project_id = @p AND gold_label IS NOT NULL ORDER BY id").With("@p", projectId)
            .AllAsync(r => (Id: r.GetInt64(0), Gold: r.GetString(1)), cancellationToken);
        return rows.ToDictionary(r => r.Id, r => r.Gold);
    }

    // ---- queue and hand-out ------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task ReplaceRankingAsync(Ranking ranking, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        StoreChecks.CheckRanking(ranking);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, ranking.ProjectId);
            // The ranking row first: it locks out a concurrent append until this commits (the append then finds another ranking).
            await tx.Cmd("""
                INSERT INTO rankings (project_id, model_version, strategy) VALUES (@p, @v, @s)
                ON CONFLICT (project_id) DO UPDATE SET model_version = excluded.model_version, strategy = excluded.strategy
                """).With("@p", ranking.ProjectId).With("@v", ranking.ModelVersion).With("@s", ranking.Strategy).ExecAsync(tx.Ct);
            await tx.Cmd("DELETE FROM ranked_items WHERE project_id = @p").With("@p", ranking.ProjectId).ExecAsync(tx.Ct);
            var positions = ranking.Items;
            var added = await tx.Cmd("""
                INSERT INTO ranked_items (project_id, rank, item_id, score, reason, exploration, open)
                SELECT @p, x.rank, i.id, x.score, x.reason, x.exploration, i.holders < p.overlap
                FROM unnest(@r, @i, @s, @why, @x) AS x(rank, item_id, score, reason, exploration)
                JOIN items i ON i.id = x.item_id AND i.project_id = @p
                JOIN projects p ON p.id = @p
                """).With("@p", ranking.ProjectId).With("@r", positions.Select(x => x.Rank).ToArray()).With("@i", positions.Select(x => x.ItemId).ToArray())
                .With("@s", positions.Select(x => x.Score).ToArray()).With("@why", positions.Select(x => x.Reason).ToArray())
                .With("@x", positions.Select(x => x.Exploration).ToArray()).ExecAsync(tx.Ct);
            if (added != positions.Count)
            {
                var known = (await tx.Cmd("SELECT id FROM items WHERE project_id = @p AND id = ANY(@i)").With("@p", ranking.ProjectId)
                    .With("@i", positions.Select(x => x.ItemId).ToArray()).AllAsync(r => r.GetInt64(0), tx.Ct)).ToHashSet();
                var missing = positions.First(x => !known.Contains(x.ItemId)).ItemId;
                throw new ArgumentException($"ranking: item {missing} is not in project {ranking.ProjectId}.", nameof(ranking));
            }
            // A claim or skip that committed while this ran may have moved a counter after the open flags were computed.
            await FixOpenFlagsAsync(tx, ranking.ProjectId);
        }, cancellationToken);
    }

    private static Task<int> FixOpenFlagsAsync(Tx tx, long projectId) => tx.Cmd("""
        UPDATE ranked_items r SET open = i.holders < p.overlap
        FROM items i, projects p
        WHERE r.project_id = @p AND i.id = r.item_id AND p.id = @p AND r.open <> (i.holders < p.overlap)
        """).With("@p", projectId).ExecAsync(tx.Ct);

    /// <inheritdoc />
    public Task<int> AppendRankingAsync(Ranking ranking, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        StoreChecks.CheckRanking(ranking);
        return WriteAsync(async tx =>
        {
            var projectId = ranking.ProjectId;
            await RequireProjectAsync(tx, projectId);
            // Locks the ranking row: a concurrent replace waits for this append, or this append for it (and then sees another ranking).
            var current = await tx.Cmd("SELECT model_version, strategy FROM rankings WHERE project_id = @p FOR UPDATE").With("@p", projectId)
                .AllAsync(r => (Version: r.GetInt32(0), Strategy: r.GetString(1)), tx.Ct);
            if (current.Count == 0 || current[0].Version != ranking.ModelVersion || !string.Equals(current[0].Strategy, ranking.Strategy, StringComparison.Ordinal))
                return -1;
            // Full items whose every holder answered will not be handed out again: drop their positions.
            await tx.Cmd("""
                DELETE FROM ranked_items r WHERE r.project_id = @p AND NOT r.open
                  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.item_id = r.item_id AND t.state = 0)
                """).With("@p", projectId).ExecAsync(tx.Ct);
            var positions = ranking.Items;
            if (positions.Count == 0) return 0;
            var ids = positions.Select(x => x.ItemId).ToArray();
            if (await tx.Cmd("SELECT max(rank) FROM ranked_items WHERE project_id = @p").With("@p", projectId).ScalarAsync(tx.Ct) is int last
                && positions.FirstOrDefault(x => x.Rank <= last) is { } low)
                throw new ArgumentException($"ranking: rank {low.Rank} is not above the stored ranking's last rank {last}.", nameof(ranking));
            var known = (await tx.Cmd("SELECT id FROM items WHERE project_id = @p AND id = ANY(@i)").With("@p", projectId).With("@i", ids)
                .AllAsync(r => r.GetInt64(0), tx.Ct)).ToHashSet();
            if (positions.FirstOrDefault(x => !known.Contains(x.ItemId)) is { } foreign)
                throw new ArgumentException($"ranking: item {foreign.ItemId} is not in project {projectId}.", nameof(ranking));
            var ranked = await tx.Cmd("SELECT item_id FROM ranked_items WHERE project_id = @p AND item_id = ANY(@i) LIMIT 1").With("@p", projectId).With("@i", ids)
                .AllAsync(r => r.GetInt64(0), tx.Ct);
            if (ranked.Count > 0) throw new ArgumentException($"ranking: item {ranked[0]} is already in the stored ranking.", nameof(ranking));
            return await tx.Cmd("""
                INSERT INTO ranked_items (project_id, rank, item_id, score, reason, exploration, open)
                SELECT @p, x.rank, i.id, x.score, x.reason, x.exploration, true
                FROM unnest(@r, @i, @s, @why, @x) AS x(rank, item_id, score, reason, exploration)
                JOIN items i ON i.id = x.item_id AND i.project_id = @p
                WHERE i.free_slots > 0
                """).With("@p", projectId).With("@r", positions.Select(x => x.Rank).ToArray()).With("@i", ids)
                .With("@s", positions.Select(x => x.Score).ToArray()).With("@why", positions.Select(x => x.Reason).ToArray())
                .With("@x", positions.Select(x => x.Exploration).ToArray()).ExecAsync(tx.Ct);
        }, cancellationToken);
    }

    /// <summary>Positions of the stored ranking whose item has a free slot and may be handed out (not held out with a gold label).</summary>
    private const string RankedFreeSql = """
        (SELECT count(*) FROM ranked_items r JOIN items i ON i.id = r.item_id
         WHERE r.project_id = @p AND i.free_slots > 0 AND NOT (i.held_out AND i.gold_label IS NOT NULL))
        """;

    /// <inheritdoc />
    public async Task<QueueState?> GetQueueStateAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R("""
            SELECT g.model_version, g.strategy,
              (SELECT count(*) FROM ranked_items WHERE project_id = @p)::int,
              (SELECT count(*) FROM ranked_items WHERE project_id = @p AND open)::int,
              EXISTS (SELECT 1 FROM items i
                      WHERE i.project_id = @p AND i.free_slots > 0 AND NOT (i.held_out AND i.gold_label IS NOT NULL)
                        AND NOT EXISTS (SELECT 1 FROM ranked_items r WHERE r.item_id = i.id AND r.project_id = @p))
            FROM rankings g WHERE g.project_id = @p
            """).With("@p", projectId)
            .OneAsync(r => new QueueState(r.GetInt32(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetBoolean(4)), cancellationToken);

    /// <inheritdoc />
    public async Task<(int ModelVersion, string Strategy)?> GetRankingInfoAsync(long projectId, CancellationToken cancellationToken = default)
    {
        var rows = await R("SELECT model_version, strategy FROM rankings WHERE project_id = @p").With("@p", projectId)
            .AllAsync(r => (r.GetInt32(0), r.GetString(1)), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public Task<TaskRecord?> ClaimNextAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, int overlap, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckLease(lease);
        ArgumentOutOfRangeException.ThrowIfLessThan(overlap, 1);
        return WriteAsync<TaskRecord?>(async tx =>
        {
            // ranked_items.open means "holders < the project's overlap": for any k up to that overlap the open positions
            // hold every item with a free slot, so the claim can walk the small open index. A larger k needs all positions.
            var useOpen = !_overlaps.TryGetValue(projectId, out var known) || known >= overlap;
            // An open flag can lag a ranking swap that raced a claim or skip; such an item is still found by the walk of
            // items with a free slot (exact: every holder change moves free_slots in the same statement).
            return await ClaimOnceAsync(tx, projectId, annotatorId, now, lease, overlap, useOpen);
        }, cancellationToken);
    }

    private async Task<TaskRecord?> ClaimOnceAsync(Tx tx, long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, int overlap, bool open)
    {
        // One round trip: take the project's evidence head, reclaim expired leases (and read the overlap), then claim. Each
        // statement sees the one before. The head comes first here: a claimer holding its item while it waited for the
        // head would make the others' SKIP LOCKED pass over that item and find the queue empty while it is not.
        await using var batch = tx.Batch(
            Statement("SELECT seq FROM evidence_heads WHERE project_id = @p FOR UPDATE", P("@p", projectId)),
            Statement(ReclaimSql, P("@p", projectId), P("@now", Ticks(now))),
            Statement(open ? ClaimOpenSql : ClaimAnySql, P("@p", projectId), P("@a", annotatorId), P("@k", overlap),
                P("@t", Ticks(now)), P("@e", Ticks(now + lease)),
                P("@cs", ColdStartOrder.Strategy), P("@cold", ColdStartOrder.Reason), P("@beyond", ColdStartOrder.BeyondRankingReason)));
        await using var reader = await batch.ExecuteReaderAsync(tx.Ct);
        await reader.NextResultAsync(tx.Ct);
        await reader.ReadAsync(tx.Ct);
        if (reader.IsDBNull(1)) return null;   // no such project
        var stored = reader.GetInt32(1);
        _overlaps[projectId] = stored;
        await reader.NextResultAsync(tx.Ct);
        await reader.ReadAsync(tx.Ct);
        if (open && stored < overlap) throw new RetryException();   // the cached overlap was stale
        var (candidates, bumped) = (reader.GetInt32(0), reader.GetInt32(1));
        if (candidates == 0) return null;
        // Bumped but not inserted: the same annotator took this item in a concurrent request. Roll back, start over.
        if (bumped == 0 || reader.IsDBNull(2)) throw new RetryException();
        var task = new TaskRecord(reader.GetInt64(2), projectId, reader.GetInt64(3), annotatorId, TaskState.Leased, Time(Ticks(now)), Time(Ticks(now + lease)),
            reader.GetInt32(4), reader.GetString(5), reader.GetDouble(6), reader.GetString(7), reader.GetBoolean(8), reader.GetBoolean(9));
        var evidence = StoreEvidence.Selection(task, reader.GetString(10), NullableString(reader, 11) ?? throw new NotFoundException($"User {annotatorId} does not exist."));
        await reader.DisposeAsync();
        await AppendEvidenceAsync(tx, projectId, evidence);
        return task;
    }

    /// <summary>
    /// The claim in one statement: the first ranked position that qualifies (r), else the first item outside it in the
    /// cold-start order (u; items_free holds the items with a free slot under the project's overlap, a caller asking for
    /// more holders walks every item). FOR NO KEY UPDATE OF i SKIP LOCKED: concurrent claimers (in any process) pass over an item
    /// another one is taking, and holders &lt; k is re-checked on the locked row's newest version; the counter moves only
    /// while it is below k. NO KEY UPDATE, not UPDATE: a submit's answer row holds a KEY SHARE lock on its item (the foreign
    /// key) while it waits for the evidence head this claimer holds, and FOR UPDATE would skip that item as taken, so the
    /// last claimers could find the queue empty while an item still had a free slot (seen once in the two-instance
    /// contract test). The per-row "never had it" probe is a scalar subquery so it stays an index lookup.
    /// </summary>
    private static string ClaimSql(bool open) => $"""
        WITH r AS (
            SELECT r.item_id, r.score, r.reason, r.exploration, i.held_out, g.model_version, g.strategy, i.external_id
            FROM ranked_items r JOIN items i ON i.id = r.item_id JOIN rankings g ON g.project_id = @p
            WHERE r.project_id = @p {(open ? "AND r.open" : "")} AND i.holders < @k
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = @p AND t.annotator_id = @a AND t.item_id = r.item_id)
            ORDER BY r.rank
            LIMIT 1
            FOR NO KEY UPDATE OF i SKIP LOCKED),
        u AS (
            SELECT i.id AS item_id, 0::double precision AS score,
                   CASE WHEN coalesce((SELECT g.model_version FROM rankings g WHERE g.project_id = @p), 0) > 0 THEN @beyond ELSE @cold END AS reason,
                   false AS exploration, i.held_out, 0 AS model_version, @cs AS strategy, i.external_id
            FROM items i
            WHERE NOT EXISTS (SELECT 1 FROM r) AND i.project_id = @p {(open ? "AND i.free_slots > 0" : "")}
              AND NOT (i.held_out AND i.gold_label IS NOT NULL) AND i.holders < @k
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = @p AND t.annotator_id = @a AND t.item_id = i.id)
            ORDER BY i.cold_key, i.external_id
            LIMIT 1
            FOR NO KEY UPDATE OF i SKIP LOCKED),
        c AS (SELECT * FROM r UNION ALL SELECT * FROM u),
        bump AS (
            UPDATE items i SET holders = i.holders + 1, free_slots = i.free_slots - 1 FROM c WHERE i.id = c.item_id AND i.holders < @k RETURNING i.id, i.holders),
        task AS (
            INSERT INTO tasks (project_id, item_id, annotator_id, state, leased_at, expires_at, model_version, strategy, score, reason, exploration, held_out)
            SELECT @p, c.item_id, @a, 0, @t, @e, c.model_version, c.strategy, c.score, c.reason, c.exploration, c.held_out
            FROM c JOIN bump b ON b.id = c.item_id
            ON CONFLICT ON CONSTRAINT tasks_project_annotator_item_key DO NOTHING
            RETURNING id, item_id, model_version, strategy, score, reason, exploration, held_out),
        opened AS (
            UPDATE ranked_items r SET open = b.holders < p.overlap FROM bump b, projects p
            WHERE r.item_id = b.id AND p.id = @p AND r.open <> (b.holders < p.overlap))
        SELECT (SELECT count(*) FROM c)::int, (SELECT count(*) FROM bump)::int,
               t.id, t.item_id, t.model_version, t.strategy, t.score, t.reason, t.exploration, t.held_out,
               (SELECT external_id FROM c LIMIT 1), (SELECT name FROM users WHERE id = @a)
        FROM (SELECT 1) AS one LEFT JOIN task t ON true
        """;

    private static readonly string ClaimOpenSql = ClaimSql(open: true);
    private static readonly string ClaimAnySql = ClaimSql(open: false);

    private static Task<int> RefreshOpenAsync(Tx tx, long itemId) => tx.Cmd("""
        UPDATE ranked_items r SET open = i.holders < p.overlap
        FROM items i JOIN projects p ON p.id = i.project_id
        WHERE r.item_id = @i AND i.id = @i AND r.open <> (i.holders < p.overlap)
        """).With("@i", itemId).ExecAsync(tx.Ct);

    /// <summary>Expires every lease past its time, frees those slots and refreshes the open flags; returns (count, project overlap).</summary>
    private const string ReclaimSql = """
        WITH expired AS (
            UPDATE tasks SET state = 3 WHERE project_id = @p AND state = 0 AND expires_at <= @now RETURNING item_id),
        freed AS (SELECT item_id, count(*)::int AS n FROM expired GROUP BY item_id),
        moved AS (
            UPDATE items i SET holders = i.holders - f.n, free_slots = i.free_slots + f.n FROM freed f WHERE i.id = f.item_id RETURNING i.id, i.holders),
        opened AS (
            UPDATE ranked_items r SET open = m.holders < p.overlap FROM moved m, projects p
            WHERE r.item_id = m.id AND p.id = @p)
        SELECT (SELECT count(*) FROM expired)::int, (SELECT overlap FROM projects WHERE id = @p)
        """;

    private static async Task<int> ReclaimAsync(Tx tx, long projectId, DateTimeOffset now) =>
        (int)(await tx.Cmd(ReclaimSql).With("@p", projectId).With("@now", Ticks(now)).ScalarAsync(tx.Ct))!;

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskRecord>> GetLiveTasksAsync(long projectId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await R($"SELECT {TaskColumns} FROM tasks WHERE project_id = @p AND annotator_id = @a AND state = 0 AND expires_at > @now ORDER BY leased_at, id")
            .With("@p", projectId).With("@a", annotatorId).With("@now", Ticks(now)).AllAsync(MapTask, cancellationToken);

    /// <inheritdoc />
    public async Task<TaskRecord?> GetTaskAsync(long projectId, long taskId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {TaskColumns} FROM tasks WHERE id = @id AND project_id = @p").With("@id", taskId).With("@p", projectId).OneAsync(MapTask, cancellationToken);

    /// <inheritdoc />
    public Task<SubmitResult> SubmitAsync(long projectId, long taskId, long annotatorId, IReadOnlyList<string> labels, string clientRequestId, DateTimeOffset now, Provenance? provenance = null, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckSubmit(labels, clientRequestId, provenance);
        var labelsJson = SerializeLabels(labels);
        return WriteAsync(tx => SubmitAsync(tx, projectId, taskId, annotatorId, labels, labelsJson, clientRequestId, now, provenance), cancellationToken);
    }

    /// <summary>The submit, inside the caller's transaction (a model answer records its submit in its own). Appends its evidence last.</summary>
    private static async Task<SubmitResult> SubmitAsync(Tx tx, long projectId, long taskId, long annotatorId, IReadOnlyList<string> labels, string labelsJson,
        string clientRequestId, DateTimeOffset now, Provenance? provenance)
    {
        // One round trip: lock the task (a concurrent retry of the same submit waits here, then finds the annotation
        // in the second statement), read the current instructions version, look for an earlier answer to this request.
        TaskRecord? task;
        int version;
        string? externalId = null, annotatorName = null;
        Annotation? earlier;
        await using (var batch = tx.Batch(
            Statement($"""
                SELECT {TaskColumns}, (SELECT instructions_version FROM projects WHERE id = @p),
                  (SELECT external_id FROM items WHERE id = tasks.item_id), (SELECT name FROM users WHERE id = tasks.annotator_id)
                FROM tasks WHERE id = @id AND project_id = @p FOR UPDATE
                """, P("@id", taskId), P("@p", projectId)),
            Statement($"SELECT {AnnotationColumns} FROM annotations WHERE annotator_id = @a AND client_request_id = @c", P("@a", annotatorId), P("@c", clientRequestId))))
        await using (var reader = await batch.ExecuteReaderAsync(tx.Ct))
        {
            var found = await reader.ReadAsync(tx.Ct);
            (task, version) = found ? (MapTask(reader), reader.GetInt32(13)) : (null, 0);
            if (found) (externalId, annotatorName) = (reader.GetString(14), reader.GetString(15));
            await reader.NextResultAsync(tx.Ct);
            earlier = await reader.ReadAsync(tx.Ct) ? MapAnnotation(reader) : null;
        }
        if (earlier is not null)
        {
            if (earlier.ProjectId == projectId && earlier.TaskId == taskId) return new SubmitResult(earlier, true);
            throw new ConflictException($"client_request_id '{clientRequestId}' was already used for another task.");
        }
        if (task is null || task.AnnotatorId != annotatorId) throw new NotFoundException($"Task {taskId} was not found.");
        switch (task.State)
        {
            case TaskState.Submitted: throw new ConflictException($"Task {taskId} was already answered.");
            case TaskState.Skipped: throw new ConflictException($"Task {taskId} was skipped.");
            case TaskState.Expired:
                await ReclaimAsync(tx, projectId, now);
                var taken = await tx.Cmd("""
                    UPDATE items SET holders = holders + 1, free_slots = free_slots - 1
                    WHERE id = @i AND holders < (SELECT overlap FROM projects WHERE id = @p) RETURNING holders
                    """).With("@i", task.ItemId).With("@p", projectId).ScalarAsync(tx.Ct);
                if (taken is null) throw new ConflictException($"Task {taskId} expired and its item has no free slot left.");
                await RefreshOpenAsync(tx, task.ItemId);
                break;
        }
        var recorded = StoreEvidence.Provenance(provenance, annotatorName!, version, now);
        var id = await tx.Cmd("""
            WITH a AS (
                INSERT INTO annotations (project_id, item_id, annotator_id, task_id, labels_json, instructions_version, client_request_id, created_at, undone, provenance_json)
                VALUES (@p, @i, @a, @t, @l, @v, @c, @now, false, @prov)
                RETURNING id),
            done AS (UPDATE tasks SET state = 1 WHERE id = @t),
            revision AS (
                INSERT INTO project_revisions (project_id, stripe, revision) VALUES (@p, @stripe, 1)
                ON CONFLICT (project_id, stripe) DO UPDATE SET revision = project_revisions.revision + 1)
            SELECT id FROM a
            """).With("@p", projectId).With("@i", task.ItemId).With("@a", annotatorId).With("@t", taskId).With("@l", labelsJson)
            .With("@v", version).With("@c", clientRequestId).With("@now", Ticks(now)).With("@stripe", StoreChecks.RevisionStripe(annotatorId))
            .With("@prov", SerializeProvenance(recorded)).ScalarAsync(tx.Ct);
        await AppendEvidenceAsync(tx, projectId, StoreEvidence.Answer(externalId!, labels, recorded, now));
        return new SubmitResult(new Annotation((long)id!, projectId, task.ItemId, annotatorId, taskId, [.. labels], version, clientRequestId, Time(Ticks(now)), false)
        {
            Provenance = recorded,
        }, false);
    }

    /// <inheritdoc />
    public Task<SubmitResult> ReviseAsync(long projectId, long annotationId, long annotatorId, IReadOnlyList<string> labels, string clientRequestId, DateTimeOffset now,
        Provenance? provenance = null, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckSubmit(labels, clientRequestId, provenance);
        var labelsJson = SerializeLabels(labels);
        return WriteAsync(async tx =>
        {
            // Lock the answer being changed first: a concurrent retry of the same change waits here, then finds the new one.
            var old = await tx.Cmd($"SELECT {AnnotationColumns} FROM annotations WHERE id = @id AND project_id = @p FOR UPDATE")
                .With("@id", annotationId).With("@p", projectId).OneAsync(MapAnnotation, tx.Ct);
            var earlier = await tx.Cmd($"SELECT {AnnotationColumns} FROM annotations WHERE annotator_id = @a AND client_request_id = @c")
                .With("@a", annotatorId).With("@c", clientRequestId).OneAsync(MapAnnotation, tx.Ct);
            if (earlier is not null)
            {
                if (earlier.ProjectId == projectId && earlier.Provenance?.Supersedes == annotationId) return new SubmitResult(earlier, true);
                throw new ConflictException($"client_request_id '{clientRequestId}' was already used for another answer.");
            }
            if (old is null || old.AnnotatorId != annotatorId) throw new NotFoundException($"Annotation {annotationId} was not found.");
            if (old.Undone) throw new ConflictException($"Annotation {annotationId} was undone or changed already: change the current answer instead.");
            await tx.Cmd("UPDATE annotations SET undone = true WHERE id = @id").With("@id", old.Id).ExecAsync(tx.Ct);
            var externalId = (string)(await tx.Cmd("SELECT external_id FROM items WHERE id = @i").With("@i", old.ItemId).ScalarAsync(tx.Ct))!;
            var name = await UserNameAsync(tx, annotatorId);
            await AppendEvidenceAsync(tx, projectId, StoreEvidence.Answer(externalId, old.Labels, old.Provenance ?? StoreEvidence.Provenance(null, name, old.InstructionsVersion, old.CreatedAt), now, undo: true));
            var version = Convert.ToInt32(await tx.Cmd("SELECT instructions_version FROM projects WHERE id = @p").With("@p", projectId).ScalarAsync(tx.Ct), CultureInfo.InvariantCulture);
            var recorded = StoreEvidence.Provenance(provenance, name, version, now) with { Supersedes = old.Id };
            var id = (long)(await tx.Cmd("""
                INSERT INTO annotations (project_id, item_id, annotator_id, task_id, labels_json, instructions_version, client_request_id, created_at, undone, provenance_json)
                VALUES (@p, @i, @a, @t, @l, @v, @c, @now, false, @prov) RETURNING id
                """).With("@p", projectId).With("@i", old.ItemId).With("@a", annotatorId).With("@t", old.TaskId).With("@l", labelsJson)
                .With("@v", version).With("@c", clientRequestId).With("@now", Ticks(now)).With("@prov", SerializeProvenance(recorded)).ScalarAsync(tx.Ct))!;
            await BumpRevisionAsync(tx, projectId, StoreChecks.RevisionStripe(annotatorId));
            await AppendEvidenceAsync(tx, projectId, StoreEvidence.Answer(externalId, labels, recorded, now));
            return new SubmitResult(new Annotation(id, projectId, old.ItemId, annotatorId, old.TaskId, [.. labels], version, clientRequestId, Time(Ticks(now)), false)
            {
                Provenance = recorded,
            }, false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task SkipAsync(long projectId, long taskId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => SkipAsync(tx, projectId, taskId, annotatorId), cancellationToken);

    /// <summary>The skip, inside the caller's transaction; returns the task as it was (leased).</summary>
    private static async Task<TaskRecord> SkipAsync(Tx tx, long projectId, long taskId, long annotatorId)
    {
        var task = await tx.Cmd($"SELECT {TaskColumns} FROM tasks WHERE id = @id AND project_id = @p FOR UPDATE")
            .With("@id", taskId).With("@p", projectId).OneAsync(MapTask, tx.Ct);
        if (task is null || task.AnnotatorId != annotatorId) throw new NotFoundException($"Task {taskId} was not found.");
        if (task.State != TaskState.Leased) throw new ConflictException($"Task {taskId} is {task.State.ToString().ToLowerInvariant()}, not leased.");
        await tx.Cmd("UPDATE tasks SET state = @s WHERE id = @id").With("@s", Skipped).With("@id", taskId).ExecAsync(tx.Ct);
        await tx.Cmd("UPDATE items SET holders = holders - 1, free_slots = free_slots + 1 WHERE id = @i").With("@i", task.ItemId).ExecAsync(tx.Ct);
        await RefreshOpenAsync(tx, task.ItemId);
        return task;
    }

    /// <inheritdoc />
    public Task<TaskRecord?> UndoLastAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckLease(lease);
        return WriteAsync(async tx =>
        {
            var last = await tx.Cmd($"""
                SELECT {AnnotationColumns} FROM annotations WHERE project_id = @p AND annotator_id = @a AND NOT undone ORDER BY id DESC LIMIT 1 FOR UPDATE
                """).With("@p", projectId).With("@a", annotatorId).OneAsync(MapAnnotation, tx.Ct);
            if (last is null) return null;
            await tx.Cmd("UPDATE annotations SET undone = true WHERE id = @id").With("@id", last.Id).ExecAsync(tx.Ct);
            await BumpRevisionAsync(tx, projectId, StoreChecks.RevisionStripe(annotatorId));
            // Submitted -> Leased: both hold a slot, so the item's counter does not move.
            var task = await tx.Cmd($"UPDATE tasks SET state = @s, expires_at = @e WHERE id = @id RETURNING {TaskColumns}")
                .With("@s", Leased).With("@e", Ticks(now + lease)).With("@id", last.TaskId).OneAsync(MapTask, tx.Ct);
            var externalId = (string)(await tx.Cmd("SELECT external_id FROM items WHERE id = @i").With("@i", last.ItemId).ScalarAsync(tx.Ct))!;
            var provenance = last.Provenance ?? StoreEvidence.Provenance(null, await UserNameAsync(tx, annotatorId), last.InstructionsVersion, last.CreatedAt);
            await AppendEvidenceAsync(tx, projectId, StoreEvidence.Answer(externalId, last.Labels, provenance, now, undo: true));
            return task;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> ReclaimExpiredAsync(long projectId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => ReclaimAsync(tx, projectId, now), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {TaskColumns} FROM tasks WHERE project_id = @p ORDER BY id").With("@p", projectId).AllAsync(MapTask, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Annotation>> GetAnnotationsAsync(long projectId, long? annotatorId = null, bool includeUndone = false, CancellationToken cancellationToken = default) =>
        await R($"SELECT {AnnotationColumns} FROM annotations WHERE project_id = @p AND (@a::bigint IS NULL OR annotator_id = @a) AND (@u OR NOT undone) ORDER BY id")
            .With("@p", projectId).WithNullable("@a", annotatorId, NpgsqlDbType.Bigint).With("@u", includeUndone).AllAsync(MapAnnotation, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskRecord>> GetTasksPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterId, limit);
        return await R($"SELECT {TaskColumns} FROM tasks WHERE project_id = @p AND id > @after ORDER BY id LIMIT @n")
            .With("@p", projectId).With("@after", afterId).With("@n", limit).AllAsync(MapTask, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Annotation>> GetAnnotationsPageAsync(long projectId, long afterId, int limit, bool includeUndone = false, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterId, limit);
        return await R($"SELECT {AnnotationColumns} FROM annotations WHERE project_id = @p AND id > @after AND (@u OR NOT undone) ORDER BY id LIMIT @n")
            .With("@p", projectId).With("@after", afterId).With("@u", includeUndone).With("@n", limit).AllAsync(MapAnnotation, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<AnnotationSummary> GetAnnotationSummaryAsync(long projectId, CancellationToken cancellationToken = default)
    {
        var rows = await R("SELECT labels_json, count(*)::int, min(created_at), max(created_at) FROM annotations WHERE project_id = @p AND NOT undone GROUP BY labels_json")
            .With("@p", projectId)
            .AllAsync(r => (Set: new LabelSetCount(DeserializeLabels(r.GetString(0)), r.GetInt32(1)), First: r.GetInt64(2), Last: r.GetInt64(3)), cancellationToken);
        return rows.Count == 0
            ? new AnnotationSummary(0, [], null, null)
            : new AnnotationSummary(rows.Sum(r => r.Set.Count), rows.Select(r => r.Set).ToList(), Time(rows.Min(r => r.First)), Time(rows.Max(r => r.Last)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TimeBucketCount>> GetAnnotationHistogramAsync(long projectId, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        return await R("SELECT created_at / @size AS b, count(*)::int FROM annotations WHERE project_id = @p AND NOT undone GROUP BY b ORDER BY b")
            .With("@p", projectId).With("@size", bucket.Ticks)
            .AllAsync(r => new TimeBucketCount(Time(r.GetInt64(0) * bucket.Ticks), r.GetInt32(1)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<long> GetRevisionAsync(long projectId, CancellationToken cancellationToken = default) =>
        Convert.ToInt64(await R("SELECT coalesce(sum(revision), 0)::bigint FROM project_revisions WHERE project_id = @p").With("@p", projectId).ScalarAsync(cancellationToken),
            CultureInfo.InvariantCulture);

    /// <summary>Moves the project's data revision on, inside the caller's transaction (the row stays locked until it commits).</summary>
    private static Task<int> BumpRevisionAsync(Tx tx, long projectId, int stripe) => tx.Cmd("""
        INSERT INTO project_revisions (project_id, stripe, revision) VALUES (@p, @s, 1)
        ON CONFLICT (project_id, stripe) DO UPDATE SET revision = project_revisions.revision + 1
        """).With("@p", projectId).With("@s", stripe).ExecAsync(tx.Ct);

    /// <inheritdoc />
    public async Task<ProjectCounts> GetCountsAsync(long projectId, int overlap, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(overlap, 1);
        return (await R($"""
            SELECT
              ic.n::int,
              ic.held::int,
              (SELECT count(*) FROM annotations WHERE project_id = @p AND NOT undone)::int,
              (SELECT count(*) FROM (SELECT item_id FROM annotations WHERE project_id = @p AND NOT undone GROUP BY item_id HAVING count(*) >= @k) c)::int,
              (SELECT count(*) FROM tasks WHERE project_id = @p AND state = 0 AND expires_at > @now)::int,
              (SELECT count(*) FROM ranked_items r WHERE r.project_id = @p AND
                 (SELECT count(*) FROM tasks t WHERE t.item_id = r.item_id AND (t.state = 1 OR (t.state = 0 AND t.expires_at > @now))) < @k)::int,
              (ic.free - {RankedFreeSql})::int
            -- One pass over the project's items for all three item counts.
            FROM (SELECT count(*) AS n, count(*) FILTER (WHERE held_out) AS held,
                         count(*) FILTER (WHERE free_slots > 0 AND NOT (held_out AND gold_label IS NOT NULL)) AS free
                  FROM items WHERE project_id = @p) ic
            """).With("@p", projectId).With("@k", overlap).With("@now", Ticks(now))
            .OneAsync(r => new ProjectCounts(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6)), cancellationToken))!;
    }

    // ---- models and trainer ------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task AddModelVersionAsync(ModelVersion model, ModelEvent? evidence = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(model.Version, 1);
        return WriteAsync(async tx =>
        {
            var settings = await ProjectSettingsOfAsync(tx, model.ProjectId, "") ?? throw new NotFoundException($"Project {model.ProjectId} does not exist.");
            var added = await tx.Cmd("""
                INSERT INTO model_versions (project_id, version, trained_at, labels, held_out_labeled, accuracy, macro_f1, duration_seconds, stop_recommended, stop_reason, metrics_json)
                VALUES (@p, @v, @t, @l, @h, @acc, @f1, @d, @stop, @why, @m)
                ON CONFLICT (project_id, version) DO NOTHING
                """).With("@p", model.ProjectId).With("@v", model.Version).With("@t", Ticks(model.TrainedAt)).With("@l", model.Labels).With("@h", model.HeldOutLabeled)
                .WithNullable("@acc", model.Accuracy, NpgsqlDbType.Double).WithNullable("@f1", model.MacroF1, NpgsqlDbType.Double).With("@d", model.DurationSeconds)
                .With("@stop", model.StopRecommended).With("@why", model.StopReason).With("@m", model.MetricsJson).ExecAsync(tx.Ct);
            if (added == 0) throw new ConflictException($"Model version {model.Version} of project {model.ProjectId} already exists.");
            await AppendEvidenceAsync(tx, model.ProjectId, StoreEvidence.Model(model, evidence, settings.StopRule));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ModelVersion>> GetModelVersionsAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {ModelColumns} FROM model_versions WHERE project_id = @p ORDER BY version").With("@p", projectId).AllAsync(MapModel, cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryAcquireTrainerAsync(long projectId, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        StoreChecks.CheckLease(lease);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, projectId);
            // The upsert locks the row and evaluates the WHERE on its newest version: one owner wins across processes.
            return await tx.Cmd("""
                INSERT INTO trainer_leases (project_id, owner, lease_until) VALUES (@p, @o, @u)
                ON CONFLICT (project_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
                WHERE trainer_leases.owner IS NULL OR trainer_leases.owner = excluded.owner OR trainer_leases.lease_until <= @now
                RETURNING 1
                """).With("@p", projectId).With("@o", owner).With("@u", Ticks(now + lease)).With("@now", Ticks(now)).ScalarAsync(tx.Ct) is not null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReleaseTrainerAsync(long projectId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return WriteAsync(tx => tx.Cmd("UPDATE trainer_leases SET owner = NULL, lease_until = 0 WHERE project_id = @p AND owner = @o")
            .With("@p", projectId).With("@o", owner).ExecAsync(tx.Ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task SetTrainerStatusAsync(TrainerStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, status.ProjectId);
            await tx.Cmd("""
                INSERT INTO trainer_status (project_id, state, started_at, finished_at, last_duration, error, owner) VALUES (@p, @s, @start, @end, @d, @e, @o)
                ON CONFLICT (project_id) DO UPDATE SET state = excluded.state, started_at = excluded.started_at, finished_at = excluded.finished_at,
                  last_duration = excluded.last_duration, error = excluded.error, owner = excluded.owner
                """).With("@p", status.ProjectId).With("@s", (int)status.State)
                .WithNullable("@start", status.StartedAt?.UtcTicks, NpgsqlDbType.Bigint).WithNullable("@end", status.FinishedAt?.UtcTicks, NpgsqlDbType.Bigint)
                .WithNullable("@d", status.LastDurationSeconds, NpgsqlDbType.Double).WithNullable("@e", status.Error, NpgsqlDbType.Text)
                .WithNullable("@o", status.Owner, NpgsqlDbType.Text).ExecAsync(tx.Ct);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<TrainerStatus> GetTrainerStatusAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {TrainerStatusColumns} FROM trainer_status WHERE project_id = @p").With("@p", projectId).OneAsync(MapTrainerStatus, cancellationToken)
        ?? new TrainerStatus(projectId, TrainerState.Idle, null, null, null, null, null);
}
