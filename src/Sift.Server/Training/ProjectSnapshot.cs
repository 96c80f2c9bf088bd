using Sift.Projects;
using Sift.Server.Workflow;

namespace Sift.Server.Training;

/// <summary>What the live loop reads of one project at one moment: items, gold labels, answers and their resolution.</summary>
internal sealed class ProjectSnapshot
{
    public required Project Project { get; init; }

    /// <summary>All items, by id.</summary>
    public required IReadOnlyList<Item> Items { get; init; }

    /// <summary>Imported gold labels by item id.</summary>
    public required IReadOnlyDictionary<long, string> Gold { get; init; }

    /// <summary>Annotations not undone, by id.</summary>
    public required IReadOnlyList<Annotation> Annotations { get; init; }

    /// <summary>Gold items, reviews and annotators' gold standing.</summary>
    public WorkflowState Workflow { get; init; } = WorkflowState.Empty;

    /// <summary>Resolved labels by item id, under the project's rule (majority or Dawid–Skene), with gold and reviews.</summary>
    public required IReadOnlyDictionary<long, ResolvedLabel> Resolved { get; init; }

    /// <summary>Answers (annotations not undone) per item id; items without answers are absent.</summary>
    public required IReadOnlyDictionary<long, int> Answers { get; init; }

    /// <summary>Model versions, oldest first.</summary>
    public required IReadOnlyList<ModelVersion> Models { get; init; }

    /// <summary>The hand-out log, when loaded.</summary>
    public IReadOnlyList<TaskRecord>? Tasks { get; init; }

    public ProjectSettings Settings => Project.Settings;

    public int LatestVersion => Models.Count == 0 ? 0 : Models[^1].Version;

    /// <summary>Reads the project; null when it does not exist.</summary>
    public static async Task<ProjectSnapshot?> LoadAsync(ISiftStore store, long projectId, bool withTasks, CancellationToken cancellationToken)
    {
        var project = await store.GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false);
        if (project is null) return null;
        var items = await store.GetItemsAsync(projectId, cancellationToken).ConfigureAwait(false);
        var gold = await store.GetGoldLabelsAsync(projectId, cancellationToken).ConfigureAwait(false);
        var annotations = await store.GetAnnotationsAsync(projectId, null, false, cancellationToken).ConfigureAwait(false);
        var models = await store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false);
        var tasks = withTasks ? await store.GetTasksAsync(projectId, cancellationToken).ConfigureAwait(false) : null;
        var live = annotations.Where(a => !a.Undone).ToList();
        var workflow = await WorkflowState.LoadAsync(store, project, live, cancellationToken).ConfigureAwait(false);
        var answers = new Dictionary<long, int>();
        foreach (var a in live) answers[a.ItemId] = answers.GetValueOrDefault(a.ItemId) + 1;
        return new ProjectSnapshot
        {
            Project = project,
            Items = items.OrderBy(i => i.Id).ToList(),
            Gold = gold,
            Annotations = live,
            Workflow = workflow,
            Resolved = workflow.Resolve(project.Settings, live),
            Answers = answers,
            Models = models.OrderBy(m => m.Version).ToList(),
            Tasks = tasks,
        };
    }

    /// <summary>
    /// The label a held-out item is evaluated against: its gold label when one was imported, else its resolved label;
    /// null when it has neither. Multi-label gold is a <c>;</c>-separated set.
    /// </summary>
    public IReadOnlyList<string>? EvaluationLabel(long itemId)
    {
        if (Gold.TryGetValue(itemId, out var gold))
            return Settings.Mode == LabelMode.Single
                ? [gold.Trim()]
                : gold.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return Resolved.TryGetValue(itemId, out var resolved) ? resolved.Labels : null;
    }
}
