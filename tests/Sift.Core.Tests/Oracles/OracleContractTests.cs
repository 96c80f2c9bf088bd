using System.Reflection;
using Sift.Core.Tests.Support;
using Sift.Items;
using Sift.Oracles;

namespace Sift.Core.Tests.Oracles;

/// <summary>What an oracle under test may know: a small labeled text pool and its label schema.</summary>
public sealed class OracleFixture
{
    public OracleFixture(int n = 30, int seed = 4)
    {
        var (texts, labels, classes) = TestData.Topics(n, seed);
        Ids = [.. Enumerable.Range(0, n).Select(i => $"item-{i:D3}")];
        Contents = [.. texts.Select(t => (ItemContent)new TextContent(t))];
        Gold = [.. labels.Select(l => classes[l])];
        Labels = classes;
    }

    /// <summary>Item ids (position = pool index).</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Item contents, aligned with <see cref="Ids"/>.</summary>
    public IReadOnlyList<ItemContent> Contents { get; }

    /// <summary>Each item's gold label, aligned with <see cref="Ids"/>.</summary>
    public IReadOnlyList<string> Gold { get; }

    /// <summary>The label schema.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>A request for the items at <paramref name="positions"/>.</summary>
    public OracleRequest Request(IEnumerable<int> positions, ulong seed = 7) =>
        new([.. positions.Select(i => new OracleQuestion(Ids[i], Contents[i]) { PoolIndex = i })], Labels) { Seed = seed, Round = 1 };
}

/// <summary>
/// The contract every <see cref="IOracle"/> honours: one answer per question, in order, for the question's item;
/// answered labels from the schema (exactly one for a single-label request), a declined answer carries no labels and
/// says why; provenance names who answered, with a confidence in [0, 1] and a cost that is not negative; the same
/// request gives the same answers. Each oracle's suite inherits this class and returns the oracle from
/// <see cref="Create"/>; <see cref="OracleSuiteDiscoveryTests"/> fails for an oracle in Sift.Core without a suite.
/// </summary>
public abstract class OracleContractTests
{
    protected abstract IOracle Create(OracleFixture fixture);

    private static async Task<(IOracle Oracle, OracleRequest Request, IReadOnlyList<OracleAnswer> Answers)> AskAsync(IOracle oracle, OracleRequest request) =>
        (oracle, request, await oracle.AskAsync(request, TestContext.Current.CancellationToken));

    [Fact]
    public async Task AskAsync_Batch_OneAnswerPerQuestionInOrder()
    {
        var fixture = new OracleFixture();
        var (_, request, answers) = await AskAsync(Create(fixture), fixture.Request([5, 0, 17, 3, 29]));
        answers.Select(a => a.ItemId).ShouldBe(request.Questions.Select(q => q.ItemId));
    }

    [Fact]
    public async Task AskAsync_Answered_LabelsFromTheSchemaExactlyOneForSingleLabel()
    {
        var fixture = new OracleFixture();
        var (_, _, answers) = await AskAsync(Create(fixture), fixture.Request(Enumerable.Range(0, 30)));
        foreach (var answer in answers)
        {
            if (answer.Status == AnswerStatus.Answered)
            {
                answer.Labels.Count.ShouldBe(1, $"answer for {answer.ItemId}");
                fixture.Labels.ShouldContain(answer.Labels[0]);
                answer.Reason.ShouldBeNull();
            }
            else
            {
                answer.Labels.ShouldBeEmpty();
                answer.Reason.ShouldNotBeNullOrWhiteSpace();
            }
        }
    }

    [Fact]
    public async Task AskAsync_Any_ProvenanceNamesWhoAnsweredWithSaneConfidenceAndCost()
    {
        var fixture = new OracleFixture();
        var (_, _, answers) = await AskAsync(Create(fixture), fixture.Request(Enumerable.Range(0, 10)));
        foreach (var p in answers.Select(a => a.Provenance))
        {
            p.ShouldNotBeNull();
            p.Name.ShouldNotBeNullOrWhiteSpace();
            if (p.Confidence is { } confidence) confidence.ShouldBeInRange(0, 1);
            p.Cost.Money.ShouldBeGreaterThanOrEqualTo(0);
            p.Cost.InputTokens.ShouldBeGreaterThanOrEqualTo(0);
            p.Cost.OutputTokens.ShouldBeGreaterThanOrEqualTo(0);
            p.Cost.Seconds.ShouldBeGreaterThanOrEqualTo(0);
            if (p.Distribution is { } distribution)
            {
                distribution.Keys.ShouldAllBe(k => fixture.Labels.Contains(k));
                distribution.Values.Sum().ShouldBe(1, 1e-6);
            }
        }
    }

    [Fact]
    public async Task AskAsync_SameRequest_SameAnswers()
    {
        var fixture = new OracleFixture();
        var (_, _, a) = await AskAsync(Create(fixture), fixture.Request([1, 2, 3, 4, 5, 6], seed: 11));
        var (_, _, b) = await AskAsync(Create(fixture), fixture.Request([1, 2, 3, 4, 5, 6], seed: 11));
        b.Select(x => (x.ItemId, x.Status, string.Join('|', x.Labels))).ShouldBe(a.Select(x => (x.ItemId, x.Status, string.Join('|', x.Labels))));
    }

    [Fact]
    public async Task AskAsync_NoQuestions_NoAnswers()
    {
        var fixture = new OracleFixture();
        var (_, _, answers) = await AskAsync(Create(fixture), fixture.Request([]));
        answers.ShouldBeEmpty();
    }

    [Fact]
    public async Task AskAsync_NullRequest_Throws()
    {
        var oracle = Create(new OracleFixture());
        await Should.ThrowAsync<ArgumentNullException>(async () => await oracle.AskAsync(null!, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Name_Always_ShortAndStable()
    {
        var fixture = new OracleFixture();
        var name = Create(fixture).Name;
        name.ShouldNotBeNullOrWhiteSpace();
        name.Length.ShouldBeLessThanOrEqualTo(200);
        Create(fixture).Name.ShouldBe(name);
    }
}

public sealed class GoldOracleContractTests : OracleContractTests
{
    protected override IOracle Create(OracleFixture fixture) => new GoldOracle(fixture.Ids, fixture.Gold);
}

public sealed class GoldOracleTests
{
    [Fact]
    public async Task AskAsync_ByPoolIndexOrById_AnswersGoldWithSimulationProvenance()
    {
        var fixture = new OracleFixture();
        var oracle = new GoldOracle(fixture.Ids, fixture.Gold);
        var byIndex = await oracle.AskAsync(fixture.Request([4, 9]), TestContext.Current.CancellationToken);
        var byId = await oracle.AskAsync(new OracleRequest([new OracleQuestion(fixture.Ids[9], fixture.Contents[9])], fixture.Labels), TestContext.Current.CancellationToken);
        byIndex.Select(a => a.Labels.Single()).ShouldBe([fixture.Gold[4], fixture.Gold[9]]);
        byId.Single().Labels.ShouldBe([fixture.Gold[9]]);
        byId.Single().Provenance.Kind.ShouldBe(OracleKind.Simulation);
        byId.Single().Provenance.Name.ShouldBe(GoldOracle.OracleName);
    }

    [Fact]
    public async Task AskAsync_UnknownItem_ClearError()
    {
        var fixture = new OracleFixture();
        var oracle = new GoldOracle(fixture.Ids, fixture.Gold);
        var request = new OracleRequest([new OracleQuestion("nope", new TextContent("x"))], fixture.Labels);
        (await Should.ThrowAsync<ArgumentException>(async () => await oracle.AskAsync(request, TestContext.Current.CancellationToken)))
            .Message.ShouldContain("Item 'nope' has no gold label");
    }
}

/// <summary>Every oracle that Sift.Core ships runs the oracle contract: a new oracle without a suite fails here.</summary>
public sealed class OracleSuiteDiscoveryTests
{
    [Fact]
    public void EveryOracleInCore_HasAContractSuite()
    {
        var fixture = new OracleFixture();
        var covered = typeof(OracleContractTests).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(OracleContractTests)) && !t.IsAbstract)
            .Select(t => ((IOracle)t.GetMethod("Create", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(Activator.CreateInstance(t), [fixture])!).GetType())
            .ToHashSet();
        var shipped = typeof(IOracle).Assembly.GetTypes().Where(t => typeof(IOracle).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });
        shipped.Where(t => !covered.Contains(t)).Select(t => t.FullName).ShouldBeEmpty(
            "each oracle needs a suite: public sealed class XContractTests : OracleContractTests { protected override IOracle Create(OracleFixture f) => new X(…); }");
    }
}
