using System.Globalization;
using Sift.Oracles;
using Sift.Projects;
using static Sift.Storage.ModelAnnotatorRows;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Sqlite;

public sealed partial class SqliteSiftStore : IModelAnnotatorStore
{
    // ---- model annotators --------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<ModelAnnotator> AddModelAnnotatorAsync(long projectId, string name, ModelAnnotatorConfig config, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        CheckAnnotator(name, config);
        return WriteAsync(() =>
        {
            RequireProject(projectId);
            if (W("SELECT 1 FROM model_annotators WHERE project_id = @p AND name = @n").With("@p", projectId).With("@n", name).ExecuteScalar() is not null)
                throw new ConflictException($"The project already has a model annotator named '{name}'.");
            var userName = ModelAnnotatorRows.UserName(projectId, name);
            if (W("SELECT 1 FROM users WHERE name = @n").With("@n", userName).ExecuteScalar() is not null)
                throw new ConflictException($"A user named '{userName}' already exists.");
            var userId = (long)W("INSERT INTO users (name, role, token_hash, created_at, disabled) VALUES (@n, @r, @h, @t, 1) RETURNING id")
                .With("@n", userName).With("@r", ModelRole).With("@h", NoTokenHash(projectId, name)).With("@t", Ticks(now)).ExecuteScalar()!;
            var id = (long)W("""
                INSERT INTO model_annotators (project_id, user_id, name, model, key_env, concurrency, timeout_ms, retries, price_in, price_out, enabled, created_at)
                VALUES (@p, @u, @n, @m, @k, @c, @to, @r, @pi, @po, 1, @t) RETURNING id
                """).With("@p", projectId).With("@u", userId).With("@n", name).With("@m", config.Model).With("@k", config.KeyEnv)
                .With("@c", config.Concurrency).With("@to", (long)config.Timeout.TotalMilliseconds).With("@r", config.Retries)
                .With("@pi", config.InputPricePer1K).With("@po", config.OutputPricePer1K).With("@t", Ticks(now)).ExecuteScalar()!;
            var annotator = One(W($"SELECT {AnnotatorColumns} FROM model_annotators WHERE id = @id").With("@id", id), MapAnnotator)!;
            AppendEvidence(projectId, StoreEvidence.Row(new ModelAnnotatorEvent("added", name, annotator.Config), now));
            return annotator;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ModelAnnotator>> ListModelAnnotatorsAsync(long? projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ModelAnnotator>>(Read(c => All(projectId is { } p
            ? R(c, $"SELECT {AnnotatorColumns} FROM model_annotators WHERE project_id = @p ORDER BY id").With("@p", p)
            : R(c, $"SELECT {AnnotatorColumns} FROM model_annotators ORDER BY id"), MapAnnotator), cancellationToken));

    /// <inheritdoc />
    public Task<ModelAnnotator?> SetModelAnnotatorEnabledAsync(long projectId, long annotatorId, bool enabled, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(() =>
        {
            var annotator = One(W($"SELECT {AnnotatorColumns} FROM model_annotators WHERE id = @id AND project_id = @p").With("@id", annotatorId).With("@p", projectId), MapAnnotator);
            if (annotator is null || annotator.Enabled == enabled) return annotator;
            W("UPDATE model_annotators SET enabled = @e WHERE id = @id").With("@e", enabled ? 1 : 0).With("@id", annotatorId).ExecuteNonQuery();
            if (!enabled)
            {
                // Its live leases run out now; the reclaim frees their slots like any expired lease's.
                W("UPDATE tasks SET expires_at = @now WHERE project_id = @p AND annotator_id = @u AND state = @s AND expires_at > @now")
                    .With("@p", projectId).With("@u", annotator.UserId).With("@s", Leased).With("@now", Ticks(now)).ExecuteNonQuery();
                Reclaim(projectId, now);
            }
            AppendEvidence(projectId, StoreEvidence.Row(new ModelAnnotatorEvent(enabled ? "enabled" : "disabled", annotator.Name, annotator.Config), now));
            return annotator with { Enabled = enabled };
        }, cancellationToken);

    /// <inheritdoc />
    public Task SetModelAnnotatorErrorAsync(long annotatorId, string? error, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(() => W("UPDATE model_annotators SET last_error = @e, last_error_at = @t WHERE id = @id")
            .With("@e", error).With("@t", error is null ? null : Ticks(now)).With("@id", annotatorId).ExecuteNonQuery(), cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryAcquireModelWorkerAsync(long annotatorId, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        StoreChecks.CheckLease(lease);
        return WriteAsync(() => W("""
            UPDATE model_annotators SET worker_owner = @o, worker_until = @u
            WHERE id = @id AND (worker_owner IS NULL OR worker_owner = @o OR worker_until <= @now)
            """).With("@o", owner).With("@u", Ticks(now + lease)).With("@id", annotatorId).With("@now", Ticks(now)).ExecuteNonQuery() == 1, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReleaseModelWorkerAsync(long annotatorId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return WriteAsync(() => W("UPDATE model_annotators SET worker_owner = NULL, worker_until = 0 WHERE id = @id AND worker_owner = @o")
            .With("@id", annotatorId).With("@o", owner).ExecuteNonQuery(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<ModelAnswer> RecordModelAnswerAsync(NewModelAnswer answer, CancellationToken cancellationToken = default)
    {
        CheckAnswer(answer);
        var labelsJson = SerializeLabels(answer.Labels);
        return WriteAsync(() =>
        {
            var annotator = One(W($"SELECT {AnnotatorColumns} FROM model_annotators WHERE id = @id AND project_id = @p")
                .With("@id", answer.AnnotatorId).With("@p", answer.ProjectId), MapAnnotator)
                ?? throw new NotFoundException($"Model annotator {answer.AnnotatorId} does not exist in project {answer.ProjectId}.");
            var task = One(W($"SELECT {TaskColumns} FROM tasks WHERE id = @id AND project_id = @p").With("@id", answer.TaskId).With("@p", answer.ProjectId), MapTask);
            if (task is null || task.AnnotatorId != annotator.UserId) throw new NotFoundException($"Task {answer.TaskId} was not found.");
            if (W("SELECT 1 FROM model_answers WHERE task_id = @t").With("@t", task.Id).ExecuteScalar() is not null)
                throw new ConflictException($"Task {task.Id} was already answered.");
            long? annotationId = null;
            var provenance = answer.Provenance;
            if (answer.Outcome == ModelAnswerOutcome.Accepted)
            {
                var submitted = Submit(answer.ProjectId, task.Id, annotator.UserId, answer.Labels, labelsJson, RequestId(task.Id), answer.Now, provenance);
                annotationId = submitted.Annotation.Id;
                provenance = submitted.Annotation.Provenance ?? provenance;
            }
            // Not accepted: the item goes back to people at once (a lease already reclaimed freed its slot before).
            else if (task.State == TaskState.Leased) Skip(answer.ProjectId, task.Id, annotator.UserId);
            else if (task.State != TaskState.Expired) throw new ConflictException($"Task {task.Id} is {task.State.ToString().ToLowerInvariant()}, not leased.");
            var cost = provenance.Cost;
            var id = (long)W("""
                INSERT INTO model_answers (project_id, annotator_id, item_id, task_id, outcome, labels_json, stated, calibrated, decision, reason,
                  money, input_tokens, output_tokens, seconds, provenance_json, annotation_id, created_at)
                VALUES (@p, @a, @i, @t, @o, @l, @s, @c, @d, @r, @m, @in, @out, @sec, @prov, @ann, @now) RETURNING id
                """).With("@p", answer.ProjectId).With("@a", annotator.Id).With("@i", task.ItemId).With("@t", task.Id).With("@o", (int)answer.Outcome)
                .With("@l", labelsJson).With("@s", answer.StatedConfidence).With("@c", answer.Calibrated).With("@d", answer.Decision).With("@r", answer.Reason)
                .With("@m", cost.Money).With("@in", cost.InputTokens).With("@out", cost.OutputTokens).With("@sec", cost.Seconds)
                .With("@prov", SerializeProvenance(provenance)).With("@ann", annotationId).With("@now", Ticks(answer.Now)).ExecuteScalar()!;
            AppendEvidence(answer.ProjectId, ModelAnnotatorRows.Evidence(answer with { Provenance = provenance }, ExternalId(task.ItemId)));
            return One(W($"SELECT {AnswerColumns} FROM model_answers WHERE id = @id").With("@id", id), MapAnswer)!;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ModelAnswer>> GetModelAnswersAsync(long projectId, long? annotatorId = null, IReadOnlyCollection<long>? itemIds = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ModelAnswer>>(Read(c =>
        {
            var sql = $"SELECT {AnswerColumns} FROM model_answers WHERE project_id = @p" + (annotatorId is null ? "" : " AND annotator_id = @a");
            if (itemIds is null) return All(R(c, sql + " ORDER BY id").With("@p", projectId).With("@a", annotatorId), MapAnswer);
            var found = new List<ModelAnswer>();
            // In pages of ids, so no statement carries more parameters than SQLite allows.
            foreach (var chunk in itemIds.Distinct().Chunk(500))
            {
                var names = chunk.Select((_, i) => "@i" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
                var command = R(c, $"{sql} AND item_id IN ({string.Join(", ", names)})").With("@p", projectId).With("@a", annotatorId);
                for (var i = 0; i < chunk.Length; i++) command.With(names[i], chunk[i]);
                found.AddRange(All(command, MapAnswer));
            }
            return found.OrderBy(a => a.Id).ToList();
        }, cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<Annotation>> GetPeopleAnswersOnModelItemsAsync(long projectId, long annotatorId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Annotation>>(Read(c => All(R(c, $"""
            SELECT {Prefixed("a", AnnotationColumns)} FROM annotations a JOIN users u ON u.id = a.annotator_id
            WHERE a.project_id = @p AND a.undone = 0 AND u.role <> @model
              AND a.item_id IN (SELECT m.item_id FROM model_answers m WHERE m.annotator_id = @a AND m.project_id = @p)
            ORDER BY a.id
            """).With("@p", projectId).With("@a", annotatorId).With("@model", ModelRole), MapAnnotation), cancellationToken));

    /// <inheritdoc />
    public Task<bool> RecordSuggestionShownAsync(long projectId, long taskId, long modelAnswerId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(() =>
        {
            if (W("SELECT 1 FROM tasks WHERE id = @t AND project_id = @p").With("@t", taskId).With("@p", projectId).ExecuteScalar() is null)
                throw new NotFoundException($"Task {taskId} was not found.");
            if (W("SELECT 1 FROM model_answers WHERE id = @m AND project_id = @p").With("@m", modelAnswerId).With("@p", projectId).ExecuteScalar() is null)
                throw new NotFoundException($"Model answer {modelAnswerId} was not found.");
            return W("INSERT INTO suggestions_shown (task_id, project_id, model_answer_id, shown_at) VALUES (@t, @p, @m, @now) ON CONFLICT (task_id) DO NOTHING")
                .With("@t", taskId).With("@p", projectId).With("@m", modelAnswerId).With("@now", Ticks(now)).ExecuteNonQuery() == 1;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<ModelAnswer?> GetSuggestionShownAsync(long projectId, long taskId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(R(c, $"""
            SELECT {Prefixed("m", AnswerColumns)} FROM suggestions_shown s JOIN model_answers m ON m.id = s.model_answer_id
            WHERE s.task_id = @t AND s.project_id = @p
            """).With("@t", taskId).With("@p", projectId), MapAnswer), cancellationToken));

    /// <inheritdoc />
    public Task<OracleSpending> GetOracleSpendingAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c =>
        {
            // People's money and time are in their answers' provenance (set when they answered); the models' in columns.
            using var people = R(c, """
                SELECT coalesce(sum(CASE WHEN a.undone = 0 THEN 1 ELSE 0 END), 0),
                       coalesce(sum(json_extract(a.provenance_json, '$.cost.money')), 0),
                       coalesce(sum(json_extract(a.provenance_json, '$.cost.seconds')), 0)
                FROM annotations a JOIN users u ON u.id = a.annotator_id
                WHERE a.project_id = @p AND u.role <> @model
                """).With("@p", projectId).With("@model", ModelRole);
            using var reader = people.ExecuteReader();
            reader.Read();
            var (labels, money, seconds) = (reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2));
            var models = All(R(c, """
                SELECT g.id, count(m.id), coalesce(sum(m.outcome = 0), 0), coalesce(sum(m.outcome = 1), 0), coalesce(sum(m.outcome = 2), 0),
                       coalesce(sum(m.money), 0), coalesce(sum(m.input_tokens), 0), coalesce(sum(m.output_tokens), 0), coalesce(sum(m.seconds), 0)
                FROM model_annotators g LEFT JOIN model_answers m ON m.annotator_id = g.id
                WHERE g.project_id = @p GROUP BY g.id ORDER BY g.id
                """).With("@p", projectId), r => new ModelSpending(r.GetInt64(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4),
                    r.GetDouble(5), r.GetInt64(6), r.GetInt64(7), r.GetDouble(8)));
            return new OracleSpending(labels, money, seconds, models);
        }, cancellationToken));

    /// <summary>A column list with every column prefixed by a table alias.</summary>
    private static string Prefixed(string alias, string columns) =>
        string.Join(", ", columns.Split(", ").Select(column => alias + "." + column));
}
