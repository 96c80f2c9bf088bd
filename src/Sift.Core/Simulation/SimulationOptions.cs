using Sift.Learners;
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

    /// <summary>Learner settings.</summary>
    public LogisticRegressionOptions Learner { get; init; } = new();

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
    }
}
