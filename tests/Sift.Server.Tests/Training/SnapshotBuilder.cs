using Sift.Projects;
using Sift.Server.Training;

namespace Sift.Server.Tests.Training;

/// <summary>Builds a project's state in memory (items, answers, hand-out log) for the trainer's pure tests.</summary>
internal sealed class SnapshotBuilder
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly List<Item> _items = [];
    private readonly Dictionary<long, string> _gold = [];
    private readonly List<Annotation> _annotations = [];
    private readonly List<TaskRecord> _tasks = [];

    public SnapshotBuilder(ProjectSettings settings) => Settings = settings;

    public ProjectSettings Settings { get; set; }

    public List<ModelVersion> Models { get; } = [];

    public IReadOnlyList<Item> Items => _items;

    /// <summary>Labels by item id as generated (the simulated annotator's answers).</summary>
    public Dictionary<long, string> Truth { get; } = [];

    /// <summary>Adds the synthetic corpus; every <paramref name="heldOutEvery"/>-th item is held out, with a gold label when <paramref name="goldOnHeldOut"/>.</summary>
    public SnapshotBuilder WithCorpus(int count, int seed = 1, int heldOutEvery = 10, bool goldOnHeldOut = true)
    {
        foreach (var (id, text, label) in SyntheticText.Create(count, seed))
        {
            var itemId = _items.Count + 1;
            var heldOut = heldOutEvery > 0 && itemId % heldOutEvery == 0;
            _items.Add(new Item(itemId, 1, id, text, null, 1, null, heldOut));
            Truth[itemId] = label;
            if (heldOut && goldOnHeldOut) _gold[itemId] = label;
        }
        return this;
    }

    /// <summary>Adds the given items (none held out).</summary>
    public SnapshotBuilder WithTexts(IEnumerable<(string Id, string Text, string Label)> items)
    {
        foreach (var (id, text, label) in items)
        {
            var itemId = _items.Count + 1;
            _items.Add(new Item(itemId, 1, id, text, null, 1, null, false));
            Truth[itemId] = label;
        }
        return this;
    }

    /// <summary>Records an answer to the item from a task with the given provenance.</summary>
    public SnapshotBuilder Answer(long itemId, string[] labels, bool exploration = false, int modelVersion = 0, long annotator = 1)
    {
        var taskId = _tasks.Count + 1;
        var at = T0.AddSeconds(taskId);
        var heldOut = _items.Single(i => i.Id == itemId).HeldOut;
        _tasks.Add(new TaskRecord(taskId, 1, itemId, annotator, TaskState.Submitted, at, at.AddMinutes(10), modelVersion,
            modelVersion == 0 ? "cold-start" : "margin", 0, exploration ? "random control" : "x", exploration, heldOut));
        _annotations.Add(new Annotation(_annotations.Count + 1, 1, itemId, annotator, taskId, labels, 1, $"r{taskId}", at, false));
        return this;
    }

    /// <summary>Answers the item with its true label.</summary>
    public SnapshotBuilder AnswerTruly(long itemId, bool exploration = false, int modelVersion = 0) =>
        Answer(itemId, [Truth[itemId]], exploration, modelVersion);

    public ProjectSnapshot Build()
    {
        var answers = new Dictionary<long, int>();
        foreach (var a in _annotations) answers[a.ItemId] = answers.GetValueOrDefault(a.ItemId) + 1;
        return new ProjectSnapshot
        {
            Project = new Project(1, "synthetic", Settings, 1, T0),
            Items = _items.ToList(),
            Gold = new Dictionary<long, string>(_gold),
            Annotations = _annotations.ToList(),
            Resolved = LabelResolution.ResolveAll(Settings.Mode, Settings.Labels, _annotations),
            Answers = answers,
            Models = Models.ToList(),
            Tasks = _tasks.ToList(),
        };
    }
}
