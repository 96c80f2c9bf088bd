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
    /// For each listed row of <paramref name="x"/>, the smallest squared distance to any of the <paramref name="centres"/>
    /// rows. The centres are copied into one contiguous block and compared four at a time with explicit SIMD, so each
    /// candidate chunk is loaded once per four centres; block-parallel over the rows with a fixed partition.
    /// </summary>
    public static void MinSquaredDistances(DenseMatrix x, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowNorms, ReadOnlySpan<int> centres, Span<float> destination)
    {
        var d = x.Columns;
        var m = centres.Length;
        var packed = new float[m * d];
        var centreNorms = new float[m];
        for (var c = 0; c < m; c++)
        {
            x.Row(centres[c]).CopyTo(packed.AsSpan(c * d, d));
            centreNorms[c] = TensorPrimitives.Dot<float>(x.Row(centres[c]), x.Row(centres[c]));
        }
        var rowArray = rows.ToArray();
        var normArray = rowNorms.ToArray();
        var result = new float[rows.Length];
        Parallelism.ForBlocks(rowArray.Length, Block, (start, length) =>
        {
            Span<float> dots = stackalloc float[4];
            for (var i = start; i < start + length; i++)
            {
                var a = x.Row(rowArray[i]);
                var best = float.PositiveInfinity;
                var c = 0;
                for (; c + 4 <= m; c += 4)
                {
                    Dot4(a, packed.AsSpan(c * d, 4 * d), d, dots);
                    for (var t = 0; t < 4; t++) best = Math.Min(best, SquaredDistance(normArray[i], centreNorms[c + t], dots[t]));
                }
                for (; c < m; c++)
                    best = Math.Min(best, SquaredDistance(normArray[i], centreNorms[c], TensorPrimitives.Dot<float>(a, packed.AsSpan(c * d, d))));
                result[i] = best;
            }
        });
        result.CopyTo(destination);
    }

    /// <summary>Dot products of <paramref name="a"/> with four consecutive rows of <paramref name="block"/>.</summary>
    private static void Dot4(ReadOnlySpan<float> a, ReadOnlySpan<float> block, int d, Span<float> dots)
    {
        var w = System.Numerics.Vector<float>.Count;
        var r0 = block[..d]; var r1 = block.Slice(d, d); var r2 = block.Slice(2 * d, d); var r3 = block.Slice(3 * d, d);
        var s0 = System.Numerics.Vector<float>.Zero; var s1 = s0; var s2 = s0; var s3 = s0;
        var j = 0;
        for (; j + w <= d; j += w)
        {
            var va = new System.Numerics.Vector<float>(a[j..]);
            s0 += va * new System.Numerics.Vector<float>(r0[j..]);
            s1 += va * new System.Numerics.Vector<float>(r1[j..]);
            s2 += va * new System.Numerics.Vector<float>(r2[j..]);
            s3 += va * new System.Numerics.Vector<float>(r3[j..]);
        }
        float t0 = System.Numerics.Vector.Sum(s0), t1 = System.Numerics.Vector.Sum(s1), t2 = System.Numerics.Vector.Sum(s2), t3 = System.Numerics.Vector.Sum(s3);
        for (; j < d; j++)
        {
            t0 += a[j] * r0[j]; t1 += a[j] * r1[j]; t2 += a[j] * r2[j]; t3 += a[j] * r3[j];
        }
        dots[0] = t0; dots[1] = t1; dots[2] = t2; dots[3] = t3;
    }

    /// <summary>
    /// Squared Euclidean distance from the norms and the dot product: |a|² + |b|² − 2a·b, clamped at 0
    /// against rounding. For unit-norm rows this is 2 − 2a·b.
    /// </summary>
    public static float SquaredDistance(float normA, float normB, float dot) => Math.Max(0f, normA + normB - 2f * dot);
}
