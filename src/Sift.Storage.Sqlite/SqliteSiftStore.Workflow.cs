using Sift.Evidence;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Sqlite;

public sealed partial class SqliteSiftStore : IWorkflowStore
{
    // ---- the annotation workflow: gold items, reviews, relabel queue ------------------------------------------------

    /// <inheritdoc />
    public Task<int> SetGoldAsync(long projectId, IReadOnlyList<GoldMark> marks, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marks);
        return WriteAsync(() =>
        {
            RequireProject(projectId);
            var changed = 0;
            foreach (var mark in marks)
            {
                var item = One(W("SELECT external_id, held_out FROM items WHERE id = @i AND project_id = @p").With("@i", mark.ItemId).With("@p", projectId),
                    r => new ItemRow(r.GetString(0), r.GetInt64(1) != 0)) ?? throw new NotFoundException($"Item {mark.ItemId} is not an item of project {projectId}.");
                var current = W("SELECT label FROM gold_items WHERE item_id = @i").With("@i", mark.ItemId).ExecuteScalar() as string;
                if (current == mark.Label) continue;
                if (mark.Label is null)
                {
                    W("DELETE FROM gold_items WHERE item_id = @i").With("@i", mark.ItemId).ExecuteNonQuery();
                }
                else
                {
                    if (item.HeldOut) throw new ArgumentException($"Item '{item.ExternalId}' is held out (it evaluates the model); a gold item must be a training item.", nameof(marks));
                    W("INSERT INTO gold_items (item_id, project_id, label, marked_at) VALUES (@i, @p, @l, @t) ON CONFLICT (item_id) DO UPDATE SET label = excluded.label, marked_at = excluded.marked_at")
                        .With("@i", mark.ItemId).With("@p", projectId).With("@l", mark.Label).With("@t", Ticks(now)).ExecuteNonQuery();
                }
                AppendEvidence(projectId, StoreEvidence.Row(new GoldEvent(item.ExternalId, mark.Label), now));
                changed++;
            }
            return changed;
        }, cancellationToken);
    }

    private sealed record ItemRow(string ExternalId, bool HeldOut);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, string>> GetGoldItemsAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<long, string>>(Read(c => All(R(c, "SELECT item_id, label FROM gold_items WHERE project_id = @p ORDER BY item_id").With("@p", projectId),
            r => (Id: r.GetInt64(0), Label: r.GetString(1))).ToDictionary(r => r.Id, r => r.Label), cancellationToken));

    /// <inheritdoc />
    public Task<TaskRecord?> ClaimItemAsync(long projectId, long annotatorId, long itemId, string reason, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        StoreChecks.CheckLease(lease);
        return WriteAsync<TaskRecord?>(() =>
        {
            Reclaim(projectId, now);
            var item = One(W("SELECT external_id, held_out FROM items WHERE id = @i AND project_id = @p").With("@i", itemId).With("@p", projectId),
                r => new ItemRow(r.GetString(0), r.GetInt64(1) != 0));
            if (item is null) return null;
            if (W("SELECT 1 FROM tasks WHERE project_id = @p AND annotator_id = @a AND item_id = @i").With("@p", projectId).With("@a", annotatorId).With("@i", itemId).ExecuteScalar() is not null)
                return null;
            var ranking = One(W("SELECT model_version, strategy FROM rankings WHERE project_id = @p").With("@p", projectId), r => new RankingRow(r.GetInt32(0), r.GetString(1)))
                ?? new RankingRow(0, ColdStartOrder.Strategy);
            var task = new TaskRecord(0, projectId, itemId, annotatorId, TaskState.Leased, Time(Ticks(now)), Time(Ticks(now + lease)),
                ranking.Version, ranking.Strategy, 0, reason, false, item.HeldOut);
            var id = (long)W("""
                INSERT INTO tasks (project_id, item_id, annotator_id, state, leased_at, expires_at, model_version, strategy, score, reason, exploration, held_out)
                VALUES (@p, @i, @a, 0, @t, @e, @v, @s, 0, @why, 0, @h) RETURNING id
                """).With("@p", projectId).With("@i", itemId).With("@a", annotatorId).With("@t", Ticks(task.LeasedAt)).With("@e", Ticks(task.ExpiresAt))
                .With("@v", task.ModelVersion).With("@s", task.Strategy).With("@why", reason).With("@h", item.HeldOut ? 1 : 0).ExecuteScalar()!;
            AdjustHolders(itemId, +1);
            W("DELETE FROM relabel_queue WHERE project_id = @p AND item_id = @i").With("@p", projectId).With("@i", itemId).ExecuteNonQuery();
            task = task with { Id = id };
            AppendEvidence(projectId, StoreEvidence.Selection(task, item.ExternalId, UserName(annotatorId)));
            return task;
        }, cancellationToken);
    }

    private sealed record RankingRow(int Version, string Strategy);

    /// <inheritdoc />
    public Task<Review> AddReviewAsync(NewReview review, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(review);
        return WriteAsync(() =>
        {
            RequireProject(review.ProjectId);
            var externalId = W("SELECT external_id FROM items WHERE id = @i AND project_id = @p").With("@i", review.ItemId).With("@p", review.ProjectId).ExecuteScalar() as string
                ?? throw new NotFoundException($"Item {review.ItemId} is not an item of project {review.ProjectId}.");
            var by = UserName(review.ReviewerId);
            var id = (long)W("""
                INSERT INTO reviews (project_id, item_id, reviewer_id, labels_json, previous_json, rationale, created_at)
                VALUES (@p, @i, @r, @l, @prev, @why, @t) RETURNING id
                """).With("@p", review.ProjectId).With("@i", review.ItemId).With("@r", review.ReviewerId).With("@l", SerializeLabels(review.Labels))
                .With("@prev", review.Previous is null ? null : SerializeLabels(review.Previous)).With("@why", review.Rationale).With("@t", Ticks(review.At)).ExecuteScalar()!;
            var stored = new Review(id, review.ProjectId, review.ItemId, review.ReviewerId, [.. review.Labels], review.Previous is null ? null : [.. review.Previous], review.Rationale, Time(Ticks(review.At)));
            AppendEvidence(review.ProjectId, StoreEvidence.Row(new ReviewEvent(externalId, stored.Labels, stored.Previous, stored.Override, review.Rationale, by), review.At));
            return stored;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Review>> GetReviewsAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Review>>(Read(c => All(R(c, """
            SELECT id, project_id, item_id, reviewer_id, labels_json, previous_json, rationale, created_at FROM reviews WHERE project_id = @p ORDER BY id
            """).With("@p", projectId), r => new Review(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), DeserializeLabels(r.GetString(4)),
            r.IsDBNull(5) ? null : DeserializeLabels(r.GetString(5)), r.GetString(6), Time(r.GetInt64(7)))), cancellationToken));

    /// <inheritdoc />
    public Task ReplaceRelabelQueueAsync(long projectId, IReadOnlyList<RelabelCandidate> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return WriteAsync(() =>
        {
            W("DELETE FROM relabel_queue WHERE project_id = @p").With("@p", projectId).ExecuteNonQuery();
            foreach (var c in candidates)
            {
                W("""
                    INSERT INTO relabel_queue (project_id, item_id, given, suggested, wrong, model_version)
                    SELECT @p, i.id, @g, @s, @w, @v FROM items i WHERE i.id = @i AND i.project_id = @p
                    ON CONFLICT DO NOTHING
                    """).With("@p", projectId).With("@i", c.ItemId).With("@g", c.Given).With("@s", c.Suggested).With("@w", c.Wrong).With("@v", c.ModelVersion).ExecuteNonQuery();
            }
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RelabelCandidate>> GetRelabelQueueAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RelabelCandidate>>(Read(c => All(R(c, """
            SELECT item_id, given, suggested, wrong, model_version FROM relabel_queue WHERE project_id = @p ORDER BY wrong DESC, item_id
            """).With("@p", projectId), r => new RelabelCandidate(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetInt32(4))), cancellationToken));
}
