using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sift.Projects;

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
    private readonly SemaphoreSlim _coldStart = new(1, 1);

    /// <summary>Creates the loop.</summary>
    public LiveLoop(ISiftStore store, TimeProvider time, LiveLoopOptions options, ILogger<LiveLoop>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _time = time;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>This process's trainer-lease owner name.</summary>
    public string Owner => _options.Owner;

    /// <inheritdoc />
    public async Task OnItemsImportedAsync(long projectId, CancellationToken cancellationToken = default)
    {
        var models = await _store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false);
        if (models.Count > 0)
        {
            RequestRetrain(projectId);
            return;
        }
        // Serialised so two imports at once cannot store their cold starts out of order.
        await _coldStart.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = await ProjectSnapshot.LoadAsync(_store, projectId, false, cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException($"project: no project with id {projectId}.");
            if (snapshot.Models.Count > 0)
            {
                RequestRetrain(projectId);
                return;
            }
            await _store.ReplaceRankingAsync(RankingComposer.ColdStart(snapshot), cancellationToken).ConfigureAwait(false);
            // A first model may have been stored meanwhile (another process); its ranking must win.
            if ((await _store.GetModelVersionsAsync(projectId, cancellationToken).ConfigureAwait(false)).Count > 0)
                RequestRetrain(projectId);
        }
        finally
        {
            _coldStart.Release();
        }
    }

    /// <inheritdoc />
    public void OnLabelsChanged(long projectId)
    {
        var changes = _dirty.AddOrUpdate(projectId, 1, (_, n) => n + 1);
        if (changes >= _retrainEvery.GetValueOrDefault(projectId, 1)) Wake();
    }

    /// <inheritdoc />
    public void RequestRetrain(long projectId)
    {
        _requested[projectId] = 0;
        Wake();
    }

    /// <summary>Test hook: awaited after the lease is taken and the status set to Running, before the fit.</summary>
    internal Func<long, CancellationToken, Task>? FitStarting { get; set; }

    /// <summary>Whether a retrain of the project was requested in this process and has not started yet.</summary>
    public bool IsRequested(long projectId) => _requested.ContainsKey(projectId);

    /// <inheritdoc />
    public Task<DashboardView> GetDashboardAsync(long projectId, CancellationToken cancellationToken = default) =>
        Dashboard.BuildAsync(_store, projectId, _time.GetUtcNow(), IsRequested(projectId), cancellationToken);

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
            var resolved = LabelResolution.ResolveAll(project.Settings.Mode, project.Settings.Labels, annotations).Count;
            if (!Trainer.IsDue(project.Settings, counts.Items, resolved, models.OrderBy(m => m.Version).ToList())) return TrainOutcome.NotDue;
        }

        if (!await _store.TryAcquireTrainerAsync(projectId, _options.Owner, _time.GetUtcNow(), _options.TrainerLease, cancellationToken).ConfigureAwait(false))
            return TrainOutcome.LeaseHeldElsewhere; // a request stays pending and is retried on the next look
        try
        {
            _requested.TryRemove(projectId, out _);
            // Read again under the lease: another process may just have trained on these labels.
            var snapshot = await ProjectSnapshot.LoadAsync(_store, projectId, true, cancellationToken).ConfigureAwait(false);
            if (snapshot is null) return TrainOutcome.NotFound;
            if (!requested && !Trainer.IsDue(snapshot)) return TrainOutcome.NotDue;
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
            var result = await Task.Run(() =>
            {
                using var limit = Parallelism.LimitDegree(_options.TrainerThreads);
                return Trainer.Train(snapshot, cache, _options, started, fit.Token);
            }, fit.Token).ConfigureAwait(false);
            var seconds = _time.GetElapsedTime(clock).TotalSeconds;
            if (result.Model is { } model)
                await _store.AddModelVersionAsync(model with { DurationSeconds = seconds }, fit.Token).ConfigureAwait(false);
            await _store.ReplaceRankingAsync(result.Ranking, fit.Token).ConfigureAwait(false);
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

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for a wake-up signal or the timeout (on the injected clock); true when signalled.</summary>
    private async Task<bool> WaitForWakeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _wake.WaitAsync(linked.Token).ConfigureAwait(false);
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
