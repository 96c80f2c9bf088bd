using Sift.Core.Tests.Support;
using Sift.Strategies;

namespace Sift.Core.Tests.Strategies.Decorators;

public sealed class QueryContextsTests
{
    [Fact]
    public void WithCandidates_CopiesEveryInitProperty()
    {
        var (context, _, _) = TestData.Context(3);
        var sub = QueryContexts.WithCandidates(context, [40, 41], 99);
        sub.Candidates.ShouldBe([40, 41]);
        sub.Seed.ShouldBe(99UL);
        foreach (var p in typeof(QueryContext).GetProperties().Where(p => p.Name is not (nameof(QueryContext.Candidates) or nameof(QueryContext.Seed))))
            p.GetValue(sub).ShouldBe(p.GetValue(context), p.Name);
    }
}
