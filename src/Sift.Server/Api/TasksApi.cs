using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Sift.Data;
using Sift.Items;
using Sift.Oracles;
using Sift.Projects;
using Sift.Quality;
using Sift.Routing;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Models;
using Sift.Server.Training;
using Sift.Storage;

namespace Sift.Server.Api;

/// <summary>
/// Task hand-out and answers (admins and annotators: each sees only their own tasks), the caller's progress, and the
/// read-only logs of hand-outs and annotations for those who review.
/// </summary>
internal static class TasksApi
{
    /// <summary>The most live tasks one annotator may hold in a project (current + prefetched).</summary>
    public const int MaxPrefetch = 3;

    /// <summary>The longest client request id accepted.</summary>
    public const int MaxClientRequestIdLength = 100;

    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("tasks");
        project.MapPost("/tasks/next", NextTasks).RequireAuthorization(SiftPolicies.Annotate);
        project.MapPost("/tasks/{taskId:long}/submit", Submit).RequireAuthorization(SiftPolicies.Annotate);
        project.MapPost("/tasks/{taskId:long}/skip", Skip).RequireAuthorization(SiftPolicies.Annotate);
        project.MapPost("/tasks/undo", Undo).RequireAuthorization(SiftPolicies.Annotate);
        project.MapGet("/my-progress", MyProgress).RequireAuthorization(SiftPolicies.Annotate);
        project.MapGet("/tasks", HandoutLog).RequireAuthorization(SiftPolicies.Audit).RequireRateLimiting(ReadLimiting.Policy);
        project.MapGet("/annotations", Annotations).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        return routes;
    }

    internal static async Task<Results<Ok<TaskView[]>, NoContent>> NextTasks(
        long projectId, int? prefetch, ClaimsPrincipal principal, ISiftStore store, IModelAnnotatorStore models, ILiveLoop loop, TimeProvider time, CancellationToken ct)
    {
        var wanted = prefetch ?? 1;
        if (wanted is < 1 or > MaxPrefetch) throw new RequestValidationException("prefetch", $"prefetch: must be between 1 and {MaxPrefetch}, not {wanted}.");
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var me = principal.UserId();
        var now = time.GetUtcNow();

        var tasks = (await store.GetLiveTasksAsync(projectId, me, now, ct)).ToList();
        var claimed = 0;
        while (tasks.Count < wanted)
        {
            // A gold item, blind, at the project's rate; otherwise the queue's next item.
            // Then a likely-mislabeled item when relabeling it is worth more than a new label (recorded either way).
            var task = await Workflow.GoldHandout.TryClaimAsync(store, project, me, claimed, now, ct)
                ?? await Workflow.RelabelHandout.TryClaimAsync(store, project, me, principal.Identity?.Name ?? "", now, ct)
                ?? await store.ClaimNextAsync(projectId, me, now, project.Settings.LeaseDuration, project.Settings.Overlap, ct);
            if (task is null) break;
            tasks.Add(task);
            claimed++;
        }
        if (claimed > 0) loop.OnTasksClaimed(projectId, claimed);

        if (tasks.Count == 0) return TypedResults.NoContent();
        var views = new TaskView[tasks.Count];
        for (var i = 0; i < tasks.Count; i++) views[i] = await ViewAsync(store, models, project, tasks[i], me, time, ct);
        return TypedResults.Ok(views);
    }

    internal static async Task<Ok<SubmitResponse>> Submit(
        long projectId, long taskId, SubmitRequest request, ClaimsPrincipal principal, ISiftStore store, IModelAnnotatorStore models, ILiveLoop loop, TimeProvider time,
        CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var labels = ValidateLabels(project.Settings, request.Labels);
        var seconds = ValidateSeconds(request.Seconds);
        var requestId = request.ClientRequestId.Trim();
        if (requestId.Length == 0) throw new RequestValidationException("client_request_id", "client_request_id: may not be empty; send a fresh id per answer (a retry sends the same id).");
        if (requestId.Length > MaxClientRequestIdLength)
            throw new RequestValidationException("client_request_id", $"client_request_id: is longer than {MaxClientRequestIdLength} characters.");
        var control = TextRules.IndexOfForbiddenInName(requestId);
        if (control >= 0) throw new RequestValidationException("client_request_id", $"client_request_id: {TextRules.Describe(requestId, control)}; an id may not hold control characters.");

        var rationale = PairTasks.ValidateRationale(request.Rationale);
        var provenance = PersonProvenance(principal, seconds, project.Settings.PersonRate) with { Rationale = rationale };
        // Pre-annotation: the model's labels this task was handed out with, so anchoring can be measured.
        if (await models.GetSuggestionShownAsync(projectId, taskId, ct) is { } shown) provenance = provenance with { SuggestionShown = string.Join(LabelSets.Separator, shown.Labels) };
        if (project.Settings.Content == ContentKind.Pair)
        {
            // The side order this annotator was shown, recomputed here (not taken from the page) and kept with the answer.
            var task = await store.GetTaskAsync(projectId, taskId, ct);
            if (task is not null) provenance = provenance with { SidesSwapped = PairTasks.Swapped(project.Settings, principal.UserId(), task.ItemId) };
        }

        var result = await store.SubmitAsync(projectId, taskId, principal.UserId(), labels, requestId, time.GetUtcNow(), provenance, ct);
        if (!result.Duplicate) loop.OnLabelsChanged(projectId);
        return TypedResults.Ok(new SubmitResponse(result.Annotation.Id, result.Duplicate));
    }

    internal static async Task<NoContent> Skip(long projectId, long taskId, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        await store.SkipAsync(projectId, taskId, principal.UserId(), time.GetUtcNow(), ct);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<TaskView>, NoContent>> Undo(long projectId, ClaimsPrincipal principal, ISiftStore store, IModelAnnotatorStore models, ILiveLoop loop,
        TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var task = await store.UndoLastAsync(projectId, principal.UserId(), time.GetUtcNow(), project.Settings.LeaseDuration, ct);
        if (task is null) return TypedResults.NoContent();
        loop.OnLabelsChanged(projectId);
        // The answer just withdrawn (the caller's own), so the page can show it selected again.
        var withdrawn = (await store.GetAnnotationsAsync(projectId, principal.UserId(), includeUndone: true, ct)).LastOrDefault(a => a.TaskId == task.Id && a.Undone);
        var view = await ViewAsync(store, models, project, task, principal.UserId(), time, ct);
        return TypedResults.Ok(view with { Labels = withdrawn?.Labels });
    }

    internal static async Task<Ok<ProgressView>> MyProgress(long projectId, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var me = principal.UserId();
        var now = time.GetUtcNow();
        var mine = await store.GetAnnotationsAsync(projectId, me, includeUndone: false, ct);
        var live = await store.GetLiveTasksAsync(projectId, me, now, ct);
        var counts = await store.GetCountsAsync(projectId, project.Settings.Overlap, now, ct);
        // Everything still to hand out: the stored ranking's open positions and the items beyond it.
        return TypedResults.Ok(new ProgressView(mine.Count, live.Count, counts.QueueDepth + counts.Unranked, counts.Items));
    }

    /// <summary>GET …/tasks?after=&amp;limit=: one page of the hand-out log in task id order; a full page links to the next.</summary>
    internal static async Task<Ok<HandoutView[]>> HandoutLog(long projectId, long? after, int? limit, HttpContext context, ISiftStore store, CancellationToken ct)
    {
        var (afterId, size) = PageArguments(after, limit);
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var names = await UserNamesAsync(store, ct);
        var tasks = await store.GetTasksPageAsync(projectId, afterId, size, ct);
        if (tasks.Count == size) LinkNext(context, $"/api/projects/{projectId}/tasks", tasks[^1].Id, size, null);
        return TypedResults.Ok(tasks.Select(t => new HandoutView(
            t.Id, t.ItemId, t.AnnotatorId, names.GetValueOrDefault(t.AnnotatorId, ""), t.State, t.LeasedAt, t.ExpiresAt,
            t.ModelVersion, t.Strategy, t.Score, t.Reason, t.Exploration, t.HeldOut)).ToArray());
    }

    /// <summary>
    /// GET …/annotations?after=&amp;limit=&amp;include_undone=: one page of the project's annotations in id order; a full page
    /// links to the next. <c>includeUndone</c> is accepted as another spelling of <c>include_undone</c>.
    /// </summary>
    internal static async Task<Ok<AnnotationView[]>> Annotations(
        long projectId, long? after, int? limit, [FromQuery(Name = "include_undone")] string? includeUndoneSnake, [FromQuery(Name = "includeUndone")] string? includeUndoneCamel,
        HttpContext context, ISiftStore store, CancellationToken ct)
    {
        var (afterId, size) = PageArguments(after, limit);
        var withUndone = IncludeUndone(includeUndoneSnake, includeUndoneCamel);
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var names = await UserNamesAsync(store, ct);
        var annotations = await store.GetAnnotationsPageAsync(projectId, afterId, size, withUndone, ct);
        var externalIds = annotations.Count == 0
            ? new Dictionary<long, string>()
            : await store.GetExternalIdsAsync(projectId, annotations.Select(a => a.ItemId).ToHashSet(), ct);
        if (annotations.Count == size) LinkNext(context, $"/api/projects/{projectId}/annotations", annotations[^1].Id, size, withUndone ? "include_undone=true" : null);
        return TypedResults.Ok(annotations.Select(a => new AnnotationView(
            a.Id, a.ItemId, externalIds.GetValueOrDefault(a.ItemId, ""), a.TaskId, a.AnnotatorId, names.GetValueOrDefault(a.AnnotatorId, ""),
            a.Labels, a.InstructionsVersion, a.CreatedAt, a.Undone, a.Provenance)).ToArray());
    }

    /// <summary>The keyset page asked for: after (default 0) and limit (default <see cref="Paging.DefaultLimit"/>, at most <see cref="Paging.MaxLimit"/>).</summary>
    internal static (long After, int Limit) PageArguments(long? after, int? limit)
    {
        if (after is < 0) throw new RequestValidationException("after", $"after: must be an id (0 or more), not {after}.");
        if (limit is < 1 or > Paging.MaxLimit)
            throw new RequestValidationException("limit", $"limit: must be between 1 and {Paging.MaxLimit:N0}, not {limit}.");
        return (after ?? 0, limit ?? Paging.DefaultLimit);
    }

    /// <summary>The documented <c>include_undone</c> or its camelCase spelling; both given must agree.</summary>
    private static bool IncludeUndone(string? snake, string? camel)
    {
        var a = ParseFlag(snake, "include_undone");
        var b = ParseFlag(camel, "includeUndone");
        if (a is not null && b is not null && a != b)
            throw new RequestValidationException("include_undone", "include_undone: given twice with different values (include_undone and includeUndone).");
        return a ?? b ?? false;
    }

    private static bool? ParseFlag(string? value, string field) => value?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new RequestValidationException(field, $"{field}: must be true or false, not '{Shorten(value)}'."),
    };

    /// <summary>Sets <c>Link: &lt;path?after=ID&amp;limit=N…&gt;; rel="next"</c> (RFC 8288), a path on this server.</summary>
    internal static void LinkNext(HttpContext context, string path, long lastId, int limit, string? extra)
    {
        var query = string.Create(CultureInfo.InvariantCulture, $"after={lastId}&limit={limit}") + (extra is null ? "" : "&" + extra);
        context.Response.Headers.Append("Link", $"<{path}?{query}>; rel=\"next\"");
    }

    /// <summary>
    /// The answer's labels, checked against the schema: single-label, exactly one known label; multi-label, known
    /// labels without repeats (possibly none).
    /// </summary>
    internal static IReadOnlyList<string> ValidateLabels(ProjectSettings settings, IReadOnlyList<string> labels)
    {
        var known = settings.Labels.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < labels.Count; i++)
        {
            // The JSON binder checks the list, not its elements: ["a", null] arrives with a null in it.
            var label = labels[i];
            var at = FormattableString.Invariant($"labels[{i}]");
            if (label is null) throw new RequestValidationException("labels", $"{at}: a label may not be null.");
            var control = TextRules.IndexOfForbiddenInName(label);
            if (control >= 0) throw new RequestValidationException("labels", $"{at}: {TextRules.Describe(label, control)}; labels may not hold control characters.");
            if (!known.Contains(label))
                throw new RequestValidationException("labels", $"labels: '{Shorten(label)}' is not a label of this project ({string.Join(", ", settings.Labels)}).");
        }

        if (settings.Mode == LabelMode.Single && labels.Count != 1)
            throw new RequestValidationException("labels", $"labels: a single-label project takes exactly one label, not {labels.Count}.");
        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
            throw new RequestValidationException("labels", "labels: a label appears more than once.");
        return labels.ToArray();
    }

    /// <summary>
    /// The provenance of a person's answer: kind person, the user's name, the time on task the page measured and the
    /// money it cost at the project's person rate (per label, plus per hour of that time). The store adds the
    /// instructions version it records with the answer and the time (the request's clock).
    /// </summary>
    internal static Provenance PersonProvenance(ClaimsPrincipal principal, double? seconds, PersonRate rate) => new()
    {
        Kind = OracleKind.Person,
        Name = principal.Identity?.Name ?? throw new InvalidOperationException("No signed-in user."),
        Cost = new AnswerCost(Money: rate.Cost(seconds ?? 0), Seconds: seconds ?? 0),
    };

    /// <summary>Time on task as sent: absent, or a finite number of seconds from 0 to <see cref="SubmitRequest.MaxSeconds"/>.</summary>
    internal static double? ValidateSeconds(double? seconds)
    {
        if (seconds is not { } s) return null;
        if (!double.IsFinite(s) || s < 0 || s > SubmitRequest.MaxSeconds)
            throw new RequestValidationException("seconds", FormattableString.Invariant($"seconds: must be between 0 and {SubmitRequest.MaxSeconds:0} (time on task), not {s}."));
        return s;
    }

    private static async Task<TaskView> ViewAsync(ISiftStore store, IModelAnnotatorStore models, Project project, TaskRecord task, long annotatorId, TimeProvider time, CancellationToken ct)
    {
        var item = await store.GetItemAsync(project.Id, task.ItemId, ct) ?? throw new NotFoundException($"Item {task.ItemId} does not exist.");
        if (item.Content is PairContent pair)
        {
            // Model annotators label text items only, so a pair task carries no suggestion.
            return new TaskView(task.Id, task.ItemId, ContentKind.Pair, pair.Prompt, project.InstructionsVersion, task.ExpiresAt)
            {
                Pair = PairTasks.View(pair, PairTasks.Swapped(project.Settings, annotatorId, task.ItemId)),
            };
        }

        var suggestion = project.Settings.PreAnnotation ? await SuggestionAsync(models, project.Id, task, time, ct) : null;
        return new TaskView(task.Id, task.ItemId, item.Content.Kind, item.Text, project.InstructionsVersion, task.ExpiresAt, suggestion)
        {
            Readable = item.Content.Kind == ContentKind.Text ? ReadableItems.Of(item.Text) : null,
        };
    }

    /// <summary>
    /// Pre-annotation: the labels of the first model answer the router sent to people for being below its threshold
    /// (never an audit or a warm-up item: those are judged blind, so calibration is not anchored), recorded as shown
    /// with the task; a task shown again shows what it showed first. Labels only: no confidence, no other answer.
    /// </summary>
    private static async Task<IReadOnlyList<string>?> SuggestionAsync(IModelAnnotatorStore models, long projectId, TaskRecord task, TimeProvider time, CancellationToken ct)
    {
        if (await models.GetSuggestionShownAsync(projectId, task.Id, ct) is { } shown) return shown.Labels;
        var answer = (await models.GetModelAnswersAsync(projectId, itemIds: [task.ItemId], cancellationToken: ct))
            .FirstOrDefault(a => a.Outcome == ModelAnswerOutcome.ToPeople && a.Decision == ModelRouting.BelowThreshold && a.Labels.Count > 0);
        if (answer is null) return null;
        await models.RecordSuggestionShownAsync(projectId, task.Id, answer.Id, time.GetUtcNow(), ct);
        return (await models.GetSuggestionShownAsync(projectId, task.Id, ct))?.Labels;
    }

    private static async Task<Dictionary<long, string>> UserNamesAsync(ISiftStore store, CancellationToken ct) =>
        (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
