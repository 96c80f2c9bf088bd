using System.Globalization;
using System.Numerics.Tensors;

namespace Sift.Strategies;

/// <summary>
/// Information density (Settles &amp; Craven 2008, eq. 4): score = H(x) · (mean cosine similarity of x to the
/// candidate pool)^β, where H is the model's predictive entropy (<see cref="EntropySampling.Entropy"/>).
/// Favours uncertain items that are typical of the pool over uncertain outliers.
/// </summary>
/// <remarks>
/// The mean similarity costs O(|candidates| · dims) instead of O(|candidates|²): with unit rows
/// (1/U)·Σᵤ cos(x, u) = x̂ · μ, where μ is the mean of the L2-normalised candidate vectors. Rows that are not
/// unit-norm are normalised on the fly, so the value is an exact mean cosine either way. A negative mean
/// similarity is clamped to 0, since the density is a weight. Needs a trained model and
/// <see cref="QueryContext.Embeddings"/>. Instances are immutable and thread-safe.
/// </remarks>
public sealed class InformationDensitySampling : ScoredStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="beta">Weight of the density term (default 1; 0 gives plain entropy sampling). Must be ≥ 0 and finite.</param>
    public InformationDensitySampling(double beta = 1.0)
    {
        if (!double.IsFinite(beta) || beta < 0) throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be a finite number ≥ 0.");
        Beta = beta;
    }

    /// <summary>Exponent β of the density term. Default 1.</summary>
    public double Beta { get; }

    /// <inheritdoc />
    public override string Name => "density";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?> { ["beta"] = Beta };

    /// <inheritdoc />
    /// <exception cref="QueryException">The context has no embeddings or no trained model.</exception>
    public override void Score(QueryContext context, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(context);
        var density = Density(context);
        var p = context.CandidateProbabilities();
        var k = context.Model!.ClassCount;
        for (var i = 0; i < scores.Length; i++)
            scores[i] = EntropySampling.Entropy(p.Slice(i * k, k)) * Math.Pow(density[i], Beta);
    }

    /// <summary>
    /// Mean cosine similarity of each candidate to all candidates (itself included), clamped at 0, aligned
    /// with <see cref="QueryContext.Candidates"/>.
    /// </summary>
    /// <exception cref="QueryException">The context has no embeddings.</exception>
    public double[] Density(QueryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var x = EmbeddingSupport.Require(context, Name);
        var candidates = context.Candidates;
        var norms = EmbeddingSupport.SquaredNorms(x, candidates);
        var mean = new double[x.Columns];
        for (var i = 0; i < candidates.Length; i++)
        {
            if (norms[i] <= 0) continue; // a zero vector has no direction; cos = 0 by convention
            var row = x.Row(candidates[i]);
            var inv = 1.0 / Math.Sqrt(norms[i]);
            for (var c = 0; c < mean.Length; c++) mean[c] += row[c] * inv;
        }
        var mu = new float[mean.Length];
        for (var c = 0; c < mu.Length; c++) mu[c] = (float)(mean[c] / candidates.Length);
        var density = new double[candidates.Length];
        for (var i = 0; i < candidates.Length; i++)
            density[i] = norms[i] <= 0 ? 0 : Math.Max(0, TensorPrimitives.Dot<float>(x.Row(candidates[i]), mu) / Math.Sqrt(norms[i]));
        return density;
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score) =>
        $"information density {score.ToString("0.###", CultureInfo.InvariantCulture)}: uncertain and typical of the pool (β={Beta.ToString(CultureInfo.InvariantCulture)})";
}
