using Sift.Strategies;
using static Sift.Core.Tests.Strategies.Diversity.DiversityTestData;

namespace Sift.Core.Tests.Strategies.Diversity;

public sealed class InformationDensitySamplingTests
{
    // Rows 0–5 form a dense group near 0°; row 6 is an isolated outlier at 180°.
    private static (QueryContext Context, float[][] Probabilities) DenseAndOutlier()
    {
        var x = Matrix([1f, 0f], [0.99f, 0.14f], [0.99f, -0.14f], [0.97f, 0.24f], [0.97f, -0.24f], [0.98f, 0.2f], [-1f, 0f]);
        x.NormalizeRows();
        float[] uncertain = [0.5f, 0.5f];
        float[] sure = [0.95f, 0.05f];
        float[][] p = [sure, uncertain, sure, sure, sure, [0.6f, 0.4f], uncertain];
        return (Context(x, labeled: [0], model: new FixedClassifier(p)), p);
    }

    [Fact]
    public void Select_DenseUncertainVersusUncertainOutlier_PrefersDense()
    {
        var (context, _) = DenseAndOutlier();
        var result = new InformationDensitySampling().Select(context, 2);
        result.Indices.ShouldBe([1, 5]);
        result.Reasons[0].ShouldContain("information density");
    }

    [Fact]
    public void Select_EntropyAlone_TiesOutlierWithDenseItem()
    {
        // Control: without density the outlier is as attractive as the dense uncertain item.
        var (context, _) = DenseAndOutlier();
        var scores = new double[context.Candidates.Length];
        new EntropySampling().Score(context, scores);
        scores[0].ShouldBe(scores[5]);
        new InformationDensitySampling(beta: 0).Select(context, 2).Indices.Order().ShouldBe([1, 6]);
    }

    [Fact]
    public void Density_UnitRows_EqualsMeanPairwiseCosine()
    {
        var (context, _) = DenseAndOutlier();
        var x = context.Embeddings!;
        var density = new InformationDensitySampling().Density(context);
        var c = context.Candidates;
        for (var i = 0; i < c.Length; i++)
        {
            var mean = c.Average(u => (double)System.Numerics.Tensors.TensorPrimitives.CosineSimilarity<float>(x.Row(c[i]), x.Row(u)));
            density[i].ShouldBe(Math.Max(0, mean), tolerance: 1e-5);
        }
    }

    [Fact]
    public void Select_NoEmbeddings_ThrowsQueryException()
    {
        var x = Matrix([0f, 1f], [1f, 0f]);
        var context = Context(x, [0], model: new FixedClassifier([[0.5f, 0.5f], [0.5f, 0.5f]]), embeddings: false);
        Should.Throw<QueryException>(() => new InformationDensitySampling().Select(context, 1)).Message.ShouldContain("embeddings");
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Constructor_InvalidBeta_Throws(double beta) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new InformationDensitySampling(beta));
}
