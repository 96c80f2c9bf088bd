namespace Sift.Metrics;

/// <summary>Classification metrics over class indices.</summary>
public static class Classification
{
    /// <summary>Index of the largest entry of each probability row (first wins a tie).</summary>
    public static int[] ArgMax(ReadOnlySpan<float> probabilities, int classes)
    {
        var n = probabilities.Length / classes;
        var result = new int[n];
        for (var i = 0; i < n; i++)
        {
            var row = probabilities.Slice(i * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            result[i] = best;
        }
        return result;
    }

    /// <summary>Share of predictions equal to the truth.</summary>
    public static double Accuracy(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        if (truth.Length != predicted.Length) throw new ArgumentException("Lengths differ.");
        if (truth.Length == 0) return double.NaN;
        var correct = 0;
        for (var i = 0; i < truth.Length; i++) if (truth[i] == predicted[i]) correct++;
        return (double)correct / truth.Length;
    }

    /// <summary>
    /// Macro-averaged F1 over the classes present in <paramref name="truth"/> or <paramref name="predicted"/>
    /// (scikit-learn's <c>f1_score(average="macro")</c>; a class with no true or predicted items scores 0 F1 only if it appears).
    /// </summary>
    public static double MacroF1(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted, int classes)
    {
        if (truth.Length != predicted.Length) throw new ArgumentException("Lengths differ.");
        var tp = new int[classes];
        var fp = new int[classes];
        var fn = new int[classes];
        for (var i = 0; i < truth.Length; i++)
        {
            if (truth[i] == predicted[i]) tp[truth[i]]++;
            else { fp[predicted[i]]++; fn[truth[i]]++; }
        }
        double sum = 0;
        var present = 0;
        for (var c = 0; c < classes; c++)
        {
            if (tp[c] + fp[c] + fn[c] == 0) continue;
            present++;
            sum += 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]);
        }
        return present == 0 ? double.NaN : sum / present;
    }

    /// <summary>
    /// Cohen's κ between two labelings of the same items (Cohen 1960): (p_o − p_e) / (1 − p_e).
    /// Returns 1 when both labelings are identical, including the degenerate case p_e = 1.
    /// </summary>
    public static double CohenKappa(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int classes)
    {
        if (a.Length != b.Length) throw new ArgumentException("Lengths differ.");
        if (a.Length == 0) return double.NaN;
        var ca = new double[classes];
        var cb = new double[classes];
        var agree = 0;
        for (var i = 0; i < a.Length; i++)
        {
            ca[a[i]]++;
            cb[b[i]]++;
            if (a[i] == b[i]) agree++;
        }
        var n = (double)a.Length;
        var po = agree / n;
        double pe = 0;
        for (var c = 0; c < classes; c++) pe += ca[c] / n * (cb[c] / n);
        if (pe >= 1.0) return po >= 1.0 ? 1.0 : 0.0;
        return (po - pe) / (1 - pe);
    }
}
