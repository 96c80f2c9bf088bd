using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Training;
using Sift.Server.Workflow;
using Sift.Storage;

namespace Sift.Server.Api;

/// <summary>A gold item as admins and auditors see it.</summary>
internal sealed record GoldItemView(long ItemId, string ExternalId, string Label);

/// <summary>One mark: the item and its gold label, or null to unmark.</summary>
internal sealed record GoldMarkInput(long ItemId, string? Label);

/// <summary>PUT …/gold.</summary>
internal sealed record GoldRequest(IReadOnlyList<GoldMarkInput> Items);

/// <summary>How many marks changed something.</summary>
internal sealed record GoldChanged(int Changed);

/// <summary>One annotator's accuracy on gold items with its 95% Wilson interval, whether they are flagged and the weight their answers get.</summary>
internal sealed record AnnotatorGoldStanding(long AnnotatorId, string Name, int Answers, int Correct, double Accuracy, double Low, double High, bool Flagged, double Weight);

/// <summary>The gold report: the threshold and every annotator who answered a gold item.</summary>
internal sealed record GoldReportView(int GoldItems, double MinAccuracy, int MinAnswers, double Rate, IReadOnlyList<AnnotatorGoldStanding> Annotators);

/// <summary>
/// Gold (honeypot) items: admins mark them; admins and auditors list them; those who review read each annotator's gold
/// accuracy (no labels). Annotators reach none of it — their gold tasks look like any other.
/// </summary>
internal static class GoldApi
{
    /// <summary>The most marks one request may carry.</summary>
    public const int MaxMarks = 10_000;

    public static IEndpointRouteBuilder MapGoldApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("gold");
        project.MapGet("/gold", List).RequireAuthorization(SiftPolicies.Audit).RequireRateLimiting(ReadLimiting.Policy);
        project.MapPut("/gold", Mark).RequireAuthorization(SiftPolicies.Admin);
        project.MapGet("/gold/annotators", Annotators).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        return routes;
    }

    internal static async Task<Ok<GoldItemView[]>> List(long projectId, ISiftStore store, IWorkflowStore workflow, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var gold = await workflow.GetGoldItemsAsync(projectId, ct);
        var external = gold.Count == 0 ? new Dictionary<long, string>() : await store.GetExternalIdsAsync(projectId, gold.Keys.ToList(), ct);
        return TypedResults.Ok(gold.OrderBy(g => g.Key).Select(g => new GoldItemView(g.Key, external.GetValueOrDefault(g.Key, ""), g.Value)).ToArray());
    }

    internal static async Task<Ok<GoldChanged>> Mark(long projectId, GoldRequest request, ISiftStore store, IWorkflowStore workflow, ILiveLoop loop, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        if (request.Items is null || request.Items.Count == 0) throw new RequestValidationException("items", "items: give at least one {item_id, label} (label null unmarks).");
        if (request.Items.Count > MaxMarks) throw new RequestValidationException("items", $"items: at most {MaxMarks:N0} marks per request, not {request.Items.Count:N0}.");
        var marks = new List<GoldMark>(request.Items.Count);
        for (var i = 0; i < request.Items.Count; i++)
        {
            var mark = request.Items[i];
            if (mark is null) throw new RequestValidationException($"items[{i}]", $"items[{i}]: may not be null.");
            marks.Add(new GoldMark(mark.ItemId, mark.Label is null ? null : CheckLabel(project.Settings, mark.Label, $"items[{i}].label")));
        }
        var items = await store.GetExternalIdsAsync(projectId, marks.Select(m => m.ItemId).ToHashSet(), ct);
        for (var i = 0; i < marks.Count; i++)
            if (!items.ContainsKey(marks[i].ItemId)) throw new RequestValidationException($"items[{i}].item_id", $"items[{i}].item_id: {marks[i].ItemId} is not an item of this project.");
        int changed;
        try
        {
            changed = await workflow.SetGoldAsync(projectId, marks, time.GetUtcNow(), ct);
        }
        catch (ArgumentException e)
        {
            throw new RequestValidationException("items", "items: " + e.Message.Split(" (Parameter", 2)[0]);
        }
        if (changed > 0) loop.OnLabelsChanged(projectId);
        return TypedResults.Ok(new GoldChanged(changed));
    }

    internal static async Task<Ok<GoldReportView>> Annotators(long projectId, ISiftStore store, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var live = await store.GetAnnotationsAsync(projectId, null, false, ct);
        var state = await WorkflowState.LoadAsync(store, project, live, ct);
        var names = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        var g = project.Settings.Gold;
        return TypedResults.Ok(new GoldReportView(state.Gold.Count, g.MinAccuracy, g.MinAnswers, g.Rate, Standings(project, state, names)));
    }

    /// <summary>Each annotator's gold standing in <paramref name="state"/>, named, with the weight their answers get under the project's rule.</summary>
    internal static AnnotatorGoldStanding[] Standings(Project project, WorkflowState state, IReadOnlyDictionary<long, string> names)
    {
        var g = project.Settings.Gold;
        return state.Standings.Select(s => new AnnotatorGoldStanding(
            s.AnnotatorId, names.GetValueOrDefault(s.AnnotatorId, ""), s.Accuracy.Count, s.Accuracy.Hits, s.Accuracy.Share, s.Accuracy.Low, s.Accuracy.High,
            s.Flagged, s.Flagged && WorkflowState.DownWeights(project.Settings) ? g.DownWeight : 1)).ToArray();
    }

    /// <summary>Marks the labeled rows of a gold import (training items only; a row already stored as a held-out item stays an evaluation item).</summary>
    internal static async Task MarkImportedAsync(ISiftStore store, Project project, IReadOnlyList<NewItem> rows, DateTimeOffset now, CancellationToken ct)
    {
        if (store is not IWorkflowStore workflow) return;
        var labeled = rows.Where(r => r.GoldLabel is not null).ToDictionary(r => r.ExternalId, r => r.GoldLabel!, StringComparer.Ordinal);
        if (labeled.Count == 0) return;
        var marks = new List<GoldMark>();
        for (long after = 0; ;)
        {
            var page = await store.GetItemsPageAsync(project.Id, after, Paging.DefaultLimit, ct);
            foreach (var item in page)
                if (!item.HeldOut && labeled.TryGetValue(item.ExternalId, out var label)) marks.Add(new GoldMark(item.Id, label));
            if (page.Count < Paging.DefaultLimit) break;
            after = page[^1].Id;
        }
        if (marks.Count > 0) await workflow.SetGoldAsync(project.Id, marks, now, ct);
    }

    /// <summary>A label of the schema (multi-label: a <c>;</c>-separated set of them), normalised.</summary>
    internal static string CheckLabel(ProjectSettings settings, string label, string field)
    {
        var parts = LabelResolution.Split(settings.Mode, label, settings.Labels);
        if (settings.Mode == LabelMode.Single && parts[0].Length == 0) throw new RequestValidationException(field, $"{field}: may not be empty.");
        foreach (var part in parts)
            if (!settings.Labels.Contains(part, StringComparer.Ordinal))
                throw new RequestValidationException(field, $"{field}: '{(part.Length > 40 ? part[..40] + "…" : part)}' is not a label of this project ({string.Join(", ", settings.Labels)}).");
        return string.Join(';', parts);
    }
}
