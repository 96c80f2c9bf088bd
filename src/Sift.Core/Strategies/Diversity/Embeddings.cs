using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using Sift.Features;

namespace Sift.Strategies;

/// <summary>Helpers shared by the embedding-based (diversity) strategies.</summary>
internal static class EmbeddingSupport
{
    /// <summary>Rows per parallel block; the partition is fixed so results do not depend on the core count.</summary>
    public const int Block = 16384;

    /// <summary>Rows per parallel block for heavy per-row work (distances to many centres).</summary>
    public const int HeavyBlock = 256;

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
    /// rows. The centres are packed transposed (feature-major, padded to whole SIMD vectors), so one broadcast feature of a
    /// row multiplies a whole vector of centres: no horizontal sums, no scalar tails. Block-parallel with a fixed partition.
    /// </summary>
    public static void MinSquaredDistances(DenseMatrix x, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowNorms, ReadOnlySpan<int> centres, Span<float> destination)
    {
        var d = x.Columns;
        var w = Vector<float>.Count;
        var m = centres.Length;
        var mPad = (m + 2 * w - 1) / (2 * w) * (2 * w);
        var packed = new float[d * mPad];
        var centreNorms = new float[mPad];
        Array.Fill(centreNorms, float.PositiveInfinity); // padding never wins
        for (var c = 0; c < m; c++)
        {
            var row = x.Row(centres[c]);
            for (var j = 0; j < d; j++) packed[j * mPad + c] = row[j];
            centreNorms[c] = TensorPrimitives.Dot<float>(row, row);
        }
        var rowArray = rows.ToArray();
        var normArray = rowNorms.ToArray();
        var result = new float[rows.Length];
        Parallelism.ForBlocks(rowArray.Length, HeavyBlock, (start, length) =>
        {
            var end = start + length;
            var i = start;
            ref var p0 = ref MemoryMarshal.GetArrayDataReference(packed);
            for (; i + 4 <= end; i += 4)
            {
                // Four rows × two vectors of centres: six loads feed eight multiply-adds per feature.
                ref var x0 = ref MemoryMarshal.GetReference(x.Row(rowArray[i]));
                ref var x1 = ref MemoryMarshal.GetReference(x.Row(rowArray[i + 1]));
                ref var x2 = ref MemoryMarshal.GetReference(x.Row(rowArray[i + 2]));
                ref var x3 = ref MemoryMarshal.GetReference(x.Row(rowArray[i + 3]));
                var best0 = new Vector<float>(float.PositiveInfinity);
                var best1 = best0; var best2 = best0; var best3 = best0;
                for (var c = 0; c < mPad; c += 2 * w)
                {
                    var s00 = Vector<float>.Zero; var s01 = s00; var s10 = s00; var s11 = s00;
                    var s20 = s00; var s21 = s00; var s30 = s00; var s31 = s00;
                    for (var j = 0; j < d; j++)
                    {
                        // Unchecked loads: j < d and c + 2w ≤ mPad by construction.
                        var offset = (nuint)(j * mPad + c);
                        var l0 = Vector.LoadUnsafe(ref p0, offset);
                        var l1 = Vector.LoadUnsafe(ref p0, offset + (nuint)w);
                        var b = new Vector<float>(Unsafe.Add(ref x0, j));
                        s00 = Vector.FusedMultiplyAdd(b, l0, s00); s01 = Vector.FusedMultiplyAdd(b, l1, s01);
                        b = new Vector<float>(Unsafe.Add(ref x1, j));
                        s10 = Vector.FusedMultiplyAdd(b, l0, s10); s11 = Vector.FusedMultiplyAdd(b, l1, s11);
                        b = new Vector<float>(Unsafe.Add(ref x2, j));
                        s20 = Vector.FusedMultiplyAdd(b, l0, s20); s21 = Vector.FusedMultiplyAdd(b, l1, s21);
                        b = new Vector<float>(Unsafe.Add(ref x3, j));
                        s30 = Vector.FusedMultiplyAdd(b, l0, s30); s31 = Vector.FusedMultiplyAdd(b, l1, s31);
                    }
                    var cn0 = new Vector<float>(centreNorms.AsSpan(c, w));
                    var cn1 = new Vector<float>(centreNorms.AsSpan(c + w, w));
                    best0 = Closer(best0, normArray[i], cn0, cn1, s00, s01);
                    best1 = Closer(best1, normArray[i + 1], cn0, cn1, s10, s11);
                    best2 = Closer(best2, normArray[i + 2], cn0, cn1, s20, s21);
                    best3 = Closer(best3, normArray[i + 3], cn0, cn1, s30, s31);
                }
                result[i] = Math.Max(0f, HorizontalMin(best0));
                result[i + 1] = Math.Max(0f, HorizontalMin(best1));
                result[i + 2] = Math.Max(0f, HorizontalMin(best2));
                result[i + 3] = Math.Max(0f, HorizontalMin(best3));
            }
            for (; i < end; i++)
            {
                var a = x.Row(rowArray[i]);
                var best = float.PositiveInfinity;
                for (var c = 0; c < m; c++)
                {
                    float dot = 0;
                    for (var j = 0; j < d; j++) dot += a[j] * packed[j * mPad + c];
                    best = Math.Min(best, SquaredDistance(normArray[i], centreNorms[c], dot));
                }
                result[i] = best;
            }
        });
        result.CopyTo(destination);
    }

    private static Vector<float> Closer(Vector<float> best, float rowNorm, Vector<float> cn0, Vector<float> cn1, Vector<float> dot0, Vector<float> dot1)
    {
        var n = new Vector<float>(rowNorm);
        return Vector.Min(best, Vector.Min(n + cn0 - 2f * dot0, n + cn1 - 2f * dot1));
    }

    private static float HorizontalMin(Vector<float> v)
    {
        var min = v[0];
        for (var t = 1; t < Vector<float>.Count; t++) min = Math.Min(min, v[t]);
        return min;
    }

    /// <summary>
    /// Squared Euclidean distance from the norms and the dot product: |a|² + |b|² − 2a·b, clamped at 0
    /// against rounding. For unit-norm rows this is 2 − 2a·b.
    /// </summary>
    public static float SquaredDistance(float normA, float normB, float dot) => Math.Max(0f, normA + normB - 2f * dot);
}
