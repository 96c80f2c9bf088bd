using Sift.Features;

namespace Sift.Learners;

/// <summary>
/// What a learner is trained on: rows of a feature matrix with their class indices.
/// </summary>
/// <param name="Features">The feature matrix; <paramref name="Rows"/> index into it.</param>
/// <param name="Rows">Training rows.</param>
/// <param name="Labels">Class index (0 ≤ label &lt; <paramref name="ClassCount"/>) of each training row.</param>
/// <param name="ClassCount">Classes in the label schema, including ones not yet seen in <paramref name="Labels"/>.</param>
/// <param name="Weights">Optional per-row sample weights (bootstrap multiplicities); 1 when null.</param>
public sealed record TrainingSet(FeatureMatrix Features, int[] Rows, int[] Labels, int ClassCount, double[]? Weights = null)
{
    /// <summary>Checks that the arrays agree and labels are in range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Features);
        if (Rows.Length != Labels.Length) throw new ArgumentException("Rows and labels differ in length.");
        if (Weights is not null && Weights.Length != Rows.Length) throw new ArgumentException("Rows and weights differ in length.");
        if (ClassCount < 1) throw new ArgumentException("At least one class is needed.");
        foreach (var l in Labels)
            if ((uint)l >= (uint)ClassCount) throw new ArgumentException($"Label {l} is outside 0..{ClassCount - 1}.");
        foreach (var r in Rows)
            if ((uint)r >= (uint)Features.Rows) throw new ArgumentException($"Row {r} is outside the feature matrix.");
    }
}

/// <summary>A trained, immutable probabilistic classifier. Thread-safe.</summary>
public interface IClassifier
{
    /// <summary>Classes in the label schema; probabilities always have this many columns.</summary>
    int ClassCount { get; }

    /// <summary>A short stable hash of the parameters, for the evidence record.</summary>
    string Fingerprint { get; }

    /// <summary>
    /// Writes class probabilities of <paramref name="rows"/> into <paramref name="destination"/>
    /// (row-major, rows.Length × <see cref="ClassCount"/>). Classes never seen in training get probability 0.
    /// </summary>
    void PredictProba(FeatureMatrix features, ReadOnlySpan<int> rows, Span<float> destination);
}

/// <summary>Trains classifiers. A learner holds only options; models are returned, never stashed.</summary>
public interface ILearner
{
    /// <summary>Name and parameters for the evidence record.</summary>
    string Describe();

    /// <summary>
    /// Trains on <paramref name="data"/>. When <paramref name="warmStart"/> is a model of this learner,
    /// optimisation starts from its parameters (same optimum, fewer iterations).
    /// </summary>
    IClassifier Fit(TrainingSet data, IClassifier? warmStart = null, CancellationToken cancellationToken = default);
}
