using Sift.Evidence;

namespace Sift.Routing;

/// <summary>How <see cref="RoutingOracle"/> decides when an item has had enough people.</summary>
public enum RouterMode
{
    /// <summary>
    /// Calibration corrected for people's own errors (<see cref="NoisyLabels"/>, people's accuracy identified by items
    /// two people saw) and one plan for the overall target (<see cref="RoutingPlan"/>): accept, and ask each further
    /// person, where the target needs it at least cost. The default.
    /// </summary>
    Solve,

    /// <summary>
    /// The earlier rule: calibration against people's resolved label, one acceptance threshold by the ledger, people
    /// asked until the posterior reaches <see cref="RouterOptions.StopPosterior"/>, the model's vote capped.
    /// </summary>
    Stop,
}

/// <summary>How the solve-mode plan's goal treats what the items labeled so far are expected to have reached.</summary>
public enum GoalRule
{
    /// <summary>
    /// A shortfall is repaid and a surplus spent (the goal moves within [target − 0.05, 0.999]), accepted labels counted
    /// at their calibrated (acting) value. The default: cheapest, but a calibration that is too high in the accepted
    /// region is found only through the calibrator.
    /// </summary>
    Balance,

    /// <summary>
    /// Accepted labels counted at most at the accuracy the 1/π-weighted audits measured, and a surplus never spent
    /// (the goal stays at or above the target): the target is met more often, at a higher cost (docs/benchmarks.md).
    /// </summary>
    Repay,
}

/// <summary>Settings of <see cref="RoutingOracle"/>. Validated once, when the router is created.</summary>
public sealed record RouterOptions
{
    /// <summary>How the router decides (<see cref="RouterMode"/>). Default <see cref="RouterMode.Solve"/>.</summary>
    public RouterMode Mode { get; init; } = RouterMode.Solve;

    /// <summary>
    /// In <see cref="RouterMode.Solve"/>: the share of items sent to people (a seeded draw per item, independent of any
    /// answer) that get two people, so people's accuracy is identified; warm-up items always get two. Default 0.1.
    /// </summary>
    public double DoubleShare { get; init; } = 0.1;

    /// <summary>
    /// In <see cref="RouterMode.Solve"/>: calibrate the model's stated confidence combined with the learner's
    /// probability of the model's label (<see cref="LearnerStrata"/>, from
    /// <see cref="Oracles.OracleQuestion.LearnerProbabilities"/>; items without them are calibrated apart, on the stated
    /// confidence). Default false: measured, it did not help at the 0.90/0.95 profiles (docs/benchmarks.md).
    /// </summary>
    public bool UseLearner { get; init; }

    /// <summary>
    /// In <see cref="RouterMode.Solve"/>: draw audits with probability proportional to an accepted label's expected
    /// error (the same share of accepted labels on average) instead of uniformly. Default true.
    /// </summary>
    public bool RiskAudits { get; init; } = true;

    /// <summary>In <see cref="RouterMode.Solve"/>: how the plan's goal counts the items labeled so far (<see cref="GoalRule"/>). Default <see cref="GoalRule.Balance"/>.</summary>
    public GoalRule Goal { get; init; } = GoalRule.Balance;

    /// <summary>The label accuracy to reach over all routed items, 0–1. Default 0.95.</summary>
    public double TargetAccuracy { get; init; } = 0.95;

    /// <summary>
    /// Extra accuracy aimed for above <see cref="TargetAccuracy"/>, against the error of the calibration estimates. Default 0.
    /// </summary>
    public double Margin { get; init; }

    /// <summary>Share of accepted model labels that also go to people (a seeded draw per item), so calibration never runs blind. Default 0.05.</summary>
    public double AuditShare { get; init; } = 0.05;

    /// <summary>
    /// The first this-many items a model answers all go to people too, before any model label is accepted: with no
    /// audits a model's stated confidence cannot be trusted. Default 100.
    /// </summary>
    public int WarmUp { get; init; } = 100;

    /// <summary>The most people asked about one item. Default 3.</summary>
    public int MaxPeople { get; init; } = 3;

    /// <summary>In <see cref="RouterMode.Stop"/>: people are asked one at a time until the posterior of the leading label reaches this. Default 0.99.</summary>
    public double StopPosterior { get; init; } = 0.99;

    /// <summary>
    /// The most weight the model's label gets in people's posterior (as if it were an annotator this accurate): below
    /// a person's accuracy, so one dissenting person always outweighs the model and an audit can refute it. Default 0.9.
    /// </summary>
    public double ModelVoteCap { get; init; } = 0.9;

    /// <summary>A person's accuracy assumed until Dawid–Skene has estimated it from the answers. Default 0.9.</summary>
    public double PersonAccuracyPrior { get; init; } = 0.9;

    /// <summary>
    /// How many items with a model answer and at least two people's answers are needed before people's accuracy is
    /// estimated by Dawid–Skene (one-coin) instead of <see cref="PersonAccuracyPrior"/>. Default 20.
    /// </summary>
    public int MinItemsForDawidSkene { get; init; } = 20;

    /// <summary>
    /// With isotonic calibration, the router acts on the lower end of each fitted block's Wilson interval at this many
    /// standard errors (0: on the fitted value). Default 0.5.
    /// </summary>
    public double ConfidenceZ { get; init; } = 0.5;

    /// <summary>How a model's stated confidence is calibrated against people's labels. Default isotonic.</summary>
    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.Isotonic;

    /// <summary>
    /// Resolved items on which both models agreed needed before an agreement of a second model with the first is
    /// trusted to accept a label. Default 30.
    /// </summary>
    public int MinAgreementOutcomes { get; init; } = 30;

    /// <summary>Seed of the audit draws. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Receives one <see cref="RoutingEvent"/> per item. Default: none kept.</summary>
    public IEvidenceSink Evidence { get; init; } = NullEvidenceSink.Instance;

    /// <summary>
    /// Applies a spec of router settings, <c>mode=solve,double-share=0.1,stop=0.99,max-people=3,z=0.5,warm-up=100,vote-cap=0.9,margin=0,learner=off,audits=risk,goal=balance</c>
    /// (any subset; keys as in the option names; <c>mode</c> is <c>solve</c> or <c>stop</c>), to these options.
    /// </summary>
    /// <exception cref="ConfigurationException">The spec is malformed; the message names the part.</exception>
    public RouterOptions WithSpec(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return this;
        var parts = Simulation.Routing.SpecParts.Parse(spec, "--router");
        Simulation.Routing.SpecParts.NoOthers(parts, spec, "--router", "mode", "double-share", "stop", "max-people", "z", "warm-up", "vote-cap", "margin", "learner", "audits", "goal");
        var mode = Mode;
        if (parts.TryGetValue("mode", out var m))
            mode = m.ToLowerInvariant() switch
            {
                "solve" => RouterMode.Solve,
                "stop" => RouterMode.Stop,
                _ => throw new ConfigurationException($"--router '{spec}': mode must be 'solve' or 'stop', not '{m}'."),
            };
        double Get(string key, double fallback) => Simulation.Routing.SpecParts.Number(parts, key, spec, "--router", fallback);
        int GetInt(string key, int fallback)
        {
            var v = Get(key, fallback);
            if (v != Math.Floor(v) || v < 0 || v > 1_000_000) throw new ConfigurationException($"--router '{spec}': {key} must be a whole number.");
            return (int)v;
        }
        var result = this with
        {
            Mode = mode,
            DoubleShare = Get("double-share", DoubleShare),
            StopPosterior = Get("stop", StopPosterior),
            MaxPeople = GetInt("max-people", MaxPeople),
            ConfidenceZ = Get("z", ConfidenceZ),
            WarmUp = GetInt("warm-up", WarmUp),
            ModelVoteCap = Get("vote-cap", ModelVoteCap),
            Margin = Get("margin", Margin),
            UseLearner = parts.TryGetValue("learner", out var learner) ? learner.ToLowerInvariant() switch
            {
                "on" => true,
                "off" => false,
                _ => throw new ConfigurationException($"--router '{spec}': learner must be 'on' or 'off', not '{learner}'."),
            } : UseLearner,
            RiskAudits = parts.TryGetValue("audits", out var audits) ? audits.ToLowerInvariant() switch
            {
                "risk" => true,
                "uniform" => false,
                _ => throw new ConfigurationException($"--router '{spec}': audits must be 'uniform' or 'risk', not '{audits}'."),
            } : RiskAudits,
            Goal = parts.TryGetValue("goal", out var g) ? g.ToLowerInvariant() switch
            {
                "balance" => GoalRule.Balance,
                "repay" => GoalRule.Repay,
                _ => throw new ConfigurationException($"--router '{spec}': goal must be 'balance' or 'repay', not '{g}'."),
            } : Goal,
        };
        result.Validate();
        return result;
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public void Validate()
    {
        if (!(TargetAccuracy > 0 && TargetAccuracy < 1)) throw new ConfigurationException("The target accuracy must be between 0 and 1 (exclusive).");
        if (!(Margin >= 0 && Margin < 1)) throw new ConfigurationException("The router's margin must be in [0, 1).");
        if (!(AuditShare >= 0 && AuditShare <= 1)) throw new ConfigurationException("The audit share must be between 0 and 1.");
        if (!(DoubleShare >= 0 && DoubleShare <= 1)) throw new ConfigurationException("The router's double share must be between 0 and 1.");
        if (!Enum.IsDefined(Mode)) throw new ConfigurationException("The router's mode must be solve or stop.");
        if (!Enum.IsDefined(Goal)) throw new ConfigurationException("The router's goal rule must be balance or repay.");
        if (WarmUp < 0) throw new ConfigurationException("The router's warm-up cannot be negative.");
        if (MaxPeople < 1) throw new ConfigurationException("The router must be allowed to ask at least one person.");
        if (!(StopPosterior > 0.5 && StopPosterior < 1)) throw new ConfigurationException("The router's stop posterior must be between 0.5 and 1.");
        if (!(ConfidenceZ >= 0 && ConfidenceZ <= 5)) throw new ConfigurationException("The router's confidence z must be between 0 and 5.");
        if (!(ModelVoteCap > 0 && ModelVoteCap < 1)) throw new ConfigurationException("The cap on the model's vote must be between 0 and 1.");
        if (!(PersonAccuracyPrior > 0 && PersonAccuracyPrior < 1)) throw new ConfigurationException("The prior of a person's accuracy must be between 0 and 1.");
        if (MinItemsForDawidSkene < 1 || MinAgreementOutcomes < 1) throw new ConfigurationException("The router's minimum counts must be at least 1.");
        ArgumentNullException.ThrowIfNull(Evidence);
    }
}

/// <summary>
/// One routing decision: what the router did with an item, what it read to decide, what it cost and which labels it
/// returned. Decisions: <c>accept-model</c>, <c>second-model</c> (accepted on two models' agreement), <c>one-person</c>,
/// <c>k-people</c>, with <c>audit</c> or <c>warm-up</c> when an accepted-looking item went to people anyway.
/// </summary>
/// <param name="ItemId">The item.</param>
/// <param name="Decision">What the router did.</param>
/// <param name="Inputs">What it read: stated and calibrated confidence, the batch's acceptance threshold, the audit draw, people's estimated accuracy, the learner's probability, the posterior.</param>
/// <param name="Cost">Money spent on the item (models and people).</param>
/// <param name="Labels">The labels returned (empty when declined or deferred).</param>
public sealed record RoutingEvent(string ItemId, string Decision, IReadOnlyDictionary<string, object?> Inputs, double Cost, IReadOnlyList<string> Labels) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "routing";
}
