using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Sift.Features;

namespace Sift.Storage;

/// <summary>
/// The embedding table's rows as both backends write and read them: 32-byte keys, float32 little-endian vectors, and
/// the one rule of when a stored row is usable (<see cref="IEmbeddingStore"/>).
/// </summary>
internal static class EmbeddingRows
{
    /// <summary>Keys looked up per statement: a page, as for the other paged reads.</summary>
    public const int LookupChunk = 1_000;

    public static void CheckModel(string modelId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (StoreChecks.HasNul(modelId)) throw new ArgumentException("A model id may not hold a NUL character.", nameof(modelId));
    }

    public static void CheckGet(string modelId, int dimension, IReadOnlyList<EmbeddingKey> keys)
    {
        CheckModel(modelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentNullException.ThrowIfNull(keys);
    }

    /// <summary>Checks a put and returns the indices of the keys to store: the first of each distinct key.</summary>
    public static List<int> CheckPut(string modelId, IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors)
    {
        CheckModel(modelId);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Rows < keys.Count) throw new ArgumentException($"vectors: {vectors.Rows} rows for {keys.Count} keys.", nameof(vectors));
        if (vectors.Columns < 1) throw new ArgumentException("vectors: a vector needs at least one value.", nameof(vectors));
        var seen = new HashSet<EmbeddingKey>();
        var distinct = new List<int>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            foreach (var v in vectors.Row(i))
                if (!float.IsFinite(v)) throw new ArgumentException($"vectors: row {i} holds a value that is not a finite number.", nameof(vectors));
            if (seen.Add(keys[i])) distinct.Add(i);
        }
        return distinct;
    }

    public static byte[] Key(EmbeddingKey key)
    {
        var bytes = new byte[EmbeddingKey.Size];
        key.WriteTo(bytes);
        return bytes;
    }

    public static byte[] Vector(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(bytes);
        else for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>
    /// The vector of a stored row, or null when the row is not usable for <paramref name="modelId"/> and
    /// <paramref name="dimension"/>: another model or dimension, a byte length other than dimension × 4, a value that is
    /// not finite.
    /// </summary>
    public static float[]? Decode(string modelId, int dimension, string storedModel, int storedDimension, byte[] stored)
    {
        if (!string.Equals(storedModel, modelId, StringComparison.Ordinal) || storedDimension != dimension) return null;
        if (stored.Length != (long)dimension * sizeof(float)) return null;
        var vector = new float[dimension];
        if (BitConverter.IsLittleEndian) stored.AsSpan().CopyTo(MemoryMarshal.AsBytes(vector.AsSpan()));
        else for (var i = 0; i < dimension; i++) vector[i] = BinaryPrimitives.ReadSingleLittleEndian(stored.AsSpan(i * 4));
        foreach (var v in vector) if (!float.IsFinite(v)) return null;
        return vector;
    }
}
