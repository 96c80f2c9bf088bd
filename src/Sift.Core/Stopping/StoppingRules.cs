using System.Globalization;

namespace Sift.Stopping;

/// <summary>The state a stopping rule can read after a round: counts, spend and metric histories.</summary>
public sealed class StoppingContext
{
    /// <summary>Rounds completed (the seed-set model is round 0).</summary>
    public int Round { get; init; }

    /// <summary>Items labeled so far, seed set included.</summary>
    public int Labels { get; init; }

    /// <summary>Money (sum of item costs) spent so far.</summary>
    public double Spent { get; init; }

    /// <summary>Validation metric after each round (on a split the learner never selects); empty if none.</summary>
    public IReadOnlyList<double> ValidationHistory { get; init; } = [];

    /// <summary>Money spent when each <see cref="ValidationHistory"/> point was measured (aligned with it); empty if not tracked.</summary>
    public IReadOnlyList<double> SpentHistory { get; init; } = [];

    /// <summary>Cohen's κ between consecutive models' predictions on the stop set, one per round after the first.</summary>
    public IReadOnlyList<double> AgreementHistory { get; init; } = [];

    /// <summary>Mean normalised predictive entropy over the unlabeled pool (0 = certain, 1 = uniform), NaN if unknown.</summary>
    public double MeanUncertainty { get; init; } = double.NaN;

    /// <summary>Selectable items left.</summary>
    public int Remaining { get; init; }
}

/// <summary>A rule's verdict with its reason and state, for the evidence record.</summary>
public sealed record StopDecision(bool Stop, string Rule, string Reason, IReadOnlyDictionary<string, object?> State);

/// <summary>A stopping rule. Rules are pure functions of the context, so one instance serves every run.</summary>
public interface IStoppingRule
{
    /// <summary>Canonical spec string, e.g. <c>plateau(delta=0.005,window=3)</c>.</summary>
    string Spec { get; }

    /// <summary>Whether to stop now, and why.</summary>
    StopDecision Evaluate(StoppingContext context);
}

/// <summary>Stop when the labeled count reaches the budget (seed set included).</summary>
public sealed record LabelBudget(int Budget) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"labels({Budget})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stop = context.Labels >= Budget;
        return new(stop, Spec, stop ? $"label budget reached: {context.Labels} of {Budget}" : $"{context.Labels} of {Budget} labels used",
            new Dictionary<string, object?> { ["labels"] = context.Labels, ["budget"] = Budget });
    }
}

/// <summary>Stop when the money spent reaches the budget; the loop also never starts an item it cannot pay for.</summary>
public sealed record MoneyBudget(double Budget) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"money({Budget.ToString(CultureInfo.InvariantCulture)})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stop = context.Spent >= Budget - 1e-9;
        var spent = context.Spent.ToString("0.##", CultureInfo.InvariantCulture);
        return new(stop, Spec, stop ? $"money budget reached: spent {spent} of {Budget.ToString(CultureInfo.InvariantCulture)}" : $"spent {spent} of {Budget.ToString(CultureInfo.InvariantCulture)}",
            new Dictionary<string, object?> { ["spent"] = context.Spent, ["budget"] = Budget });
    }
}

/// <summary>Stop after a number of query rounds.</summary>
public sealed record MaxRounds(int Rounds) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"rounds({Rounds})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stop = context.Round >= Rounds;
        return new(stop, Spec, stop ? $"reached {Rounds} rounds" : $"round {context.Round} of {Rounds}",
            new Dictionary<string, object?> { ["round"] = context.Round, ["max"] = Rounds });
    }
}

/// <summary>
/// Stop when the validation metric has gained less than <see cref="Delta"/> over the last <see cref="Window"/> rounds
/// (best of the window minus the value before it).
/// </summary>
public sealed record Plateau(double Delta = 0.005, int Window = 3) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"plateau(delta={Delta.ToString(CultureInfo.InvariantCulture)},window={Window})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var h = context.ValidationHistory;
        if (h.Count <= Window)
            return new(false, Spec, $"waiting for {Window + 1} validation points ({h.Count} so far)",
                new Dictionary<string, object?> { ["points"] = h.Count });
        var before = h[h.Count - Window - 1];
        var best = h.Skip(h.Count - Window).Max();
        var gain = best - before;
        var stop = gain < Delta;
        var g = gain.ToString("0.####", CultureInfo.InvariantCulture);
        return new(stop, Spec, stop ? $"validation gain {g} over the last {Window} rounds is below {Delta.ToString(CultureInfo.InvariantCulture)}" : $"validation still improving: +{g} over {Window} rounds",
            new Dictionary<string, object?> { ["gain"] = gain, ["window"] = Window, ["delta"] = Delta });
    }
}

/// <summary>
/// Stabilising predictions (Bloodgood &amp; Vijay-Shanker 2009): stop when Cohen's κ between consecutive models'
/// predictions on a fixed stop set is at least <see cref="Kappa"/> for <see cref="Window"/> consecutive rounds.
/// </summary>
public sealed record StabilizingPredictions(double Kappa = 0.99, int Window = 3) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"kappa({Kappa.ToString(CultureInfo.InvariantCulture)},window={Window})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var h = context.AgreementHistory;
        var run = 0;
        for (var i = h.Count - 1; i >= 0 && h[i] >= Kappa; i--) run++;
        var stop = run >= Window;
        var last = h.Count > 0 ? h[^1].ToString("0.####", CultureInfo.InvariantCulture) : "n/a";
        return new(stop, Spec, stop ? $"predictions stable: κ ≥ {Kappa.ToString(CultureInfo.InvariantCulture)} for {run} rounds (last {last})" : $"κ {last}; {run} of {Window} stable rounds",
            new Dictionary<string, object?> { ["kappa"] = h.Count > 0 ? h[^1] : null, ["stable_rounds"] = run });
    }
}

/// <summary>Stop when the mean normalised entropy over the unlabeled pool falls below <see cref="Threshold"/> (Zhu et al. 2008, overall uncertainty).</summary>
public sealed record UncertaintyBelow(double Threshold = 0.1) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"uncertainty({Threshold.ToString(CultureInfo.InvariantCulture)})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var u = context.MeanUncertainty;
        var stop = !double.IsNaN(u) && u < Threshold;
        var us = double.IsNaN(u) ? "n/a" : u.ToString("0.####", CultureInfo.InvariantCulture);
        return new(stop, Spec, stop ? $"pool uncertainty {us} is below {Threshold.ToString(CultureInfo.InvariantCulture)}" : $"pool uncertainty {us}",
            new Dictionary<string, object?> { ["uncertainty"] = double.IsNaN(u) ? null : u });
    }
}

/// <summary>
/// Cost-aware stopping: stop when the validation accuracy gained over the last <see cref="Window"/> rounds, per unit of
/// money spent over them, is below <see cref="MinGainPerMoney"/> — the next labels are no longer worth their price
/// (the marginal-value rule of cost-sensitive active learning, e.g. Settles, Craven &amp; Friedland 2008 on annotation
/// cost; here on the measured learning curve). Needs a validation split, like <see cref="Plateau"/>.
/// </summary>
public sealed record MoneyGain(double MinGainPerMoney, int Window = 3) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"money-gain(min={MinGainPerMoney.ToString(CultureInfo.InvariantCulture)},window={Window})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var h = context.ValidationHistory;
        var spent = context.SpentHistory;
        if (h.Count <= Window || spent.Count != h.Count)
            return new(false, Spec, $"waiting for {Window + 1} validation points with spend ({Math.Min(h.Count, spent.Count)} so far)",
                new Dictionary<string, object?> { ["points"] = Math.Min(h.Count, spent.Count) });
        var gain = h[^1] - h[h.Count - Window - 1];
        var money = spent[^1] - spent[spent.Count - Window - 1];
        if (money <= 0)
            return new(false, Spec, "no money spent over the window", new Dictionary<string, object?> { ["gain"] = gain, ["money"] = money });
        var rate = gain / money;
        var stop = rate < MinGainPerMoney;
        var r = rate.ToString("0.######", CultureInfo.InvariantCulture);
        return new(stop, Spec, stop ? $"validation gain per unit of money {r} over the last {Window} rounds is below {MinGainPerMoney.ToString(CultureInfo.InvariantCulture)}" : $"validation gain per unit of money {r}",
            new Dictionary<string, object?> { ["gain"] = gain, ["money"] = money, ["gain_per_money"] = rate, ["min"] = MinGainPerMoney });
    }
}

/// <summary>Stop when any (or, with <see cref="RequireAll"/>, all) of the rules say stop.</summary>
public sealed record CombinedRule(IReadOnlyList<IStoppingRule> Rules, bool RequireAll) : IStoppingRule
{
    /// <inheritdoc />
    public string Spec => $"{(RequireAll ? "all" : "any")}({string.Join(",", Rules.Select(r => r.Spec))})";

    /// <inheritdoc />
    public StopDecision Evaluate(StoppingContext context)
    {
        var decisions = Rules.Select(r => r.Evaluate(context)).ToList();
        var stop = RequireAll ? decisions.All(d => d.Stop) : decisions.Any(d => d.Stop);
        var reason = stop
            ? string.Join("; ", decisions.Where(d => d.Stop).Select(d => d.Reason))
            : string.Join("; ", decisions.Select(d => d.Reason));
        if (stop && RequireAll) reason = "all rules agree: " + reason;
        // The same rule listed twice decides the same way twice: its state is kept once.
        var state = decisions.DistinctBy(d => d.Rule).ToDictionary(d => d.Rule, d => (object?)new Dictionary<string, object?>(d.State) { ["stop"] = d.Stop });
        var rule = stop && !RequireAll ? decisions.First(d => d.Stop).Rule : Spec;
        return new(stop, rule, reason, state);
    }
}
