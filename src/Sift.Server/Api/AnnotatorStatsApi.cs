using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Oracles;
using Sift.Projects;
using Sift.Quality;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Workflow;

namespace Sift.Server.Api;

/// <summary>
/// Per-annotator statistics for admins: throughput, time per item (the time on task the annotate page measures),
/// agreement with the other annotators' consensus, accuracy on items with a gold label, and drift over time. People's
/// answers only (model annotators have their own report). Read only.
/// </summary>
internal static class AnnotatorStatsApi
{
    public static IEndpointRouteBuilder MapAnnotatorStatsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/projects/{projectId:long}").WithTags("quality")
            .MapGet("/annotator-stats", Stats).RequireAuthorization(SiftPolicies.Admin).RequireRateLimiting(ReadLimiting.Policy);
        return routes;
    }

    /// <summary>GET …/annotator-stats: one row per person who answered in the project, most answers first.</summary>
    internal static async Task<Ok<AnnotatorStatsView>> Stats(long projectId, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var answers = await store.GetAnnotationsAsync(projectId, null, includeUndone: false, ct);
        var gold = await store.GetGoldLabelsAsync(projectId, ct);
        var names = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        // The gold (honeypot) standing of each annotator, as the review page and the resolution see it.
        var state = await WorkflowState.LoadAsync(store, project, answers, ct);
        var standings = GoldApi.Standings(project, state, names).ToDictionary(s => s.AnnotatorId);
        var people = answers.Where(a => a.Provenance is null || a.Provenance.Kind == OracleKind.Person).ToList();
        var rows = AnnotatorStats.Compute(people, gold)
            .Select(r => r with { Name = names.GetValueOrDefault(r.AnnotatorId, ""), GoldStanding = standings.GetValueOrDefault(r.AnnotatorId) }).ToList();
        var rule = project.Settings.Gold;
        return TypedResults.Ok(new AnnotatorStatsView(time.GetUtcNow(), AnnotatorStats.ActiveGap.TotalMinutes, rows)
        {
            GoldItems = state.Gold.Count,
            FlagRule = new GoldFlagRule(rule.MinAnswers, rule.MinAccuracy, WorkflowState.DownWeights(project.Settings) ? rule.DownWeight : 1),
        });
    }
}

/// <summary>The statistics of every person who answered, and how active time is counted.</summary>
internal sealed record AnnotatorStatsView(DateTimeOffset ComputedAt, double ActiveGapMinutes, IReadOnlyList<AnnotatorStatsRow> Annotators)
{
    /// <summary>Gold (honeypot) items in the project.</summary>
    public int GoldItems { get; init; }

    /// <summary>When an annotator is flagged by their gold answers, and the weight a flagged annotator's answers get.</summary>
    public GoldFlagRule? FlagRule { get; init; }
}

/// <summary>Flagged: at least <paramref name="MinAnswers"/> gold answers and the 95% interval wholly below <paramref name="MinAccuracy"/>; their answers then count <paramref name="Weight"/> (1 under Dawid–Skene).</summary>
internal sealed record GoldFlagRule(int MinAnswers, double MinAccuracy, double Weight);

/// <summary>
/// One annotator: answers (and how many were changes of an earlier answer), answers per active hour, median and mean
/// time on task, agreement with the consensus of the others on shared items, accuracy on gold items (null without
/// any), and the same measures per quarter of their answers in time order (drift).
/// </summary>
internal sealed record AnnotatorStatsRow(
    long AnnotatorId, string Name, int Answers, int Changed, DateTimeOffset First, DateTimeOffset Last, double ActiveHours, double? PerActiveHour,
    double? MedianSeconds, double? MeanSeconds, int ComparedWithConsensus, double? ConsensusAgreement, int GoldItems, double? GoldAccuracy,
    IReadOnlyList<AnnotatorPeriod> Drift)
{
    /// <summary>Their accuracy on gold (honeypot) items with its interval and whether they are flagged; null before any gold answer.</summary>
    public AnnotatorGoldStanding? GoldStanding { get; init; }
}

/// <summary>A stretch of one annotator's answers (a quarter of them in time order) and its measures.</summary>
internal sealed record AnnotatorPeriod(DateTimeOffset From, DateTimeOffset To, int Answers, double? MedianSeconds, int ComparedWithConsensus, double? ConsensusAgreement,
    int GoldItems, double? GoldAccuracy);

/// <summary>The computation behind <see cref="AnnotatorStatsApi"/>, on plain answers (no I/O).</summary>
internal static class AnnotatorStats
{
    /// <summary>Two answers closer than this belong to one stretch of work; a longer gap is a break and not active time.</summary>
    public static readonly TimeSpan ActiveGap = TimeSpan.FromMinutes(10);

    /// <summary>Below this much active time a rate per hour says nothing (answers sent by a script, a single answer): it is null then.</summary>
    public static readonly TimeSpan MinActiveTime = TimeSpan.FromMinutes(1);

    /// <summary>How many periods drift splits an annotator's answers into (fewer when they have fewer answers).</summary>
    public const int Periods = 4;

    public static IReadOnlyList<AnnotatorStatsRow> Compute(IReadOnlyList<Annotation> answers, IReadOnlyDictionary<long, string> gold)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(gold);
        var byItem = answers.GroupBy(a => a.ItemId).ToDictionary(g => g.Key, g => g.ToList());
        var rows = new List<AnnotatorStatsRow>();
        foreach (var mine in answers.GroupBy(a => a.AnnotatorId))
        {
            var ordered = mine.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToList();
            var (compared, agreed) = Consensus(ordered, byItem);
            var (goldItems, goldRight) = Gold(ordered, gold);
            var active = ActiveTime(ordered);
            var seconds = Seconds(ordered);
            rows.Add(new AnnotatorStatsRow(mine.Key, "", ordered.Count, ordered.Count(a => a.Provenance?.Supersedes is not null), ordered[0].CreatedAt, ordered[^1].CreatedAt,
                Math.Round(active.TotalHours, 4), active >= MinActiveTime ? Math.Round(ordered.Count / active.TotalHours, 2) : null,
                Median(seconds), seconds.Count == 0 ? null : Math.Round(seconds.Average(), 2),
                compared, Share(agreed, compared), goldItems, Share(goldRight, goldItems), Drift(ordered, byItem, gold)));
        }
        return rows.OrderByDescending(r => r.Answers).ThenBy(r => r.AnnotatorId).ToList();
    }

    /// <summary>
    /// Against the consensus of the others: on each item with at least one other answer, the others' majority label set
    /// (a tie leaves the item out); counted as agreeing when the annotator's set equals it.
    /// </summary>
    private static (int Compared, int Agreed) Consensus(IEnumerable<Annotation> mine, Dictionary<long, List<Annotation>> byItem)
    {
        int compared = 0, agreed = 0;
        foreach (var a in mine)
        {
            var others = byItem[a.ItemId].Where(o => o.AnnotatorId != a.AnnotatorId).Select(o => Key(o.Labels)).ToList();
            if (others.Count == 0) continue;
            var counts = others.GroupBy(k => k, StringComparer.Ordinal).Select(g => (g.Key, Count: g.Count())).OrderByDescending(g => g.Count).ToList();
            if (counts.Count > 1 && counts[0].Count == counts[1].Count) continue;
            compared++;
            if (counts[0].Key == Key(a.Labels)) agreed++;
        }
        return (compared, agreed);
    }

    private static (int Items, int Right) Gold(IEnumerable<Annotation> mine, IReadOnlyDictionary<long, string> gold)
    {
        int items = 0, right = 0;
        foreach (var a in mine)
        {
            if (!gold.TryGetValue(a.ItemId, out var label)) continue;
            items++;
            if (LabelSets.CategoryOfJoined(label) == Key(a.Labels)) right++;
        }
        return (items, right);
    }

    /// <summary>Active time: the gaps between consecutive answers shorter than <see cref="ActiveGap"/>, plus the first answer's time on task.</summary>
    private static TimeSpan ActiveTime(IReadOnlyList<Annotation> ordered)
    {
        var total = TimeSpan.FromSeconds(ordered[0].Provenance?.Cost.Seconds ?? 0);
        for (var i = 1; i < ordered.Count; i++)
        {
            var gap = ordered[i].CreatedAt - ordered[i - 1].CreatedAt;
            total += gap < ActiveGap ? gap : TimeSpan.FromSeconds(Math.Min(ordered[i].Provenance?.Cost.Seconds ?? 0, ActiveGap.TotalSeconds));
        }
        return total;
    }

    private static List<double> Seconds(IEnumerable<Annotation> answers) =>
        answers.Select(a => a.Provenance?.Cost.Seconds ?? 0).Where(s => s > 0).ToList();

    private static IReadOnlyList<AnnotatorPeriod> Drift(IReadOnlyList<Annotation> ordered, Dictionary<long, List<Annotation>> byItem, IReadOnlyDictionary<long, string> gold)
    {
        var periods = Math.Min(Periods, ordered.Count);
        var result = new List<AnnotatorPeriod>(periods);
        for (var p = 0; p < periods; p++)
        {
            var from = p * ordered.Count / periods;
            var to = (p + 1) * ordered.Count / periods;
            var part = ordered.Skip(from).Take(to - from).ToList();
            var (compared, agreed) = Consensus(part, byItem);
            var (goldItems, goldRight) = Gold(part, gold);
            result.Add(new AnnotatorPeriod(part[0].CreatedAt, part[^1].CreatedAt, part.Count, Median(Seconds(part)), compared, Share(agreed, compared), goldItems, Share(goldRight, goldItems)));
        }
        return result;
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0) return null;
        values.Sort();
        var mid = values.Count / 2;
        return Math.Round(values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2, 2);
    }

    private static double? Share(int part, int whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    private static string Key(IReadOnlyList<string> labels) => LabelSets.Category(labels);
}
