using System.Diagnostics;
using Sift.Metrics;
using Sift.Features;
using Sift.Learners;
using Sift.Strategies;

namespace Sift.Preferences;

/// <summary>Comparisons for a simulated preference experiment: the pool (selectable, gold outcomes as the oracle) and a test set.</summary>
public sealed class PreferenceSimulationData
{
    /// <summary>Creates the data; every matrix row is a pair's feature difference φ_A − φ_B.</summary>
    /// <exception cref="ArgumentException">Lengths or widths disagree.</exception>
    public PreferenceSimulationData(DenseMatrix pool, IReadOnlyList<PreferenceOutcome> poolOutcomes, DenseMatrix test, IReadOnlyList<PreferenceOutcome> testOutcomes)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(poolOutcomes);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(testOutcomes);
        if (pool.Rows != poolOutcomes.Count) throw new ArgumentException("The pool has a different number of rows and outcomes.", nameof(poolOutcomes));
        if (test.Rows != testOutcomes.Count) throw new ArgumentException("The test set has a different number of rows and outcomes.", nameof(testOutcomes));
        if (pool.Columns != test.Columns) throw new ArgumentException("Pool and test features differ in width.", nameof(test));
        Pool = pool;
        PoolOutcomes = poolOutcomes;
        Test = test;
        TestOutcomes = testOutcomes;
    }

    /// <summary>Pool differences (row = pool index).</summary>
    public DenseMatrix Pool { get; }

    /// <summary>Gold outcome of every pool pair: the simulated annotator's answer.</summary>
    public IReadOnlyList<PreferenceOutcome> PoolOutcomes { get; }

    /// <summary>Test differences; never selectable, never trained on.</summary>
    public DenseMatrix Test { get; }

    /// <summary>Gold outcome of every test pair.</summary>
    public IReadOnlyList<PreferenceOutcome> TestOutcomes { get; }
}

/// <summary>Settings of a simulated preference experiment. Defaults follow the preference issue's benchmark protocol.</summary>
public sealed record PreferenceSimulationOptions
{
    /// <summary>Pair strategies to run (<see cref="PairStrategies"/>); random always runs as the control. Default pair-uncertainty and pair-dopt.</summary>
    public IReadOnlyList<string> Strategies { get; init; } = ["pair-uncertainty", "pair-dopt"];

    /// <summary>Seeds per strategy. Default 3.</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>First seed. Default 0.</summary>
    public int FirstSeed { get; init; }

    /// <summary>Random seed set of comparisons (the same for every strategy under one seed). Default 50.</summary>
    public int SeedSize { get; init; } = 50;

    /// <summary>Comparisons per query round. Default 50.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Comparisons labeled in all, seed set included. Default 2,000.</summary>
    public int Budget { get; init; } = 2000;

    /// <summary>The reward model.</summary>
    public BradleyTerryOptions Learner { get; init; } = new();

    /// <summary>
    /// Pool comparisons set aside (never selectable, labeled for free) to fit a temperature each round; 0 (default) for
    /// no calibration. Log loss is then measured with the calibrated model.
    /// </summary>
    public int ValidationSize { get; init; }

    /// <summary>Runs in parallel. Default: the number of cores.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks the options against the pool size.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public void Validate(int poolSize)
    {
        Learner.Validate();
        if (Seeds < 1) throw new ConfigurationException("--seeds must be at least 1.");
        if (SeedSize < 1) throw new ConfigurationException("--seed-size must be at least 1.");
        if (BatchSize < 1) throw new ConfigurationException("--batch must be at least 1.");
        if (Budget < SeedSize) throw new ConfigurationException($"--budget ({Budget}) must be at least the seed set size ({SeedSize}).");
        if (ValidationSize < 0) throw new ConfigurationException("--validation-size cannot be negative.");
        if (Parallelism < 1) throw new ConfigurationException("Parallelism must be at least 1.");
        if (SeedSize + ValidationSize > poolSize)
            throw new ConfigurationException($"The pool has {poolSize} comparisons: too few for a seed set of {SeedSize} and a validation split of {ValidationSize}.");
        foreach (var s in Strategies) PairStrategies.Create(s);
    }
}

/// <summary>One round of a preference run: the reward model fitted on <see cref="Labels"/> comparisons, measured on the test pairs.</summary>
/// <param name="Labels">Comparisons labeled (seed set included).</param>
/// <param name="Accuracy">Held-out pairwise accuracy on the decisive test pairs.</param>
/// <param name="LogLoss">Mean negative log-likelihood of the test outcomes A, B, tie (calibrated when a validation split exists).</param>
/// <param name="DecisiveLogLoss">Mean negative log-likelihood of the decisive test outcomes under P(A ≻ B | decisive).</param>
/// <param name="Ties">Tie answers among the labeled comparisons.</param>
/// <param name="TieProbability">The model's P(tie) at equal utility.</param>
/// <param name="Temperature">The calibration temperature (1 without a validation split).</param>
public sealed record PreferenceRound(int Labels, double Accuracy, double LogLoss, double DecisiveLogLoss, int Ties, double TieProbability, double Temperature)
{
    /// <summary>Seconds to fit (and calibrate) the model; varies between runs.</summary>
    public double FitSeconds { get; init; }

    /// <summary>Seconds to select the next batch; varies between runs.</summary>
    public double QuerySeconds { get; init; }
}

/// <summary>One strategy under one seed.</summary>
public sealed record PreferenceRun(string Strategy, int Seed, IReadOnlyList<PreferenceRound> Rounds);

/// <summary>The experiment's result: every run, and the ceiling (the model fitted on the whole pool).</summary>
public sealed record PreferenceSimulationResult(double FullDataAccuracy, double FullDataLogLoss, IReadOnlyList<PreferenceRun> Runs)
{
    /// <summary>Mean accuracy over seeds at each label count of <paramref name="strategy"/>.</summary>
    public IReadOnlyList<(int Labels, double Accuracy)> MeanCurve(string strategy) =>
        Runs.Where(r => r.Strategy == strategy).SelectMany(r => r.Rounds).GroupBy(r => r.Labels).OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Average(r => r.Accuracy))).ToList();
}

/// <summary>
/// The active-learning loop for preference data with a simulated annotator (the pool's gold outcomes): a random seed
/// set, then rounds of fit (warm start) → calibrate (optional) → evaluate held-out pairwise accuracy → select a batch
/// → label it, until the budget; for every strategy and seed, random always included as the control. The shared loop
/// will take this shape over; the numbers it produces are the preference benchmarks'. Runs go in parallel, each with
/// its own state; the result does not depend on their order.
/// </summary>
public sealed class PreferenceSimulator
{
    private readonly PreferenceSimulationData _data;
    private readonly PreferenceSimulationOptions _options;
    private readonly BradleyTerry _learner;
    private readonly IReadOnlyList<string> _strategies;

    /// <summary>Creates a simulator; validates the options against the data.</summary>
    /// <exception cref="ConfigurationException">An option is out of range or a strategy unknown.</exception>
    public PreferenceSimulator(PreferenceSimulationData data, PreferenceSimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(data.Pool.Rows);
        _data = data;
        _options = options;
        _learner = new BradleyTerry(options.Learner);
        _strategies = options.Strategies.Prepend("random").Select(s => s.Trim().ToLowerInvariant()).Distinct().ToList();
    }

    /// <summary>The strategies that will run (their specs, lower-cased; runs carry these names), random first.</summary>
    public IReadOnlyList<string> StrategyNames => _strategies;

    /// <summary>Runs every strategy under every seed.</summary>
    public PreferenceSimulationResult Run(IProgress<PreferenceRun>? progress = null, CancellationToken cancellationToken = default)
    {
        var all = Enumerable.Range(0, _data.Pool.Rows).ToArray();
        var ceiling = new BradleyTerry(_options.Learner with { Tolerance = Math.Min(_options.Learner.Tolerance, 1e-8), MaxIterations = Math.Max(_options.Learner.MaxIterations, 1000) })
            .FitModel(new TrainingSet(_data.Pool, all, all.Select(i => (int)_data.PoolOutcomes[i]).ToArray(), 4), null, cancellationToken);
        var testRows = Enumerable.Range(0, _data.Test.Rows).ToArray();
        var testOutcomes = _data.TestOutcomes.ToArray();
        var jobs = (from seed in Enumerable.Range(_options.FirstSeed, _options.Seeds) from s in _strategies select (Strategy: s, Seed: seed)).ToList();
        var runs = new PreferenceRun[jobs.Count];
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, j =>
        {
            runs[j] = RunOne(jobs[j].Strategy, jobs[j].Seed, testRows, testOutcomes, cancellationToken);
            progress?.Report(runs[j]);
        });
        return new PreferenceSimulationResult(
            PreferenceMetrics.PairwiseAccuracy(ceiling, _data.Test, testRows, testOutcomes),
            PreferenceMetrics.LogLoss(ceiling, _data.Test, testRows, testOutcomes), runs);
    }

    private PreferenceRun RunOne(string spec, int seed, int[] testRows, PreferenceOutcome[] testOutcomes, CancellationToken cancellationToken)
    {
        var strategy = PairStrategies.Create(spec);
        var n = _data.Pool.Rows;
        // The split depends on the seed only, so every strategy under one seed starts from the same seed set.
        var order = Enumerable.Range(0, n).ToArray();
        Seeds.Random(Seeds.Mix((ulong)seed, "preference-split")).Shuffle(order);
        var validation = order.Take(_options.ValidationSize).ToArray();
        var labeled = order.Skip(_options.ValidationSize).Take(_options.SeedSize).ToList();
        var unavailable = new bool[n];
        foreach (var i in validation.Concat(labeled)) unavailable[i] = true;

        var rounds = new List<PreferenceRound>();
        BradleyTerryModel? model = null;
        for (var round = 0; ; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var rows = labeled.ToArray();
            var outcomes = rows.Select(i => (int)_data.PoolOutcomes[i]).ToArray();
            model = _learner.FitModel(new TrainingSet(_data.Pool, rows, outcomes, 4), model, cancellationToken);
            var scored = validation.Length > 0 ? Calibrate(model, validation) : model;
            var fitSeconds = clock.Elapsed.TotalSeconds;
            var record = new PreferenceRound(rows.Length,
                PreferenceMetrics.PairwiseAccuracy(scored, _data.Test, testRows, testOutcomes),
                PreferenceMetrics.LogLoss(scored, _data.Test, testRows, testOutcomes),
                PreferenceMetrics.DecisiveLogLoss(scored, _data.Test, testRows, testOutcomes),
                outcomes.Count(o => o == (int)PreferenceOutcome.Tie), scored.TieProbabilityAtEquality, scored.Temperature) { FitSeconds = fitSeconds };
            if (rows.Length >= _options.Budget)
            {
                rounds.Add(record);
                break;
            }
            var candidates = Enumerable.Range(0, n).Where(i => !unavailable[i]).ToArray();
            var count = Math.Min(_options.BatchSize, Math.Min(_options.Budget - rows.Length, candidates.Length));
            if (count == 0)
            {
                rounds.Add(record);
                break;
            }
            clock.Restart();
            var context = new QueryContext(_data.Pool, candidates, Seeds.Mix((ulong)seed, (ulong)round))
            {
                Round = round,
                ClassCount = 4,
                Model = scored,
                LabeledIndices = rows,
                LabeledClasses = outcomes,
                ClassNames = PreferenceOutcomes.Names,
                Pairs = new PairQueryInputs(_data.Pool) { Model = scored, C = _options.Learner.C },
            };
            var picked = strategy.Select(context, count);
            rounds.Add(record with { QuerySeconds = clock.Elapsed.TotalSeconds });
            foreach (var i in picked.Indices)
            {
                unavailable[i] = true;
                labeled.Add(i);
            }
        }
        return new PreferenceRun(spec, seed, rounds);
    }

    private BradleyTerryModel Calibrate(BradleyTerryModel model, int[] validation)
    {
        var logits = new List<double>();
        var labels = new List<int>();
        Span<double> row = stackalloc double[3];
        foreach (var i in validation)
        {
            var o = _data.PoolOutcomes[i];
            if (o == PreferenceOutcome.BothBad) continue;
            model.LogProbabilities(model.Difference(_data.Pool, i), row);
            foreach (var v in row) logits.Add(v);
            labels.Add((int)o);
        }
        return labels.Count == 0 ? model : model.WithTemperature(TemperatureScaling.Fit(logits.ToArray(), 3, labels.ToArray()));
    }
}
