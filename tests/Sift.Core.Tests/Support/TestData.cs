using Sift.Features;
using Sift.Learners;
using Sift.Strategies;

namespace Sift.Core.Tests.Support;

/// <summary>Small seeded data sets built by each test.</summary>
public static class TestData
{
    /// <summary>Gaussian blobs: <paramref name="n"/> points in <paramref name="dims"/> dimensions around one centre per class.</summary>
    public static (DenseMatrix X, int[] Y) Blobs(int n, int classes, int dims, int seed, double spread = 1.0)
    {
        var rng = new Random(seed);
        var centres = new double[classes, dims];
        for (var c = 0; c < classes; c++)
            for (var j = 0; j < dims; j++) centres[c, j] = rng.NextDouble() * 6 - 3;
        var x = new DenseMatrix(n, dims);
        var y = new int[n];
        for (var i = 0; i < n; i++)
        {
            y[i] = i % classes;
            var row = x.Row(i);
            for (var j = 0; j < dims; j++) row[j] = (float)(centres[y[i], j] + spread * Gaussian(rng));
        }
        return (x, y);
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A short labeled text corpus about three topics.</summary>
    public static (List<string> Texts, int[] Labels, string[] Classes) Topics(int n, int seed)
    {
        string[][] words =
        [
            ["goal", "match", "team", "league", "coach", "score", "season", "player"],
            ["market", "stock", "shares", "profit", "bank", "trade", "price", "investor"],
            ["planet", "space", "orbit", "rocket", "nasa", "galaxy", "telescope", "mission"],
        ];
        string[] common = ["the", "a", "news", "today", "report", "new", "big", "says"];
        var rng = new Random(seed);
        var texts = new List<string>();
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            var c = i % 3;
            labels[i] = c;
            var len = 6 + rng.Next(6);
            var tokens = new List<string>();
            for (var t = 0; t < len; t++)
                tokens.Add(rng.NextDouble() < 0.6 ? words[c][rng.Next(words[c].Length)] : rng.NextDouble() < 0.15 ? words[rng.Next(3)][rng.Next(8)] : common[rng.Next(common.Length)]);
            texts.Add(string.Join(' ', tokens));
        }
        return (texts, labels, ["sports", "business", "science"]);
    }

    /// <summary>
    /// A query context over blobs: 200 items, 3 classes, the first <paramref name="labeled"/> labeled, the last
    /// <paramref name="heldOut"/> held out, a trained model and committee.
    /// </summary>
    public static (QueryContext Context, HashSet<int> Labeled, HashSet<int> HeldOut) Context(ulong seed, int n = 200, int labeled = 30, int heldOut = 20, int? candidateLimit = null)
    {
        var (x, y) = Blobs(n, 3, 6, 7, spread: 1.5);
        var labeledRows = Enumerable.Range(0, labeled).ToArray();
        var heldOutRows = Enumerable.Range(n - heldOut, heldOut).ToHashSet();
        var training = new TrainingSet(x, labeledRows, labeledRows.Select(i => y[i]).ToArray(), 3);
        var learner = new LogisticRegression(new LogisticRegressionOptions { C = 1.0 });
        var model = learner.Fit(training);
        var committee = new BootstrapCommitteeLearner(learner, 4).Fit(training, 11);
        var candidates = Enumerable.Range(0, n).Where(i => i >= labeled && !heldOutRows.Contains(i)).ToArray();
        if (candidateLimit is { } limit) candidates = candidates.Take(limit).ToArray();
        var context = new QueryContext(x, candidates, seed)
        {
            ClassCount = 3,
            Model = model,
            Committee = committee,
            Embeddings = x,
            LabeledIndices = labeledRows,
            LabeledClasses = labeledRows.Select(i => y[i]).ToArray(),
            Costs = Enumerable.Range(0, n).Select(i => 1.0 + i % 4).ToArray(),
            Groups = Enumerable.Range(0, n).Select(i => i % 5 == 0 ? "rare" : "common").ToArray(),
            ClassNames = ["a", "b", "c"],
        };
        return (context, labeledRows.ToHashSet(), heldOutRows);
    }
}
