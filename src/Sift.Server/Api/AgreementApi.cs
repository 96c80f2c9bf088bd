using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Quality;
using Sift.Server.Auth;
using Sift.Server.Hosting;

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
        project.MapGet("/agreement", GetAgreement).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        return routes;
    }

    /// <summary>
    /// GET …/agreement: the project's report from <see cref="AgreementReports"/> (recomputed only when the project's
    /// answers or items changed), without the gold section for callers who may not see it.
    /// </summary>
    internal static async Task<Ok<AgreementView>> GetAgreement(long projectId, ClaimsPrincipal principal, ISiftStore store, AgreementReports reports, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var view = await reports.GetAsync(project, ct);
        return TypedResults.Ok(principal.SeesGold() ? view : view with { Gold = null });
    }

    /// <summary>
    /// The view. Items are keyed by external id and met in store order, annotators by name, and an annotator's later
    /// answer to an item replaces an earlier one: the same table <c>sift agreement</c> reads from the project's export,
    /// so both give the same numbers. <paramref name="gold"/> null: no gold section (the caller may not see it).
    /// </summary>
    internal static AgreementView Compute(
        Project project, IReadOnlyDictionary<long, string> external, IReadOnlyList<Annotation> annotations, IReadOnlyDictionary<long, string> names,
        IReadOnlyDictionary<long, string>? gold)
    {
        var multi = project.Settings.Mode == LabelMode.Multi;
        var builder = new RatingTableBuilder();
        foreach (var itemId in external.Keys.Order()) builder.AddItem(external[itemId]);
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

/// <summary>
/// The agreement report of each project, cached (one per server process, a singleton): recomputed only when the
/// project's data revision (<see cref="IAnnotationStore.GetRevisionAsync"/>: answers submitted or undone, items imported) or
/// its label settings changed, so repeated reads cost one cheap query. Concurrent readers of an outdated report share
/// one recomputation; a heavy one is paced by <see cref="ReportCacheOptions"/>. The cached report includes the gold
/// section; the endpoint removes it for callers who may not see it. Thread-safe.
/// </summary>
internal sealed class AgreementReports(ISiftStore store, TimeProvider time, ReportCacheOptions options)
{
    /// <summary>What a report depends on besides the data revision: the label mode and schema.</summary>
    private readonly record struct Marker(long Revision, LabelMode Mode, string Labels);

    private readonly ReportCache<Marker, AgreementView> _cache = new(time, options);

    /// <summary>How many reports were computed (tests).</summary>
    internal int Computations => _cache.Computations;

    /// <summary>The project's report, gold section included, with when it was computed and whether it is known to be current.</summary>
    public async Task<AgreementView> GetAsync(Project project, CancellationToken cancellationToken)
    {
        // The revision is read before the data the report is computed from: a write in between shows up as a new revision next time.
        var revision = await store.GetRevisionAsync(project.Id, cancellationToken).ConfigureAwait(false);
        var marker = new Marker(revision, project.Settings.Mode, string.Join('\n', project.Settings.Labels));
        var cached = await _cache.GetAsync(project.Id, marker, _ => ComputeAsync(project, CancellationToken.None), cancellationToken).ConfigureAwait(false);
        return cached.Value with { ComputedAt = cached.ComputedAt, UpToDate = cached.Current };
    }

    /// <summary>A fresh report from the store: external ids (no item texts), the live answers page by page, user names, gold labels.</summary>
    internal async Task<AgreementView> ComputeAsync(Project project, CancellationToken cancellationToken)
    {
        var external = await store.GetExternalIdsAsync(project.Id, null, cancellationToken).ConfigureAwait(false);
        var annotations = new List<Annotation>();
        for (long after = 0; ;)
        {
            // Short reads: each page is its own read, so no single read holds a snapshot (and SQLite's WAL) for long.
            var page = await store.GetAnnotationsPageAsync(project.Id, after, Paging.MaxLimit, includeUndone: false, cancellationToken).ConfigureAwait(false);
            annotations.AddRange(page);
            if (page.Count < Paging.MaxLimit) break;
            after = page[^1].Id;
        }
        var names = (await store.ListUsersAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(u => u.Id, u => u.Name);
        var gold = await store.GetGoldLabelsAsync(project.Id, cancellationToken).ConfigureAwait(false);
        return AgreementApi.Compute(project, external, annotations, names, gold);
    }
}
