using NpgsqlTypes;
using Sift.Evidence;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore : IWorkflowStore
{
    // ---- the annotation workflow: gold items, reviews, relabel queue ------------------------------------------------

    /// <inheritdoc />
    public Task<int> SetGoldAsync(long projectId, IReadOnlyList<GoldMark> marks, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marks);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, projectId);
            var changed = 0;
            var events = new List<EvidenceRow>();
            foreach (var mark in marks)
            {
                var item = await tx.Cmd("SELECT external_id, held_out FROM items WHERE id = @i AND project_id = @p FOR UPDATE").With("@i", mark.ItemId).With("@p", projectId)
                    .OneAsync(r => new ItemRow(r.GetString(0), r.GetBoolean(1)), tx.Ct) ?? throw new NotFoundException($"Item {mark.ItemId} is not an item of project {projectId}.");
                var current = await tx.Cmd("SELECT label FROM gold_items WHERE item_id = @i").With("@i", mark.ItemId).ScalarAsync(tx.Ct) as string;
                if (current == mark.Label) continue;
                if (mark.Label is null)
                {
                    await tx.Cmd("DELETE FROM gold_items WHERE item_id = @i").With("@i", mark.ItemId).ExecAsync(tx.Ct);
                }
                else
                {
                    if (item.HeldOut) throw new ArgumentException($"Item '{item.ExternalId}' is held out (it evaluates the model); a gold item must be a training item.", nameof(marks));
                    await tx.Cmd("INSERT INTO gold_items (item_id, project_id, label, marked_at) VALUES (@i, @p, @l, @t) ON CONFLICT (item_id) DO UPDATE SET label = excluded.label, marked_at = excluded.marked_at")
                        .With("@i", mark.ItemId).With("@p", projectId).With("@l", mark.Label).With("@t", Ticks(now)).ExecAsync(tx.Ct);
                }
                events.Add(StoreEvidence.Row(new GoldEvent(item.ExternalId, mark.Label), now));
                changed++;
            }
            if (events.Count > 0) await AppendEvidenceAsync(tx, projectId, [.. events]);
            return changed;
        }, cancellationToken);
    }

    private sealed record ItemRow(string ExternalId, bool HeldOut);

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, string>> GetGoldItemsAsync(long projectId, CancellationToken cancellationToken = default) =>
        (await R("SELECT item_id, label FROM gold_items WHERE project_id = @p ORDER BY item_id").With("@p", projectId)
            .AllAsync(r => (Id: r.GetInt64(0), Label: r.GetString(1)), cancellationToken)).ToDictionary(r => r.Id, r => r.Label);

    /// <inheritdoc />
    public Task<TaskRecord?> ClaimItemAsync(long projectId, long annotatorId, long itemId, string reason, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        StoreChecks.CheckLease(lease);
        return WriteAsync<TaskRecord?>(async tx =>
        {
            // The evidence head first, as the ranked claim takes it, so the two kinds of claim take turns in one order.
            await tx.Cmd("SELECT seq FROM evidence_heads WHERE project_id = @p FOR UPDATE").With("@p", projectId).ExecAsync(tx.Ct);
            await ReclaimAsync(tx, projectId, now);
            var item = await tx.Cmd("SELECT external_id, held_out FROM items WHERE id = @i AND project_id = @p FOR UPDATE").With("@i", itemId).With("@p", projectId)
                .OneAsync(r => new ItemRow(r.GetString(0), r.GetBoolean(1)), tx.Ct);
            if (item is null) return null;
            var ranking = await tx.Cmd("SELECT model_version, strategy FROM rankings WHERE project_id = @p").With("@p", projectId)
                .OneAsync(r => new RankingRow(r.GetInt32(0), r.GetString(1)), tx.Ct) ?? new RankingRow(0, ColdStartOrder.Strategy);
            var id = await tx.Cmd("""
                INSERT INTO tasks (project_id, item_id, annotator_id, state, leased_at, expires_at, model_version, strategy, score, reason, exploration, held_out)
                VALUES (@p, @i, @a, 0, @t, @e, @v, @s, 0, @why, false, @h)
                ON CONFLICT ON CONSTRAINT tasks_project_annotator_item_key DO NOTHING
                RETURNING id
                """).With("@p", projectId).With("@i", itemId).With("@a", annotatorId).With("@t", Ticks(now)).With("@e", Ticks(now + lease))
                .With("@v", ranking.Version).With("@s", ranking.Strategy).With("@why", reason).With("@h", item.HeldOut).ScalarAsync(tx.Ct);
            if (id is not long taskId) return null;   // they already had a task for it
            await tx.Cmd("UPDATE items SET holders = holders + 1, free_slots = free_slots - 1 WHERE id = @i").With("@i", itemId).ExecAsync(tx.Ct);
            await RefreshOpenAsync(tx, itemId);
            await tx.Cmd("DELETE FROM relabel_queue WHERE project_id = @p AND item_id = @i").With("@p", projectId).With("@i", itemId).ExecAsync(tx.Ct);
            var task = new TaskRecord(taskId, projectId, itemId, annotatorId, TaskState.Leased, Time(Ticks(now)), Time(Ticks(now + lease)),
                ranking.Version, ranking.Strategy, 0, reason, false, item.HeldOut);
            await AppendEvidenceAsync(tx, projectId, StoreEvidence.Selection(task, item.ExternalId, await UserNameAsync(tx, annotatorId)));
            return task;
        }, cancellationToken);
    }

    private sealed record RankingRow(int Version, string Strategy);

    /// <inheritdoc />
    public Task<Review> AddReviewAsync(NewReview review, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(review);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, review.ProjectId);
            var externalId = await tx.Cmd("SELECT external_id FROM items WHERE id = @i AND project_id = @p").With("@i", review.ItemId).With("@p", review.ProjectId).ScalarAsync(tx.Ct) as string
                ?? throw new NotFoundException($"Item {review.ItemId} is not an item of project {review.ProjectId}.");
            var by = await UserNameAsync(tx, review.ReviewerId);
            var id = (long)(await tx.Cmd("""
                INSERT INTO reviews (project_id, item_id, reviewer_id, labels_json, previous_json, rationale, created_at)
                VALUES (@p, @i, @r, @l, @prev, @why, @t) RETURNING id
                """).With("@p", review.ProjectId).With("@i", review.ItemId).With("@r", review.ReviewerId).With("@l", SerializeLabels(review.Labels))
                .WithNullable("@prev", review.Previous is null ? null : SerializeLabels(review.Previous), NpgsqlDbType.Text).With("@why", review.Rationale)
                .With("@t", Ticks(review.At)).ScalarAsync(tx.Ct))!;
            var stored = new Review(id, review.ProjectId, review.ItemId, review.ReviewerId, [.. review.Labels], review.Previous is null ? null : [.. review.Previous], review.Rationale, Time(Ticks(review.At)));
            await AppendEvidenceAsync(tx, review.ProjectId, StoreEvidence.Row(new ReviewEvent(externalId, stored.Labels, stored.Previous, stored.Override, review.Rationale, by), review.At));
            return stored;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Review>> GetReviewsAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R("""
            SELECT id, project_id, item_id, reviewer_id, labels_json, previous_json, rationale, created_at FROM reviews WHERE project_id = @p ORDER BY id
            """).With("@p", projectId).AllAsync(r => new Review(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), DeserializeLabels(r.GetString(4)),
            r.IsDBNull(5) ? null : DeserializeLabels(r.GetString(5)), r.GetString(6), Time(r.GetInt64(7))), cancellationToken);

    /// <inheritdoc />
    public Task ReplaceRelabelQueueAsync(long projectId, IReadOnlyList<RelabelCandidate> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return WriteAsync(async tx =>
        {
            await tx.Cmd("DELETE FROM relabel_queue WHERE project_id = @p").With("@p", projectId).ExecAsync(tx.Ct);
            if (candidates.Count == 0) return 0;
            return await tx.Cmd("""
                INSERT INTO relabel_queue (project_id, item_id, given, suggested, wrong, model_version)
                SELECT @p, i.id, x.g, x.s, x.w, x.v FROM unnest(@i, @g, @s, @w, @v) AS x(i, g, s, w, v) JOIN items i ON i.id = x.i AND i.project_id = @p
                ON CONFLICT DO NOTHING
                """).With("@p", projectId).With("@i", candidates.Select(c => c.ItemId).ToArray()).With("@g", candidates.Select(c => c.Given).ToArray())
                .With("@s", candidates.Select(c => c.Suggested).ToArray()).With("@w", candidates.Select(c => c.Wrong).ToArray())
                .With("@v", candidates.Select(c => c.ModelVersion).ToArray()).ExecAsync(tx.Ct);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RelabelCandidate>> GetRelabelQueueAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R("""
            SELECT item_id, given, suggested, wrong, model_version FROM relabel_queue WHERE project_id = @p ORDER BY wrong DESC, item_id
            """).With("@p", projectId).AllAsync(r => new RelabelCandidate(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetInt32(4)), cancellationToken);
}
