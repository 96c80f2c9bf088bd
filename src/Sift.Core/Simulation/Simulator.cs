using System.Diagnostics;
using Sift.Evidence;
using Sift.Learners;
using Sift.Metrics;
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

/// <summary>Output of <see cref="Simulator.Run"/>: the results document and the evidence record in a stable order.</summary>
public sealed record SimulationOutput(SimulationResult Result, IReadOnlyList<EvidenceRound> Evidence);

/// <summary>
/// Runs the active-learning loop with a simulated oracle (the pool's gold labels), for every strategy and seed,
/// evaluating every round on a test set that is never selectable. Random sampling always runs as the control,
/// and the learner trained on the whole pool gives the ceiling. Thread-safe: runs go in parallel, each with
/// its own state, and the output does not depend on their order.
/// </summary>
public sealed class Simulator
{
    private const string OracleName = "simulated-gold";
    private readonly SimulationData _data;
    private readonly SimulationOptions _options;
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

    /// <summary>Creates a simulator; validates the options against the data.</summary>
    public Simulator(SimulationData data, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        _data = data;
        _options = options;
        var names = options.Strategies.SelectMany(s => string.Equals(s, "all", StringComparison.OrdinalIgnoreCase)
            ? StrategyCatalog.Default.All.Select(d => d.Name) : [s]).ToList();
        _strategies = names.Prepend("random").Select(StrategyCatalog.Default.Get).DistinctBy(d => d.Name).ToList();
        _learner = new LogisticRegression(options.Learner);
        IStoppingRule budget = new LabelBudget(options.Budget);
        _stop = options.Stop is null ? budget : new CombinedRule([budget, options.Stop], RequireAll: false);
        _validationSize = options.ValidationSize > 0 ? options.ValidationSize
            : Find<Plateau>(_stop).Any() ? Math.Min(500, data.Pool.Rows / 10) : 0;
        options.Validate(data.Pool.Rows);
        if (options.SeedSize + _validationSize > data.Pool.Rows)
            throw new ConfigurationException($"The pool has {data.Pool.Rows} items: too few for the seed set and validation split.");
    }

    /// <summary>The strategies that will run, random first.</summary>
    public IReadOnlyList<string> StrategyNames => _strategies.Select(s => s.Name).ToList();

    /// <summary>The combined stopping rule (label budget plus the user's rules).</summary>
    public IStoppingRule StoppingRule => _stop;

    /// <summary>Runs the experiment.</summary>
    public SimulationOutput Run(IProgress<SimulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var full = FullData(cancellationToken);
        var jobs = (from seed in Enumerable.Range(_options.FirstSeed, _options.Seeds)
                    from strategy in _strategies
                    select (strategy, seed)).ToList();
        var outputs = new (RunResult Run, List<EvidenceRound> Evidence)[jobs.Count];
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Parallelism), CancellationToken = cancellationToken },
            j => outputs[j] = RunOne(jobs[j].strategy, jobs[j].seed, progress, cancellationToken));
        var position = _strategies.Select((s, i) => (s.Name, i)).ToDictionary(x => x.Name, x => x.i);
        var ordered = outputs.OrderBy(o => position[o.Run.Strategy]).ThenBy(o => o.Run.Seed).ToList();
        var runs = ordered.Select(o => o.Run).ToList();
        var result = new SimulationResult(
            new DatasetInfo(_data.TrainSource, _data.TestSource, _data.ClassNames.Count, _data.Pool.Rows, _data.Test.Rows, _data.ClassNames, _data.Pool.Columns),
            Config(),
            full,
            runs,
            Summaries.Compute(runs, full.Accuracy, StrategyNames));
        return new SimulationOutput(result, ordered.SelectMany(o => o.Evidence).ToList());
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
        ["full_data_tolerance"] = Math.Min(_options.Learner.Tolerance, FullDataTolerance),
        ["features"] = new Dictionary<string, object?>
        {
            ["kind"] = "tfidf",
            ["analyzer"] = _data.Vectorizer.Options.Analyzer.ToString(),
            ["ngram_min"] = _data.Vectorizer.Options.NGramMin,
            ["ngram_max"] = _data.Vectorizer.Options.NGramMax,
            ["min_df"] = _data.Vectorizer.Options.MinDocumentFrequency,
            ["sublinear_tf"] = _data.Vectorizer.Options.SublinearTf,
            ["vocabulary"] = _data.Vectorizer.FeatureCount,
        },
    };

    private FullDataResult FullData(CancellationToken ct)
    {
        // The ceiling is fitted to a tight tolerance: it is a reference point, fitted once, and should be the optimum.
        var learner = new LogisticRegression(_options.Learner with { Tolerance = Math.Min(_options.Learner.Tolerance, FullDataTolerance), MaxIterations = Math.Max(_options.Learner.MaxIterations, 1000) });
        var sw = Stopwatch.StartNew();
        var model = learner.Fit(new TrainingSet(_data.Pool, Enumerable.Range(0, _data.Pool.Rows).ToArray(), _data.PoolLabels, _data.ClassNames.Count), null, ct);
        var seconds = sw.Elapsed.TotalSeconds;
        var (acc, f1) = Evaluate(model);
        return new FullDataResult(acc, f1, seconds);
    }

    private (double Accuracy, double MacroF1) Evaluate(IClassifier model)
    {
        var predicted = Predict(model, _data.Test, Enumerable.Range(0, _data.Test.Rows).ToArray());
        return (Classification.Accuracy(_data.TestLabels, predicted), Classification.MacroF1(_data.TestLabels, predicted, _data.ClassNames.Count));
    }

    private static int[] Predict(IClassifier model, Features.FeatureMatrix x, int[] rows)
    {
        var k = model.ClassCount;
        var p = new float[rows.Length * k];
        Sift.Parallelism.ForBlocks(rows.Length, 1024, (s, n) => model.PredictProba(x, rows.AsSpan(s, n), p.AsSpan(s * k, n * k)));
        return Classification.ArgMax(p, k);
    }

    private (RunResult, List<EvidenceRound>) RunOne(StrategyDescriptor descriptor, int seed, IProgress<SimulationProgress>? progress, CancellationToken ct)
    {
        var strategy = descriptor.Create();
        var runSeed = Seeds.Mix(0x5EEDUL, (ulong)seed);
        var n = _data.Pool.Rows;
        var k = _data.ClassNames.Count;

        // Splits depend on the seed only, so every strategy starts from the same seed set.
        var order = Permutation(n, Seeds.Mix(runSeed, "split"));
        var validation = order.Take(_validationSize).ToArray();
        var selectable = new bool[n];
        foreach (var i in order.Skip(_validationSize)) selectable[i] = true;
        var seedSet = order.Skip(_validationSize).Take(_options.SeedSize).ToArray();
        var stopSet = Permutation(n, Seeds.Mix(runSeed, "stop-set")).Take(Math.Min(_options.StopSetSize, n)).ToArray();

        var labeled = new List<int>();
        var labeledClasses = new List<int>();
        var isLabeled = new bool[n];
        double spent = 0;
        foreach (var i in seedSet) Label(i);

        var needsCommittee = descriptor.Needs.HasFlag(StrategyNeeds.Committee);
        var committeeLearner = needsCommittee ? new BootstrapCommitteeLearner(_learner, Math.Max(2, _options.CommitteeSize)) : null;
        var needsUncertainty = Find<UncertaintyBelow>(_stop).Any();
        var moneyRules = Find<MoneyBudget>(_stop).ToList();

        IClassifier? model = null;
        Committee? committee = null;
        int[]? previousStopPredictions = null;
        var validationHistory = new List<double>();
        var agreement = new List<double>();
        var rounds = new List<RoundResult>();
        var evidence = new List<EvidenceRound>();
        StopInfo? stopped = null;
        var runInfo = new Dictionary<string, object?> { ["strategy"] = descriptor.Name, ["seed"] = seed };
        var strategyInfo = new Dictionary<string, object?>(strategy.Parameters) { ["name"] = strategy.Name };

        for (var round = 0; ; round++)
        {
            ct.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            var training = new TrainingSet(_data.Pool, labeled.ToArray(), labeledClasses.ToArray(), k);
            model = _learner.Fit(training, model, ct);
            if (committeeLearner is not null) committee = committeeLearner.Fit(training, Seeds.Mix(runSeed, (ulong)round), committee, ct);
            var fitSeconds = sw.Elapsed.TotalSeconds;

            var (acc, f1) = Evaluate(model);
            double? validationAcc = null;
            if (validation.Length > 0)
            {
                validationAcc = Classification.Accuracy(validation.Select(i => _data.PoolLabels[i]).ToArray(), Predict(model, _data.Pool, validation));
                validationHistory.Add(validationAcc.Value);
            }
            var stopPredictions = Predict(model, _data.Pool, stopSet);
            double? kappa = null;
            if (previousStopPredictions is not null)
            {
                kappa = Classification.CohenKappa(previousStopPredictions, stopPredictions, k);
                agreement.Add(kappa.Value);
            }
            previousStopPredictions = stopPredictions;

            var candidates = Enumerable.Range(0, n).Where(i => selectable[i] && !isLabeled[i]).ToArray();
            var context = new QueryContext(_data.Pool, candidates, Seeds.Mix(runSeed, (ulong)(1000 + round)))
            {
                Round = round,
                ClassCount = k,
                Model = model,
                Committee = committee,
                Embeddings = descriptor.Needs.HasFlag(StrategyNeeds.Embeddings) ? _data.Embeddings : null,
                LabeledIndices = labeled,
                LabeledClasses = labeledClasses,
                Costs = _data.Costs,
                Groups = _data.Groups,
                ClassNames = _data.ClassNames,
            };
            var meanUncertainty = needsUncertainty && candidates.Length > 0 ? MeanNormalizedEntropy(context, k) : double.NaN;
            var decision = _stop.Evaluate(new StoppingContext
            {
                Round = round,
                Labels = labeled.Count,
                Spent = spent,
                ValidationHistory = validationHistory,
                AgreementHistory = agreement,
                MeanUncertainty = meanUncertainty,
                Remaining = candidates.Length,
            });

            var selected = new List<EvidenceSelection>();
            IReadOnlyDictionary<string, object?>? details = null;
            var querySeconds = 0.0;
            var stop = decision.Stop;
            var stopRule = decision.Rule;
            var stopReason = decision.Reason;
            if (!stop && candidates.Length == 0)
            {
                stop = true;
                stopRule = "pool-exhausted";
                stopReason = "every selectable item is labeled";
            }
            var labelsBefore = labeled.Count;
            if (!stop)
            {
                var count = Math.Min(Math.Min(_options.BatchSize, _options.Budget - labeled.Count), candidates.Length);
                sw.Restart();
                var picks = strategy.Select(context, count);
                querySeconds = sw.Elapsed.TotalSeconds;
                details = picks.Details;
                CheckPicks(descriptor.Name, picks, count, selectable, isLabeled);
                for (var t = 0; t < picks.Count; t++)
                {
                    var i = picks.Indices[t];
                    if (moneyRules.Count > 0 && moneyRules.Any(m => spent + _data.Costs[i] > m.Budget + 1e-9)) break;
                    Label(i);
                    selected.Add(new EvidenceSelection(i, _data.PoolIds[i], picks.Scores[t], picks.Reasons[t], _data.ClassNames[_data.PoolLabels[i]], OracleName));
                }
                if (selected.Count == 0)
                {
                    stop = true;
                    stopRule = moneyRules[0].Spec;
                    stopReason = "the money left does not pay for the next chosen item";
                }
            }

            rounds.Add(new RoundResult(labelsBefore, acc, f1, fitSeconds, querySeconds)
            {
                ValidationAccuracy = validationAcc,
                StopSetKappa = kappa,
                Spent = spent,
                Arm = details is not null && details.TryGetValue("arm", out var arm) ? arm as string : null,
            });
            evidence.Add(new EvidenceRound
            {
                Run = runInfo,
                Round = round,
                Labels = labelsBefore,
                ModelFingerprint = model.Fingerprint,
                Learner = _learner.Describe(),
                Strategy = strategyInfo,
                LabelsPerClass = _data.ClassNames.Select((c, ci) => (c, count: training.Labels.Count(l => l == ci))).ToDictionary(x => x.c, x => x.count),
                Metrics = new Dictionary<string, double?>
                {
                    ["test_accuracy"] = acc,
                    ["test_macro_f1"] = f1,
                    ["validation_accuracy"] = validationAcc,
                    ["stop_set_kappa"] = kappa,
                    ["mean_uncertainty"] = double.IsNaN(meanUncertainty) ? null : meanUncertainty,
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
        }
        return (new RunResult(descriptor.Name, seed, rounds, stopped), evidence);

        void Label(int i)
        {
            isLabeled[i] = true;
            labeled.Add(i);
            labeledClasses.Add(_data.PoolLabels[i]);
            spent += _data.Costs[i];
        }
    }

    private static void CheckPicks(string strategy, QueryResult picks, int count, bool[] selectable, bool[] isLabeled)
    {
        if (picks.Count != count || picks.Scores.Length != count || picks.Reasons.Length != count)
            throw new QueryException($"Strategy '{strategy}' returned {picks.Count} items instead of {count}.");
        var seen = new HashSet<int>();
        foreach (var i in picks.Indices)
        {
            if ((uint)i >= (uint)selectable.Length || !selectable[i] || isLabeled[i] || !seen.Add(i))
                throw new QueryException($"Strategy '{strategy}' chose item {i}, which is labeled, held out or chosen twice.");
        }
    }

    private static double MeanNormalizedEntropy(QueryContext context, int k)
    {
        // Streamed like the strategies' scoring; per-block sums added in block order keep it deterministic.
        var sums = new double[(context.Candidates.Length + QueryContext.ScanBlock - 1) / QueryContext.ScanBlock];
        context.ScanProbabilities((start, p) =>
        {
            double sum = 0;
            for (var i = 0; i < p.Length / k; i++) sum += EntropySampling.Entropy(p.Slice(i * k, k));
            sums[start / QueryContext.ScanBlock] = sum;
        });
        return sums.Sum() / context.Candidates.Length / Math.Log(k);
    }

    private static int[] Permutation(int n, ulong seed)
    {
        var a = Enumerable.Range(0, n).ToArray();
        Seeds.Random(seed).Shuffle(a);
        return a;
    }

    private static IEnumerable<T> Find<T>(IStoppingRule rule) where T : IStoppingRule
    {
        if (rule is T t) yield return t;
        if (rule is CombinedRule c)
            foreach (var inner in c.Rules)
                foreach (var x in Find<T>(inner)) yield return x;
    }
}
