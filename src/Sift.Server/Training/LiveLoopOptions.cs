using System.Globalization;

namespace Sift.Server.Training;

/// <summary>
/// Settings of the live loop (one per server process). Defaults suit an interactive server; validate once with
/// <see cref="Validate"/> (done by <see cref="LiveLoopServiceCollectionExtensions.AddSiftLiveLoop"/>).
/// </summary>
public sealed record LiveLoopOptions
{
    /// <summary>
    /// How often the background trainer looks at every project for new labels, including labels submitted through
    /// other processes sharing the database. Labels submitted through this process wake it at once. Default 5 s.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After being woken by labels, the trainer waits this long before looking again, so a burst of submits costs
    /// one look at the store, not one per submit. Default 200 ms.
    /// </summary>
    public TimeSpan WakeDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// This process's name for the trainer lease; unique per process. Default machine name, process id and a fresh GUID.
    /// </summary>
    public string Owner { get; init; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}");

    /// <summary>
    /// How long a trainer lease lasts; it is renewed every third of this while a fit runs, and a process that dies
    /// mid-fit frees the project after at most this long. Default 2 minutes.
    /// </summary>
    public TimeSpan TrainerLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How many positions a strategy that chooses its batch as a set (k-means, CoreSet, BADGE, decorated specs)
    /// orders itself; the rest of the pool follows by margin. Strategies that score items one by one order the whole
    /// pool. Default 256.
    /// </summary>
    public int StrategyBatch { get; init; } = 256;

    /// <summary>
    /// How many positions of a trained ranking the store keeps. The trainer orders the whole pool, stores this many
    /// positions and keeps the rest in memory; when fewer than half of the stored positions still have a free slot the
    /// live loop appends more (up to this many open positions again), within <see cref="TopUpInterval"/> or sooner when
    /// this process hands out tasks. A process that does not hold the rest (it restarted, or another process trained)
    /// asks for a retrain instead once fewer than an eighth are open. Items beyond the stored positions are still handed out meanwhile, in the cold-start
    /// order, so hand-out never stops while items need answers. Small values make re-ranking cheap (one short write);
    /// default 2,000 (about a second of hand-out at 1,500 tasks/s, and under 10 ms to write on SQLite).
    /// </summary>
    public int RankingPositions { get; init; } = 2_000;

    /// <summary>How often the live loop looks at the stored rankings it can top up (see <see cref="RankingPositions"/>). Default 1 s.</summary>
    public TimeSpan TopUpInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Items in the fixed, seeded stop set on which consecutive models' predictions are compared (κ). Default 500.</summary>
    public int StopSetSize { get; init; } = 500;

    /// <summary>Paired-bootstrap resamples for the active-vs-random interval. Default 1000.</summary>
    public int BootstrapSamples { get; init; } = 1000;

    /// <summary>Random-arm labels needed before the active-vs-random lift is estimated. Default 10.</summary>
    public int LiftMinimumLabels { get; init; } = 10;

    /// <summary>Labeled held-out items needed before the lift is estimated. Default 20.</summary>
    public int LiftMinimumHeldOut { get; init; } = 20;

    /// <summary>Members of the bootstrap committee for committee strategies (qbc-vote, qbc-kl, bald). Default 5.</summary>
    public int CommitteeSize { get; init; } = 5;

    /// <summary>
    /// Threads a fit may use. Default: all cores but one (at least one), so request handling keeps a core while the
    /// trainer runs. Results do not depend on it.
    /// </summary>
    public int TrainerThreads { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>
    /// Whether a fit runs at the lowest CPU priority (Linux: nice 19 for the fitting thread), so request handling comes
    /// first on a busy machine and the trainer uses what is left; on an idle machine it runs as fast as before. Results
    /// do not depend on it. Default true.
    /// </summary>
    public bool LowPriorityTrainer { get; init; } = true;

    /// <summary>
    /// How the dashboard's counts (items, answers, labels per class, labels over time — the part that scans a project's
    /// items and answers) are paced when they are expensive: on a small project they are read fresh on every request;
    /// once one computation takes at least <see cref="Hosting.ReportCacheOptions.HeavyAbove"/> (default here 50 ms,
    /// e.g. a 200,000-item project), they are recomputed at most once per <see cref="Hosting.ReportCacheOptions.CostFactor"/>
    /// × that time, and meanwhile dashboards show the previous counts with the time they were read
    /// (<see cref="DashboardView.CountsAsOf"/>). The trainer's state, the model versions and the stop recommendation
    /// are always read fresh.
    /// </summary>
    public Hosting.ReportCacheOptions DashboardCounts { get; init; } = new() { HeavyAbove = TimeSpan.FromMilliseconds(50) };

    /// <summary>
    /// The sentence encoder whose vectors of the request and of each response feed the reward model of pair projects
    /// (<see cref="Preferences.PairFeaturizer"/>); null (default) for <see cref="Features.HashingTextEncoder"/> — no
    /// model to load, but it knows words, not meaning. Must be thread-safe and deterministic.
    /// </summary>
    public Features.ITextEncoder? PairEncoder { get; init; }

    /// <summary>Checks ranges; throws <see cref="ConfigurationException"/> naming the setting.</summary>
    public void Validate()
    {
        if (TrainerThreads < 1) throw new ConfigurationException("trainer threads: must be at least 1.");
        ArgumentNullException.ThrowIfNull(DashboardCounts);
        DashboardCounts.Validate();
        if (PollInterval <= TimeSpan.Zero) throw new ConfigurationException("poll interval: must be positive.");
        if (WakeDelay < TimeSpan.Zero) throw new ConfigurationException("wake delay: cannot be negative.");
        if (string.IsNullOrWhiteSpace(Owner)) throw new ConfigurationException("owner: may not be empty.");
        if (TrainerLease < TimeSpan.FromSeconds(1)) throw new ConfigurationException("trainer lease: must be at least one second.");
        if (StrategyBatch < 1) throw new ConfigurationException("strategy batch: must be at least 1.");
        if (RankingPositions < 2) throw new ConfigurationException("ranking positions: must be at least 2.");
        if (TopUpInterval <= TimeSpan.Zero) throw new ConfigurationException("top-up interval: must be positive.");
        if (StopSetSize < 1) throw new ConfigurationException("stop set size: must be at least 1.");
        if (BootstrapSamples < 100) throw new ConfigurationException("bootstrap samples: must be at least 100.");
        if (LiftMinimumLabels < 2) throw new ConfigurationException("lift minimum labels: must be at least 2.");
        if (LiftMinimumHeldOut < 2) throw new ConfigurationException("lift minimum held-out: must be at least 2.");
        if (CommitteeSize < 2) throw new ConfigurationException("committee size: must be at least 2.");
    }
}
