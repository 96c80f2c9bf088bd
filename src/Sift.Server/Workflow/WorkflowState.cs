using Sift.Projects;
using Sift.Storage;

namespace Sift.Server.Workflow;

/// <summary>
/// What the annotation workflow adds to a project's answers at one moment: its gold items, the reviewers' decisions and
/// each annotator's gold standing; and the resolution of every item under the project's rule with all of them
/// (<see cref="LabelResolution.ResolveAll(ResolutionContext, IEnumerable{Annotation})"/>).
/// </summary>
internal sealed class WorkflowState
{
    public static WorkflowState Empty { get; } = new(new Dictionary<long, string>(), [], []);

    private WorkflowState(IReadOnlyDictionary<long, string> gold, IReadOnlyList<Review> reviews, IReadOnlyList<AnnotatorGold> standings)
    {
        Gold = gold;
        Reviews = reviews;
        Standings = standings;
        var latest = new Dictionary<long, Review>();
        foreach (var review in reviews) latest[review.ItemId] = review;
        LatestReview = latest;
    }

    /// <summary>Gold items' labels by item id (never for annotators).</summary>
    public IReadOnlyDictionary<long, string> Gold { get; }

    /// <summary>Every review, oldest first.</summary>
    public IReadOnlyList<Review> Reviews { get; }

    /// <summary>The latest review of each reviewed item: its override.</summary>
    public IReadOnlyDictionary<long, Review> LatestReview { get; }

    /// <summary>Each annotator's accuracy on gold items and whether they are flagged.</summary>
    public IReadOnlyList<AnnotatorGold> Standings { get; }

    /// <summary>Reads the workflow state of <paramref name="project"/> (empty when the store keeps none) and scores <paramref name="live"/> on its gold items.</summary>
    public static async Task<WorkflowState> LoadAsync(ISiftStore store, Project project, IReadOnlyList<Annotation> live, CancellationToken ct)
    {
        if (store is not IWorkflowStore workflow) return Empty;
        var gold = await workflow.GetGoldItemsAsync(project.Id, ct).ConfigureAwait(false);
        var reviews = await workflow.GetReviewsAsync(project.Id, ct).ConfigureAwait(false);
        var standings = gold.Count == 0 ? [] : GoldStandings.Score(live, gold, project.Settings.Mode, project.Settings.Gold);
        return new WorkflowState(gold, reviews, standings);
    }

    /// <summary>
    /// The resolution context of the project's settings with this state's gold items, weights and overrides. Flagged
    /// annotators are down-weighted under the majority rule only: Dawid–Skene estimates each annotator's confusion matrix
    /// itself, and down-weighting on top of that lost 0.00–0.05 label accuracy in the crowd benchmark (docs/benchmarks.md,
    /// "Annotation workflow"), while it gained the majority vote up to 0.10.
    /// </summary>
    public ResolutionContext Context(ProjectSettings settings) => ResolutionContext.For(settings) with
    {
        Gold = Gold,
        AnnotatorWeights = DownWeights(settings) ? GoldStandings.Weights(Standings, settings.Gold) : null,
        Overrides = LatestReview.ToDictionary(r => r.Key, r => r.Value.Labels),
    };

    /// <summary>Whether flagged annotators' answers count less under the project's rule (majority, or any multi-label project).</summary>
    public static bool DownWeights(ProjectSettings settings) =>
        settings.Resolution != LabelResolution.DawidSkene || settings.Mode != LabelMode.Single;

    /// <summary>Every answered item's resolved label under the project's rule.</summary>
    public IReadOnlyDictionary<long, ResolvedLabel> Resolve(ProjectSettings settings, IEnumerable<Annotation> live) =>
        LabelResolution.ResolveAll(Context(settings), live);
}
