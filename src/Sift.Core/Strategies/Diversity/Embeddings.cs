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
    /// rows of <paramref name="x"/> (see <see cref="Nearest"/>).
    /// </summary>
    public static void MinSquaredDistances(DenseMatrix x, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowNorms, ReadOnlySpan<int> centres, Span<float> destination)
    {
        var d = x.Columns;
        var vectors = new float[centres.Length * d];
        for (var c = 0; c < centres.Length; c++) x.Row(centres[c]).CopyTo(vectors.AsSpan(c * d, d));
        Nearest(x, rows, rowNorms, vectors, centres.Length, destination, []);
    }

    /// <summary>
    /// For each listed row of <paramref name="x"/>, the squared distance to the nearest of <paramref name="count"/> centre
    /// vectors (<paramref name="centres"/>, row-major) and, when <paramref name="nearest"/> is not empty, that centre's index
    /// (the first one on ties). The centres are packed transposed (feature-major, padded to whole SIMD vectors), so one
    /// broadcast feature of a row multiplies a whole vector of centres: no horizontal sums, no scalar tails; four rows share
    /// each load. Block-parallel with a fixed partition.
    /// </summary>
    public static void Nearest(DenseMatrix x, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowNorms, ReadOnlySpan<float> centres, int count,
        Span<float> distances, Span<int> nearest)
    {
        var d = x.Columns;
        var w = Vector<float>.Count;
        var m = count;
        var mPad = (m + 2 * w - 1) / (2 * w) * (2 * w);
        var packed = new float[d * mPad];
        var centreNorms = new float[mPad];
        Array.Fill(centreNorms, float.PositiveInfinity); // padding never wins
        for (var c = 0; c < m; c++)
        {
            var row = centres.Slice(c * d, d);
            for (var j = 0; j < d; j++) packed[j * mPad + c] = row[j];
            centreNorms[c] = TensorPrimitives.Dot<float>(row, row);
        }
        var rowArray = rows.ToArray();
        var normArray = rowNorms.ToArray();
        var result = new float[rows.Length];
        var withIndex = !nearest.IsEmpty;
        var index = withIndex ? new int[rows.Length] : [];
        var lanes = new int[w];
        for (var t = 0; t < w; t++) lanes[t] = t;
        var laneVector = new Vector<int>(lanes);
        Parallelism.ForBlocks(rowArray.Length, HeavyBlock, (start, length) =>
        {
            var end = start + length;
            ref var p0 = ref MemoryMarshal.GetArrayDataReference(packed);
            Span<Vector<float>> best = stackalloc Vector<float>[4];
            Span<Vector<int>> bestAt = stackalloc Vector<int>[4];
            Span<Vector<float>> s = stackalloc Vector<float>[8];
            for (var i = start; i < end; i += 4)
            {
                var tile = Math.Min(4, end - i);
                // Rows beyond the tile repeat the last row; their results are not stored.
                ref var x0 = ref MemoryMarshal.GetReference(x.Row(rowArray[i]));
                ref var x1 = ref MemoryMarshal.GetReference(x.Row(rowArray[i + Math.Min(1, tile - 1)]));
                ref var x2 = ref MemoryMarshal.GetReference(x.Row(rowArray[i + Math.Min(2, tile - 1)]));
                ref var x3 = ref MemoryMarshal.GetReference(x.Row(rowArray[i + Math.Min(3, tile - 1)]));
                for (var t = 0; t < 4; t++) { best[t] = new Vector<float>(float.PositiveInfinity); bestAt[t] = Vector<int>.Zero; }
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
                    s[0] = s00; s[1] = s01; s[2] = s10; s[3] = s11; s[4] = s20; s[5] = s21; s[6] = s30; s[7] = s31;
                    var cn0 = new Vector<float>(centreNorms.AsSpan(c, w));
                    var cn1 = new Vector<float>(centreNorms.AsSpan(c + w, w));
                    var at0 = laneVector + new Vector<int>(c);
                    var at1 = at0 + new Vector<int>(w);
                    for (var t = 0; t < tile; t++)
                    {
                        var n = new Vector<float>(normArray[i + t]);
                        var d0 = n + cn0 - 2f * s[2 * t];
                        var d1 = n + cn1 - 2f * s[2 * t + 1];
                        // Strictly smaller wins, and chunk 0 is tested before chunk 1, so each lane keeps its first minimum.
                        var better0 = Vector.LessThan(d0, best[t]);
                        best[t] = Vector.ConditionalSelect(better0, d0, best[t]);
                        bestAt[t] = Vector.ConditionalSelect(better0, at0, bestAt[t]);
                        var better1 = Vector.LessThan(d1, best[t]);
                        best[t] = Vector.ConditionalSelect(better1, d1, best[t]);
                        bestAt[t] = Vector.ConditionalSelect(better1, at1, bestAt[t]);
                    }
                }
                for (var t = 0; t < tile; t++)
                {
                    var (value, at) = LaneMin(best[t], bestAt[t]);
                    result[i + t] = Math.Max(0f, value);
                    if (withIndex) index[i + t] = at;
                }
            }
        });
        result.CopyTo(distances);
        if (withIndex) index.CopyTo(nearest);
    }

    // The smallest lane value; ties go to the smaller centre index, matching a sequential scan.
    private static (float Value, int Index) LaneMin(Vector<float> values, Vector<int> indices)
    {
        var value = values[0];
        var at = indices[0];
        for (var t = 1; t < Vector<float>.Count; t++)
            if (values[t] < value || (values[t] == value && indices[t] < at)) { value = values[t]; at = indices[t]; }
        return (value, at);
    }

    /// <summary>
    /// Squared Euclidean distance from the norms and the dot product: |a|² + |b|² − 2a·b, clamped at 0
    /// against rounding. For unit-norm rows this is 2 − 2a·b.
    /// </summary>
    public static float SquaredDistance(float normA, float normB, float dot) => Math.Max(0f, normA + normB - 2f * dot);
}
