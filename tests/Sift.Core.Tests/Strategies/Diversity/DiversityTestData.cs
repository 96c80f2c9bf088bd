using Sift.Features;
using Sift.Learners;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Diversity;

/// <summary>Hand-made contexts for the diversity strategies.</summary>
internal static class DiversityTestData
{
    /// <summary>A matrix from explicit rows.</summary>
    public static DenseMatrix Matrix(params float[][] rows)
    {
        var x = new DenseMatrix(rows.Length, rows[0].Length);
        for (var i = 0; i < rows.Length; i++) rows[i].CopyTo(x.Row(i));
        return x;
    }

    /// <summary>A context whose candidates are every row not in <paramref name="labeled"/>.</summary>
    public static QueryContext Context(DenseMatrix x, int[] labeled, ulong seed = 1, IClassifier? model = null, bool embeddings = true) =>
        new(x, Enumerable.Range(0, x.Rows).Where(i => !labeled.Contains(i)).ToArray(), seed)
        {
            ClassCount = model?.ClassCount ?? 2,
            Model = model,
            Embeddings = embeddings ? x : null,
            LabeledIndices = labeled,
        };
}

/// <summary>A classifier returning fixed probabilities per pool row.</summary>
internal sealed class FixedClassifier(float[][] probabilities) : IClassifier
{
    public int ClassCount => probabilities[0].Length;

    public string Fingerprint => "fixed";

    public void PredictProba(FeatureMatrix features, ReadOnlySpan<int> rows, Span<float> destination)
    {
        for (var i = 0; i < rows.Length; i++) probabilities[rows[i]].CopyTo(destination.Slice(i * ClassCount, ClassCount));
    }
}
