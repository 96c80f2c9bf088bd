using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Learners;
using Sift.Strategies;
using Sift.Core.Tests.Strategies.Diversity;

namespace Sift.Core.Tests.Strategies;

public sealed class BadgeTests
{
    /// <summary>A TF-IDF context over the topic corpus: the first <paramref name="labeled"/> labeled, a trained LR model.</summary>
    internal static QueryContext SparseContext(ulong seed, int n = 90, int labeled = 15)
    {
        var (texts, labels, classes) = TestData.Topics(n, 4);
        var (_, x) = TfidfVectorizer.FitTransform(texts, new TfidfOptions { NGramMax = 1, MinDocumentFrequency = 1 });
        var rows = Enumerable.Range(0, labeled).ToArray();
        var model = new LogisticRegression().Fit(new TrainingSet(x, rows, rows.Select(i => labels[i]).ToArray(), 3));
        return new QueryContext(x, Enumerable.Range(labeled, n - labeled).ToArray(), seed)
        {
            ClassCount = 3,
            Model = model,
            LabeledIndices = rows,
            LabeledClasses = rows.Select(i => labels[i]).ToArray(),
            ClassNames = classes,
        };
    }

    [Fact]
    public void SquaredDistance_RandomVectors_EqualsExplicitOuterProductDistance()
    {
        var rng = new Random(5);
        for (var trial = 0; trial < 20; trial++)
        {
            const int k = 4, d = 6;
            var ra = Enumerable.Range(0, k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var rb = Enumerable.Range(0, k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var xa = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            var xb = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            double explicitD2 = 0;
            for (var c = 0; c < k; c++)
                for (var j = 0; j <= d; j++)
                {
                    var diff = ra[c] * (j < d ? xa[j] : 1.0) - rb[c] * (j < d ? xb[j] : 1.0);
                    explicitD2 += diff * diff;
                }
            var gA = BadgeSampling.GradientNormSquared(ra, xa.Sum(v => v * v));
            var gB = BadgeSampling.GradientNormSquared(rb, xb.Sum(v => v * v));
            var dot = xa.Zip(xb, (a, b) => a * b).Sum();
            BadgeSampling.SquaredDistance(ra, gA, rb, gB, dot).ShouldBe(explicitD2, tolerance: 1e-9 * Math.Max(1, explicitD2));
            BadgeSampling.SquaredDistance(ra, gA, ra, gA, xa.Sum(v => v * v)).ShouldBe(0, tolerance: 1e-9 * gA);
        }
    }

    [Fact]
    public void Select_SparseTfidf_PicksDistinctCandidatesStartingWithLargestGradient()
    {
        var context = SparseContext(3);
        var result = new BadgeSampling().Select(context, 12);
        result.Indices.Distinct().Count().ShouldBe(12);
        result.Indices.ShouldAllBe(i => context.Candidates.Contains(i));
        result.Reasons.ShouldAllBe(r => r.StartsWith("BADGE: ", StringComparison.Ordinal));

        // The first pick has the largest ‖g‖² = ‖p − e_ŷ‖²(‖x‖² + 1).
        var p = context.CandidateProbabilities().ToArray();
        var norms = context.Candidates.Select((row, i) =>
        {
            var r = p.AsSpan(i * 3, 3).ToArray();
            r[Array.IndexOf(r, r.Max())] -= 1;
            return r.Sum(v => (double)v * v) * (context.Features.RowNormSquared(row) + 1);
        }).ToArray();
        result.Scores[0].ShouldBe(norms.Max(), tolerance: 1e-6);
        result.Indices[0].ShouldBe(context.Candidates[Array.IndexOf(norms, norms.Max())]);

        var again = new BadgeSampling().Select(SparseContext(3), 12);
        again.Indices.ShouldBe(result.Indices);
        again.Scores.ShouldBe(result.Scores);
    }

    [Fact]
    public void Select_SparseAndDenseCopies_AgreeOnDistances()
    {
        // Same matrix and model, sparse (scatter/gather dots) vs densified: same picks, same D².
        var sparse = SparseContext(8);
        var sx = (SparseMatrix)sparse.Features;
        var dense = new DenseMatrix(sx.Rows, sx.Columns);
        for (var i = 0; i < sx.Rows; i++)
        {
            var idx = sx.RowIndices(i);
            var val = sx.RowValues(i);
            for (var t = 0; t < idx.Length; t++) dense.Row(i)[idx[t]] = val[t];
        }
        var denseContext = new QueryContext(dense, sparse.Candidates, 8) { ClassCount = 3, Model = sparse.Model };
        var a = new BadgeSampling().Select(sparse, 12);
        var b = new BadgeSampling().Select(denseContext, 12);
        b.Indices.ShouldBe(a.Indices);
        b.Scores.ShouldBe(a.Scores, tolerance: 1e-5);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    public void Select_TwoSeparatedUncertainClusters_PicksOneFromEach(ulong seed)
    {
        // Twenty near-identical uncertain points at (10, 0) and twenty at (−10, 0): same r, opposite x.
        var rng = new Random(9);
        var rows = new float[40][];
        for (var i = 0; i < 40; i++)
            rows[i] = [(i < 20 ? 10f : -10f) + (float)(0.05 * TestData.Gaussian(rng)), (float)(0.05 * TestData.Gaussian(rng))];
        var x = DiversityTestData.Matrix(rows);
        var model = new FixedClassifier(Enumerable.Range(0, 40).Select(_ => new[] { 0.55f, 0.45f }).ToArray());
        var context = new QueryContext(x, Enumerable.Range(0, 40).ToArray(), seed) { ClassCount = 2, Model = model };
        var result = new BadgeSampling().Select(context, 2);
        (result.Indices[0] < 20).ShouldNotBe(result.Indices[1] < 20);
        result.Scores[1].ShouldBeGreaterThan(100);
    }

    [Fact]
    public void Select_ConfidentModel_AllGradientsZero_FallsBackToSeededRandom()
    {
        var x = DiversityTestData.Matrix([1f, 0f], [0f, 1f], [1f, 1f], [2f, 0f], [0f, 2f]);
        var model = new FixedClassifier(Enumerable.Range(0, 5).Select(_ => new[] { 1f, 0f }).ToArray());
        var context = new QueryContext(x, Enumerable.Range(0, 5).ToArray(), 6) { ClassCount = 2, Model = model };
        var result = new BadgeSampling().Select(context, 5);
        result.Indices.Order().ShouldBe([0, 1, 2, 3, 4]);
        result.Scores.ShouldAllBe(s => s == 0);
        result.Reasons[1].ShouldContain("random");
    }
}
