using System.Globalization;
using Sift.Plots;
using Sift.Projects;
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
    public static async Task<DashboardView> BuildAsync(ISiftStore store, long projectId, DateTimeOffset now, bool requested, CancellationToken cancellationToken)
    {
        var project = await store.GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(projectId);
        var settings = project.Settings;
        var counts = await store.GetCountsAsync(projectId, settings.Overlap, now, cancellationToken).ConfigureAwait(false);
        var annotations = await store.GetAnnotationsAsync(projectId, null, false, cancellationToken).ConfigureAwait(false);
        var models = (await store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false)).OrderBy(m => m.Version).ToList();
        var trainer = await store.GetTrainerStatusAsync(projectId, cancellationToken).ConfigureAwait(false);

        var live = annotations.Where(a => !a.Undone).ToList();
        var perClass = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var label in settings.Labels) perClass.TryAdd(label, 0);
        foreach (var a in live)
            foreach (var label in a.Labels.Distinct(StringComparer.Ordinal)) perClass[label] = perClass.GetValueOrDefault(label) + 1;

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
            LabelsPerClass = perClass,
            LabelsOverTime = Cumulative(live.Select(a => a.CreatedAt)),
            LearningCurve = models.Select(m => new CurvePoint(m.Version, m.Labels, m.Accuracy, m.MacroF1)).ToList(),
            Lift = metrics?.Lift?.ToLift(),
            LiftStatus = metrics?.LiftStatus ?? "waiting for the first model",
            ModelVersion = latest?.Version ?? 0,
            Trainer = trainer,
            Stop = stop,
        };
    }

    /// <summary>
    /// The held-out learning curve: accuracy of each model version against its training labels, and, where the lift
    /// was measured, the two arms' accuracies at their equal label count ("random control" is drawn grey).
    /// </summary>
    /// <exception cref="NotFoundException">No such project.</exception>
    public static async Task<string> LearningCurveSvgAsync(ISiftStore store, long projectId, CancellationToken cancellationToken)
    {
        var project = await store.GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(projectId);
        var models = (await store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false)).OrderBy(m => m.Version).ToList();
        return RenderCurve(project.Name, models);
    }

    internal static string RenderCurve(string projectName, IReadOnlyList<ModelVersion> models)
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
        return LearningCurveSvg.Render(series, null, options: new ChartOptions
        {
            Title = $"{projectName}: held-out accuracy vs labels",
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
        var first = sorted[0];
        var last = sorted[^1];
        var size = BucketSizes.FirstOrDefault(s => (last - Floor(first, s)).Ticks / s.Ticks < MaxBuckets, TimeSpan.Zero);
        if (size == TimeSpan.Zero)
            size = TimeSpan.FromTicks((long)Math.Ceiling((double)(last - first).Ticks / (MaxBuckets - 1)));
        var points = new List<TimePoint>();
        var total = 0;
        var i = 0;
        for (var start = Floor(first, size); start <= last; start += size)
        {
            var end = start + size;
            while (i < sorted.Count && sorted[i] < end) { total++; i++; }
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
