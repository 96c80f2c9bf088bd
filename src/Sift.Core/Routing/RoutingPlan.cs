namespace Sift.Routing;

/// <summary>What a plan expects for one item: its label accuracy and the people it asks.</summary>
/// <param name="Accuracy">Expected label accuracy.</param>
/// <param name="People">Expected people's answers.</param>
public readonly record struct PlanOutcome(double Accuracy, double People);

/// <summary>
/// The router's plan for reaching a target mean label accuracy at least cost: accept a model label, or ask people one
/// at a time, each asked answering the truth with probability h (another class uniformly otherwise). Minimising the
/// expected number of people's answers subject to a mean expected accuracy ≥ the target is, by its Lagrangian, the
/// per-item problem "maximise accuracy − κ·answers" for one price κ of an answer in accuracy, shared by all items; a
/// person is worth asking when the expected accuracy after the answer (acting optimally afterwards, up to
/// <see cref="MaxPeople"/> in all) exceeds the accuracy now by more than κ (backward induction over people's answers).
/// <see cref="Solve"/> finds the κ at which the items seen so far (their calibrated model confidences standing for the
/// items to come) average the target. This replaces a fixed per-item stop posterior: an item stops where the overall
/// target needs it to, and a disagreement with a confident model is settled only when settling it is cheaper than
/// sending another item to people. Immutable; thread-safe.
/// </summary>
public sealed class RoutingPlan
{
    private const int Grid = 400;

    /// <summary>Creates a plan.</summary>
    /// <param name="classes">Number of classes K ≥ 2.</param>
    /// <param name="personAccuracy">People's accuracy h, in (1/K, 1).</param>
    /// <param name="maxPeople">The most people asked about an item, ≥ 1.</param>
    /// <param name="auditShare">Share of accepted labels that one person also sees (their answer then counts like any other), 0–1.</param>
    /// <param name="kappa">The price of one person's answer in accuracy (≥ 0); +∞: never ask beyond what is forced.</param>
    public RoutingPlan(int classes, double personAccuracy, int maxPeople, double auditShare, double kappa)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPeople, 1);
        if (!(personAccuracy > 1.0 / classes && personAccuracy < 1)) throw new ArgumentOutOfRangeException(nameof(personAccuracy), "People's accuracy must be between 1/K and 1.");
        if (!(auditShare >= 0 && auditShare <= 1)) throw new ArgumentOutOfRangeException(nameof(auditShare));
        if (!(kappa >= 0)) throw new ArgumentOutOfRangeException(nameof(kappa));
        Classes = classes;
        PersonAccuracy = personAccuracy;
        MaxPeople = maxPeople;
        AuditShare = auditShare;
        Kappa = kappa;
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>People's accuracy.</summary>
    public double PersonAccuracy { get; }

    /// <summary>The most people per item.</summary>
    public int MaxPeople { get; }

    /// <summary>Share of accepted labels audited by one person.</summary>
    public double AuditShare { get; }

    /// <summary>The price of one answer in accuracy.</summary>
    public double Kappa { get; }

    /// <summary>A model's label at calibrated confidence q as a posterior over the classes: q on the label, the rest spread evenly.</summary>
    public double[] Prior(int modelLabel, double q)
    {
        var p = new double[Classes];
        var qa = Math.Clamp(q, 1e-9, 1 - 1e-9);
        Array.Fill(p, (1 - qa) / (Classes - 1));
        p[modelLabel] = qa;
        return p;
    }

    /// <summary>Whether to ask one more person about an item whose posterior is <paramref name="posterior"/> after <paramref name="asked"/> people.</summary>
    public bool ShouldAsk(double[] posterior, int asked)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        if (asked >= MaxPeople || double.IsPositiveInfinity(Kappa)) return false;
        var (stop, ask, _, _) = Values(posterior, MaxPeople - asked);
        return ask > stop + 1e-12;
    }

    /// <summary>Whether a model label at calibrated confidence <paramref name="q"/> is accepted (not worth a person).</summary>
    public bool Accepts(double q) => !ShouldAsk(Prior(0, q), 0);

    /// <summary>The lowest calibrated confidence that is accepted (bisection; accepting is monotone in q for q ≥ 1/K).</summary>
    public double AcceptanceThreshold()
    {
        if (double.IsPositiveInfinity(Kappa)) return 0;
        if (!Accepts(1 - 1e-9)) return double.PositiveInfinity;
        double lo = 1.0 / Classes, hi = 1 - 1e-9;
        if (Accepts(lo)) return lo;
        for (var i = 0; i < 50; i++)
        {
            var mid = (lo + hi) / 2;
            if (Accepts(mid)) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /// <summary>
    /// What the plan expects for a model label at calibrated confidence <paramref name="q"/>: accepted, its accuracy is q
    /// (or, for the audited share, what one person and any follow-up make of it); otherwise what people make of it.
    /// </summary>
    public PlanOutcome Expect(double q)
    {
        var prior = Prior(0, q);
        var (stop, ask, acc, people) = Values(prior, MaxPeople);
        if (ask > stop + 1e-12) return new PlanOutcome(acc, people);
        // Accepted: the audited share sees one person for sure, and then whatever the plan says.
        var (_, _, auditAcc, auditPeople) = Values(prior, MaxPeople, force: true);
        return new PlanOutcome((1 - AuditShare) * Math.Clamp(q, 0, 1) + AuditShare * auditAcc, AuditShare * auditPeople);
    }

    /// <summary>
    /// The plan whose mean expected accuracy over <paramref name="confidences"/> (calibrated model confidences, NaN
    /// ignored) is <paramref name="goal"/>: κ by bisection on its logarithm (mean accuracy falls as κ rises). With no
    /// confidences, or when accepting every label reaches the goal, κ = +∞ (accept all but audits); when even asking
    /// every item's people up to the limit falls short, the smallest κ tried.
    /// </summary>
    public static RoutingPlan Solve(IEnumerable<double> confidences, double goal, int classes, double personAccuracy, int maxPeople, double auditShare)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        // Histogram the confidences on a grid (linear weights), so each κ costs Grid + 1 evaluations.
        var weight = new double[Grid + 1];
        var count = 0;
        foreach (var c in confidences)
        {
            if (double.IsNaN(c)) continue;
            var t = Math.Clamp(c, 0, 1) * Grid;
            var i = Math.Min((int)t, Grid - 1);
            var f = t - i;
            weight[i] += 1 - f;
            weight[i + 1] += f;
            count++;
        }
        RoutingPlan Plan(double kappa) => new(classes, personAccuracy, maxPeople, auditShare, kappa);
        if (count == 0) return Plan(double.PositiveInfinity);
        double Mean(RoutingPlan plan)
        {
            double sum = 0;
            for (var i = 0; i <= Grid; i++)
                if (weight[i] > 0) sum += weight[i] * plan.Expect((double)i / Grid).Accuracy;
            return sum / count;
        }
        if (Mean(Plan(double.PositiveInfinity)) >= goal) return Plan(double.PositiveInfinity);
        double lo = Math.Log(1e-6), hi = Math.Log(1.0);
        if (Mean(Plan(Math.Exp(lo))) < goal) return Plan(Math.Exp(lo));
        if (Mean(Plan(Math.Exp(hi))) >= goal) return Plan(Math.Exp(hi));
        for (var it = 0; it < 40; it++)
        {
            var mid = (lo + hi) / 2;
            if (Mean(Plan(Math.Exp(mid))) >= goal) lo = mid;
            else hi = mid;
        }
        return Plan(Math.Exp(lo));
    }

    /// <summary>
    /// Backward induction with r people still allowed: the value of stopping (the leading label's posterior), of asking
    /// (expected value after one answer − κ), and the accuracy and answers expected under the better choice (or under
    /// asking, when <paramref name="force"/>). Classes with equal posterior give mirror-image children, so each such
    /// group is expanded once.
    /// </summary>
    private (double Stop, double Ask, double Accuracy, double People) Values(double[] posterior, int remaining, bool force = false)
    {
        var k = posterior.Length;
        var stop = posterior.Max();
        if (remaining <= 0 || (double.IsPositiveInfinity(Kappa) && !force)) return (stop, double.NegativeInfinity, stop, 0);
        var h = PersonAccuracy;
        var e = (1 - h) / (k - 1);
        double value = 0, accuracy = 0, people = 0;
        var done = new bool[k];
        for (var l = 0; l < k; l++)
        {
            if (done[l]) continue;
            var group = 0;
            for (var m = l; m < k; m++)
                if (!done[m] && posterior[m] == posterior[l]) { done[m] = true; group++; }
            // P(answer l) = Σ_c post_c · (h if c = l else e).
            var pl = posterior[l] * h + (1 - posterior[l]) * e;
            if (pl <= 0) continue;
            var child = new double[k];
            for (var c = 0; c < k; c++) child[c] = posterior[c] * (c == l ? h : e) / pl;
            var (cs, ca, cAcc, cPeople) = Values(child, remaining - 1);
            var best = Math.Max(cs, ca);
            value += group * pl * best;
            accuracy += group * pl * cAcc;
            people += group * pl * cPeople;
        }
        var ask = value - (double.IsPositiveInfinity(Kappa) ? 0 : Kappa);
        if (force || ask > stop + 1e-12) return (stop, ask, accuracy, 1 + people);
        return (stop, ask, stop, 0);
    }
}
