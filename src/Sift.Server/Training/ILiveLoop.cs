using Sift.Server.Embedding;

namespace Sift.Server.Training;

/// <summary>
/// The live active-learning loop as the API sees it: cold-start rankings after imports, retrains after labels,
/// and what the dashboard shows. One instance per server process (a singleton); thread-safe.
/// </summary>
public interface ILiveLoop
{
    /// <summary>
    /// Called after an import commits. The new items can already be handed out (in the cold-start order, by the store);
    /// while the project has no model this records the cold-start ranking (model version 0) if none is stored,
    /// otherwise it schedules a retrain so the model ranks them. Nothing is lost if the process dies before this runs:
    /// the trainer finds the project due (its item count changed) on its next look.
    /// </summary>
    /// <exception cref="Sift.Projects.NotFoundException">No such project.</exception>
    Task OnItemsImportedAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>Called after each acknowledged submit or undo; cheap. Schedules a retrain when enough new labels exist.</summary>
    void OnLabelsChanged(long projectId);

    /// <summary>
    /// Called after tasks were handed out in this process; cheap. Lets the loop top the stored ranking up before it runs
    /// low (see <see cref="LiveLoopOptions.RankingPositions"/>).
    /// </summary>
    void OnTasksClaimed(long projectId, int count);

    /// <summary>Schedules a retrain of the project now (POST /train).</summary>
    void RequestRetrain(long projectId);

    /// <summary>Everything the dashboard shows for a project.</summary>
    /// <exception cref="Sift.Projects.NotFoundException">No such project.</exception>
    Task<DashboardView> GetDashboardAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>The held-out learning curve (accuracy vs labels per model version) as SVG, drawn by the shared <c>LearningCurveSvg</c>.</summary>
    /// <exception cref="Sift.Projects.NotFoundException">No such project.</exception>
    Task<string> GetLearningCurveSvgAsync(long projectId, CancellationToken cancellationToken = default);
}

/// <summary>The dashboard's content (serialised as snake_case JSON). Fields may grow; none may be removed.</summary>
public sealed record DashboardView
{
    /// <summary>Project id.</summary>
    public required long ProjectId { get; init; }

    /// <summary>Store counts (items, held out, annotations, completed items, live leases, queue depth).</summary>
    public required Sift.Projects.ProjectCounts Counts { get; init; }

    /// <summary>
    /// When <see cref="Counts"/>, <see cref="LabelsPerClass"/> and <see cref="LabelsOverTime"/> were read: on a large
    /// project they may be a moment older than the request (see <see cref="LiveLoopOptions.DashboardCounts"/>).
    /// </summary>
    public DateTimeOffset CountsAsOf { get; init; }

    /// <summary>Non-undone annotations per label.</summary>
    public required IReadOnlyDictionary<string, int> LabelsPerClass { get; init; }

    /// <summary>Cumulative annotations over time: (time bucket start, total so far).</summary>
    public required IReadOnlyList<TimePoint> LabelsOverTime { get; init; }

    /// <summary>One point per model version: labels, held-out accuracy and macro-F1.</summary>
    public required IReadOnlyList<CurvePoint> LearningCurve { get; init; }

    /// <summary>Active minus random held-out accuracy at equal label counts, with a 95% interval; null until measurable.</summary>
    public Lift? Lift { get; init; }

    /// <summary>What the lift rests on, or what it still waits for (e.g. "waiting for 10 labels from random-control positions (3 so far)").</summary>
    public string LiftStatus { get; init; } = "";

    /// <summary>The latest model's majority-class baseline: the held-out accuracy of always answering the most common label; null until measurable.</summary>
    public Baseline? Baseline { get; init; }

    /// <summary>Latest model version (0 = none yet).</summary>
    public required int ModelVersion { get; init; }

    /// <summary>Trainer status (the API shows its <c>Owner</c>, a host and process, to admins only).</summary>
    public required Sift.Projects.TrainerStatus Trainer { get; init; }

    /// <summary>Whether the stopping rule recommends stopping, and why.</summary>
    public required StopRecommendation Stop { get; init; }

    /// <summary>
    /// The background embedding of the project's items (done, total, rate, ETA, state, error); null when its features
    /// (<see cref="Sift.Projects.ProjectSettings.Features"/>) need no sentence encoder.
    /// </summary>
    public EmbeddingProgress? Embedding { get; init; }

    /// <summary>The features the latest model version was trained on (<c>tfidf</c> until every item has its vector); null before the first model.</summary>
    public string? ModelFeatures { get; init; }

    /// <summary>Why the latest model's features are not the project's setting (e.g. "waiting for vectors: 120 of 6,046 items embedded"); null when they are.</summary>
    public string? FeaturesNote { get; init; }
}

/// <summary>A point of a cumulative count over time.</summary>
public sealed record TimePoint(DateTimeOffset Time, int Total);

/// <summary>A learning-curve point: one model version.</summary>
public sealed record CurvePoint(int ModelVersion, int Labels, double? Accuracy, double? MacroF1);

/// <summary>Live active-vs-random estimate: each arm's accuracy with <paramref name="Labels"/> labels, and the difference's 95% interval.</summary>
public sealed record Lift(int Labels, double ActiveAccuracy, double RandomAccuracy, double Difference, double Low, double High);

/// <summary>The majority-class baseline: always answering <paramref name="Label"/> scores <paramref name="Accuracy"/> on <paramref name="HeldOut"/> held-out items.</summary>
public sealed record Baseline(string Label, double Accuracy, int HeldOut);

/// <summary>The stopping rule's current recommendation.</summary>
public sealed record StopRecommendation(bool Stop, string Rule, string Reason);
