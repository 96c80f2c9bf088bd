namespace Sift.Features;

/// <summary>
/// A read-only matrix of item features, one row per pool item. The learners only need the two
/// kernels below, so sparse (TF-IDF) and dense (LSA, user vectors) inputs share one code path.
/// </summary>
public abstract class FeatureMatrix
{
    /// <summary>Number of rows (items).</summary>
    public abstract int Rows { get; }

    /// <summary>Number of columns (features).</summary>
    public abstract int Columns { get; }

    /// <summary>Stored entries (non-zeros for sparse input, Rows × Columns for dense).</summary>
    public abstract long StoredCount { get; }

    /// <summary>Returns x[row] · w, where <paramref name="w"/> has <see cref="Columns"/> entries.</summary>
    public abstract double Dot(int row, ReadOnlySpan<double> w);

    /// <summary>Returns x[row] · w for single-precision weights.</summary>
    public abstract float Dot(int row, ReadOnlySpan<float> w);

    /// <summary>dest += a · x[row], where <paramref name="dest"/> has <see cref="Columns"/> entries.</summary>
    public abstract void AddScaledRow(int row, double a, Span<double> dest);

    /// <summary>z += x[row] · W, where <paramref name="w"/> is Columns × <paramref name="k"/> (feature-major) and z has k entries.</summary>
    public abstract void RowTimes(int row, ReadOnlySpan<double> w, int k, Span<double> z);

    /// <summary>G += x[row] ⊗ r, where G is Columns × r.Length (feature-major).</summary>
    public abstract void AddRowOuter(int row, ReadOnlySpan<double> r, Span<double> g);

    /// <summary>Squared L2 norm of one row.</summary>
    public abstract double RowNormSquared(int row);
}
