using NpgsqlTypes;
using Sift.Projects;
using static Sift.Storage.ModelAnnotatorRows;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore : IModelAnnotatorStore
{
    // ---- model annotators --------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<ModelAnnotator> AddModelAnnotatorAsync(long projectId, string name, ModelAnnotatorConfig config, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        CheckAnnotator(name, config);
        return WriteAsync(async tx =>
        {
            await RequireProjectAsync(tx, projectId);
            // Adds to one project take turns (NO KEY UPDATE leaves the rows that reference the project free to insert),
            // so two adds of one name meet the check below, not a unique-key error.
            await tx.Cmd("SELECT 1 FROM projects WHERE id = @p FOR NO KEY UPDATE").With("@p", projectId).ExecAsync(tx.Ct);
            if (await tx.Cmd("SELECT 1 FROM model_annotators WHERE project_id = @p AND name = @n").With("@p", projectId).With("@n", name).ScalarAsync(tx.Ct) is not null)
                throw new ConflictException($"The project already has a model annotator named '{name}'.");
            var userName = ModelAnnotatorRows.UserName(projectId, name);
            if (await tx.Cmd("SELECT 1 FROM users WHERE name = @n").With("@n", userName).ScalarAsync(tx.Ct) is not null)
                throw new ConflictException($"A user named '{userName}' already exists.");
            var userId = (long)(await tx.Cmd("INSERT INTO users (name, role, token_hash, created_at, disabled) VALUES (@n, @r, @h, @t, true) RETURNING id")
                .With("@n", userName).With("@r", ModelRole).With("@h", NoTokenHash(projectId, name)).With("@t", Ticks(now)).ScalarAsync(tx.Ct))!;
            var annotator = (await tx.Cmd($"""
                INSERT INTO model_annotators (project_id, user_id, name, model, key_env, concurrency, timeout_ms, retries, price_in, price_out, enabled, created_at)
                VALUES (@p, @u, @n, @m, @k, @c, @to, @r, @pi, @po, true, @t) RETURNING {AnnotatorColumns}
                """).With("@p", projectId).With("@u", userId).With("@n", name).With("@m", config.Model).WithNullable("@k", config.KeyEnv, NpgsqlDbType.Text)
                .With("@c", config.Concurrency).With("@to", (long)config.Timeout.TotalMilliseconds).With("@r", config.Retries)
                .With("@pi", config.InputPricePer1K).With("@po", config.OutputPricePer1K).With("@t", Ticks(now)).OneAsync(MapAnnotator, tx.Ct))!;
            await AppendEvidenceAsync(tx, projectId, StoreEvidence.Row(new ModelAnnotatorEvent("added", name, annotator.Config), now));
            return annotator;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ModelAnnotator>> ListModelAnnotatorsAsync(long? projectId, CancellationToken cancellationToken = default) =>
        await (projectId is { } p
            ? R($"SELECT {AnnotatorColumns} FROM model_annotators WHERE project_id = @p ORDER BY id").With("@p", p)
            : R($"SELECT {AnnotatorColumns} FROM model_annotators ORDER BY id")).AllAsync(MapAnnotator, cancellationToken);

    /// <inheritdoc />
    public Task<ModelAnnotator?> SetModelAnnotatorEnabledAsync(long projectId, long annotatorId, bool enabled, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(async tx =>
        {
            var annotator = await tx.Cmd($"SELECT {AnnotatorColumns} FROM model_annotators WHERE id = @id AND project_id = @p FOR UPDATE")
                .With("@id", annotatorId).With("@p", projectId).OneAsync(MapAnnotator, tx.Ct);
            if (annotator is null || annotator.Enabled == enabled) return annotator;
            await tx.Cmd("UPDATE model_annotators SET enabled = @e WHERE id = @id").With("@e", enabled).With("@id", annotatorId).ExecAsync(tx.Ct);
            if (!enabled)
            {
                // Its live leases run out now; the reclaim frees their slots like any expired lease's.
                await tx.Cmd("UPDATE tasks SET expires_at = @now WHERE project_id = @p AND annotator_id = @u AND state = @s AND expires_at > @now")
                    .With("@p", projectId).With("@u", annotator.UserId).With("@s", Leased).With("@now", Ticks(now)).ExecAsync(tx.Ct);
                await ReclaimAsync(tx, projectId, now);
            }
            await AppendEvidenceAsync(tx, projectId, StoreEvidence.Row(new ModelAnnotatorEvent(enabled ? "enabled" : "disabled", annotator.Name, annotator.Config), now));
            return annotator with { Enabled = enabled };
        }, cancellationToken);

    /// <inheritdoc />
    public Task SetModelAnnotatorErrorAsync(long annotatorId, string? error, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => tx.Cmd("UPDATE model_annotators SET last_error = @e, last_error_at = @t WHERE id = @id")
            .WithNullable("@e", error, NpgsqlDbType.Text).WithNullable("@t", error is null ? null : Ticks(now), NpgsqlDbType.Bigint).With("@id", annotatorId)
            .ExecAsync(tx.Ct), cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryAcquireModelWorkerAsync(long annotatorId, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        StoreChecks.CheckLease(lease);
        // The conditional update locks the row and evaluates the WHERE on its newest version: one owner wins across processes.
        return WriteAsync(async tx => await tx.Cmd("""
            UPDATE model_annotators SET worker_owner = @o, worker_until = @u
            WHERE id = @id AND (worker_owner IS NULL OR worker_owner = @o OR worker_until <= @now)
            """).With("@o", owner).With("@u", Ticks(now + lease)).With("@id", annotatorId).With("@now", Ticks(now)).ExecAsync(tx.Ct) == 1, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReleaseModelWorkerAsync(long annotatorId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return WriteAsync(tx => tx.Cmd("UPDATE model_annotators SET worker_owner = NULL, worker_until = 0 WHERE id = @id AND worker_owner = @o")
            .With("@id", annotatorId).With("@o", owner).ExecAsync(tx.Ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<ModelAnswer> RecordModelAnswerAsync(NewModelAnswer answer, CancellationToken cancellationToken = default)
    {
        CheckAnswer(answer);
        var labelsJson = SerializeLabels(answer.Labels);
        return WriteAsync(async tx =>
        {
            var annotator = await tx.Cmd($"SELECT {AnnotatorColumns} FROM model_annotators WHERE id = @id AND project_id = @p")
                .With("@id", answer.AnnotatorId).With("@p", answer.ProjectId).OneAsync(MapAnnotator, tx.Ct)
                ?? throw new NotFoundException($"Model annotator {answer.AnnotatorId} does not exist in project {answer.ProjectId}.");
            var task = await tx.Cmd($"SELECT {TaskColumns} FROM tasks WHERE id = @id AND project_id = @p FOR UPDATE")
                .With("@id", answer.TaskId).With("@p", answer.ProjectId).OneAsync(MapTask, tx.Ct);
            if (task is null || task.AnnotatorId != annotator.UserId) throw new NotFoundException($"Task {answer.TaskId} was not found.");
            if (await tx.Cmd("SELECT 1 FROM model_answers WHERE task_id = @t").With("@t", task.Id).ScalarAsync(tx.Ct) is not null)
                throw new ConflictException($"Task {task.Id} was already answered.");
            long? annotationId = null;
            var provenance = answer.Provenance;
            if (answer.Outcome == ModelAnswerOutcome.Accepted)
            {
                var submitted = await SubmitAsync(tx, answer.ProjectId, task.Id, annotator.UserId, answer.Labels, labelsJson, RequestId(task.Id), answer.Now, provenance);
                annotationId = submitted.Annotation.Id;
                provenance = submitted.Annotation.Provenance ?? provenance;
            }
            // Not accepted: the item goes back to people at once (a lease already reclaimed freed its slot before).
            else if (task.State == TaskState.Leased) await SkipAsync(tx, answer.ProjectId, task.Id, annotator.UserId);
            else if (task.State != TaskState.Expired) throw new ConflictException($"Task {task.Id} is {task.State.ToString().ToLowerInvariant()}, not leased.");
            var cost = provenance.Cost;
            var stored = (await tx.Cmd($"""
                INSERT INTO model_answers (project_id, annotator_id, item_id, task_id, outcome, labels_json, stated, calibrated, decision, reason,
                  money, input_tokens, output_tokens, seconds, provenance_json, annotation_id, created_at)
                VALUES (@p, @a, @i, @t, @o, @l, @s, @c, @d, @r, @m, @in, @out, @sec, @prov, @ann, @now) RETURNING {AnswerColumns}
                """).With("@p", answer.ProjectId).With("@a", annotator.Id).With("@i", task.ItemId).With("@t", task.Id).With("@o", (int)answer.Outcome)
                .With("@l", labelsJson).WithNullable("@s", answer.StatedConfidence, NpgsqlDbType.Double).WithNullable("@c", answer.Calibrated, NpgsqlDbType.Double)
                .With("@d", answer.Decision).WithNullable("@r", answer.Reason, NpgsqlDbType.Text)
                .With("@m", cost.Money).With("@in", (long)cost.InputTokens).With("@out", (long)cost.OutputTokens).With("@sec", cost.Seconds)
                .With("@prov", SerializeProvenance(provenance)).WithNullable("@ann", annotationId, NpgsqlDbType.Bigint).With("@now", Ticks(answer.Now))
                .OneAsync(MapAnswer, tx.Ct))!;
            var externalId = (string)(await tx.Cmd("SELECT external_id FROM items WHERE id = @i").With("@i", task.ItemId).ScalarAsync(tx.Ct))!;
            await AppendEvidenceAsync(tx, answer.ProjectId, ModelAnnotatorRows.Evidence(answer with { Provenance = provenance }, externalId));
            return stored;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ModelAnswer>> GetModelAnswersAsync(long projectId, long? annotatorId = null, IReadOnlyCollection<long>? itemIds = null, CancellationToken cancellationToken = default)
    {
        var sql = $"SELECT {AnswerColumns} FROM model_answers WHERE project_id = @p"
            + (annotatorId is null ? "" : " AND annotator_id = @a") + (itemIds is null ? "" : " AND item_id = ANY(@items)") + " ORDER BY id";
        var command = R(sql).With("@p", projectId);
        if (annotatorId is { } a) command.With("@a", a);
        if (itemIds is not null) command.With("@items", itemIds.Distinct().ToArray());
        return await command.AllAsync(MapAnswer, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Annotation>> GetPeopleAnswersOnModelItemsAsync(long projectId, long annotatorId, CancellationToken cancellationToken = default) =>
        await R($"""
            SELECT {Prefixed("a", AnnotationColumns)} FROM annotations a JOIN users u ON u.id = a.annotator_id
            WHERE a.project_id = @p AND NOT a.undone AND u.role <> @model
              AND a.item_id IN (SELECT m.item_id FROM model_answers m WHERE m.annotator_id = @a AND m.project_id = @p)
            ORDER BY a.id
            """).With("@p", projectId).With("@a", annotatorId).With("@model", ModelRole).AllAsync(MapAnnotation, cancellationToken);

    /// <inheritdoc />
    public Task<bool> RecordSuggestionShownAsync(long projectId, long taskId, long modelAnswerId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(async tx =>
        {
            if (await tx.Cmd("SELECT 1 FROM tasks WHERE id = @t AND project_id = @p").With("@t", taskId).With("@p", projectId).ScalarAsync(tx.Ct) is null)
                throw new NotFoundException($"Task {taskId} was not found.");
            if (await tx.Cmd("SELECT 1 FROM model_answers WHERE id = @m AND project_id = @p").With("@m", modelAnswerId).With("@p", projectId).ScalarAsync(tx.Ct) is null)
                throw new NotFoundException($"Model answer {modelAnswerId} was not found.");
            return await tx.Cmd("INSERT INTO suggestions_shown (task_id, project_id, model_answer_id, shown_at) VALUES (@t, @p, @m, @now) ON CONFLICT (task_id) DO NOTHING")
                .With("@t", taskId).With("@p", projectId).With("@m", modelAnswerId).With("@now", Ticks(now)).ExecAsync(tx.Ct) == 1;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<ModelAnswer?> GetSuggestionShownAsync(long projectId, long taskId, CancellationToken cancellationToken = default) =>
        await R($"""
            SELECT {Prefixed("m", AnswerColumns)} FROM suggestions_shown s JOIN model_answers m ON m.id = s.model_answer_id
            WHERE s.task_id = @t AND s.project_id = @p
            """).With("@t", taskId).With("@p", projectId).OneAsync(MapAnswer, cancellationToken);

    /// <inheritdoc />
    public async Task<OracleSpending> GetOracleSpendingAsync(long projectId, CancellationToken cancellationToken = default)
    {
        // People's money and time are in their answers' provenance (set when they answered); the models' in columns.
        var people = (await R("""
            SELECT count(*) FILTER (WHERE NOT a.undone)::int,
                   coalesce(sum((a.provenance_json::jsonb #>> '{cost,money}')::double precision), 0),
                   coalesce(sum((a.provenance_json::jsonb #>> '{cost,seconds}')::double precision), 0)
            FROM annotations a JOIN users u ON u.id = a.annotator_id
            WHERE a.project_id = @p AND u.role <> @model
            """).With("@p", projectId).With("@model", ModelRole).AllAsync(r => (Labels: r.GetInt32(0), Money: r.GetDouble(1), Seconds: r.GetDouble(2)), cancellationToken))[0];
        var models = await R("""
            SELECT g.id, count(m.id)::int, count(*) FILTER (WHERE m.outcome = 0)::int, count(*) FILTER (WHERE m.outcome = 1)::int,
                   count(*) FILTER (WHERE m.outcome = 2)::int, coalesce(sum(m.money), 0), coalesce(sum(m.input_tokens), 0)::bigint,
                   coalesce(sum(m.output_tokens), 0)::bigint, coalesce(sum(m.seconds), 0)
            FROM model_annotators g LEFT JOIN model_answers m ON m.annotator_id = g.id
            WHERE g.project_id = @p GROUP BY g.id ORDER BY g.id
            """).With("@p", projectId).AllAsync(r => new ModelSpending(r.GetInt64(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4),
                r.GetDouble(5), r.GetInt64(6), r.GetInt64(7), r.GetDouble(8)), cancellationToken);
        return new OracleSpending(people.Labels, people.Money, people.Seconds, models);
    }

    /// <summary>A column list with every column prefixed by a table alias.</summary>
    private static string Prefixed(string alias, string columns) =>
        string.Join(", ", columns.Split(", ").Select(column => alias + "." + column));
}
