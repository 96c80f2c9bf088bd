using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Metrics;
using Sift.Oracles;
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
        string[] labels = [.. classes];
        var oracle = new KeywordOracle();

        // --- the example in docs/library.md starts here ---
        var (tfidf, x) = TfidfVectorizer.FitTransform(texts);
        var learner = new LogisticRegression();
        var strategy = StrategyCatalog.Default.Get("margin").Create();
        List<int> rows = [], answers = [];
        IClassifier? model = null;
        for (var round = 0; round < 10; round++)
        {
            var candidates = Enumerable.Range(0, texts.Count).Except(rows).ToArray();
            var picks = model is null ? Enumerable.Range(0, 10).Select(i => candidates[i * 50]).ToArray()
                : strategy.Select(new QueryContext(x, candidates, seed: (ulong)round) { Model = model, ClassCount = labels.Length }, 10).Indices;
            var asked = new OracleRequest([.. picks.Select(i => new OracleQuestion($"doc-{i}", new TextContent(texts[i])))], labels);
            foreach (var (row, answer) in picks.Zip(await oracle.AskAsync(asked)))
                if (answer.Status == AnswerStatus.Answered) { rows.Add(row); answers.Add(Array.IndexOf(labels, answer.Labels[0])); }
            model = learner.Fit(new TrainingSet(x, [.. rows], [.. answers], labels.Length), warmStart: model);
        }
        // --- and ends here ---

        oracle.Asked.ShouldBe(100);
        rows.Count.ShouldBeInRange(90, 100);
        rows.Distinct().Count().ShouldBe(rows.Count);
        var test = tfidf.Transform(corpus.Skip(600).ToList());
        var probabilities = new float[test.Rows * labels.Length];
        model!.PredictProba(test, [.. Enumerable.Range(0, test.Rows)], probabilities);
        var accuracy = Classification.Accuracy(truth.Skip(600).ToArray(), Classification.ArgMax(probabilities, labels.Length));
        TestContext.Current.TestOutputHelper!.WriteLine($"held-out accuracy after {rows.Count} labels: {accuracy:0.000}");
        accuracy.ShouldBeGreaterThan(0.9);
    }
}
