using Sift.Learners;
using Sift.Loop;
using Sift.Stopping;

namespace Sift.Simulation;

/// <summary>Settings of a simulated active-learning experiment. Defaults follow the engine issue's benchmark protocol.</summary>
public sealed record SimulationOptions
{
    /// <summary>Strategies to run (random is always added as the control). Default: margin.</summary>
    public IReadOnlyList<string> Strategies { get; init; } = ["margin"];

    /// <summary>Number of seeds (repetitions) per strategy. Default 3.</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>First seed; runs use FirstSeed, FirstSeed+1, … Default 0.</summary>
    public int FirstSeed { get; init; }

    /// <summary>Random seed set size. Default 50.</summary>
    public int SeedSize { get; init; } = 50;

    /// <summary>Items per query round. Default 50.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Label budget, seed set included. Default 3000.</summary>
    public int Budget { get; init; } = 3000;

    /// <summary>Extra stopping rules (the label budget always applies). Null: budget only.</summary>
    public IStoppingRule? Stop { get; init; }

    /// <summary>Items of the pool set aside as a validation split (never selectable) for plateau rules. Default 0 (automatic: 500 when a plateau rule is used).</summary>
    public int ValidationSize { get; init; }

    /// <summary>Size of the fixed stop set for the stabilising-predictions rule. Default 1000.</summary>
    public int StopSetSize { get; init; } = 1000;

    /// <summary>Bootstrap committee size for committee strategies. Default 5.</summary>
    public int CommitteeSize { get; init; } = 5;

    /// <summary>Learner settings (text items).</summary>
    public LogisticRegressionOptions Learner { get; init; } = new();

    /// <summary>
    /// The reward model's settings when the items are preference pairs (a Bradley–Terry model with ties, Davidson by
    /// default; <see cref="Preferences.TieModel.None"/> drops ties as TRL's reward example does). Default
    /// <c>new BradleyTerryOptions()</c>.
    /// </summary>
    public Preferences.BradleyTerryOptions Preferences { get; init; } = new();

    /// <summary>How the seed set is chosen: random (the default, as in the engine benchmarks) or k-means representatives of the feature source's vectors.</summary>
    public SeedStrategy SeedStrategy { get; init; } = SeedStrategy.Random;

    /// <summary>Self-training with pseudo-labels; null (the default): off.</summary>
    public SelfTrainingOptions? SelfTraining { get; init; }

    /// <summary>
    /// Whether to fit a temperature (temperature scaling) on a validation split — 500 pool items (a tenth of a smaller
    /// pool) set aside, never selectable, unless <see cref="ValidationSize"/> names another size — and report the test
    /// set's expected calibration error after it. Default false (the pool stays whole; the ECE before scaling is
    /// always reported).
    /// </summary>
    public bool Calibrate { get; init; }

    /// <summary>How many runs go in parallel. Default: the number of cores.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks the options against the data.</summary>
    public void Validate(int poolSize)
    {
        if (Seeds < 1) throw new ConfigurationException("--seeds must be at least 1.");
        if (SeedSize < 1) throw new ConfigurationException("--seed-size must be at least 1.");
        if (BatchSize < 1) throw new ConfigurationException("--batch must be at least 1.");
        if (Budget < SeedSize) throw new ConfigurationException($"--budget ({Budget}) must be at least the seed set size ({SeedSize}).");
        if (ValidationSize < 0) throw new ConfigurationException("--validation-size cannot be negative.");
        if (SeedSize + ValidationSize > poolSize)
            throw new ConfigurationException($"The pool has {poolSize} items: too few for a seed set of {SeedSize} and a validation split of {ValidationSize}.");
        if (Strategies.Count == 0) throw new ConfigurationException("Name at least one strategy.");
        SelfTraining?.Validate();
        Preferences.Validate();
    }
}

/// <summary>
/// Self-training (Yarowsky 1995; Lee 2013's pseudo-labels): after each round, unlabeled selectable items the model is
/// very sure of get its predicted class as a pseudo-label, fitted on with a lower weight in the next round, never
/// counted as labels. Only pool items that may be selected are pseudo-labeled — never the test set or a validation
/// split. Off unless given.
/// </summary>
public sealed record SelfTrainingOptions
{
    /// <summary>Minimum probability of the predicted class. Default 0.95.</summary>
    public double Threshold { get; init; } = 0.95;

    /// <summary>Sample weight of a pseudo-label (a real label weighs 1). Default 0.3.</summary>
    public double Weight { get; init; } = 0.3;

    /// <summary>At most this many pseudo-labels per real label (the most confident first). Default 1.</summary>
    public double MaxPerLabel { get; init; } = 1.0;

    /// <summary>Canonical spec: <c>threshold=0.95,weight=0.3,max=1</c>.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"threshold={Threshold},weight={Weight},max={MaxPerLabel}");

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public void Validate()
    {
        if (!(Threshold > 0 && Threshold <= 1)) throw new ConfigurationException("The self-training threshold must be above 0 and at most 1.");
        if (!(Weight > 0 && Weight <= 1)) throw new ConfigurationException("The self-training weight must be above 0 and at most 1.");
        if (!(MaxPerLabel > 0 && MaxPerLabel <= 100)) throw new ConfigurationException("The self-training maximum per label must be above 0 and at most 100.");
    }
}
