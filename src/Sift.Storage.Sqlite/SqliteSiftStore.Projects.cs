using System.Globalization;
using System.Text.Json;
using Sift.Items;
using Sift.Evidence;
using Sift.Oracles;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Sqlite;

public sealed partial class SqliteSiftStore
{
    // ---- projects ----------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<Project> CreateProjectAsync(string name, ProjectSettings settings, string instructionsMarkdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(instructionsMarkdown);
        return WriteAsync(() =>
        {
            if (W("SELECT 1 FROM projects WHERE name = @n").With("@n", name).ExecuteScalar() is not null)
                throw new ConflictException($"A project named '{name}' already exists.");
            RequireUser(authorId);
            var id = (long)W("INSERT INTO projects (name, settings_json, overlap, instructions_version, created_at) VALUES (@n, @s, @k, 1, @t) RETURNING id")
                .With("@n", name).With("@s", SerializeSettings(settings)).With("@k", settings.Overlap).With("@t", Ticks(now)).ExecuteScalar()!;
            W("INSERT INTO instructions (project_id, version, markdown, author_id, created_at) VALUES (@p, 1, @m, @a, @t)")
                .With("@p", id).With("@m", instructionsMarkdown).With("@a", authorId).With("@t", Ticks(now)).ExecuteNonQuery();
            AppendEvidence(id, StoreEvidence.Settings(StoreEvidence.Created, settings, now));
            return new Project(id, name, settings, 1, Time(Ticks(now)));
        }, cancellationToken);
    }

    private void RequireUser(long userId)
    {
        if (W("SELECT 1 FROM users WHERE id = @id").With("@id", userId).ExecuteScalar() is null)
            throw new NotFoundException($"User {userId} does not exist.");
    }

    /// <inheritdoc />
    public Task<Project?> GetProjectAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(R(c, $"SELECT {ProjectColumns} FROM projects WHERE id = @id").With("@id", projectId), MapProject), cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Project>>(Read(c => All(R(c, $"SELECT {ProjectColumns} FROM projects ORDER BY id"), MapProject), cancellationToken));

    /// <inheritdoc />
    public Task<Project?> UpdateSettingsAsync(long projectId, ProjectSettings settings, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return WriteAsync(() =>
        {
            if (ProjectSettingsOf(projectId) is not { } before) return null;
            W("UPDATE projects SET settings_json = @s, overlap = @k WHERE id = @id")
                .With("@s", SerializeSettings(settings)).With("@k", settings.Overlap).With("@id", projectId).ExecuteNonQuery();
            if (settings.Overlap != before.Overlap)
            {
                W("UPDATE items SET free_slots = free_slots + @d WHERE project_id = @p").With("@d", settings.Overlap - before.Overlap).With("@p", projectId).ExecuteNonQuery();
            }
            // The overlap may have changed: recompute which ranked items still have a free slot.
            W("UPDATE ranked_items SET open = (SELECT i.holders < @k FROM items i WHERE i.id = ranked_items.item_id) WHERE project_id = @p")
                .With("@k", settings.Overlap).With("@p", projectId).ExecuteNonQuery();
            if (settings.Seed != before.Seed) SetColdKeys(projectId, settings.Seed, onlyMissing: false);
            AppendEvidence(projectId, StoreEvidence.Settings(StoreEvidence.Updated, settings, now));
            return One(W($"SELECT {ProjectColumns} FROM projects WHERE id = @id").With("@id", projectId), MapProject);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Instructions?> AddInstructionsAsync(long projectId, string markdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        return WriteAsync<Instructions?>(() =>
        {
            var current = W("SELECT instructions_version FROM projects WHERE id = @id").With("@id", projectId).ExecuteScalar();
            if (current is null) return null;
            RequireUser(authorId);
            var version = Convert.ToInt32(current, CultureInfo.InvariantCulture) + 1;
            W("INSERT INTO instructions (project_id, version, markdown, author_id, created_at) VALUES (@p, @v, @m, @a, @t)")
                .With("@p", projectId).With("@v", version).With("@m", markdown).With("@a", authorId).With("@t", Ticks(now)).ExecuteNonQuery();
            W("UPDATE projects SET instructions_version = @v WHERE id = @p").With("@v", version).With("@p", projectId).ExecuteNonQuery();
            return new Instructions(projectId, version, markdown, authorId, Time(Ticks(now)));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Instructions?> GetInstructionsAsync(long projectId, int? version = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(
            R(c, """
                SELECT project_id, version, markdown, author_id, created_at FROM instructions
                WHERE project_id = @p AND version = coalesce(@v, (SELECT instructions_version FROM projects WHERE id = @p))
                """).With("@p", projectId).With("@v", version),
            MapInstructions), cancellationToken));

    // ---- items -------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<ImportResult> ImportItemsAsync(long projectId, IReadOnlyList<NewItem> items, ImportOrigin origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        StoreChecks.CheckOrigin(origin);
        return WriteAsync(() =>
        {
            var settings = ProjectSettingsOf(projectId) ?? throw new NotFoundException($"Project {projectId} does not exist.");
            int imported = 0, duplicates = 0, heldOut = 0;
            var redacted = new List<NewItem>();
            for (var i = 0; i < items.Count; i++)
            {
                // Checked while inserting: a bad item rolls back everything written before it.
                var item = items[i];
                StoreChecks.CheckItem(item, i);
                var added = W("""
                    INSERT INTO items (project_id, external_id, text, grp, cost, meta_json, gold_label, held_out, holders, cold_key, free_slots, content_kind, content_json)
                    VALUES (@p, @e, @x, @g, @c, @m, @gold, @h, 0, @key, @k, @ck, @cj)
                    ON CONFLICT (project_id, external_id) DO NOTHING
                    """).With("@p", projectId).With("@e", item.ExternalId).With("@x", item.Text).With("@g", item.Group).With("@c", item.Cost)
                    .With("@m", item.MetaJson).With("@gold", item.GoldLabel).With("@h", item.HeldOut ? 1 : 0)
                    .With("@key", ColdStartOrder.StoredKey(settings.Seed, item.ExternalId)).With("@k", settings.Overlap)
                    .With("@ck", ItemContentJson.KindName(item.Content.Kind)).With("@cj", ItemContentJson.Encode(item.Content)).ExecuteNonQuery();
                if (added == 0) { duplicates++; continue; }
                imported++;
                if (item.HeldOut) heldOut++;
                if (item.Original is { } original)
                {
                    redacted.Add(item);
                    if (original.Text is not null)
                    {
                        W("INSERT INTO item_originals (item_id, project_id, text, sha256) VALUES (last_insert_rowid(), @p, @x, @h)")
                            .With("@p", projectId).With("@x", original.Text).With("@h", original.Sha256).ExecuteNonQuery();
                    }
                }
            }
            if (imported > 0) BumpRevision(projectId, 0);
            var result = new ImportResult(imported, duplicates, heldOut);
            // The redaction record follows the import's entry in the same transaction.
            AppendEvidence(projectId, [StoreEvidence.Import(origin, result, items), .. StoreEvidence.Redactions(origin, redacted, settings.Privacy.Retention)]);
            return result;
        }, cancellationToken);
    }

    /// <summary>The project's stored settings (read in the current write transaction), or null when it does not exist.</summary>
    private ProjectSettings? ProjectSettingsOf(long projectId) =>
        W("SELECT settings_json FROM projects WHERE id = @p").With("@p", projectId).ExecuteScalar() is string json ? DeserializeSettings(json) : null;

    /// <summary>Writes the cold-start keys of the project's items (those without one, or all of them after a seed change).</summary>
    private void SetColdKeys(long projectId, ulong seed, bool onlyMissing)
    {
        var items = All(W(onlyMissing ? "SELECT id, external_id FROM items WHERE project_id = @p AND cold_key IS NULL" : "SELECT id, external_id FROM items WHERE project_id = @p")
            .With("@p", projectId), r => (Id: r.GetInt64(0), ExternalId: r.GetString(1)));
        foreach (var (id, externalId) in items)
            W("UPDATE items SET cold_key = @k WHERE id = @id").With("@k", ColdStartOrder.StoredKey(seed, externalId)).With("@id", id).ExecuteNonQuery();
    }

    /// <summary>Gives items stored before schema version 2 their cold-start keys.</summary>
    private void BackfillColdKeys()
    {
        foreach (var projectId in All(W("SELECT id FROM projects ORDER BY id"), r => r.GetInt64(0)))
            SetColdKeys(projectId, ProjectSettingsOf(projectId)!.Seed, onlyMissing: true);
    }

    private void RequireProject(long projectId)
    {
        if (W("SELECT 1 FROM projects WHERE id = @id").With("@id", projectId).ExecuteScalar() is null)
            throw new NotFoundException($"Project {projectId} does not exist.");
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Item>> GetItemsAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Item>>(Read(c => All(R(c, $"SELECT {ItemColumns} FROM items WHERE project_id = @p ORDER BY id").With("@p", projectId), MapItem), cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<Item>> GetItemsPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterId, limit);
        return Task.FromResult<IReadOnlyList<Item>>(Read(c => All(
            // +project_id (here and in the other pages): walk the rowid from @after; an index on project_id would make
            // the planner sort the whole project per page.
            R(c, $"SELECT {ItemColumns} FROM items WHERE +project_id = @p AND id > @after ORDER BY id LIMIT @n")
                .With("@p", projectId).With("@after", afterId).With("@n", limit), MapItem), cancellationToken));
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, string>> GetExternalIdsAsync(long projectId, IReadOnlyCollection<long>? itemIds = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<long, string>>(Read(c =>
        {
            // (project_id, external_id) is a covering index with the rowid: no item text is read.
            var command = itemIds is null
                ? R(c, "SELECT id, external_id FROM items WHERE project_id = @p")
                // +project_id: look the ids up by rowid instead of scanning the project's index entries.
                : R(c, "SELECT id, external_id FROM items WHERE +project_id = @p AND id IN (SELECT value FROM json_each(@ids))")
                    .With("@ids", JsonSerializer.Serialize(itemIds, Json));
            using var reader = command.With("@p", projectId).ExecuteReader();
            var ids = new Dictionary<long, string>();
            while (reader.Read()) ids[reader.GetInt64(0)] = reader.GetString(1);
            return ids;
        }, cancellationToken));

    /// <inheritdoc />
    public Task<Item?> GetItemAsync(long projectId, long itemId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(R(c, $"SELECT {ItemColumns} FROM items WHERE id = @id AND project_id = @p").With("@id", itemId).With("@p", projectId), MapItem), cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, string>> GetGoldLabelsAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<long, string>>(Read(c =>
        {
            using var reader = R(c, "SELECT id, gold_label FROM items WHERE project_id = @p AND gold_label IS NOT NULL ORDER BY id").With("@p", projectId).ExecuteReader();
            var gold = new Dictionary<long, string>();
            while (reader.Read()) gold[reader.GetInt64(0)] = reader.GetString(1);
            return gold;
        }, cancellationToken));

    // ---- queue and hand-out ------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task ReplaceRankingAsync(Ranking ranking, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        StoreChecks.CheckRanking(ranking);
        return WriteAsync(() =>
        {
            RequireProject(ranking.ProjectId);
            W("DELETE FROM ranked_items WHERE project_id = @p").With("@p", ranking.ProjectId).ExecuteNonQuery();
            W("""
                INSERT INTO rankings (project_id, model_version, strategy) VALUES (@p, @v, @s)
                ON CONFLICT (project_id) DO UPDATE SET model_version = excluded.model_version, strategy = excluded.strategy
                """).With("@p", ranking.ProjectId).With("@v", ranking.ModelVersion).With("@s", ranking.Strategy).ExecuteNonQuery();
            foreach (var position in ranking.Items)
            {
                var added = W("""
                    INSERT INTO ranked_items (project_id, rank, item_id, score, reason, exploration, open)
                    SELECT @p, @r, i.id, @s, @why, @x, i.holders < p.overlap FROM items i JOIN projects p ON p.id = i.project_id
                    WHERE i.id = @i AND i.project_id = @p
                    """).With("@p", ranking.ProjectId).With("@r", position.Rank).With("@i", position.ItemId).With("@s", position.Score)
                    .With("@why", position.Reason).With("@x", position.Exploration ? 1 : 0).ExecuteNonQuery();
                if (added == 0) throw new ArgumentException($"ranking: item {position.ItemId} is not in project {ranking.ProjectId}.", nameof(ranking));
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> AppendRankingAsync(Ranking ranking, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        StoreChecks.CheckRanking(ranking);
        return WriteAsync(() =>
        {
            RequireProject(ranking.ProjectId);
            using (var reader = W("SELECT model_version, strategy FROM rankings WHERE project_id = @p").With("@p", ranking.ProjectId).ExecuteReader())
            {
                if (!reader.Read() || reader.GetInt32(0) != ranking.ModelVersion || !string.Equals(reader.GetString(1), ranking.Strategy, StringComparison.Ordinal))
                    return -1;
            }
            // Full items whose every holder answered will not be handed out again: drop their positions.
            W("""
                DELETE FROM ranked_items WHERE project_id = @p AND open = 0
                  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.item_id = ranked_items.item_id AND t.state = 0)
                """).With("@p", ranking.ProjectId).ExecuteNonQuery();
            var last = W("SELECT max(rank) FROM ranked_items WHERE project_id = @p").With("@p", ranking.ProjectId).ExecuteScalar() as long?;
            var added = 0;
            foreach (var position in ranking.Items)
            {
                if (position.Rank <= last)
                    throw new ArgumentException($"ranking: rank {position.Rank} is not above the stored ranking's last rank {last}.", nameof(ranking));
                if (W("""
                        INSERT INTO ranked_items (project_id, rank, item_id, score, reason, exploration, open)
                        SELECT @p, @r, i.id, @s, @why, @x, 1 FROM items i
                        WHERE i.id = @i AND i.project_id = @p AND i.free_slots > 0
                          AND NOT EXISTS (SELECT 1 FROM ranked_items o WHERE o.item_id = @i AND o.project_id = @p)
                        """).With("@p", ranking.ProjectId).With("@r", position.Rank).With("@i", position.ItemId).With("@s", position.Score)
                        .With("@why", position.Reason).With("@x", position.Exploration ? 1 : 0).ExecuteNonQuery() == 1)
                {
                    added++;
                    continue;
                }
                if (W("SELECT 1 FROM items WHERE id = @i AND project_id = @p").With("@i", position.ItemId).With("@p", ranking.ProjectId).ExecuteScalar() is null)
                    throw new ArgumentException($"ranking: item {position.ItemId} is not in project {ranking.ProjectId}.", nameof(ranking));
                if (W("SELECT 1 FROM ranked_items WHERE item_id = @i AND project_id = @p").With("@i", position.ItemId).With("@p", ranking.ProjectId).ExecuteScalar() is not null)
                    throw new ArgumentException($"ranking: item {position.ItemId} is already in the stored ranking.", nameof(ranking));
                // Otherwise the item has no free slot: skipped.
            }
            return added;
        }, cancellationToken);
    }

    /// <summary>Positions of the stored ranking whose item has a free slot and may be handed out (not held out with a gold label).</summary>
    private const string RankedFreeSql = """
        (SELECT count(*) FROM ranked_items r JOIN items i ON i.id = r.item_id
         WHERE r.project_id = @p AND i.free_slots > 0 AND NOT (i.held_out = 1 AND i.gold_label IS NOT NULL))
        """;

    /// <inheritdoc />
    public Task<QueueState?> GetQueueStateAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(R(c, """
                SELECT g.model_version, g.strategy,
                  (SELECT count(*) FROM ranked_items WHERE project_id = @p),
                  (SELECT count(*) FROM ranked_items INDEXED BY ranked_items_open WHERE project_id = @p AND open = 1),
                  EXISTS (SELECT 1 FROM items i INDEXED BY items_free
                          WHERE i.project_id = @p AND i.free_slots > 0 AND NOT (i.held_out = 1 AND i.gold_label IS NOT NULL)
                            AND NOT EXISTS (SELECT 1 FROM ranked_items r WHERE r.item_id = i.id AND r.project_id = @p))
                FROM rankings g WHERE g.project_id = @p
                """).With("@p", projectId),
            r => new QueueState(r.GetInt32(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt64(4) != 0)), cancellationToken));

    /// <inheritdoc />
    public Task<(int ModelVersion, string Strategy)?> GetRankingInfoAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read<(int, string)?>(c =>
        {
            using var reader = R(c, "SELECT model_version, strategy FROM rankings WHERE project_id = @p").With("@p", projectId).ExecuteReader();
            return reader.Read() ? (reader.GetInt32(0), reader.GetString(1)) : null;
        }, cancellationToken));

    /// <inheritdoc />
    public Task<TaskRecord?> ClaimNextAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, int overlap, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckLease(lease);
        ArgumentOutOfRangeException.ThrowIfLessThan(overlap, 1);
        return WriteAsync<TaskRecord?>(() =>
        {
            Reclaim(projectId, now);
            var storedOverlap = W("SELECT overlap FROM projects WHERE id = @p").With("@p", projectId).ExecuteScalar();
            if (storedOverlap is null) return null;
            // ranked_items.open tracks "holders < the project's overlap"; it can prune full items only when the caller
            // asks for that same overlap.
            var stored = Convert.ToInt32(storedOverlap, CultureInfo.InvariantCulture);
            TaskRecord? task = null;
            string? externalId = null;
            using (var reader = W(stored == overlap ? ClaimOpenSql : ClaimAnySql).With("@p", projectId).With("@a", annotatorId).With("@k", overlap).ExecuteReader())
            {
                if (reader.Read())
                {
                    task = new TaskRecord(0, projectId, reader.GetInt64(0), annotatorId, TaskState.Leased, Time(Ticks(now)), Time(Ticks(now + lease)),
                        reader.GetInt32(5), reader.GetString(6), reader.GetDouble(1), reader.GetString(2), reader.GetInt64(3) != 0, reader.GetInt64(4) != 0);
                    externalId = reader.GetString(7);
                }
            }
            if (task is null)
            {
                // Nothing ranked qualifies: the first item outside the ranking in the cold-start order.
                using var reader = W(overlap <= stored ? ClaimUnrankedFreeSql : ClaimUnrankedAnySql).With("@p", projectId).With("@a", annotatorId).With("@k", overlap).ExecuteReader();
                if (!reader.Read()) return null;
                var reason = reader.GetInt32(2) > 0 ? ColdStartOrder.BeyondRankingReason : ColdStartOrder.Reason;
                task = new TaskRecord(0, projectId, reader.GetInt64(0), annotatorId, TaskState.Leased, Time(Ticks(now)), Time(Ticks(now + lease)),
                    0, ColdStartOrder.Strategy, 0, reason, false, reader.GetInt64(1) != 0);
                externalId = reader.GetString(3);
            }
            var itemId = task.ItemId;
            var id = (long)W("""
                INSERT INTO tasks (project_id, item_id, annotator_id, state, leased_at, expires_at, model_version, strategy, score, reason, exploration, held_out)
                VALUES (@p, @i, @a, 0, @t, @e, @v, @s, @score, @why, @x, @h) RETURNING id
                """).With("@p", projectId).With("@i", itemId).With("@a", annotatorId).With("@t", Ticks(task.LeasedAt)).With("@e", Ticks(task.ExpiresAt))
                .With("@v", task.ModelVersion).With("@s", task.Strategy).With("@score", task.Score).With("@why", task.Reason)
                .With("@x", task.Exploration ? 1 : 0).With("@h", task.HeldOut ? 1 : 0).ExecuteScalar()!;
            AdjustHolders(itemId, +1);
            task = task with { Id = id };
            AppendEvidence(projectId, StoreEvidence.Selection(task, externalId!, UserName(annotatorId)));
            return task;
        }, cancellationToken);
    }

    private const string ClaimColumns = "SELECT r.item_id, r.score, r.reason, r.exploration, i.held_out, g.model_version, g.strategy, i.external_id\n";

    private const string ClaimJoins = """
        JOIN items i ON i.id = r.item_id
        JOIN rankings g ON g.project_id = r.project_id
        """;

    private const string ClaimFilter = """
          AND i.holders < @k
          AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = @p AND t.annotator_id = @a AND t.item_id = r.item_id)
        ORDER BY r.rank
        LIMIT 1
        """;

    // Without statistics the planner prefers the primary key (every ranked item in rank order); the open index
    // skips the full ones, which is what keeps a claim cheap once most of the queue is labeled.
    private const string ClaimOpenSql = ClaimColumns + "FROM ranked_items r INDEXED BY ranked_items_open\n" + ClaimJoins + "\nWHERE r.project_id = @p AND r.open = 1\n" + ClaimFilter;

    private const string ClaimAnySql = ClaimColumns + "FROM ranked_items r\n" + ClaimJoins + "\nWHERE r.project_id = @p\n" + ClaimFilter;

    private const string ClaimUnrankedFilter = """
          AND NOT (i.held_out = 1 AND i.gold_label IS NOT NULL)
          AND i.holders < @k
          AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = @p AND t.annotator_id = @a AND t.item_id = i.id)
        ORDER BY i.cold_key, i.external_id
        LIMIT 1
        """;

    private const string ClaimUnrankedColumns = "SELECT i.id, i.held_out, coalesce((SELECT g.model_version FROM rankings g WHERE g.project_id = @p), 0), i.external_id\n";

    // items_free holds exactly the items with a free slot under the project's overlap, in cold-start order; a caller
    // asking for more holders than that needs every item.
    private const string ClaimUnrankedFreeSql = ClaimUnrankedColumns + "FROM items i INDEXED BY items_free\nWHERE i.project_id = @p AND i.free_slots > 0\n" + ClaimUnrankedFilter;

    private const string ClaimUnrankedAnySql = ClaimUnrankedColumns + "FROM items i\nWHERE i.project_id = @p\n" + ClaimUnrankedFilter;

    /// <summary>Moves an item's slot counter and keeps its ranked position's open flag in step.</summary>
    private void AdjustHolders(long itemId, int delta)
    {
        W("UPDATE items SET holders = holders + @d, free_slots = free_slots - @d WHERE id = @i").With("@d", delta).With("@i", itemId).ExecuteNonQuery();
        W("""
            UPDATE ranked_items SET open = (SELECT i.holders < p.overlap FROM items i JOIN projects p ON p.id = i.project_id WHERE i.id = @i)
            WHERE item_id = @i
            """).With("@i", itemId).ExecuteNonQuery();
    }

    private int Reclaim(long projectId, DateTimeOffset now)
    {
        var expired = All(W("SELECT id, item_id FROM tasks WHERE project_id = @p AND state = 0 AND expires_at <= @now")
            .With("@p", projectId).With("@now", Ticks(now)), r => (Task: r.GetInt64(0), Item: r.GetInt64(1)));
        foreach (var (task, item) in expired)
        {
            W("UPDATE tasks SET state = @s WHERE id = @id").With("@s", Expired).With("@id", task).ExecuteNonQuery();
            AdjustHolders(item, -1);
        }
        return expired.Count;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskRecord>> GetLiveTasksAsync(long projectId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TaskRecord>>(Read(c => All(
            R(c, $"SELECT {TaskColumns} FROM tasks WHERE project_id = @p AND annotator_id = @a AND state = 0 AND expires_at > @now ORDER BY leased_at, id")
                .With("@p", projectId).With("@a", annotatorId).With("@now", Ticks(now)), MapTask), cancellationToken));

    /// <inheritdoc />
    public Task<TaskRecord?> GetTaskAsync(long projectId, long taskId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(R(c, $"SELECT {TaskColumns} FROM tasks WHERE id = @id AND project_id = @p").With("@id", taskId).With("@p", projectId), MapTask), cancellationToken));

    /// <inheritdoc />
    public Task<SubmitResult> SubmitAsync(long projectId, long taskId, long annotatorId, IReadOnlyList<string> labels, string clientRequestId, DateTimeOffset now, Provenance? provenance = null, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckSubmit(labels, clientRequestId, provenance);
        var labelsJson = SerializeLabels(labels);
        return WriteAsync(() => Submit(projectId, taskId, annotatorId, labels, labelsJson, clientRequestId, now, provenance), cancellationToken);
    }

    /// <summary>The submit, inside the caller's write transaction (a model answer records its submit in its own).</summary>
    private SubmitResult Submit(long projectId, long taskId, long annotatorId, IReadOnlyList<string> labels, string labelsJson, string clientRequestId, DateTimeOffset now, Provenance? provenance)
    {
        var earlier = One(W($"SELECT {AnnotationColumns} FROM annotations WHERE annotator_id = @a AND client_request_id = @c")
            .With("@a", annotatorId).With("@c", clientRequestId), MapAnnotation);
        if (earlier is not null)
        {
            if (earlier.ProjectId == projectId && earlier.TaskId == taskId) return new SubmitResult(earlier, true);
            throw new ConflictException($"client_request_id '{clientRequestId}' was already used for another task.");
        }
        var task = One(W($"SELECT {TaskColumns} FROM tasks WHERE id = @id AND project_id = @p").With("@id", taskId).With("@p", projectId), MapTask);
        if (task is null || task.AnnotatorId != annotatorId) throw new NotFoundException($"Task {taskId} was not found.");
        switch (task.State)
        {
            case TaskState.Submitted: throw new ConflictException($"Task {taskId} was already answered.");
            case TaskState.Skipped: throw new ConflictException($"Task {taskId} was skipped.");
            case TaskState.Expired:
                Reclaim(projectId, now);
                var free = W("SELECT i.holders < p.overlap FROM items i JOIN projects p ON p.id = i.project_id WHERE i.id = @i").With("@i", task.ItemId).ExecuteScalar();
                if (Convert.ToInt64(free, CultureInfo.InvariantCulture) == 0)
                    throw new ConflictException($"Task {taskId} expired and its item has no free slot left.");
                AdjustHolders(task.ItemId, +1);
                break;
        }
        var version = Convert.ToInt32(W("SELECT instructions_version FROM projects WHERE id = @p").With("@p", projectId).ExecuteScalar(), CultureInfo.InvariantCulture);
        var recorded = StoreEvidence.Provenance(provenance, UserName(annotatorId), version, now);
        var id = (long)W("""
            INSERT INTO annotations (project_id, item_id, annotator_id, task_id, labels_json, instructions_version, client_request_id, created_at, undone, provenance_json)
            VALUES (@p, @i, @a, @t, @l, @v, @c, @now, 0, @prov) RETURNING id
            """).With("@p", projectId).With("@i", task.ItemId).With("@a", annotatorId).With("@t", taskId).With("@l", labelsJson)
            .With("@v", version).With("@c", clientRequestId).With("@now", Ticks(now)).With("@prov", SerializeProvenance(recorded)).ExecuteScalar()!;
        W("UPDATE tasks SET state = @s WHERE id = @id").With("@s", Submitted).With("@id", taskId).ExecuteNonQuery();
        BumpRevision(projectId, StoreChecks.RevisionStripe(annotatorId));
        AppendEvidence(projectId, StoreEvidence.Answer(ExternalId(task.ItemId), labels, recorded, now));
        return new SubmitResult(new Annotation(id, projectId, task.ItemId, annotatorId, taskId, [.. labels], version, clientRequestId, Time(Ticks(now)), false)
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
        return WriteAsync(() =>
        {
            var earlier = One(W($"SELECT {AnnotationColumns} FROM annotations WHERE annotator_id = @a AND client_request_id = @c")
                .With("@a", annotatorId).With("@c", clientRequestId), MapAnnotation);
            if (earlier is not null)
            {
                if (earlier.ProjectId == projectId && earlier.Provenance?.Supersedes == annotationId) return new SubmitResult(earlier, true);
                throw new ConflictException($"client_request_id '{clientRequestId}' was already used for another answer.");
            }
            var old = One(W($"SELECT {AnnotationColumns} FROM annotations WHERE id = @id AND project_id = @p").With("@id", annotationId).With("@p", projectId), MapAnnotation);
            if (old is null || old.AnnotatorId != annotatorId) throw new NotFoundException($"Annotation {annotationId} was not found.");
            if (old.Undone) throw new ConflictException($"Annotation {annotationId} was undone or changed already: change the current answer instead.");
            W("UPDATE annotations SET undone = 1 WHERE id = @id").With("@id", old.Id).ExecuteNonQuery();
            var externalId = ExternalId(old.ItemId);
            AppendEvidence(projectId, StoreEvidence.Answer(externalId, old.Labels, old.Provenance ?? StoreEvidence.Provenance(null, UserName(annotatorId), old.InstructionsVersion, old.CreatedAt), now, undo: true));
            var version = Convert.ToInt32(W("SELECT instructions_version FROM projects WHERE id = @p").With("@p", projectId).ExecuteScalar(), CultureInfo.InvariantCulture);
            var recorded = StoreEvidence.Provenance(provenance, UserName(annotatorId), version, now) with { Supersedes = old.Id };
            var id = (long)W("""
                INSERT INTO annotations (project_id, item_id, annotator_id, task_id, labels_json, instructions_version, client_request_id, created_at, undone, provenance_json)
                VALUES (@p, @i, @a, @t, @l, @v, @c, @now, 0, @prov) RETURNING id
                """).With("@p", projectId).With("@i", old.ItemId).With("@a", annotatorId).With("@t", old.TaskId).With("@l", labelsJson)
                .With("@v", version).With("@c", clientRequestId).With("@now", Ticks(now)).With("@prov", SerializeProvenance(recorded)).ExecuteScalar()!;
            BumpRevision(projectId, StoreChecks.RevisionStripe(annotatorId));
            AppendEvidence(projectId, StoreEvidence.Answer(externalId, labels, recorded, now));
            return new SubmitResult(new Annotation(id, projectId, old.ItemId, annotatorId, old.TaskId, [.. labels], version, clientRequestId, Time(Ticks(now)), false)
            {
                Provenance = recorded,
            }, false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task SkipAsync(long projectId, long taskId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(() => Skip(projectId, taskId, annotatorId), cancellationToken);

    /// <summary>The skip, inside the caller's write transaction; returns the task as it was (leased).</summary>
    private TaskRecord Skip(long projectId, long taskId, long annotatorId)
    {
        var task = One(W($"SELECT {TaskColumns} FROM tasks WHERE id = @id AND project_id = @p").With("@id", taskId).With("@p", projectId), MapTask);
        if (task is null || task.AnnotatorId != annotatorId) throw new NotFoundException($"Task {taskId} was not found.");
        if (task.State != TaskState.Leased) throw new ConflictException($"Task {taskId} is {task.State.ToString().ToLowerInvariant()}, not leased.");
        W("UPDATE tasks SET state = @s WHERE id = @id").With("@s", Skipped).With("@id", taskId).ExecuteNonQuery();
        AdjustHolders(task.ItemId, -1);
        return task;
    }

    /// <inheritdoc />
    public Task<TaskRecord?> UndoLastAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckLease(lease);
        return WriteAsync(() =>
        {
            var last = One(W($"SELECT {AnnotationColumns} FROM annotations WHERE project_id = @p AND annotator_id = @a AND undone = 0 ORDER BY id DESC LIMIT 1")
                .With("@p", projectId).With("@a", annotatorId), MapAnnotation);
            if (last is null) return null;
            var (annotationId, taskId) = (last.Id, last.TaskId);
            W("UPDATE annotations SET undone = 1 WHERE id = @id").With("@id", annotationId).ExecuteNonQuery();
            AppendEvidence(projectId, StoreEvidence.Answer(ExternalId(last.ItemId), last.Labels, last.Provenance ?? StoreEvidence.Provenance(null, UserName(annotatorId), last.InstructionsVersion, last.CreatedAt), now, undo: true));
            BumpRevision(projectId, StoreChecks.RevisionStripe(annotatorId));
            // Submitted -> Leased: both hold a slot, so the item's counter does not move.
            W("UPDATE tasks SET state = @s, expires_at = @e WHERE id = @id").With("@s", Leased).With("@e", Ticks(now + lease)).With("@id", taskId).ExecuteNonQuery();
            return One(W($"SELECT {TaskColumns} FROM tasks WHERE id = @id").With("@id", taskId), MapTask);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> ReclaimExpiredAsync(long projectId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(() => Reclaim(projectId, now), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskRecord>> GetTasksAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TaskRecord>>(Read(c => All(R(c, $"SELECT {TaskColumns} FROM tasks WHERE project_id = @p ORDER BY id").With("@p", projectId), MapTask), cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<Annotation>> GetAnnotationsAsync(long projectId, long? annotatorId = null, bool includeUndone = false, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Annotation>>(Read(c => All(
            R(c, $"SELECT {AnnotationColumns} FROM annotations WHERE project_id = @p AND (@a IS NULL OR annotator_id = @a) AND (@u = 1 OR undone = 0) ORDER BY id")
                .With("@p", projectId).With("@a", annotatorId).With("@u", includeUndone ? 1 : 0), MapAnnotation), cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskRecord>> GetTasksPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterId, limit);
        return Task.FromResult<IReadOnlyList<TaskRecord>>(Read(c => All(
            R(c, $"SELECT {TaskColumns} FROM tasks WHERE +project_id = @p AND id > @after ORDER BY id LIMIT @n")
                .With("@p", projectId).With("@after", afterId).With("@n", limit), MapTask), cancellationToken));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Annotation>> GetAnnotationsPageAsync(long projectId, long afterId, int limit, bool includeUndone = false, CancellationToken cancellationToken = default)
    {
        StoreChecks.CheckPage(afterId, limit);
        return Task.FromResult<IReadOnlyList<Annotation>>(Read(c => All(
            R(c, $"SELECT {AnnotationColumns} FROM annotations WHERE +project_id = @p AND id > @after AND (@u = 1 OR undone = 0) ORDER BY id LIMIT @n")
                .With("@p", projectId).With("@after", afterId).With("@u", includeUndone ? 1 : 0).With("@n", limit), MapAnnotation), cancellationToken));
    }

    /// <inheritdoc />
    public Task<AnnotationSummary> GetAnnotationSummaryAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c =>
        {
            using var reader = R(c, "SELECT labels_json, count(*), min(created_at), max(created_at) FROM annotations WHERE project_id = @p AND undone = 0 GROUP BY labels_json")
                .With("@p", projectId).ExecuteReader();
            var sets = new List<LabelSetCount>();
            long? first = null, last = null;
            var count = 0;
            while (reader.Read())
            {
                var n = reader.GetInt32(1);
                sets.Add(new LabelSetCount(DeserializeLabels(reader.GetString(0)), n));
                count += n;
                first = Math.Min(first ?? long.MaxValue, reader.GetInt64(2));
                last = Math.Max(last ?? long.MinValue, reader.GetInt64(3));
            }
            return new AnnotationSummary(count, sets, first is null ? null : Time(first.Value), last is null ? null : Time(last.Value));
        }, cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<TimeBucketCount>> GetAnnotationHistogramAsync(long projectId, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        return Task.FromResult<IReadOnlyList<TimeBucketCount>>(Read(c => All(
            R(c, "SELECT created_at / @size AS b, count(*) FROM annotations WHERE project_id = @p AND undone = 0 GROUP BY b ORDER BY b")
                .With("@p", projectId).With("@size", bucket.Ticks),
            r => new TimeBucketCount(Time(r.GetInt64(0) * bucket.Ticks), r.GetInt32(1))), cancellationToken));
    }

    /// <inheritdoc />
    public Task<long> GetRevisionAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => (long)R(c, "SELECT coalesce(sum(revision), 0) FROM project_revisions WHERE project_id = @p").With("@p", projectId).ExecuteScalar()!,
            cancellationToken));

    /// <summary>Moves the project's data revision on (inside the caller's write transaction).</summary>
    private void BumpRevision(long projectId, int stripe) =>
        W("""
            INSERT INTO project_revisions (project_id, stripe, revision) VALUES (@p, @s, 1)
            ON CONFLICT (project_id, stripe) DO UPDATE SET revision = project_revisions.revision + 1
            """).With("@p", projectId).With("@s", stripe).ExecuteNonQuery();

    /// <inheritdoc />
    public Task<ProjectCounts> GetCountsAsync(long projectId, int overlap, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(overlap, 1);
        return Task.FromResult(Read(c =>
        {
            using var reader = R(c, $"""
                SELECT
                  ic.n,
                  ic.held,
                  (SELECT count(*) FROM annotations WHERE project_id = @p AND undone = 0),
                  (SELECT count(*) FROM (SELECT item_id FROM annotations WHERE project_id = @p AND undone = 0 GROUP BY item_id HAVING count(*) >= @k)),
                  (SELECT count(*) FROM tasks WHERE project_id = @p AND state = 0 AND expires_at > @now),
                  (SELECT count(*) FROM ranked_items r WHERE r.project_id = @p AND
                     (SELECT count(*) FROM tasks t WHERE t.item_id = r.item_id AND (t.state = 1 OR (t.state = 0 AND t.expires_at > @now))) < @k),
                  ic.free - {RankedFreeSql}
                -- One pass over the project's items for all three item counts.
                FROM (SELECT count(*) AS n, coalesce(sum(held_out), 0) AS held,
                             coalesce(sum(free_slots > 0 AND NOT (held_out = 1 AND gold_label IS NOT NULL)), 0) AS free
                      FROM items WHERE project_id = @p) ic
                """).With("@p", projectId).With("@k", overlap).With("@now", Ticks(now)).ExecuteReader();
            reader.Read();
            return new ProjectCounts(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5),
                reader.GetInt32(6));
        }, cancellationToken));
    }

    // ---- models and trainer ------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task AddModelVersionAsync(ModelVersion model, ModelEvent? evidence = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(model.Version, 1);
        return WriteAsync(() =>
        {
            var settings = ProjectSettingsOf(model.ProjectId) ?? throw new NotFoundException($"Project {model.ProjectId} does not exist.");
            if (W("SELECT 1 FROM model_versions WHERE project_id = @p AND version = @v").With("@p", model.ProjectId).With("@v", model.Version).ExecuteScalar() is not null)
                throw new ConflictException($"Model version {model.Version} of project {model.ProjectId} already exists.");
            W("""
                INSERT INTO model_versions (project_id, version, trained_at, labels, held_out_labeled, accuracy, macro_f1, duration_seconds, stop_recommended, stop_reason, metrics_json)
                VALUES (@p, @v, @t, @l, @h, @acc, @f1, @d, @stop, @why, @m)
                """).With("@p", model.ProjectId).With("@v", model.Version).With("@t", Ticks(model.TrainedAt)).With("@l", model.Labels).With("@h", model.HeldOutLabeled)
                .With("@acc", model.Accuracy).With("@f1", model.MacroF1).With("@d", model.DurationSeconds).With("@stop", model.StopRecommended ? 1 : 0)
                .With("@why", model.StopReason).With("@m", model.MetricsJson).ExecuteNonQuery();
            AppendEvidence(model.ProjectId, StoreEvidence.Model(model, evidence, settings.StopRule));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ModelVersion>> GetModelVersionsAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ModelVersion>>(Read(c => All(
            R(c, $"SELECT {ModelColumns} FROM model_versions WHERE project_id = @p ORDER BY version").With("@p", projectId), MapModel), cancellationToken));

    /// <inheritdoc />
    public Task<bool> TryAcquireTrainerAsync(long projectId, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        StoreChecks.CheckLease(lease);
        return WriteAsync(() =>
        {
            RequireProject(projectId);
            return W("""
                INSERT INTO trainer_leases (project_id, owner, lease_until) VALUES (@p, @o, @u)
                ON CONFLICT (project_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
                WHERE trainer_leases.owner IS NULL OR trainer_leases.owner = excluded.owner OR trainer_leases.lease_until <= @now
                """).With("@p", projectId).With("@o", owner).With("@u", Ticks(now + lease)).With("@now", Ticks(now)).ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReleaseTrainerAsync(long projectId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return WriteAsync(() =>
        {
            W("UPDATE trainer_leases SET owner = NULL, lease_until = 0 WHERE project_id = @p AND owner = @o").With("@p", projectId).With("@o", owner).ExecuteNonQuery();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task SetTrainerStatusAsync(TrainerStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        return WriteAsync(() =>
        {
            RequireProject(status.ProjectId);
            W("""
                INSERT INTO trainer_status (project_id, state, started_at, finished_at, last_duration, error, owner) VALUES (@p, @s, @start, @end, @d, @e, @o)
                ON CONFLICT (project_id) DO UPDATE SET state = excluded.state, started_at = excluded.started_at, finished_at = excluded.finished_at,
                  last_duration = excluded.last_duration, error = excluded.error, owner = excluded.owner
                """).With("@p", status.ProjectId).With("@s", (int)status.State).With("@start", status.StartedAt?.UtcTicks).With("@end", status.FinishedAt?.UtcTicks)
                .With("@d", status.LastDurationSeconds).With("@e", status.Error).With("@o", status.Owner).ExecuteNonQuery();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<TrainerStatus> GetTrainerStatusAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(
            R(c, $"SELECT {TrainerStatusColumns} FROM trainer_status WHERE project_id = @p").With("@p", projectId), MapTrainerStatus)
            ?? new TrainerStatus(projectId, TrainerState.Idle, null, null, null, null, null), cancellationToken));
}
