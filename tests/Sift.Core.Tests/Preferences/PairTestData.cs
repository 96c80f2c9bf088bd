using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Learners;
using Sift.Preferences;
using Sift.Strategies;

namespace Sift.Core.Tests.Preferences;

/// <summary>Seeded synthetic comparisons for the preference tests.</summary>
public static class PairTestData
{
    /// <summary>
    /// Comparisons among <paramref name="items"/> items with true utilities (standard normal × <paramref name="spread"/>),
    /// features one-hot per item (so the difference row is e_a − e_b), outcomes drawn from <paramref name="ties"/> with
    /// tie parameter <paramref name="tieStrength"/> (Davidson's ν or Rao–Kupper's θ).
    /// </summary>
    public static (DenseMatrix Differences, PreferenceOutcome[] Outcomes, double[] Utilities, (int A, int B)[] Pairs) Items(
        int items, int comparisons, int seed, TieModel ties = TieModel.Davidson, double tieStrength = 0.8, double spread = 1.0)
    {
        var rng = new Random(seed);
        var u = Enumerable.Range(0, items).Select(_ => spread * TestData.Gaussian(rng)).ToArray();
        var x = new DenseMatrix(comparisons, items);
        var outcomes = new PreferenceOutcome[comparisons];
        var pairs = new (int, int)[comparisons];
        var t = ties == TieModel.RaoKupper ? Math.Log(Math.Log(tieStrength)) : ties == TieModel.None ? double.NegativeInfinity : Math.Log(tieStrength);
        for (var i = 0; i < comparisons; i++)
        {
            var a = rng.Next(items);
            var b = rng.Next(items - 1);
            if (b >= a) b++;
            pairs[i] = (a, b);
            x.Row(i)[a] = 1;
            x.Row(i)[b] = -1;
            outcomes[i] = Draw(rng, PairLikelihood.Probabilities(ties, u[a] - u[b], t));
        }
        return (x, outcomes, u, pairs);
    }

    /// <summary>
    /// Comparisons of dense responses: every response has a feature vector (standard normal, <paramref name="dims"/>),
    /// utility w·x with a random true w of norm <paramref name="signal"/>; the difference row is x_A − x_B.
    /// </summary>
    public static (DenseMatrix Differences, PreferenceOutcome[] Outcomes, double[] TrueWeights) Dense(
        int comparisons, int dims, int seed, TieModel ties = TieModel.Davidson, double tieStrength = 0.8, double signal = 2.0)
    {
        var rng = new Random(seed);
        var w = Enumerable.Range(0, dims).Select(_ => TestData.Gaussian(rng)).ToArray();
        var norm = Math.Sqrt(w.Sum(v => v * v));
        for (var j = 0; j < dims; j++) w[j] *= signal / norm;
        var x = new DenseMatrix(comparisons, dims);
        var outcomes = new PreferenceOutcome[comparisons];
        var t = ties == TieModel.RaoKupper ? Math.Log(Math.Log(tieStrength)) : ties == TieModel.None ? double.NegativeInfinity : Math.Log(tieStrength);
        for (var i = 0; i < comparisons; i++)
        {
            var row = x.Row(i);
            double delta = 0;
            for (var j = 0; j < dims; j++)
            {
                row[j] = (float)(TestData.Gaussian(rng) - TestData.Gaussian(rng));
                delta += w[j] * row[j];
            }
            outcomes[i] = Draw(rng, PairLikelihood.Probabilities(ties, delta, t));
        }
        return (x, outcomes, w);
    }

    /// <summary>A training set over every row.</summary>
    public static TrainingSet Set(DenseMatrix x, PreferenceOutcome[] outcomes, double[]? weights = null, int classes = 4) =>
        new(x, Enumerable.Range(0, x.Rows).ToArray(), outcomes.Select(o => (int)o).ToArray(), classes, weights);

    /// <summary>
    /// A pair query round: 200 dense comparisons, the first <paramref name="labeled"/> labeled (and fitted), the last
    /// <paramref name="heldOut"/> held out.
    /// </summary>
    public static (QueryContext Context, HashSet<int> Labeled, HashSet<int> HeldOut) Context(ulong seed, int n = 200, int labeled = 30, int heldOut = 20, int? candidateLimit = null)
    {
        var (x, outcomes, _) = Dense(n, 6, 5);
        var labeledRows = Enumerable.Range(0, labeled).ToArray();
        var heldOutRows = Enumerable.Range(n - heldOut, heldOut).ToHashSet();
        var model = new BradleyTerry().FitModel(new TrainingSet(x, labeledRows, labeledRows.Select(i => (int)outcomes[i]).ToArray(), 4));
        var candidates = Enumerable.Range(0, n).Where(i => i >= labeled && !heldOutRows.Contains(i)).ToArray();
        if (candidateLimit is { } limit) candidates = candidates.Take(limit).ToArray();
        var context = new QueryContext(x, candidates, seed)
        {
            ClassCount = 4,
            Model = model,
            LabeledIndices = labeledRows,
            LabeledClasses = labeledRows.Select(i => (int)outcomes[i]).ToArray(),
            ClassNames = PreferenceOutcomes.Names,
            Pairs = new PairQueryInputs(x) { Model = model },
        };
        return (context, labeledRows.ToHashSet(), heldOutRows);
    }

    private static PreferenceOutcome Draw(Random rng, (double A, double B, double Tie) p)
    {
        var r = rng.NextDouble();
        return r < p.A ? PreferenceOutcome.A : r < p.A + p.B ? PreferenceOutcome.B : PreferenceOutcome.Tie;
    }
}
