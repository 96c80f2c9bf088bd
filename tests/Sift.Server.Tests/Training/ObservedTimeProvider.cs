using Microsoft.Extensions.Time.Testing;

namespace Sift.Server.Tests.Training;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells a test when the code under test starts a timer (a
/// <c>Task.Delay</c> or a timed <c>CancellationTokenSource</c> on this clock). A background loop that has started its
/// next timer is parked on the clock: the test may then look at what it did, or <see cref="FakeTimeProvider.Advance"/>
/// the clock, without racing it and without sleeping.
/// </summary>
internal sealed class ObservedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _started = [];
    private readonly List<(Func<TimeSpan, bool> Match, int Count, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Starts on the real clock's current time, so times written through it sit beside the test's own.</summary>
    public ObservedTimeProvider() : this(DateTimeOffset.UtcNow)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            _started.Add(dueTime);
            foreach (var waiter in _waiters.Where(w => _started.Count(w.Match) >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
        return timer;
    }

    /// <summary>Completes once <paramref name="count"/> timers whose due time matches have been started since this clock was made.</summary>
    public Task TimersStartedAsync(Func<TimeSpan, bool> match, int count, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started.Count(match) >= count) return Task.CompletedTask;
            // Continuations run elsewhere: never inside the code under test's call to CreateTimer.
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, count, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes once <paramref name="count"/> timers of exactly <paramref name="dueTime"/> have been started.</summary>
    public Task TimersStartedAsync(TimeSpan dueTime, int count, CancellationToken cancellationToken) =>
        TimersStartedAsync(d => d == dueTime, count, cancellationToken);

    /// <summary>How many timers whose due time matches have been started so far.</summary>
    public int Started(Func<TimeSpan, bool> match)
    {
        lock (_gate) return _started.Count(match);
    }
}
