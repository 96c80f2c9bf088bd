using Sift.Core.Tests.Features;
using Sift.Core.Tests.Oracles;
using Sift.Core.Tests.Strategies;
using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Loop;
using Sift.Oracles;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Core.Tests.Examples;

// The extension snippets of docs/library.md ("Your own parts"), compiled and run: keep the two in step. The strategy's
// snippet is NewestFirst in Strategies/StrategyCatalogTests.cs.

/// <summary>A new oracle: one class. Asks a function of the text (a script, a rule, your own service); declines when it has no label of the schema.</summary>
internal sealed class FunctionOracle(Func<string, string?> label) : IOracle
{
    private static readonly Provenance Script = new() { Kind = OracleKind.Model, Name = "script" };
    public string Name => "script";
    public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<OracleAnswer>>([.. (request ?? throw new ArgumentNullException(nameof(request))).Questions.Select(q =>
            label(q.Content.FeatureText) is { } l && request.Labels.Contains(l) ? OracleAnswer.Given(q.ItemId, [l], Script) : OracleAnswer.Declined(q.ItemId, Script, "no label"))]);
}

/// <summary>A new featuriser: one class. The hashing trick: each word adds one to one of 256 columns; rows scaled to unit length.</summary>
internal sealed class HashedWords : IFeaturizer
{
    public string Name => "hashed-words";
    public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var pool = Hash(request.Pool);
        return Task.FromResult(new FeaturizedData(pool, Hash(request.Other), () => pool, new Dictionary<string, object?> { ["kind"] = Name }));
    }

    private static DenseMatrix Hash(IReadOnlyList<ItemContent> items)
    {
        var m = new DenseMatrix(items.Count, 256);
        for (var i = 0; i < items.Count; i++)
            foreach (var word in items[i].FeatureText.Split(' ')) m.Row(i)[(int)(Seeds.Mix(0, word) % 256)]++;  // a stable hash, unlike string.GetHashCode
        m.NormalizeRows();
        return m;
    }
}

/// <summary>The new oracle's suite: three lines.</summary>
public sealed class FunctionOracleContractTests : OracleContractTests
{
    protected override IOracle Create(OracleFixture fixture) => new FunctionOracle(text => text.Contains("goal", StringComparison.Ordinal) ? "sports" : null);
}

/// <summary>The new featuriser's suite: three lines.</summary>
public sealed class HashedWordsContractTests : FeaturizerContractTests
{
    protected override IFeaturizer Create() => new HashedWords();
}

public sealed class ExtensionExampleTests
{
    [Fact]
    public async Task RunAsync_TheUsersOwnStrategyOracleAndFeaturizer_OneLoop()
    {
        var (texts, _, classes) = TestData.Topics(200, seed: 5);
        var ids = texts.Select((_, i) => $"t{i}").ToList();
        var items = texts.Select(t => (ItemContent)new TextContent(t)).ToList();
        var features = await new HashedWords().FeaturizeAsync(new FeaturizeRequest(ids, items), TestContext.Current.CancellationToken);
        var catalog = new StrategyCatalog(StrategyCatalog.Default).Add("newest-first", "highest pool index first", StrategyNeeds.None, () => new NewestFirst());
        var strategy = catalog.Get("newest-first");
        var loop = new ActiveLearningLoop(new LoopSetup
        {
            Features = features, Labels = classes, Learner = new LogisticRegression(),
            Strategy = strategy.Create(), Needs = strategy.Needs, Stop = new LabelBudget(30),
        });
        // The script knows the topics' words: the label of the first topic word in the text.
        string[] words = ["goal", "market", "planet"];
        var oracle = new FunctionOracle(text => text.Split(' ').Select(w => Array.IndexOf(words, w)).Where(c => c >= 0).Select(c => classes[c]).FirstOrDefault());
        var run = await loop.RunAsync(oracle, ids, items, new LoopRunOptions { BatchSize = 10 }, TestContext.Current.CancellationToken);

        run.Labeled.Count.ShouldBe(30);
        run.Labeled.ShouldAllBe(a => a.Answer.Provenance.Name == "script" && a.Labels.Length == 1);
        run.Answers.Where(a => !a.Answered).ShouldAllBe(a => a.Answer.Reason == "no label");
        // After the cold start, newest-first asks the highest pool rows not yet asked.
        var firstPick = run.Rounds[0].Picks[0].Row;
        var coldStart = run.Answers.Select(a => a.Row).TakeWhile(r => r != firstPick).ToHashSet();
        run.Rounds[0].Picks.Select(p => p.Row).ShouldBe(Enumerable.Range(0, 200).Where(r => !coldStart.Contains(r)).OrderDescending().Take(10));
        run.Rounds[0].Picks.ShouldAllBe(p => p.Reason == $"pool index {p.Row}");
    }
}
