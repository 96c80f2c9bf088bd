using Sift.Features;
using Sift.Learners;

namespace Sift.Strategies;

/// <summary>Receives one block of candidate probabilities from <see cref="QueryContext.ScanProbabilities"/>.</summary>
/// <param name="start">Position of the block's first candidate in <see cref="QueryContext.Candidates"/>.</param>
/// <param name="probabilities">Block probabilities, candidates × classes, row-major.</param>
public delegate void ProbabilityBlockAction(int start, ReadOnlySpan<float> probabilities);

/// <summary>
/// Everything a strategy may look at in one round. New inputs are added here rather than to
/// <see cref="IQueryStrategy.Select"/>. A context is used by one thread at a time; it caches
/// the current model's probabilities on the candidates.
/// </summary>
public sealed class QueryContext
{
    private float[]? _probabilities;
    private float[]? _committeeProbabilities;

    /// <summary>Creates a context.</summary>
    /// <param name="features">Feature matrix of the whole pool (row = pool index).</param>
    /// <param name="candidates">Selectable pool indices: unlabeled and not held out. Must be distinct.</param>
    /// <param name="seed">Seed for every random choice of this round.</param>
    public QueryContext(FeatureMatrix features, int[] candidates, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(candidates);
        Features = features;
        Candidates = candidates;
        Seed = seed;
    }

    /// <summary>Feature matrix of the whole pool.</summary>
    public FeatureMatrix Features { get; }

    /// <summary>Selectable pool indices (unlabeled, not held out, not in a validation or evaluation split).</summary>
    public int[] Candidates { get; }

    /// <summary>Seed for this round's random choices.</summary>
    public ulong Seed { get; }

    /// <summary>Round number (0 = the first query after the seed set).</summary>
    public int Round { get; init; }

    /// <summary>Number of classes in the label schema.</summary>
    public int ClassCount { get; init; }

    /// <summary>The current model; null before anything was trained.</summary>
    public IClassifier? Model { get; init; }

    /// <summary>The current committee, for committee strategies.</summary>
    public Committee? Committee { get; init; }

    /// <summary>Dense vectors of the whole pool, for diversity strategies.</summary>
    public DenseMatrix? Embeddings { get; init; }

    /// <summary>Labeled pool indices.</summary>
    public IReadOnlyList<int> LabeledIndices { get; init; } = [];

    /// <summary>Class index of each labeled item, aligned with <see cref="LabeledIndices"/>.</summary>
    public IReadOnlyList<int> LabeledClasses { get; init; } = [];

    /// <summary>Per-pool-item labeling cost, when known.</summary>
    public double[]? Costs { get; init; }

    /// <summary>Per-pool-item subgroup, when known.</summary>
    public string?[]? Groups { get; init; }

    /// <summary>Class names, for reasons.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Inputs of the pair (preference) strategies when the pool holds pairwise comparisons; null otherwise.</summary>
    public PairQueryInputs? Pairs { get; init; }

    /// <summary>A fresh seeded generator for one named purpose within this round.</summary>
    public Random CreateRandom(string purpose) => Seeds.Random(Seeds.Mix(Seed, purpose));

    /// <summary>
    /// The model's probabilities on <see cref="Candidates"/>, row-major (candidates × classes). Computed once.
    /// </summary>
    /// <exception cref="QueryException">No model has been trained.</exception>
    public ReadOnlySpan<float> CandidateProbabilities()
    {
        if (_probabilities is null)
        {
            var model = Model ?? throw new QueryException("This strategy needs a trained model, and none is available yet.");
            var p = new float[(long)Candidates.Length * model.ClassCount];
            Parallelism.ForBlocks(Candidates.Length, 1024, (start, length) =>
                model.PredictProba(Features, Candidates.AsSpan(start, length), p.AsSpan(start * model.ClassCount, length * model.ClassCount)));
            _probabilities = p;
        }
        return _probabilities;
    }

    /// <summary>
    /// Streams the model's probabilities on <see cref="Candidates"/> in fixed blocks, in parallel, without materialising
    /// them for the whole pool (uses the cache when <see cref="CandidateProbabilities"/> already ran). The action gets the
    /// block's first candidate position and its probabilities (length × classes, row-major); blocks may run concurrently.
    /// </summary>
    /// <exception cref="QueryException">No model has been trained.</exception>
    public void ScanProbabilities(ProbabilityBlockAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var model = Model ?? throw new QueryException("This strategy needs a trained model, and none is available yet.");
        var k = model.ClassCount;
        var cached = _probabilities;
        Parallelism.ForBlocks(Candidates.Length, ScanBlock, (start, length) =>
        {
            if (cached is not null)
            {
                action(start, cached.AsSpan(start * k, length * k));
                return;
            }
            var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(length * k);
            try
            {
                var p = buffer.AsSpan(0, length * k);
                model.PredictProba(Features, Candidates.AsSpan(start, length), p);
                action(start, p);
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>The model's probabilities for one candidate position (computed on demand unless cached).</summary>
    public float[] ProbabilitiesAt(int position)
    {
        var model = Model ?? throw new QueryException("This strategy needs a trained model, and none is available yet.");
        var k = model.ClassCount;
        if (_probabilities is not null) return _probabilities.AsSpan(position * k, k).ToArray();
        var p = new float[k];
        model.PredictProba(Features, Candidates.AsSpan(position, 1), p);
        return p;
    }

    /// <summary>Candidates per block in <see cref="ScanProbabilities"/>.</summary>
    public const int ScanBlock = 2048;

    /// <summary>Committee probabilities on <see cref="Candidates"/>, laid out [member][candidate][class]. Computed once.</summary>
    /// <exception cref="QueryException">No committee is available.</exception>
    public ReadOnlySpan<float> CommitteeProbabilities()
    {
        if (_committeeProbabilities is null)
        {
            var committee = Committee ?? throw new QueryException("This strategy needs a committee, and none was trained (set a committee size ≥ 2).");
            var k = committee.ClassCount;
            var block = (long)Candidates.Length * k;
            var p = new float[block * committee.Members.Count];
            for (var m = 0; m < committee.Members.Count; m++)
            {
                var member = committee.Members[m];
                var offset = m * block;
                Parallelism.ForBlocks(Candidates.Length, 1024, (start, length) =>
                    member.PredictProba(Features, Candidates.AsSpan(start, length), p.AsSpan((int)(offset + start * k), length * k)));
            }
            _committeeProbabilities = p;
        }
        return _committeeProbabilities;
    }
}
