using System.Globalization;

namespace Sift.Features;

/// <summary>One part of a <see cref="ConcatFeaturizer"/>: a feature source and the factor its features are multiplied by.</summary>
/// <param name="Featurizer">The source.</param>
/// <param name="Weight">Multiplies every feature of the block (finite, above 0). With unit-length blocks (TF-IDF rows, encoder vectors), a weight above 1 gives the block more say in the learner's dot products and penalty.</param>
public sealed record FeatureBlock(IFeaturizer Featurizer, double Weight = 1.0);

/// <summary>
/// The concatenation of several feature sources with per-block weights, e.g. TF-IDF ⊕ MiniLM (<c>tfidf+minilm</c>):
/// each item's row is its blocks' rows side by side, each multiplied by its block's weight. The learner sees one
/// matrix (sparse when any block is sparse, so logistic regression keeps its sparse path); the diversity strategies get
/// the vectors of the first block whose vectors are a pretrained encoder's embeddings
/// (<see cref="FeaturizedData.VectorsAreEmbeddings"/>), else of the first block that gives vectors (TF-IDF's LSA).
/// Blocks are featurised one after the other with the same request. Holds only options; thread-safe when the blocks are.
/// </summary>
public sealed class ConcatFeaturizer : IFeaturizer
{
    /// <summary>Creates the concatenation.</summary>
    /// <param name="blocks">At least one block; weights finite and above 0.</param>
    /// <exception cref="ConfigurationException">No block, or a weight is not a finite number above 0.</exception>
    public ConcatFeaturizer(IReadOnlyList<FeatureBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0) throw new ConfigurationException("A feature concatenation needs at least one block.");
        foreach (var b in blocks)
        {
            ArgumentNullException.ThrowIfNull(b);
            ArgumentNullException.ThrowIfNull(b.Featurizer);
            if (!double.IsFinite(b.Weight) || b.Weight <= 0)
                throw new ConfigurationException($"The weight of feature block '{b.Featurizer.Name}' must be a finite number above 0, not {b.Weight.ToString(CultureInfo.InvariantCulture)}.");
        }
        Blocks = blocks.ToList();
    }

    /// <summary>The blocks, in column order.</summary>
    public IReadOnlyList<FeatureBlock> Blocks { get; }

    /// <inheritdoc />
    public string Name => string.Join('+', Blocks.Select(b => b.Featurizer.Name));

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">A block's matrix is neither sparse nor dense, or blocks disagree on the row count.</exception>
    public async Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var parts = new List<FeaturizedData>(Blocks.Count);
        foreach (var block in Blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            parts.Add(await block.Featurizer.FeaturizeAsync(request, cancellationToken).ConfigureAwait(false));
        }
        var weights = Blocks.Select(b => b.Weight).ToArray();
        var pool = Concat(parts.Select(p => p.Pool).ToList(), weights);
        var other = Concat(parts.Select(p => p.Other ?? new DenseMatrix(0, p.Pool.Columns)).ToList(), weights);
        var source = parts.FindIndex(p => p.HasVectors && p.VectorsAreEmbeddings);
        if (source < 0) source = parts.FindIndex(p => p.HasVectors);
        var description = new Dictionary<string, object?>
        {
            ["kind"] = Name,
            ["blocks"] = parts.Select((p, i) => new Dictionary<string, object?>(p.Description) { ["weight"] = weights[i], ["columns"] = p.Pool.Columns }).ToList(),
            ["vectors_from"] = source < 0 ? null : Blocks[source].Featurizer.Name,
        };
        Func<DenseMatrix>? vectors = source < 0 ? null : () => parts[source].Vectors;
        return new FeaturizedData(pool, other, vectors, description) { VectorsAreEmbeddings = source >= 0 && parts[source].VectorsAreEmbeddings };
    }

    /// <summary>Side-by-side rows, each block multiplied by its weight: dense when every block is dense, else CSR.</summary>
    internal static FeatureMatrix Concat(IReadOnlyList<FeatureMatrix> blocks, IReadOnlyList<double> weights)
    {
        var rows = blocks[0].Rows;
        foreach (var b in blocks)
        {
            if (b.Rows != rows) throw new ConfigurationException($"Feature blocks disagree on the number of items ({rows} and {b.Rows}).");
            if (b is not SparseMatrix and not DenseMatrix) throw new ConfigurationException($"A feature block of type {b.GetType().Name} cannot be concatenated; blocks must be sparse or dense matrices.");
        }
        if (blocks.Count == 1 && weights[0] == 1) return blocks[0];
        var columns = checked(blocks.Sum(b => b.Columns));
        if (blocks.All(b => b is DenseMatrix))
        {
            var data = new float[checked(rows * columns)];
            var offset = 0;
            for (var k = 0; k < blocks.Count; k++)
            {
                var d = (DenseMatrix)blocks[k];
                var w = (float)weights[k];
                for (var r = 0; r < rows; r++)
                {
                    var src = d.Row(r);
                    var dst = data.AsSpan(r * columns + offset, d.Columns);
                    for (var j = 0; j < src.Length; j++) dst[j] = src[j] * w;
                }
                offset += d.Columns;
            }
            return new DenseMatrix(rows, columns, data);
        }

        long nnz = 0;
        foreach (var b in blocks) nnz += b is SparseMatrix s ? s.StoredCount : CountNonZero((DenseMatrix)b);
        var pointers = new long[rows + 1];
        var indices = new int[nnz];
        var values = new float[nnz];
        long o = 0;
        for (var r = 0; r < rows; r++)
        {
            var offset = 0;
            for (var k = 0; k < blocks.Count; k++)
            {
                var w = (float)weights[k];
                if (blocks[k] is SparseMatrix s)
                {
                    var idx = s.RowIndices(r);
                    var val = s.RowValues(r);
                    for (var t = 0; t < idx.Length; t++, o++)
                    {
                        indices[o] = idx[t] + offset;
                        values[o] = val[t] * w;
                    }
                }
                else
                {
                    var row = ((DenseMatrix)blocks[k]).Row(r);
                    for (var j = 0; j < row.Length; j++)
                    {
                        if (row[j] == 0) continue;
                        indices[o] = j + offset;
                        values[o] = row[j] * w;
                        o++;
                    }
                }
                offset += blocks[k].Columns;
            }
            pointers[r + 1] = o;
        }
        return new SparseMatrix(columns, pointers, indices, values);
    }

    private static long CountNonZero(DenseMatrix d)
    {
        long n = 0;
        foreach (var v in d.Data) if (v != 0) n++;
        return n;
    }
}
