using FsCheck;
using FsCheck.Fluent;
using Sift.Quality;

namespace Sift.Core.Tests.Quality;

public sealed class DawidSkeneTests
{
    private static readonly double[] Priors = [0.4, 0.3, 0.2, 0.1];

    [Fact]
    public void Fit_SyntheticCrowd_RecoversEachAnnotatorsAccuracyAndPriors()
    {
        double[][,] annotators =
        [
            Crowd.Uniform(4, 0.9), Crowd.Uniform(4, 0.75), Crowd.Uniform(4, 0.6), Crowd.Shifted(4, 0.55), Crowd.Spammer(4),
        ];
        var (table, truth) = Crowd.Generate(seed: 11, items: 4000, Priors, annotators, coverage: 0.7);
        var result = DawidSkene.Fit(table);

        result.Converged.ShouldBeTrue();
        for (var a = 0; a < annotators.Length; a++)
            result.Accuracy(a).ShouldBe(Crowd.Accuracy(annotators[a], Priors), 0.03, $"annotator {a}");
        for (var c = 0; c < 4; c++) result.Priors[c].ShouldBe(Priors[c], 0.03);
        // The systematic confusion is found, not just the accuracy: class c is mistaken for c + 1.
        for (var c = 0; c < 4; c++) result.Confusion(3, c, (c + 1) % 4).ShouldBe(0.45, 0.08);
        Crowd.Accuracy(result.Labels, truth).ShouldBeGreaterThan(Crowd.Accuracy(MajorityVote.Labels(table), truth));
    }

    [Fact]
    public void Fit_OneCoinModel_RecoversAccuracyOfUniformErrorAnnotators()
    {
        double[][,] annotators = [Crowd.Uniform(3, 0.85), Crowd.Uniform(3, 0.7), Crowd.Uniform(3, 0.55), Crowd.Spammer(3)];
        double[] priors = [0.5, 0.3, 0.2];
        var (table, _) = Crowd.Generate(seed: 5, items: 3000, priors, annotators);
        var result = DawidSkene.Fit(table, new DawidSkeneOptions { Model = DawidSkeneModel.OneCoin });
        result.Converged.ShouldBeTrue();
        for (var a = 0; a < annotators.Length; a++)
        {
            result.Accuracy(a).ShouldBe(Crowd.Accuracy(annotators[a], priors), 0.03, $"annotator {a}");
            // One coin: every off-diagonal cell of a row is the same.
            result.Confusion(a, 0, 1).ShouldBe(result.Confusion(a, 2, 0), 1e-12);
        }
    }

    public static TheoryData<string> NoisyPairs => ["shifted", "lazy"];

    [Theory]
    [MemberData(nameof(NoisyPairs))]
    public void Fit_OneGoodTwoNoisyAnnotators_BeatsMajorityVote(string noise)
    {
        // "shifted": half the time the next class; "lazy": 40% right, otherwise class 0. Either way the two noisy
        // annotators often agree on the same wrong answer and outvote the good one.
        var bad = noise == "shifted" ? Crowd.Shifted(4, 0.5) : Crowd.Lazy(4, 0.4, favourite: 0);
        double[][,] annotators = [Crowd.Uniform(4, 0.9), bad, bad];
        var (table, truth) = Crowd.Generate(seed: 3, items: 2000, Priors, annotators);

        var result = DawidSkene.Fit(table);
        var ds = Crowd.Accuracy(result.Labels, truth);
        var majority = Crowd.OptimisticMajorityAccuracy(table, truth);

        ds.ShouldBeGreaterThan(0.85);
        ds.ShouldBeGreaterThan(majority + 0.1, $"majority (ties counted right) {majority:0.000}");
        result.Accuracy(0).ShouldBe(0.9, 0.05);
    }

    [Fact]
    public void Fit_OneGoodTwoSpammers_OneCoinBeatsMajorityVote()
    {
        // Uniform spammers agree with anyone at chance, so the full confusion model cannot tell the good annotator from
        // them (it is not identifiable: a spammer's confusion matrix has rank 1). The one-coin model can, because a
        // one-coin annotator at chance answers uniformly while the good annotator's answers follow the class priors.
        double[][,] annotators = [Crowd.Uniform(4, 0.9), Crowd.Spammer(4), Crowd.Spammer(4)];
        var (table, truth) = Crowd.Generate(seed: 3, items: 2000, Priors, annotators);

        var result = DawidSkene.Fit(table, new DawidSkeneOptions { Model = DawidSkeneModel.OneCoin });
        var oneCoin = Crowd.Accuracy(result.Labels, truth);
        var majority = Crowd.OptimisticMajorityAccuracy(table, truth);

        oneCoin.ShouldBeGreaterThan(majority + 0.03, $"majority (ties counted right) {majority:0.000}");
        // The spammers are found (chance accuracy, 1/4). How good the good annotator is cannot be told apart from the
        // class priors with one informative annotator, so only its rank is checked.
        result.Accuracy(1).ShouldBe(0.25, 0.05);
        result.Accuracy(2).ShouldBe(0.25, 0.05);
        result.Accuracy(0).ShouldBeGreaterThan(Math.Max(result.Accuracy(1), result.Accuracy(2)) + 0.2);
    }

    [Fact]
    public void Fit_UnanimousData_EqualsMajorityVote()
    {
        // 1–4 annotators per item, all agreeing; includes single-rating items and a rare class.
        var rng = new Random(9);
        var ratings = new List<(int, int, int)>();
        var classes = new[] { 0, 0, 0, 1, 1, 2, 3 };
        for (var i = 0; i < 300; i++)
        {
            var label = classes[rng.Next(classes.Length)];
            foreach (var a in Enumerable.Range(0, 5).OrderBy(_ => rng.Next()).Take(1 + rng.Next(4))) ratings.Add((i, a, label));
        }
        var table = RatingTable.FromRatings(300, 5, 4, ratings);

        var majority = MajorityVote.Labels(table);
        majority.ShouldNotContain(MajorityVote.NoLabel);
        DawidSkene.Fit(table).Labels.ShouldBe(majority);
        DawidSkene.Fit(table, new DawidSkeneOptions { Model = DawidSkeneModel.OneCoin }).Labels.ShouldBe(majority);
    }

    [Fact]
    public void Fit_SameInput_IsBitForBitDeterministic()
    {
        double[][,] annotators = [Crowd.Uniform(3, 0.8), Crowd.Shifted(3, 0.6), Crowd.Spammer(3)];
        var (table, _) = Crowd.Generate(seed: 21, items: 500, [0.5, 0.3, 0.2], annotators, coverage: 0.6);
        var first = DawidSkene.Fit(table);
        var second = DawidSkene.Fit(table);
        second.Iterations.ShouldBe(first.Iterations);
        second.LogLikelihood.ShouldBe(first.LogLikelihood);
        second.Labels.ShouldBe(first.Labels);
        for (var i = 0; i < table.Items; i++) second.Posterior(i).ToArray().ShouldBe(first.Posterior(i).ToArray());
        for (var a = 0; a < 3; a++) second.ConfusionMatrix(a).ShouldBe(first.ConfusionMatrix(a));
    }

    [Fact]
    public void Fit_SparseAnnotatorsAndSingleRatings_StaysFiniteAndNormalised()
    {
        // Three regular annotators on 60% of items, an annotator with two ratings, one who rated only class-0 items,
        // and items with a single rating.
        double[][,] regular = [Crowd.Uniform(3, 0.8), Crowd.Uniform(3, 0.7), Crowd.Uniform(3, 0.65)];
        var (dense, truth) = Crowd.Generate(seed: 8, items: 400, [0.5, 0.3, 0.2], regular, coverage: 0.4);
        var ratings = new List<(int, int, int)>();
        for (var i = 0; i < dense.Items; i++)
            for (var r = 0; r < dense.RatingsOf(i); r++) ratings.Add((i, dense.AnnotatorsOf(i)[r], dense.LabelsOf(i)[r]));
        ratings.Add((0, 3, 2));
        ratings.Add((1, 3, 1));
        foreach (var i in Enumerable.Range(0, 400).Where(i => truth[i] == 0).Take(20)) ratings.Add((i, 4, 0));
        var table = RatingTable.FromRatings(400, 5, 3, ratings);
        Enumerable.Range(0, 400).Count(i => table.RatingsOf(i) == 1).ShouldBeGreaterThan(50);

        var result = DawidSkene.Fit(table);
        double.IsFinite(result.LogLikelihood).ShouldBeTrue();
        for (var i = 0; i < table.Items; i++)
        {
            var p = result.Posterior(i).ToArray();
            p.Sum().ShouldBe(1.0, 1e-9);
            p.ShouldAllBe(v => v >= 0 && double.IsFinite(v));
        }
        for (var a = 0; a < 5; a++)
        {
            for (var c = 0; c < 3; c++)
            {
                var row = Enumerable.Range(0, 3).Select(k => result.Confusion(a, c, k)).ToArray();
                row.Sum().ShouldBe(1.0, 1e-9);
                row.ShouldAllBe(v => v > 0 && v < 1);
            }
        }
        // Smoothing (s = 1): with two ratings no row has more than 2 + 1 of 2 + 3 pseudo-counts in one cell, so an
        // annotator seen twice never looks certain.
        for (var c = 0; c < 3; c++)
            for (var k = 0; k < 3; k++) result.Confusion(3, c, k).ShouldBeLessThanOrEqualTo(0.6 + 1e-12);
        result.Accuracy(3).ShouldBeLessThan(0.6);
        result.ExpectedCorrect(3).ShouldNotBeNull();
    }

    [Fact]
    public void Fit_UnratedItems_GetPriorsAndNoLabel()
    {
        var table = RatingTable.FromDense(new[,] { { 0, 0 }, { 1, 1 }, { -1, -1 }, { 0, 1 } }, 2);
        var result = DawidSkene.Fit(table);
        result.Labels[2].ShouldBe(MajorityVote.NoLabel);
        result.Posterior(2).ToArray().ShouldBe(result.Priors.ToArray());
        result.Labels[0].ShouldBe(0);
        result.Labels[1].ShouldBe(1);
    }

    [Fact]
    public void Fit_NoRatings_ReturnsWithoutIterating()
    {
        var result = DawidSkene.Fit(RatingTable.FromDense(new[,] { { -1, -1 } }, 2));
        (result.Iterations, result.Converged, result.LogLikelihood).ShouldBe((0, true, 0.0));
        result.Labels.ShouldBe([MajorityVote.NoLabel]);
        DawidSkene.Fit(RatingTable.FromDense(new int[0, 0], 0)).Labels.ShouldBeEmpty();
    }

    [Fact]
    public void Fit_IterationCap_IsRespected()
    {
        var (table, _) = Crowd.Generate(seed: 2, items: 300, [0.5, 0.5], [Crowd.Uniform(2, 0.8), Crowd.Uniform(2, 0.6), Crowd.Spammer(2)]);
        var result = DawidSkene.Fit(table, new DawidSkeneOptions { MaxIterations = 2, Tolerance = 0 });
        (result.Iterations, result.Converged).ShouldBe((2, false));
    }

    [Theory]
    [InlineData(0.0, 1e-7, 10)]
    [InlineData(-1.0, 1e-7, 10)]
    [InlineData(1.0, -1e-7, 10)]
    [InlineData(1.0, double.NaN, 10)]
    [InlineData(1.0, 1e-7, 0)]
    public void Options_OutOfRange_AreRejected(double smoothing, double tolerance, int maxIterations) =>
        Should.Throw<ConfigurationException>(() => new DawidSkeneOptions { Smoothing = smoothing, Tolerance = tolerance, MaxIterations = maxIterations }.Validate());

    [Fact]
    public void Fit_ReorderedAnnotators_GiveTheSamePosteriors() =>
        Prop.ForAll((from r in AgreementPropertyTests.RatingsGen(maxItems: 40)
                     from p in Gen.Shuffle(Enumerable.Range(0, r.Cells.GetLength(1)).ToArray())
                     select (r, p)).ToArbitrary(), x =>
        {
            var (r, p) = x;
            int items = r.Cells.GetLength(0), annotators = r.Cells.GetLength(1);
            var cells = new int[items, annotators];
            for (var i = 0; i < items; i++)
                for (var a = 0; a < annotators; a++) cells[i, p[a]] = r.Cells[i, a];
            // A fixed number of iterations: reordering changes the summation order, so the stopping point could move.
            var options = new DawidSkeneOptions { MaxIterations = 20, Tolerance = 0 };
            var before = DawidSkene.Fit(r.Table, options);
            var after = DawidSkene.Fit(RatingTable.FromDense(cells, r.Categories), options);
            var same = before.Iterations == after.Iterations && (r.Table.Ratings == 0 || before.Iterations == 20);
            for (var i = 0; i < items; i++)
            {
                var pb = before.Posterior(i);
                var pa = after.Posterior(i);
                for (var c = 0; c < r.Categories; c++) same &= Math.Abs(pb[c] - pa[c]) < 1e-9;
            }
            for (var a = 0; a < annotators; a++) same &= Math.Abs(before.Accuracy(a) - after.Accuracy(p[a])) < 1e-9;
            return same;
        }).QuickCheckThrowOnFailure();
}
