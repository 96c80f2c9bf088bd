using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Quality;
using Sift.Server.Auth;

namespace Sift.Server.Api;

/// <summary>
/// Annotator agreement of a project (docs/quality.md): agreement measures and Dawid–Skene estimates over the
/// project's answers, the numbers <c>sift agreement</c> prints for the project's export. Accuracy against gold labels
/// only for admins and auditors.
/// </summary>
internal static class AgreementApi
{
    /// <summary>What a multi-label project's agreement is measured on.</summary>
    public const string MultiLabelNote =
        "Multi-label answers are compared as whole sets: each distinct set of labels (sorted, joined with ';') is one category, so two answers agree only when they chose exactly the same labels.";

    public static IEndpointRouteBuilder MapAgreementApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("quality");
        project.MapGet("/agreement", GetAgreement).RequireAuthorization(SiftPolicies.Review);
        return routes;
    }

    /// <summary>GET …/agreement: computed from the project's answers (undone ones left out) each time it is asked.</summary>
    internal static async Task<Ok<AgreementView>> GetAgreement(long projectId, ClaimsPrincipal principal, ISiftStore store, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var items = await store.GetItemsAsync(projectId, ct);
        var annotations = await store.GetAnnotationsAsync(projectId, null, includeUndone: false, ct);
        var names = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        var gold = principal.SeesGold() ? await store.GetGoldLabelsAsync(projectId, ct) : null;
        return TypedResults.Ok(Compute(project, items, annotations, names, gold));
    }

    /// <summary>
    /// The view. Items are keyed by external id and met in store order, annotators by name, and an annotator's later
    /// answer to an item replaces an earlier one: the same table <c>sift agreement</c> reads from the project's export,
    /// so both give the same numbers. <paramref name="gold"/> null: no gold section (the caller may not see it).
    /// </summary>
    internal static AgreementView Compute(
        Project project, IReadOnlyList<Item> items, IReadOnlyList<Annotation> annotations, IReadOnlyDictionary<long, string> names,
        IReadOnlyDictionary<long, string>? gold)
    {
        var multi = project.Settings.Mode == LabelMode.Multi;
        var external = items.ToDictionary(i => i.Id, i => i.ExternalId);
        var builder = new RatingTableBuilder();
        foreach (var item in items) builder.AddItem(item.ExternalId);
        foreach (var a in annotations.Where(a => !a.Undone).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id))
        {
            if (!external.TryGetValue(a.ItemId, out var itemId)) continue;
            builder.Add(itemId, names.GetValueOrDefault(a.AnnotatorId) ?? $"user {a.AnnotatorId}", LabelSets.Category(a.Labels));
        }

        var table = builder.Build();
        var summary = Agreement.Summarize(table);
        var ds = DawidSkene.Fit(table);
        var majority = MajorityVote.Labels(table);
        var (withMajority, differs, ties) = MajorityVote.Compare(table, majority, ds.Labels);

        var annotatorNames = table.AnnotatorNames;
        var view = new AgreementView(
            project.Id, project.Settings.Mode, multi ? MultiLabelNote : null,
            new AgreementCounts(summary.Items, summary.RatedItems, summary.PairableItems, summary.Annotators, summary.Ratings, builder.Replaced),
            table.CategoryNames,
            new AgreementMeasuresView(summary.PercentAgreement, summary.FleissKappa, summary.KrippendorffAlpha,
                summary.Pairs.Select(p => new AnnotatorPairView(annotatorNames[p.First], annotatorNames[p.Second], p.SharedItems, p.PercentAgreement, p.Kappa)).ToList()),
            summary.PerAnnotator.Select(a => new AnnotatorAgreementView(
                annotatorNames[a.Annotator], a.Ratings, a.Compared, a.Agreement, ds.Accuracy(a.Annotator))).ToList(),
            new DawidSkeneView("confusion", ds.Iterations, ds.Converged, withMajority, differs, ties),
            null);
        if (gold is null) return view;

        var goldByItem = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (itemId, label) in gold)
        {
            // Multi-label gold is stored as labels joined with ';' in file order; answers are named as sorted sets.
            if (external.TryGetValue(itemId, out var key)) goldByItem[key] = multi ? LabelSets.CategoryOfJoined(label) : label;
        }

        var g = GoldAccuracy.Compare(table, goldByItem, majority, ds.Labels);
        return view with
        {
            Gold = new GoldView(g.GoldItems, g.RatedGoldItems,
                g.Annotators.Select(a => new AnnotatorGoldView(annotatorNames[a.Annotator], a.Score.Items, a.Score.Correct, a.Score.Accuracy)).ToList(),
                GoldScoreView.From(g.Majority), g.MajorityTies, GoldScoreView.From(g.DawidSkene), GoldScoreView.From(g.DawidSkeneOnMajorityItems)),
        };
    }
}
