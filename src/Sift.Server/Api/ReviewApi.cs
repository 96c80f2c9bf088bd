using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Items;
using Sift.Oracles;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Training;
using Sift.Server.Workflow;
using Sift.Storage;

namespace Sift.Server.Api;

/// <summary>One item waiting for review, and why.</summary>
internal sealed record ReviewQueueEntry(long ItemId, string ExternalId, IReadOnlyList<string> Resolved, double Confidence, string ResolvedBy, int Answers, bool Disagreement, string Why);

/// <summary>One answer as a reviewer sees it.</summary>
internal sealed record ReviewAnswerView(string Annotator, IReadOnlyList<string> Labels, DateTimeOffset CreatedAt, string? Rationale, bool FlaggedAnnotator);

/// <summary>The model's view of an item: the out-of-sample class the trainer's cross-validated model prefers and how likely the given label is wrong (from the relabel queue), or null.</summary>
internal sealed record ModelView(string Suggested, double Wrong, int ModelVersion);

/// <summary>A recorded review as shown.</summary>
internal sealed record ReviewView(string Reviewer, IReadOnlyList<string> Labels, IReadOnlyList<string>? Previous, bool Override, string Rationale, DateTimeOffset At);

/// <summary>Everything a reviewer needs to decide one item. <c>Text</c> is untrusted (render inert).</summary>
internal sealed record ReviewItemView(
    long ItemId, string ExternalId, string Text, IReadOnlyList<string> Labels, IReadOnlyList<string>? Resolved, double? Confidence, string? ResolvedBy,
    IReadOnlyList<ReviewAnswerView> Answers, ModelView? Model, IReadOnlyList<ReviewView> Reviews);

/// <summary>POST …/review/items/{itemId}: the decided labels and why.</summary>
internal sealed record ReviewRequest(IReadOnlyList<string> Labels, string? Rationale = null);

/// <summary>
/// The review queue (issue 14): items whose answers disagree or whose resolved label is less sure than the project's
/// <c>review_below</c>, for reviewers (and admins; auditors read). A decision overrides the resolution rule, is marked in
/// the export and recorded in the evidence stream. Annotators reach none of it.
/// </summary>
internal static class ReviewApi
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}/review").WithTags("review");
        project.MapGet("/queue", Queue).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        project.MapGet("/items/{itemId:long}", Item).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        project.MapPost("/items/{itemId:long}", Decide).RequireAuthorization(SiftPolicies.Decide);
        return routes;
    }

    internal static async Task<Ok<ReviewQueueEntry[]>> Queue(long projectId, int? limit, ISiftStore store, CancellationToken ct)
    {
        if (limit is < 1 or > 1000) throw new RequestValidationException("limit", $"limit: must be between 1 and 1000, not {limit}.");
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var live = await store.GetAnnotationsAsync(projectId, null, false, ct);
        var state = await WorkflowState.LoadAsync(store, project, live, ct);
        var resolved = state.Resolve(project.Settings, live);
        var threshold = project.Settings.ReviewBelow;
        var answered = live.GroupBy(a => a.ItemId).ToDictionary(g => g.Key, g => g.Max(a => a.CreatedAt));
        var entries = new List<(long ItemId, ResolvedLabel? Resolved, int Answers, bool Disagreement, string Why)>();
        foreach (var (itemId, last) in answered)
        {
            // Reviewed since its last answer: done, until another answer comes.
            if (state.LatestReview.TryGetValue(itemId, out var review) && review.At >= last) continue;
            if (state.Gold.ContainsKey(itemId)) continue;
            var answers = live.Count(a => a.ItemId == itemId);
            if (!resolved.TryGetValue(itemId, out var r))
            {
                entries.Add((itemId, null, answers, true, "answers tie"));
                continue;
            }
            if (r.Disagreement) entries.Add((itemId, r, answers, true, "answers disagree"));
            else if (r.Confidence < threshold) entries.Add((itemId, r, answers, false, $"confidence {r.Confidence:0.00} below {threshold:0.00}"));
        }
        var chosen = entries.OrderBy(e => e.Resolved?.Confidence ?? 0).ThenBy(e => e.ItemId).Take(limit ?? 100).ToList();
        var external = chosen.Count == 0 ? new Dictionary<long, string>() : await store.GetExternalIdsAsync(projectId, chosen.Select(e => e.ItemId).ToList(), ct);
        return TypedResults.Ok(chosen.Select(e => new ReviewQueueEntry(e.ItemId, external.GetValueOrDefault(e.ItemId, ""), e.Resolved?.Labels ?? [],
            e.Resolved?.Confidence ?? 0, e.Resolved?.Source ?? "", e.Answers, e.Disagreement, e.Why)).ToArray());
    }

    internal static async Task<Ok<ReviewItemView>> Item(long projectId, long itemId, ISiftStore store, IWorkflowStore workflow, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var item = await store.GetItemAsync(projectId, itemId, ct) ?? throw new NotFoundException($"Item {itemId} is not an item of project {projectId}.");
        var live = await store.GetAnnotationsAsync(projectId, null, false, ct);
        var state = await WorkflowState.LoadAsync(store, project, live, ct);
        var resolved = state.Resolve(project.Settings, live).GetValueOrDefault(itemId);
        var names = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        var flagged = state.Standings.Where(s => s.Flagged).Select(s => s.AnnotatorId).ToHashSet();
        var answers = live.Where(a => a.ItemId == itemId).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id)
            .Select(a => new ReviewAnswerView(names.GetValueOrDefault(a.AnnotatorId, ""), a.Labels, a.CreatedAt, a.Provenance?.Rationale, flagged.Contains(a.AnnotatorId))).ToList();
        var candidate = (await workflow.GetRelabelQueueAsync(projectId, ct)).FirstOrDefault(c => c.ItemId == itemId);
        var reviews = state.Reviews.Where(r => r.ItemId == itemId)
            .Select(r => new ReviewView(names.GetValueOrDefault(r.ReviewerId, ""), r.Labels, r.Previous, r.Override, r.Rationale, r.At)).ToList();
        var text = item.Content is PairContent pair ? $"{pair.Prompt}\n\nA: {pair.ResponseA}\n\nB: {pair.ResponseB}" : item.Text;
        return TypedResults.Ok(new ReviewItemView(item.Id, item.ExternalId, text, project.Settings.Labels, resolved?.Labels, resolved?.Confidence, resolved?.Source,
            answers, candidate is null ? null : new ModelView(candidate.Suggested, candidate.Wrong, candidate.ModelVersion), reviews));
    }

    internal static async Task<Ok<ReviewView>> Decide(long projectId, long itemId, ReviewRequest request, ClaimsPrincipal principal, ISiftStore store, IWorkflowStore workflow,
        ILiveLoop loop, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        if (request.Labels is null) throw new RequestValidationException("labels", "labels: required — the labels you decide on.");
        var labels = TasksApi.ValidateLabels(project.Settings, request.Labels);
        var rationale = PairTasks.ValidateRationale(request.Rationale) ?? "";
        _ = await store.GetItemAsync(projectId, itemId, ct) ?? throw new NotFoundException($"Item {itemId} is not an item of project {projectId}.");
        var live = await store.GetAnnotationsAsync(projectId, null, false, ct);
        var state = await WorkflowState.LoadAsync(store, project, live, ct);
        var previous = state.Resolve(project.Settings, live).GetValueOrDefault(itemId)?.Labels;
        var review = await workflow.AddReviewAsync(new NewReview(projectId, itemId, principal.UserId(), labels, previous, rationale, time.GetUtcNow()), ct);
        loop.OnLabelsChanged(projectId);
        return TypedResults.Ok(new ReviewView(principal.Identity?.Name ?? "", review.Labels, review.Previous, review.Override, review.Rationale, review.At));
    }
}
