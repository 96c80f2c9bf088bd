using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies;

/// <summary>The strategy spec's length and decorator limits, and the nesting limit of hand-built compositions.</summary>
public sealed class StrategyCatalogLimitsTests
{
    private static string Decorated(string name, int decorators) => name + string.Concat(Enumerable.Repeat("+explore(0.1)", decorators));

    [Fact]
    public void Get_SpecOfMaxLength_IsAccepted()
    {
        var spec = "margin".PadRight(StrategyCatalog.MaxSpecLength);
        spec.Length.ShouldBe(1_000);
        StrategyCatalog.Default.Get(spec).Name.ShouldBe("margin");
    }

    [Fact]
    public void Get_SpecOneCharacterTooLong_ClearErrorQuotingOnlyItsStart()
    {
        var spec = "margin".PadRight(StrategyCatalog.MaxSpecLength + 1);
        var message = Should.Throw<ConfigurationException>(() => StrategyCatalog.Default.Get(spec)).Message;
        message.ShouldStartWith("Strategy 'margin");
        message.ShouldContain("is 1,001 characters long; at most 1,000 are accepted.");
        message.Length.ShouldBeLessThan(200);
    }

    [Fact]
    public void Get_MaxDecorators_IsAcceptedAndSelects()
    {
        var descriptor = StrategyCatalog.Default.Get(Decorated("margin-explore", StrategyCatalog.MaxDecorators));
        var (context, _, _) = TestData.Context(3);
        descriptor.Create().Select(context, 10).Count.ShouldBe(10);
        StrategyCatalog.Default.Get(Decorated("margin", StrategyCatalog.MaxDecorators - 1) + "@500").Name.ShouldEndWith("+explore@500");
    }

    [Theory]
    [InlineData(9, "")]
    [InlineData(8, "@500")]
    public void Get_OneDecoratorTooMany_ClearError(int decorators, string subsample)
    {
        var message = Should.Throw<ConfigurationException>(() => StrategyCatalog.Default.Get(Decorated("margin", decorators) + subsample)).Message;
        message.ShouldContain("has 9 decorators; at most 8 are accepted.");
        message.Length.ShouldBeLessThan(200);
    }

    [Fact]
    public void Get_SeventyThousandDecorators_RejectedWithoutRecursing()
    {
        // Issue 9: accepted before, and the first selection overflowed the stack.
        var spec = Decorated("margin", 70_000);
        var message = Should.Throw<ConfigurationException>(() => StrategyCatalog.Default.Get(spec)).Message;
        message.ShouldContain("at most 1,000 are accepted");
        message.Length.ShouldBeLessThan(200);
    }

    [Fact]
    public void Constructors_NestedToMaxNesting_Accepted_OneDeeper_Refused()
    {
        IQueryStrategy strategy = new MarginSampling();
        for (var i = 0; i < StrategyCatalog.MaxNesting; i++) strategy = i % 2 == 0 ? new ExplorationDecorator(strategy, 0.1) : new NearDuplicateFilter(strategy);
        var (context, _, _) = TestData.Context(4);
        strategy.Select(context, 5).Count.ShouldBe(5);

        var deepest = strategy;
        Should.Throw<ArgumentException>(() => new ExplorationDecorator(deepest, 0.1)).Message.ShouldContain("at most 16 wrappers deep");
        Should.Throw<ArgumentException>(() => new SubgroupQuotaDecorator(deepest, 0.1));
        Should.Throw<ArgumentException>(() => new CandidateSubsampler(deepest, 10));
        Should.Throw<ArgumentException>(() => new TopThenDiversify(new MarginSampling(), deepest));
    }

    [Fact]
    public void Constructors_CostDecoratorChain_CountsEveryLayer()
    {
        ScoredStrategy scored = new MarginSampling();
        for (var i = 0; i < StrategyCatalog.MaxNesting; i++) scored = new CostAwareDecorator(scored);
        var deepest = scored;
        Should.Throw<ArgumentException>(() => new CostAwareDecorator(deepest));
    }
}
