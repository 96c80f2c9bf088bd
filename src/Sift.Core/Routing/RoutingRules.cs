namespace Sift.Routing;

/// <summary>
/// The router's decision rules, shared by <see cref="RoutingOracle"/> (simulation and the engine) and the server's model
/// annotators, which keep their routing history in the store instead of in memory: which value a calibrated confidence
/// is acted on, how far audits scale it, and the one acceptance threshold that keeps the mean accuracy at the target.
/// Pure functions; thread-safe.
/// </summary>
public static class RoutingRules
{
    /// <summary>
    /// The calibrated confidence the router acts on: for an isotonic calibrator and <paramref name="z"/> &gt; 0 the
    /// lower end of the fitted block's Wilson interval at <paramref name="z"/> standard errors (accepted regions get
    /// outcomes only from audits, and a region whose fit is high by chance would otherwise stay accepted — the winner's
    /// curse); otherwise the calibrator's map.
    /// </summary>
    public static double ActingValue(IConfidenceCalibrator calibrator, double stated, double z)
    {
        ArgumentNullException.ThrowIfNull(calibrator);
        return calibrator is IsotonicCalibrator iso && z > 0 ? iso.MapLower(stated, z) : calibrator.Map(stated);
    }

    /// <summary>
    /// How far the audits say accepted labels fall short of their calibrated confidence: audited right ÷ audited
    /// expected (the calibrator's fitted values at the audits), with 10 pseudo-audits at exactly the calibrated value so
    /// a handful of audits moves it little (a ratio estimator, Cochran 1977 §6); at most 1 — audits may only lower it.
    /// </summary>
    /// <param name="auditsRight">Audited model labels that people confirmed.</param>
    /// <param name="auditedExpected">The sum of the calibrated confidences of the audited labels.</param>
    public static double AuditScale(int auditsRight, double auditedExpected) => Math.Min(1, (auditsRight + 10.0) / (auditedExpected + 10));

    /// <summary>
    /// The acceptance threshold on acting values: the lowest value at which accepting every label at or above it —
    /// accepted labels counted at their value × <paramref name="auditScale"/> (at most 1), the rest at
    /// <paramref name="peopleAccuracy"/> — keeps the mean over all values at <paramref name="goal"/>; a label at least as
    /// good as people's is always accepted. Accepting in order of confidence is the least-cost way to a mean accuracy
    /// (the Lagrangian of "minimise cost subject to mean accuracy ≥ target" is a threshold), so one threshold over the
    /// values seen so far (they stand for the items to come) is the whole cost model for one model and people.
    /// +∞ when nothing can be accepted (no values, or none qualifies); NaN values are ignored.
    /// </summary>
    /// <param name="values">The acting values of every model answer seen so far (<see cref="ActingValue"/>).</param>
    /// <param name="auditScale">What the audits found (<see cref="AuditScale"/>).</param>
    /// <param name="peopleAccuracy">The accuracy people's labels are counted at.</param>
    /// <param name="goal">The mean accuracy to reach (the target plus any margin).</param>
    public static double AcceptanceThreshold(IEnumerable<double> values, double auditScale, double peopleAccuracy, double goal)
    {
        ArgumentNullException.ThrowIfNull(values);
        var q = values.Where(v => !double.IsNaN(v)).OrderDescending().ToList();
        if (q.Count == 0) return double.PositiveInfinity;
        var total = goal * q.Count;
        var sum = q.Count * peopleAccuracy;
        var best = -1;
        for (var m = 0; m < q.Count; m++)
        {
            var v = Math.Min(1, auditScale * q[m]);
            sum += v - peopleAccuracy;
            if (sum >= total - 1e-12 || v >= peopleAccuracy) best = m;
        }
        return best < 0 ? double.PositiveInfinity : q[best];
    }

    /// <summary>An item's audit draw: one seeded uniform number in [0, 1) per item id; the item is audited when it is below the audit share.</summary>
    public static double AuditDraw(ulong seed, string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        return Seeds.Uniform(Seeds.Mix(seed, itemId), 0);
    }
}
