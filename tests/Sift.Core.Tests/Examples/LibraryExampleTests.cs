using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Loop;
using Sift.Oracles;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Core.Tests.Examples;

/// <summary>
/// The example of docs/library.md, run: an active-learning loop with an oracle of the user's own. Keep the two in step.
/// </summary>
public sealed class LibraryExampleTests
{
    /// <summary>A user's oracle: answers from a keyword list, as a script, a model or a person behind a form might.</summary>
    private sealed class KeywordOracle : IOracle
    {
        private static readonly Dictionary<string, string> Keywords = new()
        {
            ["goal"] = "sports", ["match"] = "sports", ["team"] = "sports", ["league"] = "sports", ["coach"] = "sports", ["score"] = "sports", ["season"] = "sports", ["player"] = "sports",
            ["market"] = "business", ["stock"] = "business", ["shares"] = "business", ["profit"] = "business", ["bank"] = "business", ["trade"] = "business", ["price"] = "business", ["investor"] = "business",
            ["planet"] = "science", ["space"] = "science", ["orbit"] = "science", ["rocket"] = "science", ["nasa"] = "science", ["galaxy"] = "science", ["telescope"] = "science", ["mission"] = "science",
        };

        private readonly Provenance _provenance = new() { Kind = OracleKind.Model, Name = "keywords", ConfidenceMethod = "vote share" };

        public int Asked { get; private set; }

        public string Name => "keywords";

        public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            Asked += request.Questions.Count;
            return ValueTask.FromResult<IReadOnlyList<OracleAnswer>>([.. request.Questions.Select(q => Answer(q, request.Labels))]);
        }

        private OracleAnswer Answer(OracleQuestion question, IReadOnlyList<string> labels)
        {
            var votes = question.Content.FeatureText.Split(' ').Select(w => Keywords.GetValueOrDefault(w)).OfType<string>().CountBy(l => l).ToList();
            if (votes.Count == 0) return OracleAnswer.Declined(question.ItemId, _provenance, "no keyword");
            var best = votes.OrderByDescending(v => v.Value).ThenBy(v => labels.ToList().IndexOf(v.Key)).First();
            return OracleAnswer.Given(question.ItemId, [best.Key], _provenance with { Confidence = (double)best.Value / votes.Sum(v => v.Value) });
        }
    }

    [Fact]
    public async Task ActiveLearning_WithTheUsersOwnOracle_LearnsTheTopics()
    {
        var (corpus, truth, classes) = TestData.Topics(700, seed: 8);
        var texts = corpus.Take(600).ToList();
        List<ItemContent> heldOut = [.. corpus.Skip(600).Select(t => new TextContent(t))];
        string[] labels = [.. classes];
        var oracle = new KeywordOracle();

        // --- the example in docs/library.md starts here ---
        var ids = texts.Select((_, i) => $"doc-{i}").ToList();
        var items = texts.Select(t => (ItemContent)new TextContent(t)).ToList();
        var features = await new TfidfFeaturizer().FeaturizeAsync(new FeaturizeRequest(ids, items) { Other = heldOut });
        var margin = StrategyCatalog.Default.Get("margin");
        var loop = new ActiveLearningLoop(new LoopSetup
        {
            Features = features, Labels = labels, Learner = new LogisticRegression(),
            Strategy = margin.Create(), Needs = margin.Needs, Stop = new LabelBudget(100),
        });
        var run = await loop.RunAsync(oracle, ids, items, new LoopRunOptions { BatchSize = 10, Seed = 8 });
        var predicted = run.Model!.Predict(features.Other!, [.. Enumerable.Range(0, heldOut.Count)]);
        // --- and ends here ---

        // The oracle was asked exactly what the run records, each item once; every answer it gave was learned from.
        oracle.Asked.ShouldBe(run.Answers.Count);
        run.Answers.Select(a => a.Row).Distinct().Count().ShouldBe(run.Answers.Count);
        run.Answers.Count(a => a.Answer.Status == AnswerStatus.Declined).ShouldBe(run.Answers.Count - run.Labeled.Count);
        run.Labeled.Count.ShouldBe(100);
        run.Stop.Rule.ShouldBe("labels(100)");
        run.Model.ShouldBeSameAs(run.Rounds[^1].Model);
        run.Rounds.Count.ShouldBeGreaterThanOrEqualTo(10);
        run.Labeled.Select(a => a.Answer.Provenance.Name).ShouldAllBe(name => name == "keywords");

        var accuracy = LabelSetMetrics.Accuracy([.. truth.Skip(600).Select(c => new[] { c })], predicted);
        TestContext.Current.TestOutputHelper!.WriteLine(
            $"held-out accuracy after {run.Labeled.Count} labels ({oracle.Asked} questions, {run.Rounds.Count} fits): {accuracy:0.000}");
        accuracy.ShouldBeGreaterThan(0.9);
    }
}
