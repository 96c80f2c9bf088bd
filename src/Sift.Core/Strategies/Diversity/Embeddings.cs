using System.Numerics.Tensors;
using Sift.Features;

namespace Sift.Strategies;

/// <summary>Helpers shared by the embedding-based (diversity) strategies.</summary>
internal static class EmbeddingSupport
{
    /// <summary>Rows per parallel block; the partition is fixed so results do not depend on the core count.</summary>
    public const int Block = 1024;

    /// <summary>The context's embeddings, or a clear error when there are none.</summary>
    public static DenseMatrix Require(QueryContext context, string strategy) =>
        context.Embeddings ?? throw new QueryException(
            $"The '{strategy}' strategy needs dense embeddings of the pool, and none are available (configure an embedder).");

    /// <summary>Squared L2 norm of each listed row.</summary>
    public static float[] SquaredNorms(DenseMatrix x, ReadOnlySpan<int> rows)
    {
        var norms = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var r = x.Row(rows[i]);
            norms[i] = TensorPrimitives.Dot<float>(r, r);
        }
        return norms;
    }

    /// <summary>
    /// Squared Euclidean distance from the norms and the dot product: |a|² + |b|² − 2a·b, clamped at 0
    /// against rounding. For unit-norm rows this is 2 − 2a·b.
    /// </summary>
    public static float SquaredDistance(float normA, float normB, float dot) => Math.Max(0f, normA + normB - 2f * dot);
}
