namespace Sift.Routing;

/// <summary>
/// The pure pieces of the router's solve mode (<see cref="RouterMode.Solve"/>), shared by <see cref="RoutingOracle"/>
/// (simulation and the engine) and the server's model annotators, which rebuild their router from the store instead of
/// keeping it in memory: people's pooled accuracy, the goal that repays the shortfall of items already labeled, the
/// risk-weighted audit probability, a one-coin posterior over people's answers, and the Horvitz–Thompson estimate of an
/// audited share. Pure functions; thread-safe.
/// </summary>
public static class SolveRules
{
    /// <summary>The fewest items a shortfall against the target is spread over (<see cref="PlanGoal"/>): 500.</summary>
    public const int DebtHorizon = 500;

    /// <summary>
    /// The mean accuracy the plan aims at for the items to come: <paramref name="target"/> + <paramref name="margin"/>,
    /// corrected by what the <paramref name="labeled"/> items labeled so far are now expected to have reached
    /// (<paramref name="expectedRight"/>: accepted labels at their acting value under the current calibrator, people's at
    /// their posterior), the shortfall (or surplus) spread over as many items as were labeled, at least
    /// <see cref="DebtHorizon"/>. Kept within [target − 0.05, 0.999], or [target, 0.999] when a surplus may not be
    /// spent (<paramref name="spendSurplus"/> false, <see cref="GoalRule.Repay"/>). The goal itself when nothing is labeled yet.
    /// </summary>
    public static double PlanGoal(double target, double margin, int labeled, double expectedRight, bool spendSurplus = true)
    {
        var goal = target + margin;
        if (labeled <= 0) return goal;
        var debt = goal * labeled - expectedRight;
        return Math.Clamp(goal + debt / Math.Max(labeled, DebtHorizon), spendSurplus ? target - 0.05 : target, 0.999);
    }

    /// <summary>An accepted label's expected error, 1 − q, floored at 0.001 (q clipped to [0, 1]).</summary>
    public static double AuditRisk(double q) => Math.Max(1 - Math.Clamp(q, 0, 1), 0.001);

    /// <summary>
    /// The mean <see cref="AuditRisk"/> over the acting values at or above <paramref name="threshold"/> (the labels the
    /// plan accepts); NaN when none is.
    /// </summary>
    public static double AcceptedMeanError(IEnumerable<double> actingValues, double threshold)
    {
        ArgumentNullException.ThrowIfNull(actingValues);
        double sum = 0;
        var n = 0;
        foreach (var q in actingValues)
        {
            if (!(q >= threshold)) continue;
            sum += AuditRisk(q);
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>
    /// An accepted label's chance of an audit when audits are drawn by risk: proportional to its expected error 1 − q,
    /// scaled so that the accepted labels (whose mean error is <paramref name="acceptedMeanError"/>) still average
    /// <paramref name="auditShare"/> — importance sampling; an audit is then weighted by 1/π (Horvitz &amp; Thompson
    /// 1952). <paramref name="auditShare"/> itself when the mean error is unknown (NaN or 0). At most 1.
    /// </summary>
    public static double AuditProbability(double q, double auditShare, double acceptedMeanError) =>
        !(acceptedMeanError > 0) ? auditShare : Math.Clamp(auditShare * AuditRisk(q) / acceptedMeanError, 0, 1);

    /// <summary>
    /// People's pooled accuracy the plan uses: the noise-corrected EM estimate <paramref name="fitted"/> when there is
    /// one (not NaN), else the two-rater moment estimate (<see cref="NoisyLabels.TwoRaterAccuracy"/>) once
    /// <paramref name="pairs"/> reach <paramref name="minPairs"/>, else <paramref name="prior"/>; kept within
    /// (1/K, 0.999].
    /// </summary>
    public static double PooledPersonAccuracy(double fitted, int pairs, int agreements, int minPairs, double prior, int classes)
    {
        var k = Math.Max(2, classes);
        var h = !double.IsNaN(fitted) ? fitted
            : pairs >= minPairs && pairs > 0 ? NoisyLabels.TwoRaterAccuracy(agreements, pairs, k)
            : prior;
        return Math.Clamp(h, 1.0 / k + 1e-3, 0.999);
    }

    /// <summary>
    /// The posterior over the classes after people's answers (one-coin likelihood, Dawid &amp; Skene 1979 with one
    /// accuracy h pooled over people: h on the answer, (1 − h)/(K − 1) elsewhere), starting from <paramref name="prior"/>
    /// (a model's label at its acting value, <see cref="RoutingPlan.Prior"/>, or uniform). Returns a new array.
    /// </summary>
    public static double[] Posterior(IReadOnlyList<double> prior, IEnumerable<int> personLabels, double personAccuracy)
    {
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentNullException.ThrowIfNull(personLabels);
        var k = prior.Count;
        var p = prior.ToArray();
        foreach (var l in personLabels)
        {
            if (l < 0 || l >= k) continue;
            double sum = 0;
            for (var c = 0; c < k; c++) sum += p[c] *= c == l ? personAccuracy : k > 1 ? (1 - personAccuracy) / (k - 1) : 1;
            if (!(sum > 0)) continue;
            for (var c = 0; c < k; c++) p[c] /= sum;
        }
        return p;
    }

    /// <summary>
    /// The share of audited labels that were right, each audit weighted by 1/π (its inclusion probability; Horvitz &amp;
    /// Thompson 1952, the ratio form), with a 95% Wilson interval on Kish's effective sample size (Σw)²/Σw² (Kish 1965).
    /// With equal probabilities it is the plain share and its Wilson interval. Probabilities ≤ 0 count as 1e-9.
    /// <see cref="ShareInterval.Trials"/> is the number of audits; NaN estimate and [0, 1] for none.
    /// </summary>
    public static ShareInterval WeightedShare(IEnumerable<(double Probability, bool Right)> audits)
    {
        ArgumentNullException.ThrowIfNull(audits);
        double weight = 0, squared = 0, right = 0;
        var n = 0;
        foreach (var (probability, ok) in audits)
        {
            var w = 1 / Math.Max(probability, 1e-9);
            weight += w;
            squared += w * w;
            if (ok) right += w;
            n++;
        }
        if (n == 0) return new ShareInterval(double.NaN, 0, 1, 0);
        var share = right / weight;
        var effective = Math.Max(1, (int)Math.Round(weight * weight / squared));
        var wilson = ShareInterval.Wilson((int)Math.Round(share * effective), effective);
        return new ShareInterval(share, wilson.Low, wilson.High, n);
    }
}
