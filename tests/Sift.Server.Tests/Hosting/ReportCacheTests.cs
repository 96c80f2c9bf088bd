using Sift.Server.Hosting;

namespace Sift.Server.Tests.Hosting;

/// <summary>The report cache on its own: when it computes, who shares a computation, and how a heavy report is paced.</summary>
public sealed class ReportCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A clock that moves only when told to (timestamps in ticks).</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    private static readonly ReportCacheOptions Options = new() { HeavyAbove = TimeSpan.FromSeconds(1), CostFactor = 4 };

    [Fact]
    public async Task GetAsync_SameMarker_ComputesOnceAndReportsCurrent()
    {
        var cache = new ReportCache<long, string>(new ManualTime(), Options);
        var calls = 0;
        Task<string> Compute(CancellationToken _) => Task.FromResult("report " + Interlocked.Increment(ref calls));

        var first = await cache.GetAsync(1, 7, Compute, Ct);
        var second = await cache.GetAsync(1, 7, Compute, Ct);

        (first.Value, second.Value, second.Current, calls).ShouldBe(("report 1", "report 1", true, 1));
        second.ComputedAt.ShouldBe(first.ComputedAt);
    }

    [Fact]
    public async Task GetAsync_MarkerMoved_RecomputesAtOnceWhenLight()
    {
        var cache = new ReportCache<long, string>(new ManualTime(), Options);
        var calls = 0;
        Task<string> Compute(CancellationToken _) => Task.FromResult("report " + Interlocked.Increment(ref calls));

        await cache.GetAsync(1, 7, Compute, Ct);
        var after = await cache.GetAsync(1, 8, Compute, Ct);
        var otherKey = await cache.GetAsync(2, 8, Compute, Ct);

        (after.Value, after.Current, otherKey.Value, cache.Computations).ShouldBe(("report 2", true, "report 3", 3));
    }

    [Fact]
    public async Task GetAsync_ConcurrentReadersOfAnOutdatedReport_ShareOneComputation()
    {
        var cache = new ReportCache<long, string>(new ManualTime(), Options);
        await cache.GetAsync(1, 1, _ => Task.FromResult("old"), Ct);
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;

        var readers = Enumerable.Range(0, 8).Select(_ => cache.GetAsync(1, 2, _ => { Interlocked.Increment(ref calls); return gate.Task; }, Ct)).ToList();
        gate.SetResult("new");
        var results = await Task.WhenAll(readers);

        calls.ShouldBe(1);
        results.ShouldAllBe(r => r.Value == "new" && r.Current);
    }

    [Fact]
    public async Task GetAsync_HeavyReport_PreviousOneUntilItsCostTimesTheFactorHasPassed()
    {
        var time = new ManualTime();
        var cache = new ReportCache<long, string>(time, Options);
        var calls = 0;
        Task<string> Heavy(CancellationToken _)
        {
            time.Advance(TimeSpan.FromSeconds(2));   // costs 2 s: heavy, rests 8 s after finishing
            return Task.FromResult("report " + Interlocked.Increment(ref calls));
        }

        var first = await cache.GetAsync(1, 1, Heavy, Ct);
        time.Advance(TimeSpan.FromSeconds(7));
        var resting = await cache.GetAsync(1, 2, Heavy, Ct);
        time.Advance(TimeSpan.FromSeconds(1));
        var refreshed = await cache.GetAsync(1, 2, Heavy, Ct);

        (first.Value, resting.Value, resting.Current, refreshed.Value, refreshed.Current).ShouldBe(("report 1", "report 1", false, "report 2", true));
        resting.ComputedAt.ShouldBe(first.ComputedAt);
        refreshed.ComputedAt.ShouldBeGreaterThan(first.ComputedAt);
    }

    [Fact]
    public async Task GetAsync_HeavyReportBeingRecomputed_ReadersGetThePreviousOneMeanwhile()
    {
        var time = new ManualTime();
        var cache = new ReportCache<long, string>(time, Options);
        await cache.GetAsync(1, 1, _ => { time.Advance(TimeSpan.FromSeconds(2)); return Task.FromResult("old"); }, Ct);
        time.Advance(TimeSpan.FromMinutes(1));
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var waiting = cache.GetAsync(1, 2, _ => gate.Task, Ct);
        var meanwhile = await cache.GetAsync(1, 2, _ => throw new InvalidOperationException("a second computation"), Ct);
        gate.SetResult("new");

        (meanwhile.Value, meanwhile.Current).ShouldBe(("old", false));
        (await waiting).Value.ShouldBe("new");
        (await cache.GetAsync(1, 2, _ => throw new InvalidOperationException("not needed"), Ct)).Value.ShouldBe("new");
    }

    [Fact]
    public async Task GetAsync_ComputationFails_NotCachedAndTheNextReaderTriesAgain()
    {
        var cache = new ReportCache<long, string>(new ManualTime(), Options);

        await Should.ThrowAsync<InvalidOperationException>(() => cache.GetAsync(1, 1, _ => throw new InvalidOperationException("store gone"), Ct));
        var retried = await cache.GetAsync(1, 1, _ => Task.FromResult("fine"), Ct);

        retried.Value.ShouldBe("fine");
    }

    [Fact]
    public async Task GetAsync_ReaderCancelled_TheSharedComputationStillCompletesForOthers()
    {
        var cache = new ReportCache<long, string>(new ManualTime(), Options);
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancelled = new CancellationTokenSource();

        var quitter = cache.GetAsync(1, 1, _ => gate.Task, cancelled.Token);
        var stayer = cache.GetAsync(1, 1, _ => gate.Task, Ct);
        await cancelled.CancelAsync();
        gate.SetResult("report");

        await Should.ThrowAsync<OperationCanceledException>(() => quitter);
        (await stayer).Value.ShouldBe("report");
        cache.Computations.ShouldBe(1);
    }
}
