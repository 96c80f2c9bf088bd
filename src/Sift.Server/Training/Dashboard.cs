using System.Globalization;
using Sift.Plots;
using Sift.Projects;
using Sift.Server.Embedding;
using Sift.Stopping;

namespace Sift.Server.Training;

/// <summary>Builds the dashboard's data and learning curve from the store (reads only).</summary>
internal static class Dashboard
{
    /// <summary>Bucket sizes for labels over time, smallest first; the smallest that gives at most <see cref="MaxBuckets"/> buckets is used.</summary>
    private static readonly TimeSpan[] BucketSizes =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1),
        TimeSpan.FromHours(6), TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(30),
    ];

    internal const int MaxBuckets = 60;

    /// <exception cref="NotFoundException">No such project.</exception>
    /// <summary>The part of a dashboard that scans the project's items and answers (what <see cref="LiveLoopOptions.DashboardCounts"/> paces).</summary>
    internal sealed record CountsPart(ProjectCounts Counts, AnnotationSummary Summary, IReadOnlyList<TimePoint> OverTime, DateTimeOffset AsOf);

    /// <summary>Reads the counts part fresh from the store.</summary>
    public static async Task<CountsPart> ReadCountsAsync(ISiftStore store, long projectId, int overlap, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var counts = await store.GetCountsAsync(projectId, overlap, now, cancellationToken).ConfigureAwait(false);
        // Counts, not lists: the answers are aggregated by the store, never loaded (a dashboard is polled).
        var summary = await store.GetAnnotationSummaryAsync(projectId, cancellationToken).ConfigureAwait(false);
        var overTime = await LabelsOverTimeAsync(store, projectId, summary, cancellationToken).ConfigureAwait(false);
        return new CountsPart(counts, summary, overTime, now);
    }

    /// <exception cref="NotFoundException">No such project.</exception>
    public static Task<DashboardView> BuildAsync(ISiftStore store, long projectId, DateTimeOffset now, bool requested, CancellationToken cancellationToken) =>
        BuildAsync(store, projectId, requested, (settings, ct) => ReadCountsAsync(store, projectId, settings.Overlap, now, ct), cancellationToken);

    /// <summary>The dashboard, its counts part from <paramref name="readCounts"/> (fresh or paced), the rest fresh.</summary>
    /// <exception cref="NotFoundException">No such project.</exception>
    /// <param name="store">The store.</param>
    /// <param name="projectId">The project.</param>
    /// <param name="requested">Whether a retrain was asked for in this process and has not started.</param>
    /// <param name="readCounts">Reads the counts part.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <param name="embedding">The background embedding's progress of the project, given its settings and counts; null: none shown.</param>
    public static async Task<DashboardView> BuildAsync(
        ISiftStore store, long projectId, bool requested, Func<ProjectSettings, CancellationToken, Task<CountsPart>> readCounts, CancellationToken cancellationToken,
        Func<ProjectSettings, ProjectCounts, EmbeddingProgress?>? embedding = null)
    {
        var project = await store.GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(projectId);
        var settings = project.Settings;
        var (counts, summary, overTime, asOf) = await readCounts(settings, cancellationToken).ConfigureAwait(false);
        var models = (await store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false)).OrderBy(m => m.Version).ToList();
        var trainer = await store.GetTrainerStatusAsync(projectId, cancellationToken).ConfigureAwait(false);

        var perClass = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var label in settings.Labels) perClass.TryAdd(label, 0);
        foreach (var set in summary.LabelSets)
            foreach (var label in set.Labels.Distinct(StringComparer.Ordinal)) perClass[label] = perClass.GetValueOrDefault(label) + set.Count;

        var latest = models.Count > 0 ? models[^1] : null;
        var metrics = latest is null ? null : ModelMetrics.Parse(latest.MetricsJson);
        // A retrain asked for in this process but not started yet shows as queued.
        if (requested && trainer.State != TrainerState.Running) trainer = trainer with { State = TrainerState.Queued };
        var stop = latest is null
            ? new StopRecommendation(false, ShownRule(settings.StopRule), string.Create(CultureInfo.InvariantCulture,
                $"no model yet: the first model is trained after {settings.RetrainEvery} resolved labels"))
            : new StopRecommendation(latest.StopRecommended, metrics!.Stop.Rule.Length > 0 ? metrics.Stop.Rule : ShownRule(settings.StopRule), latest.StopReason);

        return new DashboardView
        {
            ProjectId = projectId,
            Counts = counts,
            CountsAsOf = asOf,
            LabelsPerClass = perClass,
            LabelsOverTime = overTime,
            LearningCurve = models.Select(m => new CurvePoint(m.Version, m.Labels, m.Accuracy, m.MacroF1)).ToList(),
            Lift = metrics?.Lift?.ToLift(),
            LiftStatus = metrics?.LiftStatus ?? "waiting for the first model",
            Baseline = metrics?.Baseline?.ToBaseline(),
            ModelVersion = latest?.Version ?? 0,
            Trainer = trainer,
            Stop = stop,
            Embedding = embedding?.Invoke(settings, counts),
            ModelFeatures = latest is null ? null : metrics!.Features ?? ProjectFeatures.Tfidf,
            FeaturesNote = metrics?.FeaturesNote,
        };
    }

    /// <summary>
    /// The held-out learning curve: accuracy of each model version against its training labels, and, where the lift
    /// was measured, the two arms' accuracies at their equal label count ("random control" is drawn grey).
    /// </summary>
    /// <exception cref="NotFoundException">No such project.</exception>
    public static async Task<string> LearningCurveSvgAsync(ISiftStore store, long projectId, CancellationToken cancellationToken, (int Width, int Height)? size = null)
    {
        var project = await store.GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(projectId);
        var models = (await store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false)).OrderBy(m => m.Version).ToList();
        return RenderCurve(project.Name, models, size);
    }

    /// <param name="projectName">The project's name, in the title.</param>
    /// <param name="models">Its model versions, oldest first.</param>
    /// <param name="size">The chart's size in CSS pixels (the page asks for the size it shows it at, so text keeps its size); null: 820 × 520.</param>
    internal static string RenderCurve(string projectName, IReadOnlyList<ModelVersion> models, (int Width, int Height)? size = null)
    {
        var series = new List<CurveSeries>();
        if (models.Count > 0)
        {
            var x = models.Select(m => (double)m.Labels).ToList();
            var y = models.Select(m => m.Accuracy ?? double.NaN).ToList();
            series.Add(new CurveSeries("model (all labels)", x, y, y, y));
        }
        var lifts = models.Select(m => ModelMetrics.Parse(m.MetricsJson).Lift).OfType<LiftMetrics>().DistinctBy(l => l.Labels).OrderBy(l => l.Labels).ToList();
        if (lifts.Count > 0)
        {
            var x = lifts.Select(l => (double)l.Labels).ToList();
            var active = lifts.Select(l => l.ActiveAccuracy).ToList();
            var random = lifts.Select(l => l.RandomAccuracy).ToList();
            series.Add(new CurveSeries("active arm", x, active, active, active));
            series.Add(new CurveSeries("random control", x, random, random, random));
        }
        // The latest model's majority-class baseline, as a dashed line: the accuracy a model must beat to be worth anything.
        var baseline = models.Count > 0 ? ModelMetrics.Parse(models[^1].MetricsJson).Baseline : null;
        return LearningCurveSvg.Render(series, baseline?.Accuracy, baseline is null ? "" : $"always '{baseline.Label}'", options: new ChartOptions
        {
            Markers = true,
            Width = size?.Width ?? 820,
            Height = size?.Height ?? 520,
            // A narrow chart has no room for a title; the dashboard's card names it.
            Title = size is { Width: < ChartOptions.NarrowWidth } ? "" : $"{projectName}: held-out accuracy vs labels",
            XLabel = "labels",
            YLabel = "held-out accuracy",
        });
    }

    /// <summary>
    /// Cumulative count at the start of each time bucket after it: (bucket start, total up to the end of that bucket).
    /// Buckets are aligned to whole multiples of their size (UTC) and sized so there are at most <see cref="MaxBuckets"/>.
    /// </summary>
    internal static IReadOnlyList<TimePoint> Cumulative(IEnumerable<DateTimeOffset> times)
    {
        var sorted = times.Select(t => t.ToUniversalTime()).Order().ToList();
        if (sorted.Count == 0) return [];
        var size = BucketSize(sorted[0], sorted[^1]);
        return Cumulative(sorted.GroupBy(t => Floor(t, size)).Select(g => new TimeBucketCount(g.Key, g.Count())).ToList(), size, sorted[^1]);
    }

    /// <summary>The same points from the store's per-bucket counts (<see cref="IAnnotationStore.GetAnnotationHistogramAsync"/>).</summary>
    private static async Task<IReadOnlyList<TimePoint>> LabelsOverTimeAsync(ISiftStore store, long projectId, AnnotationSummary summary, CancellationToken cancellationToken)
    {
        if (summary.First is not { } first || summary.Last is not { } last) return [];
        var size = BucketSize(first, last);
        var buckets = await store.GetAnnotationHistogramAsync(projectId, size, cancellationToken).ConfigureAwait(false);
        return Cumulative(buckets, size, last);
    }

    /// <summary>
    /// The smallest of <see cref="BucketSizes"/> that covers first…last in at most <see cref="MaxBuckets"/> aligned
    /// buckets; past 30-day buckets, a whole number of minutes that does.
    /// </summary>
    internal static TimeSpan BucketSize(DateTimeOffset first, DateTimeOffset last)
    {
        var size = BucketSizes.FirstOrDefault(s => (last - Floor(first, s)).Ticks / s.Ticks < MaxBuckets, TimeSpan.Zero);
        if (size != TimeSpan.Zero) return size;
        var minutes = Math.Ceiling((last - first).TotalMinutes / (MaxBuckets - 1)) + 1;
        return TimeSpan.FromMinutes(minutes);
    }

    /// <summary>Running totals over non-empty buckets (oldest first, aligned to <paramref name="size"/>), one point per bucket up to <paramref name="last"/>.</summary>
    private static List<TimePoint> Cumulative(IReadOnlyList<TimeBucketCount> buckets, TimeSpan size, DateTimeOffset last)
    {
        var points = new List<TimePoint>();
        if (buckets.Count == 0) return points;
        var total = 0;
        var i = 0;
        for (var start = buckets[0].Start; start <= last; start += size)
        {
            while (i < buckets.Count && buckets[i].Start <= start) total += buckets[i++].Count;
            points.Add(new TimePoint(start, total));
        }
        return points;
    }

    /// <summary>
    /// A stored rule as the stop card shows it: whole, or, when it is longer than any valid rule (stored by an older
    /// version or by hand; the trainer reports it as failed), its start and its length.
    /// </summary>
    internal static string ShownRule(string rule) => rule.Length <= StoppingRuleParser.MaxSpecLength
        ? rule
        : string.Create(CultureInfo.InvariantCulture, $"{rule[..80]}… ({rule.Length:N0} characters)");

    private static DateTimeOffset Floor(DateTimeOffset t, TimeSpan size) =>
        new(t.UtcTicks - (t.UtcTicks % size.Ticks), TimeSpan.Zero);

    private static NotFoundException NotFound(long projectId) =>
        new(string.Create(CultureInfo.InvariantCulture, $"project: no project with id {projectId}."));
}
