using Sift.Core.Tests.Strategies.Diversity;
using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Learners;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

public sealed class ExpectedErrorReductionTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new ExpectedErrorReduction(evaluationSample: 60);

    [Fact]
    public void OneStepLogits_SmallCase_EqualExplicitWeightUpdateThenPrediction()
    {
        var (context, _, _) = TestData.Context(1);
        var model = (LogisticRegressionModel)context.Model!;
        var x = (DenseMatrix)context.Features;
        var kk = model.TrainedClasses.Count;
        var d = model.FeatureCount;
        int xRow = context.Candidates[0], uRow = context.Candidates[7];
        const double eta = 0.7;
        var schema = new float[model.ClassCount];
        model.PredictProba(x, [xRow], schema);
        var px = model.TrainedClasses.Select(c => schema[c]).ToArray();

        for (var y = 0; y < kk; y++)
        {
            // Explicit: W′ = W − η (p − e_y) ⊗ x, b′ = b − η (p − e_y), then z = W′ᵀu + b′.
            var w = model.WeightsFeatureMajor.ToArray();
            var b = Enumerable.Range(0, kk).Select(model.Intercept).ToArray();
            for (var c = 0; c < kk; c++)
            {
                var r = px[c] - (c == y ? 1.0 : 0.0);
                for (var j = 0; j < d; j++) w[j * kk + c] -= eta * r * x.Row(xRow)[j];
                b[c] -= eta * r;
            }
            var expected = new double[kk];
            for (var c = 0; c < kk; c++)
            {
                expected[c] = b[c];
                for (var j = 0; j < d; j++) expected[c] += w[j * kk + c] * x.Row(uRow)[j];
            }

            var actual = new double[kk];
            ExpectedErrorReduction.OneStepLogits(model, x, xRow, px, y, eta, uRow, actual);
            actual.ShouldBe(expected, tolerance: 1e-5);
        }
    }

    [Fact]
    public void Select_SameSeedWithSubsamples_SamePicksAndScores()
    {
        var strategy = new ExpectedErrorReduction(candidateSample: 25, evaluationSample: 40);
        var a = strategy.Select(TestData.Context(9).Context, 10);
        var b = strategy.Select(TestData.Context(9).Context, 10);
        a.Indices.ShouldBe(b.Indices);
        a.Scores.ShouldBe(b.Scores);
        a.Scores.ShouldAllBe(s => double.IsFinite(s) && s <= 0);
        a.Scores.ShouldBe(a.Scores.OrderByDescending(s => s).ToArray());
    }

    [Fact]
    public void Select_CountBeyondSubsample_FillsByMarginWithMinusInfinity()
    {
        var result = new ExpectedErrorReduction(candidateSample: 5, evaluationSample: 20).Select(TestData.Context(2).Context, 8);
        result.Scores.Take(5).ShouldAllBe(s => double.IsFinite(s));
        result.Scores.Skip(5).ShouldAllBe(s => double.IsNegativeInfinity(s));
        result.Reasons.Skip(5).ShouldAllBe(r => r.Contains("filled by margin"));
        result.Indices.Distinct().Count().ShouldBe(8);
    }

    [Fact]
    public void Select_SparseTfidf_Works()
    {
        var context = BadgeTests.SparseContext(4);
        var result = new ExpectedErrorReduction(candidateSample: 30, evaluationSample: 50).Select(context, 5);
        result.Indices.Distinct().Count().ShouldBe(5);
        result.Indices.ShouldAllBe(i => context.Candidates.Contains(i));
        result.Scores.ShouldAllBe(s => double.IsFinite(s) && s <= 0);
        result.Reasons[0].ShouldStartWith("EER: expected error");
    }

    [Fact]
    public void Select_NonLogisticRegressionModel_ThrowsQueryException()
    {
        var x = DiversityTestData.Matrix([1f, 0f], [0f, 1f], [1f, 1f]);
        var model = new FixedClassifier([[0.6f, 0.4f], [0.5f, 0.5f], [0.9f, 0.1f]]);
        var context = new QueryContext(x, [0, 1, 2], 1) { ClassCount = 2, Model = model };
        var e = Should.Throw<QueryException>(() => new ExpectedErrorReduction().Select(context, 1));
        e.Message.ShouldContain("logistic-regression");
    }

    [Fact]
    public void Constructor_BadOptions_Throw()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new ExpectedErrorReduction(candidateSample: 0));
        Should.Throw<ArgumentOutOfRangeException>(() => new ExpectedErrorReduction(evaluationSample: -1));
        Should.Throw<ArgumentOutOfRangeException>(() => new ExpectedErrorReduction(learningRate: double.NaN));
    }
}

public sealed class ExpectedErrorReductionSubsampleContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new ExpectedErrorReduction(candidateSample: 10, evaluationSample: 30);
}
