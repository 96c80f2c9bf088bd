using System.Collections.Concurrent;

namespace Sift.Server.Hosting;

/// <summary>
/// How the server keeps reports that are expensive to compute from a project's data (the agreement report, the
/// dashboard's answer counts). Defaults are stated per property; checked by <see cref="Validate"/>.
/// </summary>
public sealed record ReportCacheOptions
{
    /// <summary>
    /// A report whose last computation took at least this long counts as heavy: it is recomputed at most once per
    /// <see cref="CostFactor"/> × that time after the previous one finished, and meanwhile readers get the previous
    /// report (which says when it was computed). Lighter reports are recomputed as soon as the data changed.
    /// Default 100 ms.
    /// </summary>
    public TimeSpan HeavyAbove { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The pause after a heavy computation, as a multiple of its duration: 4 keeps one project's report to at most a
    /// fifth of one core however many readers ask. Default 4.
    /// </summary>
    public double CostFactor { get; init; } = 4;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public void Validate()
    {
        if (HeavyAbove < TimeSpan.Zero) throw new ConfigurationException("report_cache.heavy_above: must not be negative.");
        if (!(CostFactor >= 0) || double.IsInfinity(CostFactor)) throw new ConfigurationException("report_cache.cost_factor: must be a finite number ≥ 0.");
    }
}

/// <summary>A cached report and what it was computed from.</summary>
/// <param name="Value">The report.</param>
/// <param name="ComputedAt">When the computation started reading (its data is at least this new).</param>
/// <param name="Current">True when the data has not changed since (the marker read by this request matched).</param>
internal sealed record Cached<TValue>(TValue Value, DateTimeOffset ComputedAt, bool Current);

/// <summary>
/// Per-key cache of a computed report, valid while a cheap change marker (e.g. the store's data revision) stays the
/// same. When the marker moved, concurrent readers share one recomputation (single flight); it runs on the thread
/// pool, never on a reader's cancellation token, and never holds the store's writer (it only reads). A heavy report
/// (<see cref="ReportCacheOptions.HeavyAbove"/>) is recomputed at most once per <see cref="ReportCacheOptions.CostFactor"/>
/// × its cost; until then, and while its recomputation runs, readers get the previous value. A failed computation
/// is not cached: its readers get the exception, the next reader tries again. Thread-safe.
/// </summary>
internal sealed class ReportCache<TMarker, TValue>(TimeProvider time, ReportCacheOptions options)
    where TMarker : IEquatable<TMarker>
{
    private sealed class Slot
    {
        public TMarker? Marker;
        public Cached<TValue>? Last;
        public TimeSpan Cost;
        public DateTimeOffset FinishedAt;
        public Task<Cached<TValue>>? Running;
    }

    private readonly ConcurrentDictionary<long, Slot> _slots = new();

    /// <summary>How many computations ran (for tests and diagnostics).</summary>
    public int Computations => Volatile.Read(ref _computations);

    private int _computations;

    /// <summary>
    /// The report for <paramref name="key"/>: the cached one when <paramref name="marker"/> equals the marker it was
    /// computed under, otherwise a fresh one from <paramref name="compute"/> (shared with concurrent readers), or the
    /// previous one while a heavy report rests. Read the marker before calling, so data changed after it was read
    /// shows up as a new marker next time.
    /// </summary>
    public async Task<Cached<TValue>> GetAsync(long key, TMarker marker, Func<CancellationToken, Task<TValue>> compute, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(key, static _ => new Slot());
        Task<Cached<TValue>> running;
        lock (slot)
        {
            if (slot.Last is not null && slot.Marker is not null && slot.Marker.Equals(marker)) return slot.Last with { Current = true };
            var heavy = slot.Last is not null && slot.Cost >= options.HeavyAbove;
            if (heavy && (slot.Running is not null || time.GetUtcNow() - slot.FinishedAt < slot.Cost * options.CostFactor))
                return slot.Last! with { Current = false };
            running = slot.Running ??= RefreshAsync(slot, marker, compute);
        }
        return await running.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<Cached<TValue>> RefreshAsync(Slot slot, TMarker marker, Func<CancellationToken, Task<TValue>> compute) => Task.Run(async () =>
    {
        var started = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        try
        {
            Interlocked.Increment(ref _computations);
            // Not the reader's token: other readers share this computation and the result stays useful.
            var value = await compute(CancellationToken.None).ConfigureAwait(false);
            var cached = new Cached<TValue>(value, startedAt, true);
            lock (slot)
            {
                slot.Marker = marker;
                slot.Last = cached;
                slot.Cost = time.GetElapsedTime(started);
                slot.FinishedAt = time.GetUtcNow();
            }
            return cached;
        }
        finally
        {
            lock (slot) slot.Running = null;
        }
    });
}
