using Sift.Quality;

namespace Sift.Core.Tests.Quality;

/// <summary>Seeded synthetic annotators with known confusion matrices.</summary>
internal static class Crowd
{
    /// <summary>A confusion matrix with the given accuracy and errors spread evenly over the other classes.</summary>
    public static double[,] Uniform(int classes, double accuracy)
    {
        var m = new double[classes, classes];
        for (var c = 0; c < classes; c++)
            for (var k = 0; k < classes; k++) m[c, k] = c == k ? accuracy : (1 - accuracy) / (classes - 1);
        return m;
    }

    /// <summary>A spammer: answers uniformly at random whatever the truth.</summary>
    public static double[,] Spammer(int classes) => Uniform(classes, 1.0 / classes);

    /// <summary>Right with probability <paramref name="accuracy"/>, otherwise answers class (c + 1) mod C: a systematic confusion.</summary>
    public static double[,] Shifted(int classes, double accuracy)
    {
        var m = new double[classes, classes];
        for (var c = 0; c < classes; c++)
        {
            m[c, c] = accuracy;
            m[c, (c + 1) % classes] += 1 - accuracy;
        }
        return m;
    }

    /// <summary>Right with probability <paramref name="accuracy"/>, otherwise answers <paramref name="favourite"/>: a lazy annotator.</summary>
    public static double[,] Lazy(int classes, double accuracy, int favourite)
    {
        var m = new double[classes, classes];
        for (var c = 0; c < classes; c++)
        {
            m[c, c] += accuracy;
            m[c, favourite] += 1 - accuracy;
        }
        return m;
    }

    /// <summary>The accuracy a confusion matrix implies under the class priors: Σ_c π_c M[c, c].</summary>
    public static double Accuracy(double[,] m, double[] priors) => Enumerable.Range(0, priors.Length).Sum(c => priors[c] * m[c, c]);

    /// <summary>
    /// Draws true classes from <paramref name="priors"/> and, for each annotator, a rating of each item with probability
    /// <paramref name="coverage"/> from that annotator's confusion row.
    /// </summary>
    public static (RatingTable Table, int[] Truth) Generate(int seed, int items, double[] priors, double[][,] annotators, double coverage = 1.0)
    {
        var rng = new Random(seed);
        var truth = new int[items];
        var ratings = new List<(int, int, int)>();
        for (var i = 0; i < items; i++)
        {
            truth[i] = Draw(rng, priors.Length, c => priors[c]);
            for (var a = 0; a < annotators.Length; a++)
            {
                if (rng.NextDouble() >= coverage) continue;
                var row = truth[i];
                ratings.Add((i, a, Draw(rng, priors.Length, k => annotators[a][row, k])));
            }
        }
        return (RatingTable.FromRatings(items, annotators.Length, priors.Length, ratings), truth);
    }

    private static int Draw(Random rng, int classes, Func<int, double> p)
    {
        var u = rng.NextDouble();
        for (var c = 0; c < classes - 1; c++)
        {
            u -= p(c);
            if (u < 0) return c;
        }
        return classes - 1;
    }

    /// <summary>Share of items whose label equals the truth, counting <see cref="MajorityVote.NoLabel"/> as wrong.</summary>
    public static double Accuracy(IReadOnlyList<int> labels, int[] truth) => Enumerable.Range(0, truth.Length).Count(i => labels[i] == truth[i]) / (double)truth.Length;

    /// <summary>
    /// Majority-vote accuracy with ties resolved in the baseline's favour: a tied item counts as right when the truth is
    /// among the tied categories (an upper bound on any tie-breaking rule).
    /// </summary>
    public static double OptimisticMajorityAccuracy(RatingTable table, int[] truth)
    {
        var right = 0;
        var counts = new int[table.Categories];
        for (var i = 0; i < table.Items; i++)
        {
            Array.Clear(counts);
            foreach (var l in table.LabelsOf(i)) counts[l]++;
            if (counts.Max() > 0 && counts[truth[i]] == counts.Max()) right++;
        }
        return right / (double)table.Items;
    }
}
