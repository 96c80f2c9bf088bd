using Sift.Core.Tests.Preferences;
using Sift.Features;
using Sift.Learners;
using Sift.Preferences;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Pairs;

// pair-uncertainty, pair-dopt and the hybrid are in the default catalog, so CatalogStrategyContractTests checks them;
// the diversity guard is a constructor argument no spec spells.
public sealed class PairDOptimalGuardedContractTests : StrategyContractTests
{
    protected override IQueryStrategy Create() => new PairDOptimalSampling(maxCosine: 0.5);

    protected override (QueryContext Context, HashSet<int> Labeled, HashSet<int> HeldOut) CreateContext(ulong seed, int? candidateLimit = null) =>
        PairTestData.Context(seed, candidateLimit: candidateLimit);
}

public sealed class PairStrategyTests
{
    // A hand-made round: two features, no labels yet, a Bradley–Terry model with w = (1, 0) and C = 1, so the prior is
    // M = I and a pair z with Δ = z₁ carries information p(1 − p)·zzᵀ:
    //   a = (0, 1.6)   Δ = 0    p = ½       I = 0.25     zᵀM⁻¹z = 2.56   gain ln(1 + 0.64)    = 0.4947
    //   b = (0, 1.6)   the same pair again (another pool item)
    //   c = (2.4, 0)   Δ = 2.4  p = 0.9168  I = 0.07626  zᵀM⁻¹z = 5.76   gain ln(1 + 0.4393)  = 0.3641
    //   d = (0.5, 0)   Δ = 0.5  p = 0.6225  I = 0.2350   zᵀM⁻¹z = 0.25   gain ln(1 + 0.05875) = 0.0571
    //   e = (6, 0)     Δ = 6    p = 0.9975  I = 0.00247  zᵀM⁻¹z = 36     gain ln(1 + 0.0889)  = 0.0852
    // First pick: a or b (equal). Then M = diag(1, 1.64): the twin's gain falls to ln(1 + 0.25·2.56/1.64) = 0.3295,
    // below c's unchanged 0.3641, so c is second and the twin third; then e (0.0852) before d (0.0571).
    private static readonly float[][] HandMade = [[0, 1.6f], [0, 1.6f], [2.4f, 0], [0.5f, 0], [6, 0]];

    private static QueryContext HandMadeContext(ulong seed, int[]? labeled = null, float[][]? rows = null)
    {
        rows ??= HandMade;
        var z = new DenseMatrix(rows.Length, 2, rows.SelectMany(r => r).ToArray());
        var model = new BradleyTerryModel(4, [1.0, 0.0], TieModel.None, double.NegativeInfinity, 1.0, default);
        labeled ??= [];
        return new QueryContext(z, Enumerable.Range(0, rows.Length).Where(i => !labeled.Contains(i)).ToArray(), seed)
        {
            LabeledIndices = labeled,
            Pairs = new PairQueryInputs(z) { Model = model, C = 1.0 },
        };
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void DOptimal_HandMadeSet_PicksByFisherInformationGain(ulong seed)
    {
        var result = new PairDOptimalSampling().Select(HandMadeContext(seed), 5);
        result.Indices.Take(2).Order().ShouldBe(result.Indices[0] == 0 ? new[] { 0, 2 } : new[] { 1, 2 });
        result.Indices[0].ShouldBeOneOf(0, 1);
        result.Indices[1].ShouldBe(2);
        result.Indices[2].ShouldBe(1 - result.Indices[0]);
        result.Indices[3].ShouldBe(4);
        result.Indices[4].ShouldBe(3);
        result.Scores[0].ShouldBe(Math.Log(1.64), 1e-6);
        var pc = 1 / (1 + Math.Exp(-2.4));
        result.Scores[1].ShouldBe(Math.Log(1 + pc * (1 - pc) * 5.76), 1e-6);
        result.Scores[2].ShouldBe(Math.Log(1 + 0.25 * 2.56 / 1.64), 1e-6);
    }

    [Fact]
    public void DOptimal_LabeledTwinInThePrior_PicksTheOrthogonalPairFirst()
    {
        // With a = (0, 1.6) labeled, the prior is diag(1, 1.64): b gains 0.3295 < c's 0.3641.
        var result = new PairDOptimalSampling().Select(HandMadeContext(1, labeled: [0]), 2);
        result.Indices.ShouldBe([2, 1]);
    }

    [Fact]
    public void DOptimal_CosineGuard_KeepsTheTwinOutWhileOthersRemain()
    {
        // a = b = (0, 3): gain ln(1 + 0.25·9) = 1.179; after one, the twin still gains ln(1 + 2.25/3.25) = 0.526, more
        // than c = (2.4, 0) with 0.364 — so without a guard the batch of two is both twins.
        float[][] rows = [[0, 3], [0, 3], [2.4f, 0]];
        new PairDOptimalSampling().Select(HandMadeContext(1, rows: rows), 2).Indices.Order().ShouldBe([0, 1]);
        var guarded = new PairDOptimalSampling(maxCosine: 0.9).Select(HandMadeContext(1, rows: rows), 3);
        guarded.Indices[1].ShouldBe(2);
        guarded.Indices[2].ShouldBe(1 - guarded.Indices[0]);
        guarded.Reasons[1].ShouldNotContain("fill-in");
        guarded.Reasons[2].ShouldContain("fill-in");
    }

    [Fact]
    public void DOptimal_RandomRound_MatchesBruteForceGreedyLogDet()
    {
        var (context, _, _) = PairTestData.Context(9, n: 60, labeled: 15, heldOut: 5);
        var pairs = context.Pairs!;
        var result = new PairDOptimalSampling().Select(context, 6);

        // Brute force: M built explicitly, every candidate's log det(M + c·zzᵀ) by Cholesky.
        var d = pairs.Differences.Columns;
        double Weight(int row) => pairs.C * pairs.Model!.Information(pairs.Model.Difference(pairs.Differences, row));
        var m = new double[d, d];
        for (var i = 0; i < d; i++) m[i, i] = 1;
        foreach (var l in context.LabeledIndices) AddOuter(m, pairs.Differences.Row(l), Weight(l));
        var chosen = new List<int>();
        for (var k = 0; k < 6; k++)
        {
            var baseline = LogDet(m);
            var best = context.Candidates.Where(r => !chosen.Contains(r))
                .Select(r => (Row: r, Gain: LogDet(WithOuter(m, pairs.Differences.Row(r), Weight(r))) - baseline))
                .MaxBy(x => x.Gain);
            chosen.Add(best.Row);
            result.Scores[k].ShouldBe(best.Gain, 1e-6);
            AddOuter(m, pairs.Differences.Row(best.Row), Weight(best.Row));
        }
        result.Indices.ShouldBe(chosen.ToArray());
    }

    [Fact]
    public void DOptimal_NoModelYet_UsesEqualInformation()
    {
        var context = HandMadeContext(1);
        var cold = new QueryContext(context.Features, context.Candidates, 1) { Pairs = new PairQueryInputs((DenseMatrix)context.Features) };
        // Without a model every pair has I = ¼: e = (6, 0) has the largest zᵀz.
        new PairDOptimalSampling().Select(cold, 1).Indices.ShouldBe([4]);
    }

    [Fact]
    public void Uncertainty_HandMadeSet_PicksTheSmallestDifferenceFirst()
    {
        var result = new PairUncertaintySampling().Select(HandMadeContext(1), 5);
        result.Indices.Take(2).Order().ShouldBe([0, 1]);
        result.Indices.Skip(2).ShouldBe([3, 2, 4]);
        result.Scores[0].ShouldBe(Math.Log(2), 1e-9);
        result.Reasons[0].ShouldContain("P(A≻B)=0.5");
    }

    [Fact]
    public void PairStrategies_NoPairInputs_ThrowAClearQueryException()
    {
        var (context, _, _) = Support.TestData.Context(1);
        Should.Throw<QueryException>(() => new PairDOptimalSampling().Select(context, 3)).Message.ShouldContain("pair-dopt");
        Should.Throw<QueryException>(() => new PairUncertaintySampling().Select(context, 3)).Message.ShouldContain("pairs");
    }

    private static void AddOuter(double[,] m, ReadOnlySpan<float> z, double c)
    {
        for (var i = 0; i < z.Length; i++)
            for (var j = 0; j < z.Length; j++) m[i, j] += c * z[i] * z[j];
    }

    private static double[,] WithOuter(double[,] m, ReadOnlySpan<float> z, double c)
    {
        var copy = (double[,])m.Clone();
        AddOuter(copy, z, c);
        return copy;
    }

    private static double LogDet(double[,] m)
    {
        var n = m.GetLength(0);
        var l = new double[n, n];
        double logDet = 0;
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
            {
                var sum = m[i, j];
                for (var k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                if (i == j)
                {
                    l[i, i] = Math.Sqrt(sum);
                    logDet += 2 * Math.Log(l[i, i]);
                }
                else l[i, j] = sum / l[j, j];
            }
        return logDet;
    }
}
