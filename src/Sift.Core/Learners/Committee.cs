using Sift.Features;

namespace Sift.Learners;

/// <summary>A committee of trained classifiers over one label schema (for query-by-committee and BALD).</summary>
public sealed class Committee
{
    /// <summary>Creates a committee; all members must share the class count.</summary>
    public Committee(IReadOnlyList<IClassifier> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0) throw new ArgumentException("A committee needs at least one member.", nameof(members));
        if (members.Any(m => m.ClassCount != members[0].ClassCount))
            throw new ArgumentException("Committee members disagree on the number of classes.", nameof(members));
        Members = members;
    }

    /// <summary>The members.</summary>
    public IReadOnlyList<IClassifier> Members { get; }

    /// <summary>Classes in the schema.</summary>
    public int ClassCount => Members[0].ClassCount;

    /// <summary>
    /// Member probabilities for <paramref name="rows"/>: destination is laid out [member][row][class].
    /// </summary>
    public void PredictProba(FeatureMatrix features, ReadOnlySpan<int> rows, Span<float> destination)
    {
        var block = rows.Length * ClassCount;
        for (var m = 0; m < Members.Count; m++)
            Members[m].PredictProba(features, rows, destination.Slice(m * block, block));
    }
}

/// <summary>
/// Trains a committee by bootstrap resampling of the labeled set (Breiman bagging): each member sees
/// the labeled rows with multiplicities drawn from a seeded multinomial, expressed as sample weights.
/// </summary>
public sealed class BootstrapCommitteeLearner
{
    private readonly ILearner _learner;

    /// <summary>Creates the trainer. Default size 5.</summary>
    public BootstrapCommitteeLearner(ILearner learner, int size = 5)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        _learner = learner;
        Size = size;
    }

    /// <summary>Number of members.</summary>
    public int Size { get; }

    /// <summary>Fits every member, warm-starting each from the same member of <paramref name="previous"/>.</summary>
    public Committee Fit(TrainingSet data, ulong seed, Committee? previous = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var members = new IClassifier[Size];
        var n = data.Rows.Length;
        for (var m = 0; m < Size; m++)
        {
            var rng = new Random(unchecked((int)Seeds.Mix(seed, (ulong)m)));
            var w = new double[n];
            for (var i = 0; i < n; i++) w[rng.Next(n)] += 1;
            if (data.Weights is not null)
                for (var i = 0; i < n; i++) w[i] *= data.Weights[i];
            var sample = data with { Weights = w };
            members[m] = _learner.Fit(sample, previous is not null && m < previous.Members.Count ? previous.Members[m] : null, cancellationToken);
        }
        return new Committee(members);
    }
}
