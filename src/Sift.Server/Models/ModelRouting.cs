using Sift.Oracles;
using Sift.Projects;
using Sift.Routing;
using Sift.Storage;

namespace Sift.Server.Models;

/// <summary>
/// One model annotator's router, rebuilt from what the store holds (so any process can take over a model annotator and
/// decide as the last one would have): the engine's rules (<see cref="RoutingRules"/>, as in <see cref="RoutingOracle"/>)
/// on the model's answers so far and the people's answers on the same items.
/// <list type="bullet">
/// <item>Calibration: the model's stated confidence against the label people resolved (majority of their answers; a tie
/// resolves nothing), isotonic, refitted from all of them every batch — people's answers given while a suggestion was
/// shown are left out, so anchoring cannot flatter the model.</item>
/// <item>Warm-up: the first <see cref="RoutingSettings.WarmUp"/> valid answers all go to people.</item>
/// <item>Acceptance: one threshold on the pessimistic calibrated value (<see cref="RoutingRules.ActingValue"/>, z = 0.5),
/// re-solved every batch over every confidence the model has stated, so that accepted labels — scaled by what the audits
/// found — average the target; people's labels are counted at the target too (the server asks the project's overlap of
/// people, not more).</item>
/// <item>Audits: a seeded <see cref="RoutingSettings.AuditShare"/> of accepted-looking labels (one draw per item id) go to
/// people anyway, never pre-annotated, and are scored against the calibrated value they were accepted at.</item>
/// </list>
/// Single-label. Not thread-safe (one per model annotator's worker).
/// </summary>
internal sealed class ModelRouting
{
    /// <summary>The decision words recorded with model answers.</summary>
    public const string Accept = "accept-model", WarmUp = "warm-up", Audit = "audit", BelowThreshold = "below-threshold", Declined = "declined";

    /// <summary>Standard errors below the fitted calibration the router acts on (the engine's default).</summary>
    public const double ConfidenceZ = 0.5;

    private readonly RoutingSettings _settings;
    private readonly ulong _auditSeed;
    private readonly List<double> _stated = [];
    private int _valid;
    private int _auditsRight;
    private double _auditedExpected;

    private ModelRouting(RoutingSettings settings, ulong auditSeed)
    {
        _settings = settings;
        _auditSeed = auditSeed;
    }

    /// <summary>The calibrator fitted on every resolved answer so far (identity before any).</summary>
    public IConfidenceCalibrator Calibrator { get; private set; } = ConfidenceCalibration.Fit(CalibrationMethod.Isotonic, []);

    /// <summary>The calibration set: (stated confidence, people agreed) of every resolved answer.</summary>
    public IReadOnlyList<ConfidenceOutcome> Outcomes { get; private set; } = [];

    /// <summary>Audited answers people resolved.</summary>
    public int Audits { get; private set; }

    /// <summary>Of <see cref="Audits"/>, those people confirmed.</summary>
    public int AuditsRight => _auditsRight;

    /// <summary>The router's state after <paramref name="answers"/> (the model's, in id order) given <paramref name="people"/> (people's live answers on the same items).</summary>
    /// <param name="settings">The project's routing settings.</param>
    /// <param name="auditSeed">Seed of the audit draws.</param>
    /// <param name="answers">The model annotator's answers so far.</param>
    /// <param name="people">People's live answers on those items (any order).</param>
    public static ModelRouting From(RoutingSettings settings, ulong auditSeed, IReadOnlyList<ModelAnswer> answers, IReadOnlyList<Annotation> people)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(people);
        var routing = new ModelRouting(settings, auditSeed);
        var resolved = Resolve(people);
        var outcomes = new List<ConfidenceOutcome>();
        foreach (var answer in answers)
        {
            if (!IsValid(answer.Labels, answer.StatedConfidence, answer.Outcome)) continue;
            var stated = answer.StatedConfidence!.Value;
            routing._stated.Add(stated);
            routing._valid++;
            if (!resolved.TryGetValue(answer.ItemId, out var label)) continue;
            var right = string.Equals(answer.Labels[0], label, StringComparison.Ordinal);
            outcomes.Add(new ConfidenceOutcome(stated, right));
            if (answer.Decision == Audit && answer.Calibrated is { } expected)
            {
                routing.Audits++;
                routing._auditedExpected += expected;
                if (right) routing._auditsRight++;
            }
        }
        routing.Outcomes = outcomes;
        routing.Calibrator = ConfidenceCalibration.Fit(CalibrationMethod.Isotonic, outcomes);
        return routing;
    }

    /// <summary>How far the audits scale calibrated values down (1: not at all).</summary>
    public double AuditScale => RoutingRules.AuditScale(_auditsRight, _auditedExpected);

    /// <summary>The acceptance threshold over the confidences stated so far (+∞ when nothing would be accepted).</summary>
    public double Threshold => ThresholdOver(_stated);

    /// <summary>
    /// Decides a batch of the model's answers, in order: declined answers stay declined; valid ones go to people
    /// during the warm-up, are accepted above the threshold (re-solved with this batch's confidences) unless drawn for
    /// an audit, and go to people below it. The state moves on as if the batch were recorded.
    /// </summary>
    public IReadOnlyList<RoutedAnswer> Decide(IReadOnlyList<(OracleAnswer Answer, string ExternalId)> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var warm = new bool[batch.Count];
        var anyRoutable = false;
        for (var i = 0; i < batch.Count; i++)
        {
            var (answer, _) = batch[i];
            if (!IsValid(answer.Labels, answer.Provenance.Confidence, answer.Status == AnswerStatus.Answered ? ModelAnswerOutcome.ToPeople : ModelAnswerOutcome.Declined)) continue;
            warm[i] = _valid < _settings.WarmUp;
            _valid++;
            _stated.Add(answer.Provenance.Confidence!.Value);
            anyRoutable |= !warm[i];
        }
        var threshold = anyRoutable ? ThresholdOver(_stated) : double.PositiveInfinity;
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
            if (answer.Provenance.Confidence is not { } stated || !(stated is >= 0 and <= 1) || answer.Labels.Count != 1)
            {
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, BelowThreshold, null, null,
                    "the model stated no confidence in one label, so its label cannot be accepted", Inputs(null, threshold, scale));
                continue;
            }
            var calibrated = Calibrator.Map(stated);
            var acting = RoutingRules.ActingValue(Calibrator, stated, ConfidenceZ);
            var draw = RoutingRules.AuditDraw(_auditSeed, externalId);
            var inputs = Inputs(acting, threshold, scale);
            inputs["audit_draw"] = draw;
            if (warm[i])
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, WarmUp, stated, calibrated,
                    FormattableString.Invariant($"warm-up: the model's first {_settings.WarmUp} answers all go to people"), inputs);
            else if (acting >= threshold && draw < _settings.AuditShare)
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, Audit, stated, calibrated, "audit: a random share of accepted labels goes to people", inputs);
            else if (acting >= threshold)
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.Accepted, Accept, stated, calibrated, null, inputs);
            else
                decided[i] = new RoutedAnswer(ModelAnswerOutcome.ToPeople, BelowThreshold, stated, calibrated,
                    double.IsPositiveInfinity(threshold) ? "no confidence is high enough yet to meet the target" : "calibrated confidence below the acceptance threshold", inputs);
        }
        return decided;
    }

    private double ThresholdOver(IEnumerable<double> stated) =>
        RoutingRules.AcceptanceThreshold(stated.Select(s => RoutingRules.ActingValue(Calibrator, s, ConfidenceZ)), AuditScale, _settings.TargetAccuracy, _settings.TargetAccuracy);

    private Dictionary<string, object?> Inputs(double? acting, double threshold, double scale) => new(StringComparer.Ordinal)
    {
        ["acting_value"] = acting,
        ["threshold"] = double.IsFinite(threshold) ? threshold : null,
        ["calibrator"] = Calibrator.Describe(),
        ["audit_share"] = _settings.AuditShare,
        ["audit_scale"] = scale,
        ["target"] = _settings.TargetAccuracy,
        ["warm_up"] = _settings.WarmUp,
    };

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
}

/// <summary>What the router made of one model answer.</summary>
/// <param name="Outcome">Accepted, sent to people, or declined.</param>
/// <param name="Decision">The decision in a word (<see cref="ModelRouting.Accept"/>, …).</param>
/// <param name="Stated">The stated confidence.</param>
/// <param name="Calibrated">The calibrator's fitted value for it.</param>
/// <param name="Reason">Why it was not accepted, in words.</param>
/// <param name="Inputs">What the decision read.</param>
internal sealed record RoutedAnswer(ModelAnswerOutcome Outcome, string Decision, double? Stated, double? Calibrated, string? Reason, Dictionary<string, object?> Inputs);
