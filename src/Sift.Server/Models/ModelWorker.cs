using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sift.Llm;
using Sift.Oracles;
using Sift.Projects;
using Sift.Server.Training;
using Sift.Storage;

namespace Sift.Server.Models;

/// <summary>
/// The background worker that sends items to model annotators. For every enabled model annotator whose lease this
/// process holds (<see cref="IModelAnnotatorStore.TryAcquireModelWorkerAsync"/>), it claims a batch of the project's
/// tasks for the model's user — in the queue's own order, exclusive with people — asks the model about each item (at
/// most the annotator's concurrency at a time, each within its deadline), lets the router decide
/// (<see cref="ModelRouting"/>, the engine's solve mode by default), and records every answer with its decision
/// (<see cref="IModelAnnotatorStore.RecordModelAnswerAsync"/>): an accepted label is the model user's annotation; every
/// other item — sent to people by the router, or declined because the model's output stayed invalid after its one
/// retry, the request failed or timed out — is skipped by the model and goes back to the human queue at once, recorded
/// with its reason. Never a silent default. A model that cannot answer at all (key refused, endpoint unreachable,
/// unreadable GGUF) is marked with its error and tried again after a back-off; its items meanwhile stay with people.
/// Time comes from the injected clock, every random choice from the project's seed.
/// </summary>
internal sealed partial class ModelWorker : BackgroundService
{
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromMinutes(5);

    private readonly ISiftStore _store;
    private readonly IModelAnnotatorStore _models;
    private readonly ILiveLoop _loop;
    private readonly TimeProvider _time;
    private readonly ModelWorkerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Dictionary<long, Runner> _runners = [];
    private readonly SemaphoreSlim _wake = new(0, 1);

    public ModelWorker(ISiftStore store, IModelAnnotatorStore models, ILiveLoop loop, TimeProvider time, ModelWorkerOptions options, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _models = models;
        _loop = loop;
        _time = time;
        _options = options;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<ModelWorker>();
    }

    /// <summary>Looks at the model annotators now (one was added or enabled) instead of at the next poll.</summary>
    public void Wake()
    {
        Release(_wake);
        lock (_runners)
            foreach (var runner in _runners.Values) Release(runner.Wake);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await SyncRunnersAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogWorkerFailed(_logger, e);
                }
                await WaitAsync(_options.PollInterval, _wake, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            List<Runner> running;
            lock (_runners)
            {
                running = [.. _runners.Values];
                _runners.Clear();
            }
            foreach (var runner in running) await runner.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts a runner for every enabled model annotator and stops those of the disabled ones.</summary>
    private async Task SyncRunnersAsync(CancellationToken ct)
    {
        var enabled = (await _models.ListModelAnnotatorsAsync(null, ct).ConfigureAwait(false)).Where(a => a.Enabled).ToDictionary(a => a.Id);
        List<Runner> stopped = [];
        lock (_runners)
        {
            foreach (var (id, runner) in _runners.ToList())
            {
                if (enabled.ContainsKey(id)) continue;
                _runners.Remove(id);
                stopped.Add(runner);
            }
            foreach (var (id, annotator) in enabled)
            {
                if (_runners.TryGetValue(id, out var running)) running.Annotator = annotator;
                else
                {
                    var runner = new Runner(annotator, ct);
                    _runners[id] = runner;
                    runner.Start(token => RunAsync(runner, token));
                }
            }
        }
        foreach (var runner in stopped) await runner.StopAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(Runner runner, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                TimeSpan wait;
                try
                {
                    wait = await StepAsync(runner, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    LogRunnerFailed(_logger, runner.Annotator.Name, runner.Annotator.ProjectId, e);
                    wait = _options.ErrorBackoff;
                }
                if (wait > TimeSpan.Zero) await WaitAsync(wait, runner.Wake, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            runner.Oracle?.Dispose();
            runner.Oracle = null;
            try
            {
                await _models.ReleaseModelWorkerAsync(runner.Annotator.Id, _options.Owner, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The lease runs out by itself; the next owner takes over then.
                LogRunnerFailed(_logger, runner.Annotator.Name, runner.Annotator.ProjectId, e);
            }
        }
    }

    /// <summary>One batch (or the reason there was none); returns how long to wait before the next.</summary>
    private async Task<TimeSpan> StepAsync(Runner runner, CancellationToken ct)
    {
        var annotator = runner.Annotator;
        var now = _time.GetUtcNow();
        if (now < runner.RetryAt) return Min(runner.RetryAt - now, _options.PollInterval);
        var concurrency = annotator.Config.Concurrency;
        var size = Math.Min(_options.MaxBatch, Math.Max(2, concurrency * 2));
        var deadline = ModelSpecs.Deadline(annotator.Config);
        var rounds = (size + concurrency - 1) / concurrency;
        // Held for the whole batch at least, so no other process starts this model while the batch runs.
        var batchTime = deadline * rounds + TimeSpan.FromMinutes(1);
        var hold = batchTime > _options.WorkerLease ? batchTime : _options.WorkerLease;
        if (!await _models.TryAcquireModelWorkerAsync(annotator.Id, _options.Owner, now, hold, ct).ConfigureAwait(false)) return _options.PollInterval;
        var project = await _store.GetProjectAsync(annotator.ProjectId, ct).ConfigureAwait(false);
        if (project is null) return _options.PollInterval;
        var settings = project.Settings;
        try
        {
            settings.Validate();
        }
        catch (ConfigurationException e)
        {
            await ReportAsync(runner, "Not run until the project's settings are fixed: " + e.Message, ct).ConfigureAwait(false);
            return _options.PollInterval;
        }
        if (settings.Mode != LabelMode.Single)
        {
            await ReportAsync(runner, "Model annotators label single-label projects only; this project is multi-label.", ct).ConfigureAwait(false);
            return _options.PollInterval;
        }
        if (runner.Oracle is null)
        {
            try
            {
                runner.Oracle = LlmOracles.Create(ModelSpecs.Spec(annotator.Config), _time, _loggers);
            }
            catch (Exception e) when (e is ConfigurationException or LlmException)
            {
                return await FailAsync(runner, e.Message, ct).ConfigureAwait(false);
            }
        }

        var lease = batchTime < settings.LeaseDuration ? settings.LeaseDuration : batchTime;
        var tasks = new List<TaskRecord>();
        while (tasks.Count < size && await _store.ClaimNextAsync(project.Id, annotator.UserId, now, lease, settings.Overlap, ct).ConfigureAwait(false) is { } task)
            tasks.Add(task);
        if (tasks.Count == 0) return _options.PollInterval;
        _loop.OnTasksClaimed(project.Id, tasks.Count);
        var done = new HashSet<long>();
        try
        {
            await ProcessAsync(runner, project, tasks, deadline, done, ct).ConfigureAwait(false);
        }
        finally
        {
            // Stopped or failed half-way: what was not recorded goes straight back to people.
            foreach (var task in tasks.Where(t => !done.Contains(t.Id)))
            {
                try
                {
                    await _store.SkipAsync(project.Id, task.Id, annotator.UserId, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                }
                catch (SiftException)
                {
                    // Expired and reclaimed meanwhile: the slot is free already.
                }
            }
        }
        return runner.Oracle is null ? Min(runner.RetryAt - _time.GetUtcNow(), _options.PollInterval) : TimeSpan.Zero;
    }

    private async Task ProcessAsync(Runner runner, Project project, List<TaskRecord> tasks, TimeSpan deadline, HashSet<long> done, CancellationToken ct)
    {
        var annotator = runner.Annotator;
        var settings = project.Settings;
        var asked = new List<(TaskRecord Task, Item Item)>();
        foreach (var task in tasks)
        {
            var item = await _store.GetItemAsync(project.Id, task.ItemId, ct).ConfigureAwait(false);
            // Held-out items measure the learner against people's labels: a model never labels them.
            if (item is null || task.HeldOut)
            {
                await _store.SkipAsync(project.Id, task.Id, annotator.UserId, _time.GetUtcNow(), ct).ConfigureAwait(false);
                done.Add(task.Id);
                continue;
            }
            asked.Add((task, item));
        }
        if (asked.Count == 0) return;

        var instructions = await _store.GetInstructionsAsync(project.Id, null, ct).ConfigureAwait(false);
        var examples = await ExamplesAsync(runner, project, ct).ConfigureAwait(false);
        var oracle = runner.Oracle!;
        var answers = new OracleAnswer[asked.Count];
        string? unavailable = null;
        var seed = Seeds.Mix(Seeds.Mix(settings.Seed, "model-annotator"), (ulong)annotator.Id);
        await Parallel.ForEachAsync(Enumerable.Range(0, asked.Count),
            new ParallelOptions { MaxDegreeOfParallelism = annotator.Config.Concurrency, CancellationToken = ct },
            async (i, token) =>
            {
                var (_, item) = asked[i];
                var request = new OracleRequest([new OracleQuestion(item.ExternalId, item.Content) { Cost = item.Cost }], settings.Labels)
                {
                    Instructions = instructions is null ? null : (instructions.Version, instructions.Markdown),
                    Examples = examples,
                    Seed = Seeds.Mix(seed, item.ExternalId),
                };
                var (answer, failure) = await AskAsync(oracle, request, deadline, token).ConfigureAwait(false);
                answers[i] = answer;
                if (failure is not null) Interlocked.CompareExchange(ref unavailable, failure, null);
            }).ConfigureAwait(false);

        if (unavailable is not null) await FailAsync(runner, unavailable, ct).ConfigureAwait(false);
        else await ReportAsync(runner, null, ct).ConfigureAwait(false);

        var routing = await RoutingAsync(runner, project, ct).ConfigureAwait(false);
        var decided = routing.Decide([.. asked.Select((a, i) => (answers[i], a.Item.ExternalId))]);
        var accepted = 0;
        for (var i = 0; i < asked.Count; i++)
        {
            var (task, _) = asked[i];
            var route = decided[i];
            var answer = answers[i];
            // Which model annotator decided: the report reads each audit's inclusion probability back by it and the item.
            route.Inputs["model_annotator"] = annotator.Id;
            try
            {
                var stored = await _models.RecordModelAnswerAsync(new NewModelAnswer(project.Id, annotator.Id, task.Id, route.Outcome,
                    route.Outcome == ModelAnswerOutcome.Declined ? [] : answer.Labels, answer.Provenance with { Decision = route.Decision }, route.Decision, _time.GetUtcNow())
                {
                    StatedConfidence = route.Stated,
                    Calibrated = route.Calibrated,
                    Reason = route.Reason,
                    Inputs = route.Inputs,
                }, ct).ConfigureAwait(false);
                runner.Answers!.Add(stored);
                if (stored.Outcome == ModelAnswerOutcome.Accepted) accepted++;
            }
            catch (Exception e) when (e is ConflictException or NotFoundException)
            {
                // The lease ran out and someone else took the item (or the task is gone): nothing to give back.
                LogAnswerLost(_logger, annotator.Name, task.Id, e.Message);
            }
            done.Add(task.Id);
        }
        if (accepted > 0) _loop.OnLabelsChanged(project.Id);
    }

    /// <summary>The model's answer, or a declined one saying why (a time-out, a failed request); with the sentence of a model that cannot answer at all.</summary>
    private async Task<(OracleAnswer Answer, string? Unavailable)> AskAsync(LlmOracle oracle, OracleRequest request, TimeSpan deadline, CancellationToken ct)
    {
        var question = request.Questions[0];
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(deadline, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            var answers = await oracle.AskAsync(request, linked.Token).ConfigureAwait(false);
            return (answers.Single(), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (Declined(FormattableString.Invariant($"The model gave no answer within {deadline.TotalSeconds:0.###} s.")), null);
        }
        catch (LlmUnavailableException e)
        {
            return (Declined(e.Message), e.Message);
        }
        catch (LlmException e)
        {
            return (Declined(e.Message), null);
        }

        OracleAnswer Declined(string reason) => OracleAnswer.Declined(question.ItemId, new Provenance
        {
            Kind = OracleKind.Model,
            Name = oracle.Name,
            InstructionsVersion = request.Instructions?.Version,
            At = _time.GetUtcNow(),
            Cost = new AnswerCost(Seconds: _time.GetElapsedTime(started).TotalSeconds),
        }, reason);
    }

    /// <summary>The router as the store's history says, reading people's answers again only when the project's data changed.</summary>
    private async Task<ModelRouting> RoutingAsync(Runner runner, Project project, CancellationToken ct)
    {
        var annotator = runner.Annotator;
        runner.Answers ??= [.. await _models.GetModelAnswersAsync(project.Id, annotator.Id, cancellationToken: ct).ConfigureAwait(false)];
        var revision = await _store.GetRevisionAsync(project.Id, ct).ConfigureAwait(false);
        if (revision != runner.PeopleRevision || runner.People is null)
        {
            runner.People = await _models.GetPeopleAnswersOnModelItemsAsync(project.Id, annotator.Id, ct).ConfigureAwait(false);
            runner.Gold = await ModelRouting.GoldAsync(_store, project.Id, ct).ConfigureAwait(false);
            runner.PeopleRevision = revision;
        }
        return ModelRouting.From(project.Settings, AuditSeed(project.Settings, annotator.Id), runner.Answers, runner.People, runner.Gold);
    }

    /// <summary>The seed of a model annotator's audit draws.</summary>
    internal static ulong AuditSeed(ProjectSettings settings, long annotatorId) => Seeds.Mix(Seeds.Mix(settings.Seed, "model-audit"), (ulong)annotatorId);

    /// <summary>
    /// Few-shot examples from people's labels: the earliest <see cref="ModelWorkerOptions.ExamplePool"/> items people
    /// answered with one label (read again at most once a minute); the oracle picks the nearest few per item.
    /// </summary>
    private async Task<IReadOnlyList<LabeledExample>> ExamplesAsync(Runner runner, Project project, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        if (runner.Examples is not null && now - runner.ExamplesAt < TimeSpan.FromMinutes(1)) return runner.Examples;
        var examples = new List<LabeledExample>();
        if (_options.ExamplePool > 0)
        {
            var seen = new HashSet<long>();
            var page = await _store.GetAnnotationsPageAsync(project.Id, 0, Math.Min(Paging.MaxLimit, _options.ExamplePool * 4), cancellationToken: ct).ConfigureAwait(false);
            foreach (var answer in page)
            {
                if (examples.Count >= _options.ExamplePool) break;
                if (answer.Provenance?.Kind != OracleKind.Person || answer.Labels.Count != 1 || !seen.Add(answer.ItemId)) continue;
                if (await _store.GetItemAsync(project.Id, answer.ItemId, ct).ConfigureAwait(false) is { } item)
                    examples.Add(new LabeledExample(item.ExternalId, item.Content, answer.Labels));
            }
        }
        runner.Examples = examples;
        runner.ExamplesAt = now;
        return examples;
    }

    /// <summary>The model cannot answer at all: record why, drop it, try again after a growing back-off.</summary>
    private async Task<TimeSpan> FailAsync(Runner runner, string error, CancellationToken ct)
    {
        runner.Failures++;
        runner.Oracle?.Dispose();
        runner.Oracle = null;
        var backoff = _options.ErrorBackoff * Math.Pow(2, Math.Min(runner.Failures - 1, 10));
        if (backoff > LongestBackoff) backoff = LongestBackoff;
        runner.RetryAt = _time.GetUtcNow() + backoff;
        LogAnnotatorFailed(_logger, runner.Annotator.Name, runner.Annotator.ProjectId, error);
        await ReportAsync(runner, error, ct).ConfigureAwait(false);
        return backoff;
    }

    /// <summary>Stores the annotator's error (or clears it) when it changed.</summary>
    private async Task ReportAsync(Runner runner, string? error, CancellationToken ct)
    {
        if (error is null) runner.Failures = 0;
        if (runner.Annotator.LastError == error) return;
        var now = _time.GetUtcNow();
        await _models.SetModelAnnotatorErrorAsync(runner.Annotator.Id, error, now, ct).ConfigureAwait(false);
        runner.Annotator = runner.Annotator with { LastError = error, LastErrorAt = error is null ? null : now };
    }

    private async Task WaitAsync(TimeSpan wait, SemaphoreSlim wake, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(wait, _time, stop.Token);
        var woken = wake.WaitAsync(stop.Token);
        await Task.WhenAny(delay, woken).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(delay, woken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        ct.ThrowIfCancellationRequested();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : b;

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

    /// <summary>One model annotator run by this process: its oracle, its history, its back-off.</summary>
    private sealed class Runner(ModelAnnotator annotator, CancellationToken stopping)
    {
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        private Task _task = Task.CompletedTask;

        public ModelAnnotator Annotator { get; set; } = annotator;

        public SemaphoreSlim Wake { get; } = new(0, 1);

        public LlmOracle? Oracle { get; set; }

        public DateTimeOffset RetryAt { get; set; }

        public int Failures { get; set; }

        public List<ModelAnswer>? Answers { get; set; }

        public IReadOnlyList<Annotation>? People { get; set; }

        public GoldTally Gold { get; set; }

        public long PeopleRevision { get; set; } = -1;

        public IReadOnlyList<LabeledExample>? Examples { get; set; }

        public DateTimeOffset ExamplesAt { get; set; }

        public void Start(Func<CancellationToken, Task> run) => _task = Task.Run(() => run(_stop.Token));

        public async Task StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            _stop.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The model worker failed; it looks again at the next poll")]
    private static partial void LogWorkerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model annotator {Name} of project {ProjectId} failed; it is tried again after a back-off")]
    private static partial void LogRunnerFailed(ILogger logger, string name, long projectId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model annotator {Name} of project {ProjectId} cannot answer: {Error}")]
    private static partial void LogAnnotatorFailed(ILogger logger, string name, long projectId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model annotator {Name}: the answer to task {TaskId} was not recorded: {Reason}")]
    private static partial void LogAnswerLost(ILogger logger, string name, long taskId, string reason);
}
