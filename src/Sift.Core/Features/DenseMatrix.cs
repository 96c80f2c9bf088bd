using System.Numerics.Tensors;

namespace Sift.Features;

/// <summary>Row-major dense matrix of single-precision values (LSA or user-supplied vectors). Thread-safe for reads.</summary>
public sealed class DenseMatrix : FeatureMatrix
{
    private readonly int _rows;
    private readonly int _columns;

    /// <summary>Creates a matrix over <paramref name="data"/> (row-major, length rows × columns).</summary>
    public DenseMatrix(int rows, int columns, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if ((long)rows * columns != data.LongLength)
            throw new ArgumentException($"Expected {(long)rows * columns} values, got {data.LongLength}.", nameof(data));
        _rows = rows;
        _columns = columns;
        Data = data;
    }

    /// <summary>Creates a zero matrix.</summary>
    public DenseMatrix(int rows, int columns) : this(rows, columns, new float[checked(rows * columns)]) { }

    /// <summary>The values, row-major.</summary>
    public float[] Data { get; }

    /// <inheritdoc />
    public override int Rows => _rows;

    /// <inheritdoc />
    public override int Columns => _columns;

    /// <inheritdoc />
    public override long StoredCount => Data.LongLength;

    /// <summary>One row.</summary>
    public Span<float> Row(int row) => Data.AsSpan(row * _columns, _columns);

    /// <inheritdoc />
    public override double Dot(int row, ReadOnlySpan<double> w)
    {
        var x = Row(row);
        double s = 0;
        for (var j = 0; j < x.Length; j++) s += x[j] * w[j];
        return s;
    }

    /// <inheritdoc />
    public override float Dot(int row, ReadOnlySpan<float> w) => TensorPrimitives.Dot(Row(row), w);

    /// <inheritdoc />
    public override void AddScaledRow(int row, double a, Span<double> dest)
    {
        var x = Row(row);
        for (var j = 0; j < x.Length; j++) dest[j] += a * x[j];
    }

    /// <inheritdoc />
    public override void RowTimes(int row, ReadOnlySpan<double> w, int k, Span<double> z)
    {
        var x = Row(row);
        for (var j = 0; j < x.Length; j++)
        {
            var v = (double)x[j];
            if (v == 0) continue;
            var wj = w.Slice(j * k, k);
            for (var c = 0; c < k; c++) z[c] += v * wj[c];
        }
    }

    /// <inheritdoc />
    public override void AddRowOuter(int row, ReadOnlySpan<double> r, Span<double> g)
    {
        var k = r.Length;
        var x = Row(row);
        for (var j = 0; j < x.Length; j++)
        {
            var v = (double)x[j];
            if (v == 0) continue;
            var gj = g.Slice(j * k, k);
            for (var c = 0; c < k; c++) gj[c] += v * r[c];
        }
    }

    /// <inheritdoc />
    public override double RowNormSquared(int row)
    {
        var x = Row(row);
        return TensorPrimitives.Dot(x, x);
    }

    /// <summary>Scales every row to unit L2 norm (zero rows stay zero).</summary>
    public void NormalizeRows()
    {
        for (var i = 0; i < _rows; i++)
        {
            var r = Row(i);
            var n = TensorPrimitives.Norm(r);
            if (n > 0) TensorPrimitives.Divide(r, n, r);
        }
    }
}
