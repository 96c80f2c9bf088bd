using Sift.Routing;

namespace Sift.Core.Tests.Routing;

public sealed class RoutingPlanTests
{
    [Fact]
    public void ShouldAsk_OnePersonLeft_AsksWhenTheGainExceedsThePrice()
    {
        // K = 2, h = 0.9, q = 0.5: one answer makes the leading label 0.9 either way, a gain of 0.4.
        new RoutingPlan(2, 0.9, 1, 0, kappa: 0.39).ShouldAsk([0.5, 0.5], 0).ShouldBeTrue();
        new RoutingPlan(2, 0.9, 1, 0, kappa: 0.41).ShouldAsk([0.5, 0.5], 0).ShouldBeFalse();
        new RoutingPlan(2, 0.9, 1, 0, kappa: 0).ShouldAsk([0.5, 0.5], 1).ShouldBeFalse(); // the limit is reached
        new RoutingPlan(2, 0.9, 3, 0, kappa: double.PositiveInfinity).ShouldAsk([0.5, 0.5], 0).ShouldBeFalse();
    }

    [Fact]
    public void ShouldAsk_TwoPeopleLeft_LooksAhead()
    {
        // K = 2, h = 0.9, q = 0.9 on label 0. With one person left: agree (0.82) → 0.988, dissent (0.18) → a 0.5 tie;
        // 0.82·0.988 + 0.18·0.5 = 0.9, no gain, so stop. With two left a dissent is settled by a second answer (0.9):
        // 0.81 + 0.18·(0.9 − 0.01) − 0.01 = 0.96 > 0.9, so ask.
        var plan = new RoutingPlan(2, 0.9, 2, 0, kappa: 0.01);
        var prior = plan.Prior(0, 0.9);
        plan.ShouldAsk(prior, 0).ShouldBeTrue();
        new RoutingPlan(2, 0.9, 1, 0, kappa: 0.01).ShouldAsk(prior, 0).ShouldBeFalse();
    }

    [Fact]
    public void Expect_Accepted_CountsTheAuditedShare()
    {
        var plan = new RoutingPlan(3, 0.95, 1, 0.1, kappa: double.PositiveInfinity);
        // Accepted at q = 0.8; the audited 10% see one person, whose label then stands when it is more probable.
        var audited = plan.Expect(0.8);
        audited.People.ShouldBe(0.1, 1e-12);
        audited.Accuracy.ShouldBeGreaterThan(0.8);
        audited.Accuracy.ShouldBeLessThan(0.8 + 0.1 * (0.95 - 0.8) + 1e-9 + 0.1 * 0.05);
    }

    /// <summary>Runs the plan on items whose model is right with probability q (honest), people right with h.</summary>
    private static (double Accuracy, double People) Simulate(RoutingPlan plan, double[] q, int seed)
    {
        var random = new Random(seed);
        var k = plan.Classes;
        int right = 0, people = 0;
        foreach (var qi in q)
        {
            var truth = random.Next(k);
            var model = random.NextDouble() < qi ? truth : (truth + 1 + random.Next(k - 1)) % k;
            var post = plan.Prior(model, qi);
            var asked = 0;
            var audit = plan.Accepts(qi) && random.NextDouble() < plan.AuditShare;
            if (plan.Accepts(qi) && !audit) { if (model == truth) right++; continue; }
            while (asked == 0 || plan.ShouldAsk(post, asked))
            {
                var answer = random.NextDouble() < plan.PersonAccuracy ? truth : (truth + 1 + random.Next(k - 1)) % k;
                var e = (1 - plan.PersonAccuracy) / (k - 1);
                for (var c = 0; c < k; c++) post[c] *= c == answer ? plan.PersonAccuracy : e;
                var sum = post.Sum();
                for (var c = 0; c < k; c++) post[c] /= sum;
                asked++;
                people++;
            }
            var label = Array.IndexOf(post, post.Max());
            if (label == truth) right++;
        }
        return ((double)right / q.Length, (double)people / q.Length);
    }

    [Theory]
    [InlineData(2, 0.95)]
    [InlineData(6, 0.95)]
    [InlineData(4, 0.97)]
    public void Solve_SyntheticConfidences_HitsTheGoalAtLessCostThanOnePersonBelowAThreshold(int classes, double goal)
    {
        var random = new Random(3);
        // Confidences of a 0.9-accurate model: many near 1, a tail down to 0.3.
        var q = Enumerable.Range(0, 20_000).Select(_ => 1 - 0.7 * Math.Pow(random.NextDouble(), 4)).ToArray();
        var plan = RoutingPlan.Solve(q, goal, classes, personAccuracy: 0.95, maxPeople: 3, auditShare: 0.05);
        q.Average(x => plan.Expect(x).Accuracy).ShouldBe(goal, 0.002);
        var (accuracy, people) = Simulate(plan, q, 5);
        accuracy.ShouldBe(goal, 0.005);

        // The same goal by one person below a threshold on q (the hindsight-style rule, exact expectations), plus the
        // same audits of the accepted labels.
        var sorted = q.OrderDescending().ToArray();
        var m = sorted.Length;
        while (m > 0 && (sorted.Take(m).Sum() + (sorted.Length - m) * 0.95) / sorted.Length < goal) m--;
        var onePerson = (double)(sorted.Length - m) / sorted.Length + 0.05 * m / sorted.Length;
        if (goal <= 0.95) people.ShouldBeLessThan(onePerson);
    }

    [Fact]
    public void Solve_GoalMetByAcceptingEverything_AcceptsEverything()
    {
        var plan = RoutingPlan.Solve([0.99, 0.98, 0.995], 0.95, 2, 0.95, 3, 0.05);
        double.IsPositiveInfinity(plan.Kappa).ShouldBeTrue();
        plan.Accepts(0.5).ShouldBeTrue();
        plan.AcceptanceThreshold().ShouldBe(0);
    }
}
