using Sift.Projects;

namespace Sift.Core.Tests.Projects;

public sealed class WorkflowResolutionTests
{
    private static readonly string[] Schema = ["spam", "ham"];
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static long _id;

    private static Annotation A(long item, long annotator, params string[] labels) =>
        new(Interlocked.Increment(ref _id), 1, item, annotator, _id, labels, 1, "r" + _id, T0.AddSeconds(_id), false);

    [Fact]
    public void ResolveAll_Majority_ConfidenceIsTheWinningShare()
    {
        var resolved = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, Schema), [A(1, 1, "spam"), A(1, 2, "spam"), A(1, 3, "ham"), A(2, 1, "ham")]);
        resolved[1].Labels.ShouldBe(["spam"]);
        resolved[1].Confidence.ShouldBe(2.0 / 3, 1e-12);
        resolved[1].Disagreement.ShouldBeTrue();
        resolved[1].Source.ShouldBe("majority");
        resolved[2].Confidence.ShouldBe(1);
        resolved[2].Disagreement.ShouldBeFalse();
    }

    [Fact]
    public void ResolveAll_DownWeightedAnnotator_LosesTheVote()
    {
        var answers = new[] { A(1, 1, "spam"), A(1, 2, "ham"), A(1, 3, "ham") };
        var context = new ResolutionContext(LabelMode.Single, Schema) { AnnotatorWeights = new Dictionary<long, double> { [2] = 0.25, [3] = 0.25 } };
        LabelResolution.ResolveAll(context, answers)[1].Labels.ShouldBe(["spam"]);
        LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, Schema), answers)[1].Labels.ShouldBe(["ham"]);
    }

    [Fact]
    public void ResolveAll_GoldAndReview_OverrideTheRule()
    {
        var answers = new[] { A(1, 1, "spam"), A(1, 2, "spam"), A(2, 1, "spam"), A(2, 2, "spam") };
        var context = new ResolutionContext(LabelMode.Single, Schema)
        {
            Rule = LabelResolution.DawidSkene,
            Gold = new Dictionary<long, string> { [1] = "ham" },
            Overrides = new Dictionary<long, IReadOnlyList<string>> { [2] = ["ham"] },
        };
        var resolved = LabelResolution.ResolveAll(context, answers);
        resolved[1].Labels.ShouldBe(["ham"]);
        resolved[1].Source.ShouldBe("gold");
        resolved[2].Labels.ShouldBe(["ham"]);
        resolved[2].Source.ShouldBe("review");
        resolved[2].Confidence.ShouldBe(1);
    }

    [Fact]
    public void ResolveAll_DawidSkene_ResolvesTiesWithAPosterior()
    {
        // Annotator 1 agrees with gold every time, annotator 2 never does: on the tied item 9, Dawid–Skene sides with 1.
        var answers = new List<Annotation>();
        var gold = new Dictionary<long, string>();
        for (long item = 1; item <= 8; item++)
        {
            var truth = item % 2 == 0 ? "spam" : "ham";
            gold[item] = truth;
            answers.Add(A(item, 1, truth));
            answers.Add(A(item, 2, truth == "spam" ? "ham" : "spam"));
        }
        answers.Add(A(9, 1, "spam"));
        answers.Add(A(9, 2, "ham"));
        var majority = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, Schema) { Gold = gold }, answers);
        majority.ContainsKey(9).ShouldBeFalse();

        var ds = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, Schema) { Rule = LabelResolution.DawidSkene, Gold = gold }, answers);
        ds[9].Labels.ShouldBe(["spam"]);
        ds[9].Source.ShouldBe("dawid-skene");
        ds[9].Confidence.ShouldBeGreaterThan(0.9);
        ds[9].Confidence.ShouldBeLessThan(1);
    }

    [Fact]
    public void ResolveAll_MultiLabelUnderDawidSkene_FallsBackToMajority()
    {
        var context = new ResolutionContext(LabelMode.Multi, ["a", "b", "c"]) { Rule = LabelResolution.DawidSkene };
        var resolved = LabelResolution.ResolveAll(context, [A(1, 1, "a", "b"), A(1, 2, "a"), A(1, 3, "a", "b")]);
        resolved[1].Labels.ShouldBe(["a", "b"]);
        resolved[1].Source.ShouldBe("majority");
        resolved[1].Confidence.ShouldBe(2.0 / 3, 1e-12);
    }

    [Fact]
    public void ResolveAll_UnknownRule_Throws() =>
        Should.Throw<ConfigurationException>(() => LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, Schema) { Rule = "vote" }, []));

    [Fact]
    public void Score_SpammerWithEnoughGoldAnswers_IsFlaggedAndDownWeighted()
    {
        var gold = Enumerable.Range(1, 20).ToDictionary(i => (long)i, i => i % 2 == 0 ? "spam" : "ham");
        var answers = new List<Annotation>();
        foreach (var (item, truth) in gold)
        {
            answers.Add(A(item, 1, truth));
            answers.Add(A(item, 2, item % 4 < 2 ? "spam" : "ham")); // right half the time
            if (item <= 3) answers.Add(A(item, 3, truth == "spam" ? "ham" : "spam")); // always wrong, but only 3 answers
        }
        var settings = new GoldSettings { MinAccuracy = 0.8, MinAnswers = 5, DownWeight = 0.2 };
        var standings = GoldStandings.Score(answers, gold, LabelMode.Single, settings);

        standings.Select(s => s.AnnotatorId).ShouldBe([1L, 2L, 3L]);
        standings[0].Flagged.ShouldBeFalse();
        standings[0].Accuracy.Share.ShouldBe(1);
        standings[1].Accuracy.Share.ShouldBe(0.5);
        standings[1].Accuracy.High.ShouldBeLessThan(0.8);
        standings[1].Flagged.ShouldBeTrue();
        standings[2].Accuracy.Share.ShouldBe(0);
        standings[2].Flagged.ShouldBeFalse(); // fewer than MinAnswers gold answers
        GoldStandings.Weights(standings, settings).ShouldBe(new Dictionary<long, double> { [2] = 0.2 });
    }

    [Fact]
    public void Validate_GoldAndResolutionSettings_NameTheField()
    {
        var ok = new ProjectSettings { Labels = Schema };
        Should.Throw<ConfigurationException>(() => (ok with { Resolution = "vote" }).Validate()).Message.ShouldStartWith("resolution:");
        Should.Throw<ConfigurationException>(() => (ok with { Gold = new GoldSettings { Rate = 0.9 } }).Validate()).Message.ShouldStartWith("gold.rate:");
        Should.Throw<ConfigurationException>(() => (ok with { ReviewBelow = 2 }).Validate()).Message.ShouldStartWith("review_below:");
        (ok with { Resolution = "dawid-skene", Gold = new GoldSettings { Rate = 0.1 } }).Validate();
    }
}
