using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sift.Projects;
using Sift.Server.Embedding;

namespace Sift.Server.Training;

/// <summary>
/// The live active-learning loop of one server process: cold-start rankings after imports, a background trainer
/// that refits and re-ranks after every <see cref="ProjectSettings.RetrainEvery"/> new resolved labels (or on request),
/// and the dashboard's data. Training runs on <see cref="RunAsync"/>'s thread (the hosted service), never on a request
/// path; at most one process trains a project at a time (the store's trainer lease). Thread-safe.
/// </summary>
internal sealed class LiveLoop : ILiveLoop
{
    private readonly ISiftStore _store;
    private readonly TimeProvider _time;
    private readonly LiveLoopOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, ProjectCache> _caches = new();
    // Label changes seen by this process since the project was last looked at, and the project's RetrainEvery as last
    // read: the trainer looks only once enough changes piled up (other processes' labels are seen by the periodic poll).
    private readonly ConcurrentDictionary<long, int> _dirty = new();
    private readonly ConcurrentDictionary<long, int> _retrainEvery = new();
    private readonly ConcurrentDictionary<long, byte> _requested = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    // Trained rankings this process stored the top of, with the rest still to append; tasks handed out here per project
    // since the top-up loop last looked; the model version whose ranking last made the loop ask for a retrain.
    private readonly ConcurrentDictionary<long, HeldRanking> _held = new();
    private readonly ConcurrentDictionary<long, int> _claimed = new();
    private readonly ConcurrentDictionary<long, int> _retrainAskedFor = new();
    private readonly SemaphoreSlim _topUpWake = new(0, 1);
    private readonly Hosting.ReportCache<long, Dashboard.CountsPart> _dashboardCounts;
    private readonly ProjectVectors? _vectors;
    private long _dashboardAsks;

    /// <summary>Creates the loop.</summary>
    /// <param name="store">The store.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">The loop's settings.</param>
    /// <param name="logger">Where warnings go.</param>
    /// <param name="vectors">The sentence vectors of projects whose features need them; null: every project trains on TF-IDF.</param>
    public LiveLoop(ISiftStore store, TimeProvider time, LiveLoopOptions options, ILogger<LiveLoop>? logger = null, ProjectVectors? vectors = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _time = time;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _dashboardCounts = new(time, options.DashboardCounts);
        _vectors = vectors;
    }

    /// <summary>This process's trainer-lease owner name.</summary>
    public string Owner => _options.Owner;

    /// <inheritdoc />
    public async Task OnItemsImportedAsync(long projectId, CancellationToken cancellationToken = default)
    {
        if ((await _store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            RequestRetrain(projectId);
            return;
        }
        // The cold-start ranking holds no positions: the store hands every item out in the cold-start order by itself.
        if (await _store.GetRankingInfoAsync(projectId, cancellationToken).ConfigureAwait(false) is null)
        {
            await _store.ReplaceRankingAsync(new Ranking(projectId, 0, RankingComposer.ColdStartStrategy, []), cancellationToken).ConfigureAwait(false);
            // A first model may have been stored meanwhile (another process); its ranking must win.
            if ((await _store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false)).Count > 0)
                RequestRetrain(projectId);
        }
    }

    /// <inheritdoc />
    public void OnLabelsChanged(long projectId)
    {
        var changes = _dirty.AddOrUpdate(projectId, 1, (_, n) => n + 1);
        if (changes >= _retrainEvery.GetValueOrDefault(projectId, 1)) Wake();
    }

    /// <inheritdoc />
    public void OnTasksClaimed(long projectId, int count)
    {
        var claimed = _claimed.AddOrUpdate(projectId, count, (_, n) => n + count);
        // An eighth of the stored positions gone: look now rather than at the next interval.
        if (claimed >= _options.RankingPositions / 8 && _held.ContainsKey(projectId)) Release(_topUpWake);
    }

    /// <inheritdoc />
    public void RequestRetrain(long projectId)
    {
        _requested[projectId] = 0;
        Wake();
    }

    /// <summary>Test hook: awaited after the lease is taken and the status set to Running, before the fit.</summary>
    internal Func<long, CancellationToken, Task>? FitStarting { get; set; }

    /// <summary>Test hook: what the trainer keeps in memory for the project (its features, last model), or null.</summary>
    internal ProjectCache? CacheOf(long projectId) => _caches.GetValueOrDefault(projectId);

    /// <summary>Whether a retrain of the project was requested in this process and has not started yet.</summary>
    public bool IsRequested(long projectId) => _requested.ContainsKey(projectId);

    /// <inheritdoc />
    public Task<DashboardView> GetDashboardAsync(long projectId, CancellationToken cancellationToken = default) =>
        Dashboard.BuildAsync(_store, projectId, IsRequested(projectId), async (settings, ct) =>
        {
            // A marker that never repeats: the counts change with every hand-out, so only the pacing of heavy reads keeps one.
            var ask = Interlocked.Increment(ref _dashboardAsks);
            var cached = await _dashboardCounts.GetAsync(projectId, ask,
                _ => Dashboard.ReadCountsAsync(_store, projectId, settings.Overlap, _time.GetUtcNow(), CancellationToken.None), ct).ConfigureAwait(false);
            return cached.Value;
        }, cancellationToken, _vectors is null ? null : (settings, counts) => _vectors.Progress(projectId, settings, counts.Items));

    /// <inheritdoc />
    public Task<string> GetLearningCurveSvgAsync(long projectId, CancellationToken cancellationToken = default) =>
        Dashboard.LearningCurveSvgAsync(_store, projectId, cancellationToken);

    /// <summary>
    /// The background trainer: looks at projects whose labels changed (at once, after <see cref="LiveLoopOptions.WakeDelay"/>),
    /// at every project each <see cref="LiveLoopOptions.PollInterval"/>, and retrains those that are due. Returns when
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // never hold up the host's start
        // Top-ups run beside the trainer: a long fit must not leave the stored ranking to run dry.
        var topUps = TopUpLoopAsync(cancellationToken);
        try
        {
            await TrainLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await topUps.ConfigureAwait(false);
        }
    }

    private async Task TrainLoopAsync(CancellationToken cancellationToken)
    {
        var nextPoll = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            IEnumerable<long> ids;
            if (_time.GetUtcNow() >= nextPoll)
            {
                nextPoll = _time.GetUtcNow() + _options.PollInterval;
                _dirty.Clear();
                try
                {
                    ids = (await _store.ListProjectsAsync(cancellationToken).ConfigureAwait(false)).Select(p => p.Id).Union(_requested.Keys).ToList();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "Live loop: could not list projects.");
                    ids = _requested.Keys.ToList();
                }
            }
            else
            {
                var due = _dirty.Where(d => d.Value >= _retrainEvery.GetValueOrDefault(d.Key, 1)).Select(d => d.Key).ToList();
                ids = due.Union(_requested.Keys).Order().ToList();
                foreach (var id in due) _dirty.TryRemove(id, out _);
            }

            foreach (var id in ids)
            {
                if (cancellationToken.IsCancellationRequested) break;
                try
                {
                    await ProcessAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // The loop outlives any one project's trouble (a store hiccup, a bad setting); the next look retries.
                    _logger.LogWarning(ex, "Live loop: project {ProjectId} could not be processed.", id);
                }
            }

            if (cancellationToken.IsCancellationRequested) break;
            var wait = nextPoll - _time.GetUtcNow();
            try
            {
                if (wait > TimeSpan.Zero && await WaitForWakeAsync(wait, cancellationToken).ConfigureAwait(false) && _options.WakeDelay > TimeSpan.Zero)
                    await Task.Delay(_options.WakeDelay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Looks at one project now and retrains it when it is due (or requested) and this process gets the trainer lease.
    /// Returns what happened. Used by the background loop; tests call it directly.
    /// </summary>
    internal async Task<TrainOutcome> ProcessAsync(long projectId, CancellationToken cancellationToken)
    {
        var requested = _requested.ContainsKey(projectId);
        // A cheap look before taking the lease (no item texts): most looks find nothing to do.
        var project = await _store.GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false);
        if (project is null)
        {
            _requested.TryRemove(projectId, out _);
            return TrainOutcome.NotFound;
        }
        if (await RejectInvalidSettingsAsync(project, cancellationToken).ConfigureAwait(false)) return TrainOutcome.InvalidSettings;
        _retrainEvery[projectId] = project.Settings.RetrainEvery;
        if (!requested)
        {
            var counts = await _store.GetCountsAsync(projectId, project.Settings.Overlap, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            var annotations = await _store.GetAnnotationsAsync(projectId, null, false, cancellationToken).ConfigureAwait(false);
            var models = await _store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false);
            var live = annotations.Where(a => !a.Undone).ToList();
            var resolved = (await Workflow.WorkflowState.LoadAsync(_store, project, live, cancellationToken).ConfigureAwait(false)).Resolve(project.Settings, live).Count;
            if (!Trainer.IsDue(project.Settings, counts.Items, resolved, models.OrderBy(m => m.Version).ToList(), VectorsReady(projectId, counts.Items)))
                return TrainOutcome.NotDue;
        }

        if (!await _store.TryAcquireTrainerAsync(projectId, _options.Owner, _time.GetUtcNow(), _options.TrainerLease, cancellationToken).ConfigureAwait(false))
            return TrainOutcome.LeaseHeldElsewhere; // a request stays pending and is retried on the next look
        try
        {
            _requested.TryRemove(projectId, out _);
            // Read again under the lease: another process may just have trained on these labels.
            // Reading the whole project is part of the fit's work: on a trainer thread too, at the trainer's priority.
            var snapshot = await TrainerThread.RunAsync(() => ProjectSnapshot.LoadAsync(_store, projectId, true, cancellationToken).GetAwaiter().GetResult(),
                _options.LowPriorityTrainer, "sift-trainer-read").ConfigureAwait(false);
            if (snapshot is null) return TrainOutcome.NotFound;
            if (!requested && !Trainer.IsDue(snapshot, VectorsReady(projectId, snapshot.Items.Count))) return TrainOutcome.NotDue;
            return await TrainAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await _store.ReleaseTrainerAsync(projectId, _options.Owner, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogWarning(ex, "Live loop: could not release the trainer lease of project {ProjectId}; it expires on its own.", projectId);
            }
        }
    }

    /// <summary>
    /// Validates the stored settings before anything runs them: a row written by an older version or edited by hand
    /// may hold a spec no parser accepts. Such a project is marked failed with the reason (once, not on every look) and
    /// skipped until its settings are fixed; the other projects carry on. True when the settings are invalid.
    /// </summary>
    private async Task<bool> RejectInvalidSettingsAsync(Project project, CancellationToken cancellationToken)
    {
        try
        {
            project.Settings.Validate();
            return false;
        }
        catch (ConfigurationException ex)
        {
            _requested.TryRemove(project.Id, out _);
            var error = InvalidSettings(ex);
            var status = await _store.GetTrainerStatusAsync(project.Id, cancellationToken).ConfigureAwait(false);
            if (status.State != TrainerState.Failed || status.Error != error)
            {
                _logger.LogWarning("Live loop: project {ProjectId} is not trained: {Error}", project.Id, error);
                await _store.SetTrainerStatusAsync(new TrainerStatus(project.Id, TrainerState.Failed, status.StartedAt, _time.GetUtcNow(),
                    status.LastDurationSeconds, error, _options.Owner), cancellationToken).ConfigureAwait(false);
            }
            return true;
        }
    }

    /// <summary>The dashboard's sentence for settings that do not validate, e.g. "Not trained until the settings are fixed: strategy: …".</summary>
    internal static string InvalidSettings(ConfigurationException ex) => "Not trained until the settings are fixed: " + OneSentence(ex);

    private async Task<TrainOutcome> TrainAsync(ProjectSnapshot snapshot, CancellationToken cancellationToken)
    {
        var projectId = snapshot.Project.Id;
        var previous = await _store.GetTrainerStatusAsync(projectId, cancellationToken).ConfigureAwait(false);
        var started = _time.GetUtcNow();
        var clock = _time.GetTimestamp();
        await _store.SetTrainerStatusAsync(new TrainerStatus(projectId, TrainerState.Running, started, null, previous.LastDurationSeconds, null, _options.Owner), cancellationToken).ConfigureAwait(false);

        using var fit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var leaseLost = false;
        var renewal = RenewLeaseAsync(projectId, fit, () => leaseLost = true);
        try
        {
            if (FitStarting is { } hook) await hook(projectId, fit.Token).ConfigureAwait(false);
            var cache = _caches.GetOrAdd(projectId, _ => new ProjectCache());
            fit.Token.ThrowIfCancellationRequested();
            // TF-IDF until every item has its sentence vector, then the project's features (never waiting for vectors).
            var choice = _vectors?.Choose(projectId, snapshot.Settings, snapshot.Items.Count) ?? FeatureChoice.TfidfOnly;
            var result = await TrainerThread.RunAsync(() =>
            {
                using var limit = Parallelism.LimitDegree(_options.TrainerThreads);
                return Trainer.Train(snapshot, cache, _options, started, fit.Token, choice);
            }, _options.LowPriorityTrainer, "sift-trainer").ConfigureAwait(false);
            var seconds = _time.GetElapsedTime(clock).TotalSeconds;
            if (result.Model is { } model)
                await _store.AddModelVersionAsync(model with { DurationSeconds = seconds }, result.Evidence, fit.Token).ConfigureAwait(false);
            if (result.Switch is { } change) await RecordSwitchAsync(projectId, change).ConfigureAwait(false);
            await StoreRankingAsync(result.Ranking, fit.Token).ConfigureAwait(false);
            if (result.Relabel is { } relabel && _store is Sift.Storage.IWorkflowStore workflow)
                await workflow.ReplaceRelabelQueueAsync(projectId, relabel, fit.Token).ConfigureAwait(false);
            if (result.Model is not null) result.Commit();
            await _store.SetTrainerStatusAsync(new TrainerStatus(projectId, TrainerState.Done, started, _time.GetUtcNow(), seconds, null, _options.Owner), CancellationToken.None).ConfigureAwait(false);
            return result.Model is null ? TrainOutcome.ColdStart : TrainOutcome.Trained;
        }
        catch (OperationCanceledException) when (leaseLost && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Live loop: lost the trainer lease of project {ProjectId} during a fit; the other owner carries on.", projectId);
            return TrainOutcome.LeaseLost;
        }
        catch (ConflictException) when (!cancellationToken.IsCancellationRequested)
        {
            // Another owner stored this model version first (our lease had lapsed); theirs stands.
            return TrainOutcome.LeaseLost;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var stopping = cancellationToken.IsCancellationRequested;
            var error = stopping ? "The server stopped before training finished." : ex is ConfigurationException bad ? InvalidSettings(bad) : OneSentence(ex);
            if (!stopping) _logger.LogWarning(ex, "Live loop: training project {ProjectId} failed.", projectId);
            try
            {
                await _store.SetTrainerStatusAsync(new TrainerStatus(projectId, TrainerState.Failed, started, _time.GetUtcNow(),
                    _time.GetElapsedTime(clock).TotalSeconds, error, _options.Owner), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception inner) when (inner is not OutOfMemoryException)
            {
                _logger.LogWarning(inner, "Live loop: could not record the failure of project {ProjectId}.", projectId);
            }
            if (stopping) throw;
            return TrainOutcome.Failed;
        }
        finally
        {
            await fit.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }
    }

    /// <summary>Whether the project's sentence vectors are all there as far as this process knows (a switch of features may be due).</summary>
    private bool VectorsReady(long projectId, int items) => _vectors?.Ready(projectId, items) ?? false;

    /// <summary>
    /// Records a change of features as its own evidence event, after the model version that made it (whose model event
    /// names the features too, in the same transaction as the version: a kill between the two loses only this summary).
    /// </summary>
    private async Task RecordSwitchAsync(long projectId, FeaturesEvent change)
    {
        try
        {
            await _store.AppendEvidenceAsync(projectId, change, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "Live loop: could not record the change of features of project {ProjectId}.", projectId);
        }
    }

    /// <summary>Renews the trainer lease every third of its length until <paramref name="fit"/> is cancelled; cancels it when the lease is lost.</summary>
    private async Task RenewLeaseAsync(long projectId, CancellationTokenSource fit, Action onLost)
    {
        var period = _options.TrainerLease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(period, _time, fit.Token).ConfigureAwait(false);
                if (!await _store.TryAcquireTrainerAsync(projectId, _options.Owner, _time.GetUtcNow(), _options.TrainerLease, fit.Token).ConfigureAwait(false))
                {
                    onLost();
                    await fit.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The fit finished (or the server is stopping).
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A store error while renewing is not a lost lease; the fit carries on, and the lease may lapse.
            _logger.LogWarning(ex, "Live loop: could not renew the trainer lease of project {ProjectId}.", projectId);
        }
    }

    /// <summary>
    /// Stores a ranking: a trained one's first <see cref="LiveLoopOptions.RankingPositions"/> positions, the rest held
    /// here for top-ups; a cold start's none (the store's own cold-start order is that ranking).
    /// </summary>
    private async Task StoreRankingAsync(Ranking ranking, CancellationToken cancellationToken)
    {
        var projectId = ranking.ProjectId;
        var trained = ranking.ModelVersion > 0;
        var top = trained ? ranking.Items.Take(_options.RankingPositions).ToList() : [];
        await _store.ReplaceRankingAsync(ranking with { Items = top }, cancellationToken).ConfigureAwait(false);
        if (trained) _held[projectId] = new HeldRanking(ranking, top.Count);
        else _held.TryRemove(projectId, out _);
    }

    /// <summary>
    /// Looks at the project's stored ranking and, when fewer than half of <see cref="LiveLoopOptions.RankingPositions"/>
    /// positions still have a free slot, appends more from the ranking this process holds; when it holds none (or has
    /// appended all of it), fewer than an eighth are open and items beyond the stored ranking still need answers, asks
    /// once per model version for a retrain. Used by the top-up loop; tests call it directly.
    /// </summary>
    internal async Task<TopUpOutcome> TopUpAsync(long projectId, CancellationToken cancellationToken)
    {
        var state = await _store.GetQueueStateAsync(projectId, cancellationToken).ConfigureAwait(false);
        // A cold start needs no top-ups: the store hands out in the cold-start order by itself.
        if (state is null || state.ModelVersion == 0) return TopUpOutcome.Nothing;
        var wanted = _options.RankingPositions - state.OpenPositions;
        if (state.OpenPositions * 2 >= _options.RankingPositions) return TopUpOutcome.Nothing;

        if (_held.TryGetValue(projectId, out var held)
            && (held.Ranking.ModelVersion != state.ModelVersion || !string.Equals(held.Ranking.Strategy, state.Strategy, StringComparison.Ordinal)))
        {
            _held.TryRemove(new KeyValuePair<long, HeldRanking>(projectId, held));
            held = null;
        }
        if (held is not null && !held.Exhausted)
        {
            var added = 0;
            // Positions whose item was meanwhile handed out past the ranking are skipped by the store: go on until enough stuck.
            while (added < wanted && !held.Exhausted)
            {
                var chunk = new List<RankedItem>(wanted - added);
                for (var i = held.Next; i < held.Ranking.Items.Count && chunk.Count < wanted - added; i++) chunk.Add(held.Ranking.Items[i]);
                var stored = await _store.AppendRankingAsync(held.Ranking with { Items = chunk }, cancellationToken).ConfigureAwait(false);
                if (stored < 0)
                {
                    // Replaced meanwhile (by this process's trainer or another process).
                    _held.TryRemove(new KeyValuePair<long, HeldRanking>(projectId, held));
                    return TopUpOutcome.Nothing;
                }
                held.Next += chunk.Count;
                added += stored;
            }
            return TopUpOutcome.ToppedUp;
        }
        // This process holds no more of the stored ranking: it restarted, another process trained, or all of it is stored.
        // Ask for a retrain only when the stored part is nearly gone, so a live holder elsewhere (which tops up at half)
        // gets to top up first.
        if (state.OpenPositions * 8 < _options.RankingPositions && state.AnyUnranked
            && _retrainAskedFor.GetValueOrDefault(projectId, -1) != state.ModelVersion)
        {
            _retrainAskedFor[projectId] = state.ModelVersion;
            RequestRetrain(projectId);
            return TopUpOutcome.RetrainRequested;
        }
        return TopUpOutcome.Nothing;
    }

    /// <summary>
    /// Tops up stored rankings: those this process holds every <see cref="LiveLoopOptions.TopUpInterval"/> (sooner when
    /// its hand-outs signal), every project each <see cref="LiveLoopOptions.PollInterval"/> (rankings stored by another
    /// process or before a restart). Returns when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    private async Task TopUpLoopAsync(CancellationToken cancellationToken)
    {
        var nextPoll = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            _claimed.Clear();
            var ids = new HashSet<long>(_held.Keys);
            if (_time.GetUtcNow() >= nextPoll)
            {
                nextPoll = _time.GetUtcNow() + _options.PollInterval;
                try
                {
                    ids.UnionWith((await _store.ListProjectsAsync(cancellationToken).ConfigureAwait(false)).Select(p => p.Id));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "Live loop: could not list projects for top-ups.");
                }
            }

            foreach (var id in ids.Order())
            {
                if (cancellationToken.IsCancellationRequested) break;
                try
                {
                    await TopUpAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // Hand-out goes on past the stored ranking meanwhile; the next look retries.
                    _logger.LogWarning(ex, "Live loop: could not top up the ranking of project {ProjectId}.", id);
                }
            }

            try
            {
                await WaitAsync(_topUpWake, _options.TopUpInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Wake() => Release(_wake);

    private static void Release(SemaphoreSlim signal)
    {
        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for a wake-up signal or the timeout (on the injected clock); true when signalled.</summary>
    private Task<bool> WaitForWakeAsync(TimeSpan timeout, CancellationToken cancellationToken) => WaitAsync(_wake, timeout, cancellationToken);

    /// <summary>Waits for <paramref name="signal"/> or the timeout (on the injected clock); true when signalled.</summary>
    private async Task<bool> WaitAsync(SemaphoreSlim signal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await signal.WaitAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A failure as one sentence for the dashboard: Sift's own messages are meant for users; others get a prefix.</summary>
    internal static string OneSentence(Exception ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ").Trim();
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        if (end > 0) message = message[..(end + 1)];
        if (message.Length > 300) message = message[..299] + "…";
        if (message.Length > 0 && !message.EndsWith('.')) message += ".";
        return ex is SiftException ? message : $"Training failed ({ex.GetType().Name}): {message}";
    }
}

/// <summary>A trained ranking whose top is stored: <see cref="Next"/> is its first position not stored yet (touched by the top-up loop only).</summary>
internal sealed class HeldRanking(Ranking ranking, int next)
{
    public Ranking Ranking { get; } = ranking;

    public int Next { get; set; } = next;

    public bool Exhausted => Next >= Ranking.Items.Count;
}

/// <summary>What one top-up look at a project did.</summary>
internal enum TopUpOutcome
{
    Nothing,
    ToppedUp,
    RetrainRequested,
}

/// <summary>What one look at a project did.</summary>
internal enum TrainOutcome
{
    NotFound,
    NotDue,
    LeaseHeldElsewhere,
    LeaseLost,
    InvalidSettings,
    ColdStart,
    Trained,
    Failed,
}
