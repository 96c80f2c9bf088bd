using System.Diagnostics;
using Sift.Evidence;
using Sift.Learners;
using Sift.Loop;
using Sift.Metrics;
using Sift.Oracles;
using Sift.Preferences;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Simulation;

/// <summary>Progress of a simulation, reported after every round of every run.</summary>
/// <param name="Strategy">Strategy of the run.</param>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Labels">Labels used so far.</param>
/// <param name="Budget">The label budget.</param>
/// <param name="Accuracy">Test accuracy of the latest model.</param>
/// <param name="Finished">True on a run's last report.</param>
public readonly record struct SimulationProgress(string Strategy, int Seed, int Labels, int Budget, double Accuracy, bool Finished);

/// <summary>
/// Runs the active-learning loop (<see cref="ActiveLearningLoop"/>) with a simulated oracle (by default
/// <see cref="GoldOracle"/>: the pool's gold labels), for every strategy and seed, evaluating every round on a test set
/// that is never selectable. Random sampling always runs as the control, and the learner trained on the whole pool
/// gives the ceiling. The simulator is the loop's driver: splits, the seed set, asking the oracle, the money rule,
/// progress and evidence. Thread-safe: runs go in parallel, each with its own state, and the output does not depend on
/// their order.
/// </summary>
public sealed class Simulator
{
    private readonly SimulationData _data;
    private readonly SimulationOptions _options;
    private readonly IOracle _oracle;
    private readonly Dictionary<string, int> _classIndex;
    private readonly ILearner _learner;
    private readonly IStoppingRule _stop;
    private readonly IReadOnlyList<StrategyDescriptor> _strategies;
    private readonly int _validationSize;

    /// <summary>
    /// Gradient tolerance of the full-data (ceiling) fit: 1e-8 on the averaged objective, i.e. converged — the ceiling is
    /// the optimum of the objective, not wherever a looser stopping test happens to fire (docs/benchmarks.md shows one
    /// ag-news test item flipping between 1e-6 and the optimum).
    /// </summary>
    public const double FullDataTolerance = 1e-8;

    /// <summary>Creates a simulator; validates the options against the data and checks every strategy's needs.</summary>
    /// <param name="data">The featurised pool and test set.</param>
    /// <param name="options">The experiment's settings.</param>
    /// <param name="oracle">
    /// Answers the chosen items (by <see cref="OracleQuestion.PoolIndex"/> or item id); default a <see cref="GoldOracle"/>
    /// over the pool's gold labels. Runs ask it in parallel when <see cref="SimulationOptions.Parallelism"/> is above 1, so
    /// it must then be thread-safe; it must answer every question with one label of the schema.
    /// </param>
    /// <exception cref="ConfigurationException">An option does not fit the data, a strategy is unknown, or a strategy's needs cannot be met.</exception>
    public Simulator(SimulationData data, SimulationOptions options, IOracle? oracle = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        _data = data;
        _options = options;
        _oracle = oracle ?? new GoldOracle(data.PoolIds, data.PoolLabels.Select(c => data.ClassNames[c]).ToList());
        _classIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < data.ClassNames.Count; c++) _classIndex.TryAdd(data.ClassNames[c], c);
        // 'all' means every strategy for the kind of item: the pair strategies for preference pairs, the others for text.
        var names = options.Strategies.SelectMany(s => string.Equals(s, "all", StringComparison.OrdinalIgnoreCase)
            ? StrategyCatalog.Default.All.Where(d => d.Needs.HasFlag(StrategyNeeds.Pairs) == data.Pairwise).Select(d => d.Name) : [s]).ToList();
        _strategies = names.Prepend("random").Select(StrategyCatalog.Default.Get).DistinctBy(d => d.Name).ToList();
        _learner = data.Pairwise ? new BradleyTerry(options.Preferences) : new LogisticRegression(options.Learner);
        IStoppingRule budget = new LabelBudget(options.Budget);
        _stop = options.Stop is null ? budget : new CombinedRule([budget, options.Stop], RequireAll: false);
        _validationSize = options.ValidationSize > 0 ? options.ValidationSize
            : RuleSearch.Find<Plateau>(_stop).Any() || RuleSearch.Find<MoneyGain>(_stop).Any() || options.Calibrate ? Math.Min(500, data.Pool.Rows / 10) : 0;
        options.Validate(data.Pool.Rows);
        if (options.SeedSize + _validationSize > data.Pool.Rows)
            throw new ConfigurationException($"The pool has {data.Pool.Rows} items: too few for the seed set and validation split.");
        if (data.Pairwise && data.Pool is not Features.DenseMatrix)
            throw new ConfigurationException($"Preference pairs need dense pair differences as features; the feature source '{data.FeaturizerName}' gives none.");
        foreach (var strategy in _strategies) LoopSetup.CheckNeeds(strategy.Name, strategy.Needs, data.Features, CommitteeSize, data.Pairwise);
        if (options.SeedStrategy == SeedStrategy.KMeans && !data.Features.HasVectors)
            throw new ConfigurationException("A k-means seed set needs item vectors, and the feature source" +
                (data.Features.Description.TryGetValue("kind", out var kind) && kind is not null ? $" '{kind}'" : "") + " gives none.");
    }

    /// <summary>The strategies that will run, random first.</summary>
    public IReadOnlyList<string> StrategyNames => _strategies.Select(s => s.Name).ToList();

    /// <summary>The combined stopping rule (label budget plus the user's rules).</summary>
    public IStoppingRule StoppingRule => _stop;

    // A committee strategy always gets a committee: sizes below 2 are raised to 2.
    private int CommitteeSize => Math.Max(2, _options.CommitteeSize);

    /// <summary>
    /// Runs the experiment. Evidence goes to <paramref name="evidence"/> as one <see cref="RoundEvent"/> per round, in a
    /// stable order (strategy as listed, then seed, then round) whatever order the runs finish in, each run as soon as
    /// the runs before it in that order are out.
    /// </summary>
    /// <param name="evidence">Receives the evidence; null: none is kept.</param>
    /// <param name="progress">Receives progress after every round of every run.</param>
    /// <param name="cancellationToken">Cancels the runs.</param>
    /// <exception cref="SiftException">
    /// A strategy chose items it may not (<see cref="QueryException"/>), or the oracle did not answer a chosen item with one
    /// label of the schema; the first such error of any run.
    /// </exception>
    public SimulationResult Run(IEvidenceSink? evidence = null, IProgress<SimulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var full = FullData(cancellationToken);
        var jobs = (from seed in Enumerable.Range(_options.FirstSeed, _options.Seeds)
                    from strategy in _strategies.Select((d, i) => (Descriptor: d, Position: i))
                    select (strategy.Descriptor, Seed: seed, Slot: strategy.Position * _options.Seeds + seed - _options.FirstSeed)).ToList();
        var runs = new RunResult[jobs.Count];
        var finished = new List<RoundEvent>?[jobs.Count];
        var next = 0;
        var gate = new Lock();
        try
        {
            Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Parallelism), CancellationToken = cancellationToken }, j =>
            {
                var (descriptor, seed, slot) = jobs[j];
                var (run, rounds) = RunOne(descriptor, seed, progress, cancellationToken);
                lock (gate)
                {
                    runs[slot] = run;
                    finished[slot] = rounds;
                    for (; next < finished.Length && finished[next] is { } ready; next++)
                    {
                        if (evidence is not null) foreach (var e in ready) evidence.Emit(e);
                        finished[next] = [];
                    }
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions[0] is SiftException)
        {
            // A run's own sentence (a strategy's or the oracle's mistake), not the parallel loop's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return new SimulationResult(
            new DatasetInfo(_data.TrainSource, _data.TestSource, _data.ClassNames.Count, _data.Pool.Rows, _data.Test.Rows, _data.ClassNames, _data.Pool.Columns),
            Config(),
            full,
            runs,
            Summaries.Compute(runs, full.Accuracy, StrategyNames));
    }

    private Dictionary<string, object?> Config() => new()
    {
        ["strategies"] = StrategyNames,
        ["seeds"] = _options.Seeds,
        ["first_seed"] = _options.FirstSeed,
        ["seed_size"] = _options.SeedSize,
        ["batch"] = _options.BatchSize,
        ["budget"] = _options.Budget,
        ["stop"] = _stop.Spec,
        ["validation_size"] = _validationSize,
        ["stop_set_size"] = _options.StopSetSize,
        ["committee_size"] = _options.CommitteeSize,
        ["learner"] = _learner.Describe(),
        ["full_data_tolerance"] = Math.Min(_data.Pairwise ? _options.Preferences.Tolerance : _options.Learner.Tolerance, FullDataTolerance),
        ["items"] = _data.Pairwise ? "pairs" : "text",
        ["features"] = _data.Features.Description,
        ["seed_strategy"] = ColdStart.Name(_options.SeedStrategy),
        ["self_training"] = _options.SelfTraining?.ToString(),
        ["calibrate"] = _options.Calibrate,
    };

    private FullDataResult FullData(CancellationToken ct)
    {
        if (_data.Pairwise) return PairwiseFullData(ct);
        // The ceiling is fitted to a tight tolerance: it is a reference point, fitted once, and should be the optimum.
        var learner = new LogisticRegression(_options.Learner with { Tolerance = Math.Min(_options.Learner.Tolerance, FullDataTolerance), MaxIterations = Math.Max(_options.Learner.MaxIterations, 1000) });
        var sw = Stopwatch.StartNew();
        var model = learner.Fit(new TrainingSet(_data.Pool, Enumerable.Range(0, _data.Pool.Rows).ToArray(), _data.PoolLabels, _data.ClassNames.Count), null, ct);
        var seconds = sw.Elapsed.TotalSeconds;
        var predicted = Predict(model, _data.Test, Enumerable.Range(0, _data.Test.Rows).ToArray());
        return new FullDataResult(Classification.Accuracy(_data.TestLabels, predicted),
            Classification.MacroF1(_data.TestLabels, predicted, _data.ClassNames.Count), seconds);
    }

    /// <summary>The reward model fitted on every pool comparison, to a tight tolerance; pairwise accuracy on the decisive test pairs.</summary>
    private FullDataResult PairwiseFullData(CancellationToken ct)
    {
        var options = _options.Preferences with { Tolerance = Math.Min(_options.Preferences.Tolerance, FullDataTolerance), MaxIterations = Math.Max(_options.Preferences.MaxIterations, 1000) };
        var sw = Stopwatch.StartNew();
        var model = new BradleyTerry(options).FitModel(new TrainingSet(_data.Pool, Enumerable.Range(0, _data.Pool.Rows).ToArray(), _data.PoolLabels, _data.ClassNames.Count), null, ct);
        var seconds = sw.Elapsed.TotalSeconds;
        var outcomes = _data.TestLabels.Select(l => (PreferenceOutcome)l).ToArray();
        return new FullDataResult(PreferenceMetrics.PairwiseAccuracy(model, _data.Test, Enumerable.Range(0, _data.Test.Rows).ToArray(), outcomes), null, seconds);
    }

    private static int[] Predict(IClassifier model, Features.FeatureMatrix x, int[] rows)
    {
        var k = model.ClassCount;
        var p = new float[rows.Length * k];
        Sift.Parallelism.ForBlocks(rows.Length, 1024, (s, n) => model.PredictProba(x, rows.AsSpan(s, n), p.AsSpan(s * k, n * k)));
        return Classification.ArgMax(p, k);
    }

    private (RunResult, List<RoundEvent>) RunOne(StrategyDescriptor descriptor, int seed, IProgress<SimulationProgress>? progress, CancellationToken ct)
    {
        var strategy = descriptor.Create();
        var runSeed = Seeds.Mix(0x5EEDUL, (ulong)seed);
        var n = _data.Pool.Rows;

        // Splits depend on the seed only, so every strategy starts from the same seed set.
        var order = Permutation(n, Seeds.Mix(runSeed, "split"));
        var validation = order.Take(_validationSize).ToArray();
        var selectable = new bool[n];
        foreach (var i in order.Skip(_validationSize)) selectable[i] = true;
        // Random seed sets keep the engine benchmarks' draw (the permutation's prefix after the validation split).
        var seedSet = _options.SeedStrategy == SeedStrategy.Random
            ? order.Skip(_validationSize).Take(_options.SeedSize).ToArray()
            : ColdStart.Select(_options.SeedStrategy, _data.Features.Vectors, order.Skip(_validationSize).Order().ToArray(), _options.SeedSize, Seeds.Mix(runSeed, "seed-set"));
        var stopSet = Permutation(n, Seeds.Mix(runSeed, "stop-set")).Take(Math.Min(_options.StopSetSize, n)).ToArray();

        var loop = new ActiveLearningLoop(new LoopSetup
        {
            Features = _data.Features,
            Labels = _data.ClassNames,
            Learner = _learner,
            Strategy = strategy,
            Needs = descriptor.Needs,
            Stop = _stop,
            CommitteeSize = CommitteeSize,
            Costs = _data.Costs,
            Groups = _data.Groups,
            Pairwise = _data.Pairwise,
        });
        var testSet = new EvaluationSet(_data.Test, Enumerable.Range(0, _data.Test.Rows).ToArray(), _data.TestLabels.Select(c => new[] { c }).ToArray());
        var validationSet = validation.Length > 0 ? new EvaluationSet(_data.Pool, validation, validation.Select(i => new[] { _data.PoolLabels[i] }).ToArray()) : null;

        var labeled = new List<int>();
        var labeledClasses = new List<int[]>();
        var isLabeled = new bool[n];
        double spent = 0;
        foreach (var i in seedSet) Label(i, _data.PoolLabels[i]);

        var moneyRules = RuleSearch.Find<MoneyBudget>(_stop).ToList();
        RoundOutcome? previous = null;
        var validationHistory = new List<double>();
        var spentHistory = new List<double>();
        var agreement = new List<double>();
        var rounds = new List<RoundResult>();
        var evidence = new List<RoundEvent>();
        StopInfo? stopped = null;
        var runInfo = new Dictionary<string, object?> { ["strategy"] = descriptor.Name, ["seed"] = seed };
        var strategyInfo = new Dictionary<string, object?>(strategy.Parameters) { ["name"] = strategy.Name };
        var learner = _learner.Describe();
        var selfTraining = _options.SelfTraining;
        (int[] Rows, int[] Labels) pseudo = ([], []);

        for (var round = 0; ; round++)
        {
            ct.ThrowIfCancellationRequested();
            var candidates = Enumerable.Range(0, n).Where(i => selectable[i] && !isLabeled[i]).ToArray();
            var labelsBefore = labeled.Count;
            var outcome = loop.RunRound(new RoundInput
            {
                Round = round,
                TrainingRows = labeled.ToArray(),
                TrainingLabels = labeledClasses.ToArray(),
                WarmModel = previous?.Model,
                WarmCommittee = previous?.Committee,
                Test = testSet,
                Validation = validationSet,
                StopSet = stopSet,
                PreviousStopSet = previous?.StopSet,
                ValidationHistory = validationHistory,
                SpentHistory = spentHistory,
                AgreementHistory = agreement,
                Unlabeled = candidates,
                Spent = spent,
                Selection = SelectionRequest.Batch(Math.Min(_options.BatchSize, _options.Budget - labelsBefore)),
                QuerySeed = Seeds.Mix(runSeed, (ulong)(1000 + round)),
                CommitteeSeed = Seeds.Mix(runSeed, (ulong)round),
                PseudoRows = pseudo.Rows,
                PseudoLabels = pseudo.Labels,
                PseudoWeight = selfTraining?.Weight ?? 0.5,
            }, ct);
            previous = outcome;
            var acc = outcome.Test!.Accuracy;
            double? f1 = double.IsNaN(outcome.Test.MacroF1) ? null : outcome.Test.MacroF1;
            var validationAcc = outcome.Validation?.Accuracy;
            if (validationAcc is { } v)
            {
                validationHistory.Add(v);
                spentHistory.Add(spent);
            }
            if (outcome.Kappa is { } kappa) agreement.Add(kappa);

            var decision = outcome.Decision;
            var (stop, stopRule, stopReason) = (decision.Stop, decision.Rule, decision.Reason);
            if (!stop && candidates.Length == 0)
            {
                stop = true;
                stopRule = "pool-exhausted";
                stopReason = "every selectable item is labeled";
            }
            var selected = new List<EvidenceSelection>();
            if (!stop)
            {
                // The money rule never starts an item it cannot pay for: the oracle is asked for the affordable prefix only.
                var affordable = new List<RoundPick>();
                var cost = spent;
                foreach (var pick in outcome.Picks)
                {
                    if (moneyRules.Count > 0 && moneyRules.Any(m => cost + _data.Costs[pick.Row] > m.Budget + 1e-9)) break;
                    cost += _data.Costs[pick.Row];
                    affordable.Add(pick);
                }
                var answers = Ask(affordable, round, runSeed);
                for (var t = 0; t < affordable.Count; t++)
                {
                    var pick = affordable[t];
                    Label(pick.Row, answers[t].Label);
                    selected.Add(new EvidenceSelection(pick.Row, _data.PoolIds[pick.Row], pick.Score, pick.Reason, _data.ClassNames[answers[t].Label], answers[t].Provenance));
                }
                if (selected.Count == 0)
                {
                    stop = true;
                    stopRule = moneyRules[0].Spec;
                    stopReason = "the money left does not pay for the next chosen item";
                }
            }

            var details = outcome.Details;
            rounds.Add(new RoundResult(labelsBefore, acc, f1, outcome.FitSeconds, outcome.QuerySeconds)
            {
                ValidationAccuracy = validationAcc,
                StopSetKappa = outcome.Kappa,
                Spent = spent,
                Arm = details is not null && details.TryGetValue("arm", out var arm) ? arm as string : null,
                PseudoLabels = selfTraining is null ? null : pseudo.Rows.Length,
            });
            evidence.Add(new RoundEvent
            {
                Run = runInfo,
                Round = round,
                Labels = labelsBefore,
                ModelFingerprint = outcome.Model.Fingerprint,
                Learner = learner,
                Featurizer = _data.FeaturizerName,
                Strategy = strategyInfo,
                LabelsPerClass = _data.ClassNames.Select((c, ci) => (c, count: outcome.LabelsPerClass[ci])).ToDictionary(x => x.c, x => x.count),
                Metrics = new Dictionary<string, double?>
                {
                    ["test_accuracy"] = acc,
                    ["test_macro_f1"] = f1,
                    ["validation_accuracy"] = validationAcc,
                    ["stop_set_kappa"] = outcome.Kappa,
                    ["mean_uncertainty"] = outcome.MeanUncertainty,
                },
                Stopping = new StopState(stop, stopRule, stopReason, decision.State),
                StrategyDetails = details,
                Selected = selected,
            });
            progress?.Report(new SimulationProgress(descriptor.Name, seed, labelsBefore, _options.Budget, acc, stop));
            if (stop)
            {
                stopped = new StopInfo(labelsBefore, stopRule, stopReason);
                break;
            }
            if (selfTraining is not null) pseudo = PseudoLabels(outcome.Model, selectable, isLabeled, labeled.Count, selfTraining);
        }
        return (new RunResult(descriptor.Name, seed, rounds, stopped)
        {
            Calibration = Calibrate(previous!.Model, validation),
            Preference = _data.Pairwise ? Fit((BradleyTerryModel)previous.Model.Single!, labeledClasses.Count(l => l[0] == (int)PreferenceOutcome.Tie)) : null,
        }, evidence);

        void Label(int i, int label)
        {
            isLabeled[i] = true;
            labeled.Add(i);
            labeledClasses.Add([label]);
            spent += _data.Costs[i];
        }
    }

    /// <summary>The reward model's log losses on the test comparisons.</summary>
    private PreferenceFit Fit(BradleyTerryModel model, int ties)
    {
        var rows = Enumerable.Range(0, _data.Test.Rows).ToArray();
        var outcomes = _data.TestLabels.Select(l => (PreferenceOutcome)l).ToArray();
        return new PreferenceFit(PreferenceMetrics.LogLoss(model, _data.Test, rows, outcomes), PreferenceMetrics.DecisiveLogLoss(model, _data.Test, rows, outcomes),
            model.TieProbabilityAtEquality, ties);
    }

    /// <summary>Asks the oracle about the chosen items; each answer must be one label of the schema.</summary>
    /// <exception cref="SiftException">The oracle declined or deferred, answered out of order, or not with one label of the schema.</exception>
    private List<(int Label, Provenance Provenance)> Ask(List<RoundPick> picks, int round, ulong runSeed)
    {
        if (picks.Count == 0) return [];
        var questions = picks.Select(p => new OracleQuestion(_data.PoolIds[p.Row], _data.PoolContent[p.Row]) { PoolIndex = p.Row, Cost = _data.Costs[p.Row] }).ToList();
        var request = new OracleRequest(questions, _data.ClassNames) { Round = round, Seed = Seeds.Mix(runSeed, (ulong)(2000 + round)) };
        var asked = _oracle.AskAsync(request);
        // The gold oracle answers synchronously; an oracle that does not is waited for on this run's thread.
        var answers = asked.IsCompletedSuccessfully ? asked.Result : asked.AsTask().GetAwaiter().GetResult();
        OracleReplies.CheckCount(_oracle, questions.Count, answers.Count);
        var result = new List<(int, Provenance)>(answers.Count);
        for (var q = 0; q < answers.Count; q++)
        {
            var answer = answers[q];
            OracleReplies.CheckItem(_oracle, questions[q], answer);
            if (answer.Status != AnswerStatus.Answered)
                throw new SiftException($"Oracle '{_oracle.Name}' did not answer item '{answer.ItemId}' ({answer.Status}: {answer.Reason ?? "no reason given"}); a simulation needs an answer for every chosen item.");
            result.Add((OracleReplies.LabelSet(_oracle, answer, _classIndex, Projects.LabelMode.Single)[0], answer.Provenance));
        }
        return result;
    }

    /// <summary>
    /// Self-training's pseudo-labels for the next round: selectable unlabeled items whose predicted class has probability
    /// at least the threshold, most confident first (ties by row), at most <see cref="SelfTrainingOptions.MaxPerLabel"/>
    /// per real label. Validation and test items are never selectable, so never pseudo-labeled.
    /// </summary>
    private (int[] Rows, int[] Labels) PseudoLabels(Learners.LabelSetModel model, bool[] selectable, bool[] isLabeled, int labels, SelfTrainingOptions options)
    {
        var single = model.Single;
        if (single is null) return ([], []);
        var candidates = Enumerable.Range(0, selectable.Length).Where(i => selectable[i] && !isLabeled[i]).ToArray();
        var limit = (int)Math.Floor(options.MaxPerLabel * labels);
        if (candidates.Length == 0 || limit == 0) return ([], []);
        var k = single.ClassCount;
        var p = new float[candidates.Length * k];
        Sift.Parallelism.ForBlocks(candidates.Length, 1024, (s, n) => single.PredictProba(_data.Pool, candidates.AsSpan(s, n), p.AsSpan(s * k, n * k)));
        var best = Classification.ArgMax(p, k);
        var sure = new List<(int Row, int Label, float P)>();
        for (var i = 0; i < candidates.Length; i++)
        {
            var q = p[i * k + best[i]];
            if (q >= options.Threshold) sure.Add((candidates[i], best[i], q));
        }
        var chosen = sure.OrderByDescending(x => x.P).ThenBy(x => x.Row).Take(limit).ToList();
        return (chosen.Select(x => x.Row).ToArray(), chosen.Select(x => x.Label).ToArray());
    }

    /// <summary>The last model's calibration on the test set; a temperature is fitted on the validation split when asked.</summary>
    private RunCalibration? Calibrate(Learners.LabelSetModel model, int[] validation)
    {
        var single = model.Single;
        if (single is null || _data.Test.Rows == 0) return null;
        var k = single.ClassCount;
        var test = Probabilities(single, _data.Test, Enumerable.Range(0, _data.Test.Rows).ToArray());
        var bins = Calibration.Reliability(test, k, _data.TestLabels);
        var result = new RunCalibration { Ece = Calibration.ExpectedCalibrationError(bins), Bins = bins };
        if (!_options.Calibrate || validation.Length == 0) return result;
        var v = Probabilities(single, _data.Pool, validation);
        var t = Calibration.FitTemperature(v, k, validation.Select(i => _data.PoolLabels[i]).ToArray());
        var scaled = new float[test.Length];
        Calibration.ApplyTemperature(test, k, t, scaled);
        var after = Calibration.Reliability(scaled, k, _data.TestLabels);
        return result with { Temperature = t, EceCalibrated = Calibration.ExpectedCalibrationError(after), BinsCalibrated = after, ValidationItems = validation.Length };
    }

    private static float[] Probabilities(IClassifier model, Features.FeatureMatrix x, int[] rows)
    {
        var k = model.ClassCount;
        var p = new float[rows.Length * k];
        Sift.Parallelism.ForBlocks(rows.Length, 1024, (s, n) => model.PredictProba(x, rows.AsSpan(s, n), p.AsSpan(s * k, n * k)));
        return p;
    }

    private static int[] Permutation(int n, ulong seed)
    {
        var a = Enumerable.Range(0, n).ToArray();
        Seeds.Random(seed).Shuffle(a);
        return a;
    }
}
