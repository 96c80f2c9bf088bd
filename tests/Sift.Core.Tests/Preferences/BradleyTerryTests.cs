using Sift.Features;
using Sift.Learners;
using Sift.Preferences;

namespace Sift.Core.Tests.Preferences;

public sealed class BradleyTerryTests
{
    public static TheoryData<TieModel, BothBadPolicy, int> GradientCases()
    {
        var cases = new TheoryData<TieModel, BothBadPolicy, int>();
        foreach (var ties in new[] { TieModel.Davidson, TieModel.RaoKupper, TieModel.None })
            foreach (var seed in new[] { 1, 2, 3 })
                cases.Add(ties, seed == 2 ? BothBadPolicy.AsTie : BothBadPolicy.Exclude, seed);
        return cases;
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Objective_Gradient_MatchesFiniteDifferences(TieModel ties, BothBadPolicy bothBad, int seed)
    {
        var (x, outcomes, _) = PairTestData.Dense(120, 7, seed, TieModel.Davidson, tieStrength: 1.2);
        var rng = new Random(seed + 100);
        // Some answers "both bad", and uneven sample weights.
        for (var i = 0; i < outcomes.Length; i += 9) outcomes[i] = PreferenceOutcome.BothBad;
        var weights = Enumerable.Range(0, outcomes.Length).Select(_ => 0.5 + rng.NextDouble() * 2).ToArray();
        outcomes.ShouldContain(PreferenceOutcome.Tie);
        var (objective, dimension, fitsTie) = BradleyTerry.CreateObjective(PairTestData.Set(x, outcomes, weights), new BradleyTerryOptions { Ties = ties, BothBad = bothBad, C = 0.7 });
        fitsTie.ShouldBe(ties != TieModel.None);

        for (var trial = 0; trial < 3; trial++)
        {
            var theta = Enumerable.Range(0, dimension).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var gradient = new double[dimension];
            objective(theta, gradient);
            for (var j = 0; j < dimension; j++)
            {
                const double h = 1e-5;
                var plus = (double[])theta.Clone();
                var minus = (double[])theta.Clone();
                plus[j] += h;
                minus[j] -= h;
                var numeric = (objective(plus, new double[dimension]) - objective(minus, new double[dimension])) / (2 * h);
                gradient[j].ShouldBe(numeric, 1e-7 + 1e-5 * Math.Abs(numeric), $"parameter {j} of {dimension}, trial {trial}");
            }
        }
    }

    [Theory]
    [InlineData(TieModel.Davidson)]
    [InlineData(TieModel.RaoKupper)]
    public void Loss_Derivatives_MatchFiniteDifferences(TieModel ties)
    {
        foreach (var delta in new[] { -30.0, -3, -0.4, 0, 0.7, 5, 40 })
            foreach (var t in new[] { -2.0, -0.3, 0, 0.9 })
                for (var outcome = 0; outcome < 3; outcome++)
                {
                    var loss = PairLikelihood.Loss(ties, outcome, delta, t, out var dDelta, out var dTie);
                    double.IsFinite(loss).ShouldBeTrue();
                    const double h = 1e-6;
                    var numericDelta = (PairLikelihood.Loss(ties, outcome, delta + h, t, out _, out _) - PairLikelihood.Loss(ties, outcome, delta - h, t, out _, out _)) / (2 * h);
                    var numericTie = (PairLikelihood.Loss(ties, outcome, delta, t + h, out _, out _) - PairLikelihood.Loss(ties, outcome, delta, t - h, out _, out _)) / (2 * h);
                    dDelta.ShouldBe(numericDelta, 1e-6 + 1e-5 * Math.Abs(numericDelta), $"Δ={delta}, t={t}, outcome {outcome}");
                    dTie.ShouldBe(numericTie, 1e-6 + 1e-5 * Math.Abs(numericTie), $"Δ={delta}, t={t}, outcome {outcome}");
                }
    }

    [Theory]
    [InlineData(TieModel.Davidson)]
    [InlineData(TieModel.RaoKupper)]
    [InlineData(TieModel.None)]
    public void Probabilities_AnyDifference_SumToOneAndFollowTheModel(TieModel ties)
    {
        foreach (var delta in new[] { -50.0, -2, 0, 0.3, 4, 50 })
        {
            var (a, b, tie) = PairLikelihood.Probabilities(ties, delta, ties == TieModel.None ? double.NegativeInfinity : Math.Log(0.7));
            (a + b + tie).ShouldBe(1, 1e-12);
            if (ties == TieModel.Davidson)
            {
                // Davidson (1970): given a decisive answer, exactly Bradley–Terry; P(tie) = ν / (e^(Δ/2) + e^(−Δ/2) + ν).
                (a / (a + b)).ShouldBe(1 / (1 + Math.Exp(-delta)), 1e-12);
                tie.ShouldBe(0.7 / (Math.Exp(delta / 2) + Math.Exp(-delta / 2) + 0.7), 1e-12);
            }
            else if (ties == TieModel.RaoKupper)
            {
                // Rao & Kupper (1967): P(A≻B) = σ(Δ − η) with η = 0.7.
                a.ShouldBe(1 / (1 + Math.Exp(-(delta - 0.7))), 1e-12);
                b.ShouldBe(1 / (1 + Math.Exp(-(-delta - 0.7))), 1e-12);
            }
            else
            {
                tie.ShouldBe(0);
                a.ShouldBe(1 / (1 + Math.Exp(-delta)), 1e-12);
            }
        }
    }

    [Theory]
    [InlineData(TieModel.Davidson, 0.8)]
    [InlineData(TieModel.RaoKupper, 2.0)]
    public void Fit_SyntheticUtilities_RecoversRankingAndTieParameter(TieModel ties, double tieStrength)
    {
        // 20 items, 2,000 noisy comparisons drawn from the model itself.
        var (x, outcomes, u, _) = PairTestData.Items(20, 2000, seed: 11, ties, tieStrength);
        var model = new BradleyTerry(new BradleyTerryOptions { Ties = ties, C = 10 }).FitModel(PairTestData.Set(x, outcomes));
        model.Solver.Converged.ShouldBeTrue();
        var recovered = model.Weights.ToArray();
        PreferenceMetrics.Spearman(recovered, u).ShouldBeGreaterThan(0.95);
        model.TieStrength.ShouldBe(tieStrength, tieStrength * 0.15);
        // Utilities are identified up to a shift: compare centred values.
        var shift = recovered.Average() - u.Average();
        for (var i = 0; i < u.Length; i++) recovered[i].ShouldBe(u[i] + shift, 0.5, $"item {i}");
    }

    [Fact]
    public void Fit_SyntheticWithTies_TieAwareBeatsDroppingTies()
    {
        // 30 items, 300 comparisons, Davidson ν = 4 (P(tie | equal) = ⅔; about half the answers are ties). The tie-aware
        // fit uses every answer; the tie-dropping fit (TRL's reward example) throws the ties away. Scored by the rank
        // correlation with the true utilities over 20 seeds: measured 0.745 vs 0.720 on average, ahead in 17 of 20.
        var aware = new List<double>();
        var dropped = new List<double>();
        for (var seed = 0; seed < 20; seed++)
        {
            var (x, outcomes, u, _) = PairTestData.Items(30, 300, seed: 100 + seed, TieModel.Davidson, tieStrength: 4.0);
            var set = PairTestData.Set(x, outcomes);
            aware.Add(PreferenceMetrics.Spearman(new BradleyTerry().FitModel(set).Weights, u));
            dropped.Add(PreferenceMetrics.Spearman(new BradleyTerry(new BradleyTerryOptions { Ties = TieModel.None }).FitModel(set).Weights, u));
        }
        aware.Average().ShouldBeGreaterThan(dropped.Average() + 0.01);
        aware.Zip(dropped).Count(p => p.First > p.Second).ShouldBeGreaterThanOrEqualTo(15);
    }

    [Fact]
    public void Fit_SameData_SameModel()
    {
        var (x, outcomes, _) = PairTestData.Dense(3000, 20, 4);
        var a = new BradleyTerry().FitModel(PairTestData.Set(x, outcomes));
        var b = new BradleyTerry().FitModel(PairTestData.Set(x, outcomes));
        a.Fingerprint.ShouldBe(b.Fingerprint);
        a.Weights.ToArray().ShouldBe(b.Weights.ToArray());
        a.TieParameter.ShouldBe(b.TieParameter);
    }

    [Fact]
    public void Fit_WarmStart_SameOptimumFewerIterations()
    {
        var (x, outcomes, _) = PairTestData.Dense(1000, 15, 6);
        var learner = new BradleyTerry(new BradleyTerryOptions { Tolerance = 1e-8 });
        var first = learner.FitModel(new TrainingSet(x, Enumerable.Range(0, 900).ToArray(), outcomes.Take(900).Select(o => (int)o).ToArray(), 4));
        var cold = learner.FitModel(PairTestData.Set(x, outcomes));
        var warm = learner.FitModel(PairTestData.Set(x, outcomes), first);
        warm.Solver.Iterations.ShouldBeLessThan(cold.Solver.Iterations);
        for (var j = 0; j < cold.FeatureCount; j++) warm.Weights[j].ShouldBe(cold.Weights[j], 1e-5);
        warm.TieParameter.ShouldBe(cold.TieParameter, 1e-5);
    }

    [Fact]
    public void Fit_NoTiesInAnswers_PlainBradleyTerry()
    {
        var (x, outcomes, _) = PairTestData.Dense(500, 5, 8, TieModel.None);
        outcomes.ShouldNotContain(PreferenceOutcome.Tie);
        var model = new BradleyTerry().FitModel(PairTestData.Set(x, outcomes));
        double.IsNegativeInfinity(model.TieParameter).ShouldBeTrue();
        model.Predict(0).Tie.ShouldBe(0);
        model.Predict(0).A.ShouldBe(0.5, 1e-12);
        model.TieProbabilityAtEquality.ShouldBe(0);
    }

    [Fact]
    public void Fit_TieModelNone_SameAsFittingWithoutTheTies()
    {
        var (x, outcomes, _) = PairTestData.Dense(600, 5, 9);
        var decisive = Enumerable.Range(0, outcomes.Length).Where(i => outcomes[i] is PreferenceOutcome.A or PreferenceOutcome.B).ToArray();
        var options = new BradleyTerryOptions { Ties = TieModel.None };
        var all = new BradleyTerry(options).FitModel(PairTestData.Set(x, outcomes));
        var only = new BradleyTerry(options).FitModel(new TrainingSet(x, decisive, decisive.Select(i => (int)outcomes[i]).ToArray(), 4));
        all.Weights.ToArray().ShouldBe(only.Weights.ToArray());
    }

    [Fact]
    public void Fit_BothBad_ExcludedByDefaultOrFittedAsTie()
    {
        var (x, outcomes, _) = PairTestData.Dense(600, 5, 10);
        var marked = (PreferenceOutcome[])outcomes.Clone();
        for (var i = 0; i < marked.Length; i += 5) marked[i] = PreferenceOutcome.BothBad;
        var rest = Enumerable.Range(0, marked.Length).Where(i => marked[i] != PreferenceOutcome.BothBad).ToArray();

        var excluded = new BradleyTerry().FitModel(PairTestData.Set(x, marked));
        var without = new BradleyTerry().FitModel(new TrainingSet(x, rest, rest.Select(i => (int)marked[i]).ToArray(), 4));
        excluded.Weights.ToArray().ShouldBe(without.Weights.ToArray());

        var asTie = new BradleyTerry(new BradleyTerryOptions { BothBad = BothBadPolicy.AsTie }).FitModel(PairTestData.Set(x, marked));
        var relabelled = new BradleyTerry().FitModel(PairTestData.Set(x, marked.Select(o => o == PreferenceOutcome.BothBad ? PreferenceOutcome.Tie : o).ToArray()));
        asTie.Weights.ToArray().ShouldBe(relabelled.Weights.ToArray());
        asTie.TieParameter.ShouldBe(relabelled.TieParameter);
        asTie.TieParameter.ShouldNotBe(excluded.TieParameter);
    }

    [Fact]
    public void Fit_SampleWeightTwo_SameAsTheRowTwice()
    {
        var (x, outcomes, _) = PairTestData.Dense(300, 4, 12);
        var weights = Enumerable.Range(0, 300).Select(i => i % 3 == 0 ? 2.0 : 1.0).ToArray();
        var rows = Enumerable.Range(0, 300).Concat(Enumerable.Range(0, 300).Where(i => i % 3 == 0)).ToArray();
        var options = new BradleyTerryOptions { Tolerance = 1e-10 };
        var weighted = new BradleyTerry(options).FitModel(PairTestData.Set(x, outcomes, weights));
        var doubled = new BradleyTerry(options).FitModel(new TrainingSet(x, rows, rows.Select(i => (int)outcomes[i]).ToArray(), 4));
        for (var j = 0; j < 4; j++) weighted.Weights[j].ShouldBe(doubled.Weights[j], 1e-7);
        weighted.TieParameter.ShouldBe(doubled.TieParameter, 1e-7);
    }

    [Fact]
    public void PredictProba_FourClasses_OutcomesSumToOneAndBothBadIsZero()
    {
        var (x, outcomes, _) = PairTestData.Dense(400, 5, 13);
        var model = new BradleyTerry().FitModel(PairTestData.Set(x, outcomes));
        var rows = Enumerable.Range(0, 50).ToArray();
        var p = new float[rows.Length * 4];
        model.PredictProba(x, rows, p);
        for (var i = 0; i < rows.Length; i++)
        {
            (p[i * 4] + p[i * 4 + 1] + p[i * 4 + 2]).ShouldBe(1f, 1e-5f);
            p[i * 4 + 3].ShouldBe(0f);
            var expected = model.Predict(model.Difference(x, i));
            p[i * 4].ShouldBe((float)expected.A, 1e-5f);
        }
    }

    [Fact]
    public void Fit_TooManyClassesOrNothingUsable_Throws()
    {
        var x = new DenseMatrix(2, 2, [1, 0, 0, 1]);
        Should.Throw<ArgumentException>(() => new BradleyTerry().FitModel(new TrainingSet(x, [0, 1], [0, 1], 5)));
        Should.Throw<ArgumentException>(() => new BradleyTerry().FitModel(new TrainingSet(x, [0, 1], [3, 3], 4)));
        Should.Throw<ConfigurationException>(() => new BradleyTerry(new BradleyTerryOptions { C = 0 }));
    }

    [Fact]
    public void Outcomes_SwapAndParse_RoundTrip()
    {
        foreach (var o in Enum.GetValues<PreferenceOutcome>())
        {
            PreferenceOutcomes.Parse(PreferenceOutcomes.Name(o)).ShouldBe(o);
            PreferenceOutcomes.Swap(PreferenceOutcomes.Swap(o)).ShouldBe(o);
        }
        PreferenceOutcomes.Swap(PreferenceOutcome.A).ShouldBe(PreferenceOutcome.B);
        PreferenceOutcomes.Swap(PreferenceOutcome.BothBad).ShouldBe(PreferenceOutcome.BothBad);
        PreferenceOutcomes.Parse("Both_Bad").ShouldBe(PreferenceOutcome.BothBad);
        Should.Throw<FormatException>(() => PreferenceOutcomes.Parse("maybe"));
    }
}
