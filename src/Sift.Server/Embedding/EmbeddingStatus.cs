using System.Collections.Concurrent;
using Sift.Projects;

namespace Sift.Server.Embedding;

/// <summary>
/// What the background embedding worker of this process knows of each project: its state, items with and without
/// vectors, the last item id it covered and the rate of the current run. Written by the worker, read by the dashboard
/// and the live loop (whether a project's vectors are all there, so the trainer may switch). A hint for the loop, not
/// the truth: the trainer reads the vectors from the store and reports here when they are not all there after all.
/// Thread-safe.
/// </summary>
internal sealed class EmbeddingStatus(TimeProvider time)
{
    private sealed class Entry
    {
        public EmbeddingState State = EmbeddingState.Pending;
        public int Done;
        public int Total;
        /// <summary>Items up to this id have their vectors (0: none checked yet); there are <see cref="CoveredItems"/> of them.</summary>
        public long Covered;
        public int CoveredItems;
        public string? Error;
        public string? Model;
        /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) when the current run began embedding; 0 before its first batch.</summary>
        public long RunStarted;
        public int RunItems;
        public double? Rate;
    }

    private readonly ConcurrentDictionary<long, Entry> _entries = new();

    /// <summary>The progress the dashboard shows; null when the project's features need no encoder.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="settings">Its settings (its <c>features</c>).</param>
    /// <param name="items">Its item count as the dashboard read it (newer than the worker's when an import just landed).</param>
    public EmbeddingProgress? Get(long projectId, ProjectSettings settings, int items)
    {
        if (!ProjectFeatures.NeedsEncoder(settings.Features)) return null;
        if (!_entries.TryGetValue(projectId, out var e)) return new EmbeddingProgress(EmbeddingState.Pending, 0, items, null, null, null) { Features = settings.Features };
        lock (e)
        {
            var state = e.State;
            // Items may have arrived after the worker's last look (it will come back to them): count them.
            var total = Math.Max(e.Total, items);
            if (total > e.Total && state == EmbeddingState.Done) state = EmbeddingState.Pending;
            double? eta = state == EmbeddingState.Running && e.Rate is > 0 ? Math.Max(0, total - e.Done) / e.Rate.Value : null;
            return new EmbeddingProgress(state, Math.Min(e.Done, total), total, state == EmbeddingState.Running ? e.Rate : null, eta, e.Error)
            {
                Model = e.Model,
                Features = settings.Features,
            };
        }
    }

    /// <summary>Whether the worker found every one of the project's <paramref name="items"/> items with its vector.</summary>
    public bool IsComplete(long projectId, int items)
    {
        if (!_entries.TryGetValue(projectId, out var e)) return false;
        lock (e) return e.State == EmbeddingState.Done && e.Total == items && e.Done == items;
    }

    /// <summary>The last item id up to which every item has its vector (0: start from the first), and how many items that is.</summary>
    public (long Covered, int Items) Covered(long projectId) => _entries.TryGetValue(projectId, out var e) ? Locked(e, () => (e.Covered, e.CoveredItems)) : (0, 0);

    /// <summary>Whether the project is done as far as the worker knows.</summary>
    public bool IsDone(long projectId) => _entries.TryGetValue(projectId, out var e) && Locked(e, () => e.State == EmbeddingState.Done);

    /// <summary>The trainer found a vector missing that the worker had counted: forget what was known, so the worker looks at every item again.</summary>
    public void Invalidate(long projectId) => _entries.TryRemove(projectId, out _);

    /// <summary>The project no longer needs vectors (or is gone).</summary>
    public void Forget(long projectId) => _entries.TryRemove(projectId, out _);

    /// <summary>The worker failed on the project (the trainer keeps to TF-IDF).</summary>
    public void Fail(long projectId, string error) => Update(projectId, e =>
    {
        e.State = EmbeddingState.Failed;
        e.Error = error;
        e.Rate = null;
    });

    /// <summary>
    /// The worker counted the project's items: <paramref name="done"/> of them have vectors, <paramref name="total"/>
    /// exist. A new run begins (its rate counts from its first batch).
    /// </summary>
    public void Scanned(long projectId, string model, int done, int total) => Update(projectId, e =>
    {
        e.Model = model;
        e.Done = done;
        e.Total = total;
        e.Error = null;
        e.State = done >= total ? EmbeddingState.Done : EmbeddingState.Running;
        e.RunStarted = 0;
        e.RunItems = 0;
        e.Rate = null;
    });

    /// <summary>A batch is about to be embedded: the run's clock starts at its first batch.</summary>
    public void BatchStarting(long projectId) => Update(projectId, e =>
    {
        if (e.RunStarted == 0) e.RunStarted = time.GetTimestamp();
    });

    /// <summary><paramref name="items"/> more items have their vectors (<paramref name="embedded"/>: whether this process computed them, which counts towards the rate).</summary>
    public void Added(long projectId, int items, bool embedded) => Update(projectId, e =>
    {
        e.Done += items;
        if (!embedded || e.RunStarted == 0) return;
        e.RunItems += items;
        var seconds = time.GetElapsedTime(e.RunStarted).TotalSeconds;
        e.Rate = seconds > 0 ? e.RunItems / seconds : null;
    });

    /// <summary>Every item up to <paramref name="covered"/> has its vector.</summary>
    public void Completed(long projectId, long covered) => Update(projectId, e =>
    {
        e.Covered = covered;
        e.CoveredItems = e.Total;
        e.Done = e.Total;
        e.State = EmbeddingState.Done;
        e.Rate = null;
        e.Error = null;
    });

    private void Update(long projectId, Action<Entry> change)
    {
        var e = _entries.GetOrAdd(projectId, _ => new Entry());
        lock (e) change(e);
    }

    private static T Locked<T>(Entry e, Func<T> read)
    {
        lock (e) return read();
    }
}
