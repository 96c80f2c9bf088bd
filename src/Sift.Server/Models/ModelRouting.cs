using Sift.Oracles;
using Sift.Projects;
using Sift.Routing;
using Sift.Storage;

namespace Sift.Server.Models;

/// <summary>
/// One model annotator's router, rebuilt from what the store holds (so any process can take over a model annotator and
/// decide as the last one would have). Two rules, by <see cref="RoutingSettings.Mode"/>:
/// <para>
/// <b>solve</b> (default) — the engine's solve mode (<see cref="RoutingOracle"/> with <see cref="RouterMode.Solve"/>,
/// the same Core pieces: <see cref="NoisyLabels"/>, <see cref="RoutingPlan"/>, <see cref="SolveRules"/>):
/// <list type="bullet">
/// <item>Calibration corrected for people's own errors: <see cref="NoisyLabels.Fit"/> over every item the model answered
/// validly that people answered without a suggestion shown (each person's answer counts, in the order given), refitted
/// from all of them every batch.</item>
/// <item>People's accuracy: identified by items with two or more such answers (the project's overlap; the EM uses them
/// directly, the two-rater moment estimate starts it once 20 pairs exist) and by people's answers on gold items, which
/// measure it directly and enter the EM's estimate as that many answers at their accuracy. With neither (overlap 1, no
/// gold) it is not identified and is held at the engine's prior, 0.9.</item>
/// <item>Warm-up: the first <see cref="RoutingSettings.WarmUp"/> valid answers all go to people.</item>
/// <item>Acceptance: <see cref="RoutingPlan.Solve"/> over the acting values (<see cref="RoutingRules.ActingValue"/>,
/// z = 0.5) of every confidence the model has stated, this batch's included, at the goal that repays the shortfall of
/// the items already labeled (<see cref="SolveRules.PlanGoal"/>: accepted labels at their acting value now, people's at
/// their one-coin posterior from the model's vote), with <see cref="RoutingPlan.MaxPeople"/> = the project's overlap (what
/// the server asks for an item sent to people; at most <see cref="MaxPlannedPeople"/>); a label is accepted at or above
/// the plan's threshold.</item>
/// <item>Audits: each accepted-looking label goes to people with probability π — by risk (default) ∝ 1 − its acting
/// value, averaging <see cref="RoutingSettings.AuditShare"/> over the labels the plan accepts
/// (<see cref="SolveRules.AuditProbability"/>), or uniformly the share — on one seeded draw per item id; π is recorded
/// with the decision's inputs (<c>audit_probability</c>) so the estimate can weight the audit by 1/π.</item>
/// </list>
/// </para>
/// <para>
/// <b>stop</b> — the earlier rule, kept for comparison: isotonic calibration against the label people resolved (majority
/// of their blind answers; a tie resolves nothing), one threshold on the acting value by
/// <see cref="RoutingRules.AcceptanceThreshold"/> with people's labels counted at the target and accepted values scaled
/// by what the audits found, uniform audits.
/// </para>
/// Single-label. Not thread-safe (one per model annotator's worker, or one per report).
/// </summary>
internal sealed class ModelRouting
{
    /// <summary>The decision words recorded with model answers.</summary>
    public const string Accept = "accept-model", WarmUp = "warm-up", Audit = "audit", BelowThreshold = "below-threshold", Declined = "declined";

    /// <summary>Standard errors below the fitted calibration the router acts on (the engine's default).</summary>
    public const double ConfidenceZ = 0.5;

    /// <summary>People's accuracy assumed while the store cannot identify it (the engine's <see cref="RouterOptions.PersonAccuracyPrior"/>).</summary>
    public const double PersonAccuracyPrior = 0.9;

    /// <summary>Items with two people's answers needed before their agreement starts the EM (the engine's <see cref="RouterOptions.MinItemsForDawidSkene"/>).</summary>
    public const int MinPairs = 20;

    /// <summary>
    /// The most people the plan looks ahead over (the overlap above it counts as this many): its backward induction
    /// grows with the number of distinct posteriors per step, factorially in the people for many classes, and is solved
    /// every batch.
    /// </summary>
    public const int MaxPlannedPeople = 5;

    // Pseudo-answers that hold people's accuracy at its start when nothing in the store identifies it.
    private const double Pinned = 1e6;

    private readonly RoutingSettings _settings;
    private readonly ulong _auditSeed;
    private readonly int _classes;
    private readonly int _maxPeople;
    private readonly Dictionary<string, int> _index;
    private readonly List<double> _stated = [];
    private int _valid;
    private int _auditsRight;
    private double _auditedExpected;
    private double _acceptedMeanError = double.NaN;

    private ModelRouting(ProjectSettings project, ulong auditSeed)
    {
        _settings = project.Routing;
        _auditSeed = auditSeed;
        _classes = Math.Max(2, project.Labels.Count);
        _maxPeople = Math.Clamp(project.Overlap, 1, MaxPlannedPeople);
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < project.Labels.Count; i++) _index.TryAdd(project.Labels[i], i);
    }

    /// <summary>Whether this router decides by the engine's solve mode (else the earlier stop rule).</summary>
    public bool Solving => !string.Equals(_settings.Mode, RoutingSettings.Stop, StringComparison.Ordinal);

    /// <summary>Whether audits are drawn by risk (solve mode with <c>audits: risk</c>).</summary>
    public bool RiskAudits => Solving && !string.Equals(_settings.Audits, RoutingSettings.UniformAudits, StringComparison.Ordinal);

    /// <summary>The calibrator fitted on every resolved answer so far (identity before any).</summary>
    public IConfidenceCalibrator Calibrator { get; private set; } = ConfidenceCalibration.Fit(CalibrationMethod.Isotonic, []);

    /// <summary>(stated confidence, agreed with the label people resolved by majority) of every resolved answer: the ECE's data in both modes.</summary>
    public IReadOnlyList<ConfidenceOutcome> Outcomes { get; private set; } = [];

    /// <summary>The items the noise-corrected calibration was fitted on (solve mode).</summary>
    public IReadOnlyList<ResolvedItem> Resolved { get; private set; } = [];

    /// <summary>Items the model answered that two or more people answered blind, and of them those whose first two answers agree.</summary>
    public (int Pairs, int Agreements) Pairs { get; private set; }

    /// <summary>People's answers on gold items and how many were right (what the caller passed).</summary>
    public GoldTally Gold { get; private set; }

    /// <summary>People's pooled accuracy the plan uses (solve mode: the EM's; the prior in stop mode).</summary>
    public double PersonAccuracy { get; private set; } = PersonAccuracyPrior;

    /// <summary>What identifies <see cref="PersonAccuracy"/>: <c>gold+pairs</c>, <c>gold</c>, <c>pairs</c> or <c>prior</c>.</summary>
    public string PersonAccuracyFrom { get; private set; } = "prior";

    /// <summary>The plan's goal for the items to come (solve mode; the target until something is labeled).</summary>
    public double Goal { get; private set; }

    /// <summary>The plan last solved (solve mode; null before any confidence was stated).</summary>
    public RoutingPlan? Plan { get; private set; }

    /// <summary>Labels accepted without people (audits excluded).</summary>
    public int Accepted { get; private set; }

    /// <summary>The acting values of the accepted labels, summed under the current calibration.</summary>
    public double AcceptedExpected { get; private set; }

    /// <summary>Items the model answered whose label came from people (warm-up, audits, below the threshold, declined) and people answered blind.</summary>
    public int PeopleItems { get; private set; }

    /// <summary>The leading label's one-coin posterior of each of <see cref="PeopleItems"/>, summed.</summary>
    public double PeoplePosteriorSum { get; private set; }

    /// <summary>Audited answers people resolved.</summary>
    public int Audits { get; private set; }

    /// <summary>Of <see cref="Audits"/>, those people confirmed.</summary>
    public int AuditsRight => _auditsRight;

    /// <summary>The model answers drawn for an audit whose item people resolved, and whether people confirmed the label: what the estimate weights.</summary>
    public IReadOnlyList<(ModelAnswer Answer, bool Right)> AuditOutcomes { get; private set; } = [];

    /// <summary>
    /// The router's state after <paramref name="answers"/> (the model's, in id order) given <paramref name="people"/>
    /// (people's live answers on the same items) and <paramref name="gold"/> (people's answers on gold items).
    /// </summary>
    /// <param name="project">The project's settings: routing, labels (K) and overlap (the people an item sent to people gets).</param>
    /// <param name="auditSeed">Seed of the audit draws.</param>
    /// <param name="answers">The model annotator's answers so far.</param>
    /// <param name="people">People's live answers on those items (any order).</param>
    /// <param name="gold">People's answers on the project's gold items, scored.</param>
    public static ModelRouting From(ProjectSettings project, ulong auditSeed, IReadOnlyList<ModelAnswer> answers, IReadOnlyList<Annotation> people, GoldTally gold = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(people);
        var routing = new ModelRouting(project, auditSeed) { Gold = gold, Goal = project.Routing.TargetAccuracy };
        var resolved = Resolve(people);
        var blind = routing.Blind(people);
        var outcomes = new List<ConfidenceOutcome>();
        var audits = new List<(ModelAnswer, bool)>();
        foreach (var answer in answers)
        {
            if (!IsValid(answer.Labels, answer.StatedConfidence, answer.Outcome)) continue;
            var stated = answer.StatedConfidence!.Value;
            routing._stated.Add(stated);
            routing._valid++;
            if (!resolved.TryGetValue(answer.ItemId, out var label)) continue;
            var right = string.Equals(answer.Labels[0], label, StringComparison.Ordinal);
            outcomes.Add(new ConfidenceOutcome(stated, right));
            if (answer.Decision == Audit)
            {
                audits.Add((answer, right));
                routing.Audits++;
                if (right) routing._auditsRight++;
                if (answer.Calibrated is { } expected) routing._auditedExpected += expected;
            }
        }
        routing.Outcomes = outcomes;
        routing.AuditOutcomes = audits;
        if (routing.Solving) routing.FitSolve(answers, blind);
        else routing.Calibrator = ConfidenceCalibration.Fit(CalibrationMethod.Isotonic, outcomes);
        routing.Ledger(answers, blind);
        return routing;
    }

    /// <summary>Solve mode: people's accuracy and the noise-corrected calibration, by EM over every blind answer.</summary>
    private void FitSolve(IReadOnlyList<ModelAnswer> answers, Dictionary<long, List<int>> blind)
    {
        var items = new List<ResolvedItem>();
        int pairs = 0, agreements = 0;
        foreach (var answer in answers)
        {
            if (!blind.TryGetValue(answer.ItemId, out var labels)) continue;
            // People's answers on an item the model answered were asked whatever they said (the server asks the overlap), so every pair identifies their accuracy.
            if (labels.Count >= 2)
            {
                pairs++;
                if (labels[0] == labels[1]) agreements++;
            }
            if (ModelLabel(answer) is { } l) items.Add(new ResolvedItem(answer.StatedConfidence!.Value, l, labels.ToArray()));
        }
        Resolved = items;
        Pairs = (pairs, agreements);
        // Gold answers measure people directly: as many pseudo-answers at their accuracy, which is their likelihood's share in the EM's M-step.
        var goldAccuracy = Gold.Answers > 0 ? (double)Gold.Right / Gold.Answers : double.NaN;
        var start = Gold.Answers > 0 ? goldAccuracy : pairs >= MinPairs ? NoisyLabels.TwoRaterAccuracy(agreements, pairs, _classes) : PersonAccuracyPrior;
        var weight = Gold.Answers > 0 ? Math.Max(2, Gold.Answers) : pairs > 0 ? 2 : Pinned;
        PersonAccuracyFrom = Gold.Answers > 0 && pairs > 0 ? "gold+pairs" : Gold.Answers > 0 ? "gold" : pairs > 0 ? "pairs" : "prior";
        var fitted = double.NaN;
        if (items.Count > 0)
        {
            var fit = NoisyLabels.Fit(items, _classes, start, priorAnswers: weight, maxIterations: 100);
            Calibrator = fit.Calibrator;
            fitted = fit.PersonAccuracy;
        }
        PersonAccuracy = SolveRules.PooledPersonAccuracy(fitted, pairs, agreements, MinPairs, Gold.Answers > 0 ? goldAccuracy : PersonAccuracyPrior, _classes);
    }

    /// <summary>What the labels so far are now expected to be worth: accepted ones at their acting value, people's at their posterior.</summary>
    private void Ledger(IReadOnlyList<ModelAnswer> answers, Dictionary<long, List<int>> blind)
    {
        foreach (var answer in answers)
        {
            if (answer.Outcome == ModelAnswerOutcome.Accepted)
            {
                Accepted++;
                if (answer.StatedConfidence is { } c) AcceptedExpected += Acting(c);
                continue;
            }
            if (!blind.TryGetValue(answer.ItemId, out var labels)) continue;
            var prior = new double[_classes];
            if (answer.Decision != WarmUp && ModelLabel(answer) is { } l && Solving) prior = RoutingPlanPrior(l, Acting(answer.StatedConfidence!.Value));
            else Array.Fill(prior, 1.0 / _classes);
            PeopleItems++;
            PeoplePosteriorSum += SolveRules.Posterior(prior, labels, PersonAccuracy).Max();
        }
        Goal = SolveRules.PlanGoal(_settings.TargetAccuracy, 0, Accepted + PeopleItems, AcceptedExpected + PeoplePosteriorSum);
    }

    // The model's vote as the plan enters it into people's posterior (it does not depend on κ).
    private double[] RoutingPlanPrior(int label, double q) =>
        (Plan ?? new RoutingPlan(_classes, PersonAccuracy, _maxPeople, _settings.AuditShare, double.PositiveInfinity)).Prior(label, q);

    /// <summary>The value a stated confidence is acted on: the pessimistic calibrated value (Wilson lower end at z = 0.5).</summary>
    public double Acting(double stated) => RoutingRules.ActingValue(Calibrator, stated, ConfidenceZ);

    /// <summary>
    /// The router's achieved accuracy, estimated from the audits: the share of audited labels people confirmed, each
    /// audit weighted by 1/π (<paramref name="probability"/>: its inclusion probability as recorded with the decision;
    /// Horvitz &amp; Thompson 1952) with a Wilson interval on Kish's effective sample size
    /// (<see cref="SolveRules.WeightedShare"/>); that share corrected for people's chance agreement with a wrong label
    /// (e = (1 − h)/(K − 1), as the engine's <see cref="RouterReport"/>) stands for the accepted labels, people's labels
    /// count at their posterior, and the interval carries the audits' through (people's part taken as known). Without
    /// audits accepted labels count at their acting value and the interval is what [0, 1] for them gives.
    /// </summary>
    public RouterEstimate Estimate(Func<ModelAnswer, double> probability)
    {
        ArgumentNullException.ThrowIfNull(probability);
        var audit = SolveRules.WeightedShare(AuditOutcomes.Select(a => (probability(a.Answer), a.Right)));
        var e = Math.Clamp((1 - PersonAccuracy) / (_classes - 1), 0, 0.5);
        double Debias(double m) => Math.Clamp((m - e) / (1 - e), 0, 1);
        var (a, low, high) = audit.Trials > 0 ? (Debias(audit.Estimate), Debias(audit.Low), Debias(audit.High))
            : Accepted > 0 ? (AcceptedExpected / Accepted, 0.0, 1.0) : (double.NaN, 0.0, 1.0);
        var n = Accepted + PeopleItems;
        double Over(double accepted) => n == 0 ? double.NaN : ((Accepted > 0 ? Accepted * accepted : 0) + PeoplePosteriorSum) / n;
        return new RouterEstimate(audit, new ShareInterval(Over(a), Over(low), Over(high), audit.Trials), n);
    }

    /// <summary>How far the audits scale calibrated values down (1: not at all; stop mode).</summary>
    public double AuditScale => RoutingRules.AuditScale(_auditsRight, _auditedExpected);

    /// <summary>The acceptance threshold over the confidences stated so far (+∞ when nothing would be accepted).</summary>
    public double Threshold => ThresholdOver(_stated);

    /// <summary>
    /// Decides a batch of the model's answers, in order: declined answers stay declined; valid ones go to people
    /// during the warm-up, are accepted at or above the threshold (re-solved with this batch's confidences) unless drawn
    /// for an audit, and go to people below it. The state moves on as if the batch were recorded.
    /// </summary>
    public IReadOnlyList<RoutedAnswer> Decide(IReadOnlyList<(OracleAnswer Answer, string ExternalId)> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var warm = new bool[batch.Count];
        var anyRoutable = false;
        for (var i = 0; i < batch.Count; i++)
        {
            var (answer, _) = batch[i];
            if (!Routable(answer)) continue;
            warm[i] = _valid < _settings.WarmUp;
            _valid++;
            _stated.Add(answer.Provenance.Confidence!.Value);
            anyRoutable |= !warm[i];
        }
        var threshold = ThresholdOver(_stated);
        if (!anyRoutable) threshold = double.PositiveInfinity;
        var scale = AuditScale;
        var decided = new RoutedAnswer[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var (answer, externalId) = batch[i];
            if (answer.Status != AnswerStatus.Answered || answer.Labels.Count == 0)
            {
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.Declined, Declined, null, null, answer.Reason ?? "the model gave no answer", Inputs(null, threshold, scale));
                continue;
            }
            if (!Routable(answer))
            {
                var why = answer.Labels.Count == 1 && answer.Provenance.Confidence is >= 0 and <= 1
                    ? "the model's label is not one of the project's labels, so it cannot be accepted"
                    : "the model stated no confidence in one label, so its label cannot be accepted";
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, BelowThreshold, null, null, why, Inputs(null, threshold, scale));
                continue;
            }
            var stated = answer.Provenance.Confidence!.Value;
            var calibrated = Calibrator.Map(stated);
            var acting = Acting(stated);
            var draw = RoutingRules.AuditDraw(_auditSeed, externalId);
            var inputs = Inputs(acting, threshold, scale);
            inputs["audit_draw"] = draw;
            var accepted = acting >= threshold;
            var probability = !accepted ? double.NaN : RiskAudits ? SolveRules.AuditProbability(acting, _settings.AuditShare, _acceptedMeanError) : _settings.AuditShare;
            if (accepted && !warm[i]) inputs["audit_probability"] = probability;
            if (warm[i])
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, WarmUp, stated, calibrated,
                    FormattableString.Invariant($"warm-up: the model's first {_settings.WarmUp} answers all go to people"), inputs);
            else if (accepted && draw < probability)
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, Audit, stated, calibrated,
                    RiskAudits ? "audit: accepted labels go to people at random, more often the lower their calibrated confidence" : "audit: a random share of accepted labels goes to people", inputs);
            else if (accepted)
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.Accepted, Accept, stated, calibrated, null, inputs);
            else
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, BelowThreshold, stated, calibrated,
                    double.IsPositiveInfinity(threshold) ? "no confidence is high enough yet to meet the target" : "calibrated confidence below the acceptance threshold", inputs);
        }
        return decided;
    }

    private bool Routable(OracleAnswer answer) =>
        answer.Status == AnswerStatus.Answered && answer.Labels.Count == 1 && answer.Provenance.Confidence is >= 0 and <= 1
        && (!Solving || _index.ContainsKey(answer.Labels[0]));

    private double ThresholdOver(IReadOnlyList<double> stated)
    {
        if (!Solving)
            return RoutingRules.AcceptanceThreshold(stated.Select(Acting), AuditScale, _settings.TargetAccuracy, _settings.TargetAccuracy);
        var values = stated.Select(Acting).ToList();
        Plan = RoutingPlan.Solve(values, Goal, _classes, PersonAccuracy, _maxPeople, _settings.AuditShare);
        if (values.Count == 0) return double.PositiveInfinity;
        var threshold = Plan.AcceptanceThreshold();
        _acceptedMeanError = SolveRules.AcceptedMeanError(values, threshold);
        return threshold;
    }

    private Dictionary<string, object?> Inputs(double? acting, double threshold, double scale)
    {
        var inputs = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["mode"] = Solving ? RoutingSettings.Solve : RoutingSettings.Stop,
            ["acting_value"] = acting,
            ["threshold"] = double.IsFinite(threshold) ? threshold : null,
            ["calibrator"] = Calibrator.Describe(),
            ["audit_share"] = _settings.AuditShare,
            ["audits"] = RiskAudits ? RoutingSettings.RiskAudits : RoutingSettings.UniformAudits,
            ["target"] = _settings.TargetAccuracy,
            ["warm_up"] = _settings.WarmUp,
        };
        if (Solving)
        {
            inputs["answer_price"] = Plan is { Kappa: var kappa } && double.IsFinite(kappa) ? kappa : null;
            inputs["plan_goal"] = Goal;
            inputs["person_accuracy"] = PersonAccuracy;
            inputs["person_accuracy_from"] = PersonAccuracyFrom;
            inputs["max_people"] = _maxPeople;
        }
        else inputs["audit_scale"] = scale;
        return inputs;
    }

    /// <summary>The model's label as a class index, when the answer is valid and its label one of the project's.</summary>
    private int? ModelLabel(ModelAnswer answer) =>
        IsValid(answer.Labels, answer.StatedConfidence, answer.Outcome) && _index.TryGetValue(answer.Labels[0], out var l) ? l : null;

    private Dictionary<long, List<int>> Blind(IReadOnlyList<Annotation> people)
    {
        var byItem = new Dictionary<long, List<int>>();
        foreach (var answer in people.Where(a => a.Provenance?.SuggestionShown is null && a.Labels.Count == 1).OrderBy(a => a.Id))
        {
            if (!_index.TryGetValue(answer.Labels[0], out var l)) continue;
            if (!byItem.TryGetValue(answer.ItemId, out var list)) byItem[answer.ItemId] = list = [];
            list.Add(l);
        }
        return byItem;
    }

    private static bool IsValid(IReadOnlyList<string> labels, double? stated, ModelAnswerOutcome outcome) =>
        outcome != ModelAnswerOutcome.Declined && labels.Count == 1 && stated is >= 0 and <= 1;

    /// <summary>
    /// The label people resolved per item: the majority of their answers given without a suggestion shown; a tie
    /// resolves nothing. Single-label answers only.
    /// </summary>
    internal static Dictionary<long, string> Resolve(IReadOnlyList<Annotation> people)
    {
        var resolved = new Dictionary<long, string>();
        foreach (var item in people.Where(a => a.Provenance?.SuggestionShown is null && a.Labels.Count == 1).GroupBy(a => a.ItemId))
        {
            var counts = item.GroupBy(a => a.Labels[0], StringComparer.Ordinal).Select(g => (Label: g.Key, Count: g.Count())).OrderByDescending(g => g.Count).ToList();
            if (counts.Count == 1 || counts[0].Count > counts[1].Count) resolved[item.Key] = counts[0].Label;
        }
        return resolved;
    }

    /// <summary>
    /// People's live answers on the project's gold items, scored against the gold label (answers by models, given with a
    /// suggestion shown, or with more than one label are left out); none when the store keeps no gold items. Reads the
    /// project's answers whole when it has gold items.
    /// </summary>
    public static async Task<GoldTally> GoldAsync(ISiftStore store, long projectId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store is not IWorkflowStore workflow) return default;
        var gold = await workflow.GetGoldItemsAsync(projectId, ct).ConfigureAwait(false);
        if (gold.Count == 0) return default;
        int answers = 0, right = 0;
        foreach (var answer in await store.GetAnnotationsAsync(projectId, cancellationToken: ct).ConfigureAwait(false))
        {
            if (!gold.TryGetValue(answer.ItemId, out var label) || answer.Labels.Count != 1) continue;
            if (answer.Provenance is { Kind: not OracleKind.Person } or { SuggestionShown: not null }) continue;
            answers++;
            if (string.Equals(answer.Labels[0], label, StringComparison.Ordinal)) right++;
        }
        return new GoldTally(answers, right);
    }
}

/// <summary>The router's achieved accuracy as estimated from its audits (<see cref="ModelRouting.Estimate"/>).</summary>
/// <param name="Audits">The share of audited labels people confirmed, weighted by 1/π, with its 95% interval.</param>
/// <param name="Accuracy">The estimated label accuracy over every item the router labeled, with its interval.</param>
/// <param name="Items">Items labeled (accepted, or answered by people).</param>
internal readonly record struct RouterEstimate(ShareInterval Audits, ShareInterval Accuracy, int Items);

/// <summary>People's answers on gold items and how many matched the gold label.</summary>
/// <param name="Answers">Answers.</param>
/// <param name="Right">Of them, right.</param>
internal readonly record struct GoldTally(int Answers, int Right);

/// <summary>What the router made of one model answer.</summary>
/// <param name="Outcome">Accepted, sent to people, or declined.</param>
/// <param name="Decision">The decision in a word (<see cref="ModelRouting.Accept"/>, …).</param>
/// <param name="Stated">The stated confidence.</param>
/// <param name="Calibrated">The calibrator's fitted value for it.</param>
/// <param name="Reason">Why it was not accepted, in words.</param>
/// <param name="Inputs">What the decision read.</param>
internal sealed record RoutedAnswer(ModelAnswerOutcome Outcome, string Decision, double? Stated, double? Calibrated, string? Reason, Dictionary<string, object?> Inputs);
