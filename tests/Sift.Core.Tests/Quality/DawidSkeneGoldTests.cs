using Sift.Quality;

namespace Sift.Core.Tests.Quality;

public sealed class DawidSkeneGoldTests
{
    private static readonly double[] Priors = [0.5, 0.3, 0.2];

    [Fact]
    public void Fit_KnownItems_PosteriorIsClampedToTheKnownClass()
    {
        double[][,] annotators = [Crowd.Uniform(3, 0.8), Crowd.Uniform(3, 0.7), Crowd.Spammer(3)];
        var (table, truth) = Crowd.Generate(seed: 2, items: 300, Priors, annotators);
        // Known labels deliberately contradict some majorities: the clamp must hold whatever the answers say.
        var known = Enumerable.Range(0, 30).ToDictionary(i => i, i => (truth[i] + 1) % 3);

        var result = DawidSkene.Fit(table, null, new DawidSkeneEvidence { Known = known });

        foreach (var (item, label) in known)
        {
            result.Labels[item].ShouldBe(label);
            result.Posterior(item)[label].ShouldBe(1.0);
        }
    }

    [Fact]
    public void Fit_GoldItemsWithAdversarialMajority_RecoverLabelsBetterThanWithoutGold()
    {
        // Two colluding annotators who answer class 0 60% of the time outvote one good annotator; gold items teach the
        // model who is who.
        double[][,] annotators = [Crowd.Uniform(3, 0.9), Crowd.Lazy(3, 0.4, favourite: 0), Crowd.Lazy(3, 0.4, favourite: 0)];
        var (table, truth) = Crowd.Generate(seed: 7, items: 400, [0.2, 0.4, 0.4], annotators);
        var known = Enumerable.Range(0, 40).ToDictionary(i => i, i => truth[i]);

        var plain = DawidSkene.Fit(table);
        var gold = DawidSkene.Fit(table, null, new DawidSkeneEvidence { Known = known });

        var rest = Enumerable.Range(40, 360).ToList();
        double Accuracy(DawidSkeneResult r) => rest.Count(i => r.Labels[i] == truth[i]) / (double)rest.Count;
        Accuracy(gold).ShouldBeGreaterThanOrEqualTo(Accuracy(plain));
        Accuracy(gold).ShouldBeGreaterThan(rest.Count(i => MajorityVote.Labels(table)[i] == truth[i]) / (double)rest.Count);
    }

    [Fact]
    public void Fit_ZeroWeightAnnotator_IsIgnored()
    {
        double[][,] annotators = [Crowd.Uniform(3, 0.85), Crowd.Uniform(3, 0.8), Crowd.Spammer(3)];
        var (table, _) = Crowd.Generate(seed: 4, items: 200, Priors, annotators);
        var withoutSpammer = RatingTable.FromRatings(table.Items, 3, 3,
            Enumerable.Range(0, table.Items).SelectMany(i => Enumerable.Range(0, 3).Where(a => a < 2 && table.Get(i, a) >= 0).Select(a => (i, a, table.Get(i, a)))));

        // Run both to the same fixed point (the tolerance alone would stop them at slightly different iterations).
        var options = new DawidSkeneOptions { Tolerance = 0, MaxIterations = 300 };
        var weighted = DawidSkene.Fit(table, options, new DawidSkeneEvidence { AnnotatorWeights = [1, 1, 0] });
        var dropped = DawidSkene.Fit(withoutSpammer, options);

        for (var i = 0; i < table.Items; i++)
            for (var c = 0; c < 3; c++) weighted.Posterior(i)[c].ShouldBe(dropped.Posterior(i)[c], 1e-6);
    }

    [Fact]
    public void Fit_BadEvidence_Throws()
    {
        var table = RatingTable.FromRatings(2, 1, 2, [(0, 0, 0), (1, 0, 1)]);
        Should.Throw<ArgumentException>(() => DawidSkene.Fit(table, null, new DawidSkeneEvidence { Known = new Dictionary<int, int> { [5] = 0 } }));
        Should.Throw<ArgumentException>(() => DawidSkene.Fit(table, null, new DawidSkeneEvidence { Known = new Dictionary<int, int> { [0] = 2 } }));
        Should.Throw<ArgumentException>(() => DawidSkene.Fit(table, null, new DawidSkeneEvidence { AnnotatorWeights = [1.5] }));
        Should.Throw<ArgumentException>(() => DawidSkene.Fit(table, null, new DawidSkeneEvidence { AnnotatorWeights = [1, 1] }));
    }
}
