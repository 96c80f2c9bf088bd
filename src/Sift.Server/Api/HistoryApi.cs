using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Data;
using Sift.Items;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Training;

namespace Sift.Server.Api;

/// <summary>
/// An annotator's own answers (their history), newest first, and changing one: a change is a new answer that
/// supersedes the old, which is kept (undone) in the store and the evidence stream. Each caller sees only their own
/// answers: never anyone else's, no gold label, no score.
/// </summary>
internal static class HistoryApi
{
    /// <summary>Answers per page when the client names no limit.</summary>
    public const int DefaultLimit = 20;

    /// <summary>The largest page.</summary>
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("tasks");
        project.MapGet("/my-answers", MyAnswers).RequireAuthorization(SiftPolicies.Annotate).RequireRateLimiting(ReadLimiting.Policy);
        project.MapPost("/my-answers/{annotationId:long}", Change).RequireAuthorization(SiftPolicies.Annotate);
        return routes;
    }

    /// <summary>
    /// GET …/my-answers?before=&amp;limit=: the caller's live answers in the project, newest first, each with its item as the
    /// annotate page shows it; answers with an id below <c>before</c> when given. A full page links to the next (older) one.
    /// </summary>
    internal static async Task<Ok<HistoryEntryView[]>> MyAnswers(long projectId, long? before, int? limit, ClaimsPrincipal principal, HttpContext context, ISiftStore store,
        CancellationToken ct)
    {
        if (before is < 1) throw new RequestValidationException("before", $"before: must be an answer id (1 or more), not {before}.");
        if (limit is < 1 or > MaxLimit) throw new RequestValidationException("limit", $"limit: must be between 1 and {MaxLimit}, not {limit}.");
        var size = limit ?? DefaultLimit;
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var me = principal.UserId();
        var mine = await store.GetAnnotationsAsync(projectId, me, includeUndone: false, ct);
        var page = mine.Where(a => before is null || a.Id < before).OrderByDescending(a => a.Id).Take(size).ToList();
        var views = new HistoryEntryView[page.Count];
        for (var i = 0; i < page.Count; i++)
        {
            var a = page[i];
            var item = await store.GetItemAsync(projectId, a.ItemId, ct);
            var kind = item?.Content.Kind ?? ContentKind.Text;
            views[i] = new HistoryEntryView(a.Id, a.ItemId, a.TaskId, kind, item is null || item.Content is PairContent ? (item?.Content as PairContent)?.Prompt ?? "" : item.Text,
                a.Labels, a.CreatedAt, a.Provenance?.Supersedes is not null, a.Provenance?.Cost.Seconds)
            {
                Pair = item?.Content is PairContent pair ? PairTasks.View(pair, PairTasks.Swapped(project.Settings, me, a.ItemId)) : null,
                Readable = item is null || item.Content is PairContent ? null : ReadableItems.Of(item.Text),
            };
        }
        var older = mine.Count(a => a.Id < (page.Count > 0 ? page[^1].Id : 0));
        if (page.Count == size && older > 0)
            context.Response.Headers.Append("Link", $"</api/projects/{projectId}/my-answers?before={page[^1].Id.ToString(CultureInfo.InvariantCulture)}&limit={size.ToString(CultureInfo.InvariantCulture)}>; rel=\"next\"");
        context.Response.Headers.Append("X-Total-Count", mine.Count.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(views);
    }

    /// <summary>
    /// POST …/my-answers/{annotationId}: changes one of the caller's answers to <c>labels</c>. The old answer is kept,
    /// marked undone; the new one names it. A retry with the same client request id counts once.
    /// </summary>
    internal static async Task<Ok<SubmitResponse>> Change(long projectId, long annotationId, ChangeRequest request, ClaimsPrincipal principal, ISiftStore store, ILiveLoop loop,
        TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var labels = TasksApi.ValidateLabels(project.Settings, request.Labels);
        var seconds = TasksApi.ValidateSeconds(request.Seconds);
        var requestId = request.ClientRequestId.Trim();
        if (requestId.Length == 0) throw new RequestValidationException("client_request_id", "client_request_id: may not be empty; send a fresh id per change (a retry sends the same id).");
        if (requestId.Length > TasksApi.MaxClientRequestIdLength)
            throw new RequestValidationException("client_request_id", $"client_request_id: is longer than {TasksApi.MaxClientRequestIdLength} characters.");
        var control = TextRules.IndexOfForbiddenInName(requestId);
        if (control >= 0) throw new RequestValidationException("client_request_id", $"client_request_id: {TextRules.Describe(requestId, control)}; an id may not hold control characters.");

        var provenance = TasksApi.PersonProvenance(principal, seconds, project.Settings.PersonRate);
        var result = await store.ReviseAsync(projectId, annotationId, principal.UserId(), labels, requestId, time.GetUtcNow(), provenance, ct);
        if (!result.Duplicate) loop.OnLabelsChanged(projectId);
        return TypedResults.Ok(new SubmitResponse(result.Annotation.Id, result.Duplicate));
    }
}
