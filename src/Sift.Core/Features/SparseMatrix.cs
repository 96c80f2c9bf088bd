namespace Sift.Features;

/// <summary>Compressed sparse row (CSR) matrix of single-precision values. Immutable and thread-safe.</summary>
public sealed class SparseMatrix : FeatureMatrix
{
    private readonly int _columns;

    /// <summary>Creates a CSR matrix; column indices within a row must be ascending.</summary>
    public SparseMatrix(int columns, long[] rowPointers, int[] columnIndices, float[] values)
    {
        ArgumentNullException.ThrowIfNull(rowPointers);
        ArgumentNullException.ThrowIfNull(columnIndices);
        ArgumentNullException.ThrowIfNull(values);
        if (rowPointers.Length == 0) throw new ArgumentException("Row pointers need at least one entry.", nameof(rowPointers));
        if (columnIndices.Length != values.Length) throw new ArgumentException("Indices and values differ in length.", nameof(values));
        _columns = columns;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Values = values;
    }

    /// <summary>Start of each row in <see cref="ColumnIndices"/>; length Rows + 1.</summary>
    public long[] RowPointers { get; }

    /// <summary>Column of each stored value.</summary>
    public int[] ColumnIndices { get; }

    /// <summary>Stored values.</summary>
    public float[] Values { get; }

    /// <inheritdoc />
    public override int Rows => RowPointers.Length - 1;

    /// <inheritdoc />
    public override int Columns => _columns;

    /// <inheritdoc />
    public override long StoredCount => Values.Length;

    /// <summary>The column indices of one row.</summary>
    public ReadOnlySpan<int> RowIndices(int row) =>
        ColumnIndices.AsSpan((int)RowPointers[row], (int)(RowPointers[row + 1] - RowPointers[row]));

    /// <summary>The values of one row.</summary>
    public ReadOnlySpan<float> RowValues(int row) =>
        Values.AsSpan((int)RowPointers[row], (int)(RowPointers[row + 1] - RowPointers[row]));

    /// <inheritdoc />
    public override double Dot(int row, ReadOnlySpan<double> w)
    {
        var idx = RowIndices(row);
        var val = RowValues(row);
        double s = 0;
        for (var k = 0; k < idx.Length; k++) s += val[k] * w[idx[k]];
        return s;
    }

    /// <inheritdoc />
    public override float Dot(int row, ReadOnlySpan<float> w)
    {
        var idx = RowIndices(row);
        var val = RowValues(row);
        float s = 0;
        for (var k = 0; k < idx.Length; k++) s += val[k] * w[idx[k]];
        return s;
    }

    /// <inheritdoc />
    public override void AddScaledRow(int row, double a, Span<double> dest)
    {
        var idx = RowIndices(row);
        var val = RowValues(row);
        for (var k = 0; k < idx.Length; k++) dest[idx[k]] += a * val[k];
    }

    /// <inheritdoc />
    public override void RowTimes(int row, ReadOnlySpan<double> w, int k, Span<double> z)
    {
        var idx = RowIndices(row);
        var val = RowValues(row);
        for (var t = 0; t < idx.Length; t++)
        {
            var v = (double)val[t];
            var wj = w.Slice(idx[t] * k, k);
            for (var c = 0; c < k; c++) z[c] += v * wj[c];
        }
    }

    /// <inheritdoc />
    public override void AddRowOuter(int row, ReadOnlySpan<double> r, Span<double> g)
    {
        var k = r.Length;
        var idx = RowIndices(row);
        var val = RowValues(row);
        for (var t = 0; t < idx.Length; t++)
        {
            var v = (double)val[t];
            var gj = g.Slice(idx[t] * k, k);
            for (var c = 0; c < k; c++) gj[c] += v * r[c];
        }
    }

    /// <inheritdoc />
    public override double RowNormSquared(int row)
    {
        double s = 0;
        foreach (var v in RowValues(row)) s += (double)v * v;
        return s;
    }

    /// <summary>Cosine-free dot product of two rows of this matrix (merge of sorted indices).</summary>
    public double RowDot(int a, int b)
    {
        var ia = RowIndices(a); var va = RowValues(a);
        var ib = RowIndices(b); var vb = RowValues(b);
        int i = 0, j = 0;
        double s = 0;
        while (i < ia.Length && j < ib.Length)
        {
            if (ia[i] == ib[j]) { s += (double)va[i] * vb[j]; i++; j++; }
            else if (ia[i] < ib[j]) i++;
            else j++;
        }
        return s;
    }
}
