using Sift.Features;
using Sift.Learners;
using Sift.Quality;

namespace Sift.Core.Tests.Quality;

public sealed class ConfidentLearningTests
{
    [Fact]
    public void Find_PerClassThresholds_FlagOnlyConfidentlyOtherItems()
    {
        // Class 0 items sit around p0 = 0.9, class 1 items around p1 = 0.6 (a harder class). Item 4 is labeled 1 but the
        // model is confident it is 0; item 5 is a weak class-1 item (p1 = 0.55) that a global 0.5 cut would keep but
        // which is not confidently anything else.
        int[] given = [0, 0, 0, 1, 1, 1, 1];
        float[] p =
        [
            0.9f, 0.1f, 0.92f, 0.08f, 0.88f, 0.12f,
            0.35f, 0.65f, 0.95f, 0.05f, 0.45f, 0.55f, 0.3f, 0.7f,
        ];
        var found = ConfidentLearning.Find(given, p, 2);
        found.ShouldBe([new LikelyMislabeled(4, 1, 0, 1 - 0.05f)]);
    }

    [Fact]
    public void OutOfSample_NoisyLabels_FlagsMostlyTheFlippedOnes()
    {
        var rng = new Random(5);
        const int n = 400;
        var rows = new List<float[]>();
        var truth = new int[n];
        for (var i = 0; i < n; i++)
        {
            truth[i] = i % 2;
            rows.Add([(float)(truth[i] * 2 - 1 + rng.NextDouble() * 1.2 - 0.6), (float)(rng.NextDouble() - 0.5)]);
        }
        var x = new DenseMatrix(n, 2, rows.SelectMany(r => r).ToArray());
        var labels = truth.ToArray();
        var flipped = Enumerable.Range(0, n).Where(i => i % 10 == 3).ToHashSet();
        foreach (var i in flipped) labels[i] = 1 - labels[i];

        var probabilities = ConfidentLearning.OutOfSample(new LogisticRegression(), x, Enumerable.Range(0, n).ToArray(), labels, 2, 5, seed: 9);
        var found = ConfidentLearning.Find(labels, probabilities, 2);

        var hits = found.Count(f => flipped.Contains(f.Index));
        // A regularised model is not very confident, so confident learning finds about half of the flips here — but what
        // it flags is nearly all flips (a random pick of 40 would hold about 4).
        hits.ShouldBeGreaterThanOrEqualTo(flipped.Count / 2);
        (found.Count - hits).ShouldBeLessThanOrEqualTo(hits / 5);
    }

    [Fact]
    public void RelabelValue_DecidesAtTheStatedBreakEven()
    {
        // Relabel when q·a > (1 − 2η)/4: at η = 0.1 that is q·a > 0.2.
        RelabelValue.Relabel(0.3, 0.8, 0.1).ShouldBeGreaterThan(RelabelValue.New(0.1));   // 0.24 > 0.2
        RelabelValue.Relabel(0.2, 0.8, 0.1).ShouldBeLessThan(RelabelValue.New(0.1));      // 0.16 < 0.2
        RelabelValue.New(0).ShouldBe(1);
    }
}
