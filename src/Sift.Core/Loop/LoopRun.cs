using Sift.Evidence;
using Sift.Learners;
using Sift.Oracles;
using Sift.Stopping;

namespace Sift.Loop;

/// <summary>Settings of <see cref="ActiveLearningLoop.RunAsync"/>, with their defaults.</summary>
public sealed record LoopRunOptions
{
    /// <summary>Items asked per round (the cold-start batch too; the last batch is smaller when a label budget needs fewer). Default 10; at least 1.</summary>
    public int BatchSize { get; init; } = 10;

    /// <summary>Seed of every random choice: the cold-start order, the strategy's and the committee's choices, the oracle's requests. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Held-out items with known labels: scored after every fit and fed to the stopping rules (<c>plateau</c>). Null: none.</summary>
    public EvaluationSet? Validation { get; init; }

    /// <summary>Pool items on which consecutive models are compared (κ, for the <c>kappa</c> rule), drawn with the seed. Default 1000; 0 for none.</summary>
    public int StopSetSize { get; init; } = 1000;

    /// <summary>Receives a model, a stop decision, a selection and the answers of every round. Null: nothing is recorded.</summary>
    public IEvidenceSink? Evidence { get; init; }

    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    internal void Validate()
    {
        if (BatchSize < 1) throw new ConfigurationException($"The batch size must be at least 1; it is {BatchSize}.");
        if (StopSetSize < 0) throw new ConfigurationException($"The stop set size must not be negative; it is {StopSetSize}.");
    }
}

/// <summary>One question a run put to the oracle, and the answer.</summary>
/// <param name="Row">Pool row of the item.</param>
/// <param name="Answer">The oracle's answer (declined and deferred answers are kept, and not learned from).</param>
/// <param name="Labels">The answered labels as sorted schema indices; empty unless answered.</param>
public sealed record LoopAnswer(int Row, OracleAnswer Answer, int[] Labels)
{
    /// <summary>Whether the oracle answered (the run learned from it).</summary>
    public bool Answered => Answer.Status == AnswerStatus.Answered;
}

/// <summary>What <see cref="ActiveLearningLoop.RunAsync"/> did: the last model, every round, every answer, and why it stopped. Immutable.</summary>
public sealed class LoopRun
{
    internal LoopRun(IReadOnlyList<RoundOutcome> rounds, IReadOnlyList<LoopAnswer> answers, StopDecision stop)
    {
        Rounds = rounds;
        Answers = answers;
        Labeled = [.. answers.Where(a => a.Answered)];
        Stop = stop;
    }

    /// <summary>The model fitted on every answer of the run; null when the oracle answered nothing.</summary>
    public LabelSetModel? Model => Rounds.Count > 0 ? Rounds[^1].Model : null;

    /// <summary>Every fit, in order (round 0 is the model of the cold-start answers).</summary>
    public IReadOnlyList<RoundOutcome> Rounds { get; }

    /// <summary>Every question put to the oracle, in the order asked, with its answer.</summary>
    public IReadOnlyList<LoopAnswer> Answers { get; }

    /// <summary>The answered questions: the labels the model learned from.</summary>
    public IReadOnlyList<LoopAnswer> Labeled { get; }

    /// <summary>Why the run ended: the stopping rule's decision, or <c>pool-exhausted</c> when every item was asked.</summary>
    public StopDecision Stop { get; }
}
