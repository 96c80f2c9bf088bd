using Sift.Oracles;
using Sift.Quality;

namespace Sift.Routing;

/// <summary>What a router has done so far, and how accurate it estimates its labels to be.</summary>
public sealed record RouterReport
{
    /// <summary>Items answered.</summary>
    public int Items { get; init; }

    /// <summary>Items whose label is a model's, accepted without people (audited ones excluded).</summary>
    public int Accepted { get; init; }

    /// <summary>Items that went to at least one person (warm-up, audits and escalations).</summary>
    public int ToPeople { get; init; }

    /// <summary>Accepted-looking items sent to people by the random audit draw.</summary>
    public int Audits { get; init; }

    /// <summary>Answers bought from people.</summary>
    public int PersonAnswers { get; init; }

    /// <summary>Answers bought from models (first and second).</summary>
    public int ModelAnswers { get; init; }

    /// <summary>Money spent on models.</summary>
    public double ModelMoney { get; init; }

    /// <summary>Money spent on people.</summary>
    public double PeopleMoney { get; init; }

    /// <summary>Share of audited model labels that people confirmed, with its 95% Wilson interval.</summary>
    public ShareInterval AuditAccuracy { get; init; }

    /// <summary>
    /// Estimated label accuracy over every item: accepted labels at the audit accuracy, people's labels at their
    /// posterior; the interval carries the audit interval through (people's part taken as known).
    /// </summary>
    public ShareInterval EstimatedAccuracy { get; init; }

    /// <summary>The first model's calibrator as last fitted.</summary>
    public string Calibrator { get; init; } = "";

    /// <summary>
    /// Labels accepted from the second model (included in <see cref="Accepted"/>): the label both models gave, or in
    /// solve mode the second model's own on a disagreement.
    /// </summary>
    public int SecondModelAccepted { get; init; }

    /// <summary>Answers bought from the second model (included in <see cref="ModelAnswers"/>).</summary>
    public int SecondModelAnswers { get; init; }

    /// <summary>Money spent on the second model (included in <see cref="ModelMoney"/>).</summary>
    public double SecondModelMoney { get; init; }

    /// <summary>
    /// The second model's calibration as last fitted (empty before it has one): in solve mode its strata, agreeing pair
    /// then disagreement (<c>isotonic-corrected-s0(n=…); isotonic-corrected-s1(n=…)</c>); in stop mode the agreement map.
    /// </summary>
    public string AgreementCalibrator { get; init; } = "";

    /// <summary>People's estimated accuracy by name (Dawid–Skene one-coin, or the prior).</summary>
    public IReadOnlyDictionary<string, double> PersonAccuracy { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// An <see cref="IOracle"/> decorator that decides, per item, whether a model's label is accepted, a second model is
/// asked, or one or more people are, so that the label accuracy over all items reaches
/// <see cref="RouterOptions.TargetAccuracy"/> at the least expected cost.
/// <para>
/// Per batch: the first model answers every item; its stated confidence is mapped through a calibrator fitted on every
/// item people have resolved so far (isotonic or Platt, refitted after each batch). Model labels are accepted above
/// one threshold on calibrated confidence, re-solved every batch on all confidences seen so far: the lowest threshold
/// at which accepted labels (at their calibrated confidence, scaled by what the audits found) and the rest (at the
/// posterior people have reached) average the target. Accepting in order of confidence is the least-cost way to a
/// mean accuracy (the Lagrangian of "minimise cost subject to mean accuracy ≥ target" is a threshold), so this is
/// the router's whole cost model for one model and people.
/// Items not accepted go to a second model when there is one (accepted if the two agree and agreement has proved
/// accurate enough on resolved items), then to people one at a time — a one-coin posterior starting from the
/// calibrated model confidence, each person weighted by their Dawid–Skene accuracy — until the leading label's
/// posterior reaches <see cref="RouterOptions.StopPosterior"/> or <see cref="RouterOptions.MaxPeople"/> have answered.
/// A seeded <see cref="RouterOptions.AuditShare"/> of accepted labels also goes to people, and the first
/// <see cref="RouterOptions.WarmUp"/> items all do, so calibration never runs blind. Every decision, its inputs and
/// its cost go to <see cref="RouterOptions.Evidence"/> as a <see cref="RoutingEvent"/>.
/// </para>
/// Single-label only. Used by one loop at a time (it keeps the ledger, the audits and the calibration state).
/// </summary>
public sealed class RoutingOracle : IOracle
{
    // The first model's name among the annotators of the Dawid–Skene table (no person can be named so).
    private const string ModelAnnotator = "\u0001model";

    private readonly IOracle _model;
    private readonly IOracle? _second;
    private readonly IOracle _people;
    private readonly RouterOptions _options;
    private readonly List<ConfidenceOutcome> _outcomes = [];
    private readonly List<ConfidenceOutcome> _secondOutcomes = [];
    private readonly List<ConfidenceOutcome> _agreementOutcomes = [];
    private readonly List<(string Item, string Annotator, int Label)> _ratings = [];
    private readonly Dictionary<string, double> _personAccuracy = new(StringComparer.Ordinal);
    private IConfidenceCalibrator _calibrator = IdentityCalibrator.Instance;
    private IConfidenceCalibrator _secondCalibrator = IdentityCalibrator.Instance;
    private IConfidenceCalibrator? _agreementCalibrator;
    private int _modelItems;
    private int _ledgerItems;
    private double _peoplePosteriorSum;
    private int _peopleItems;
    private int _accepted;
    private double _acceptedExpected;
    private double _auditedExpected;
    private int _classes = 2;
    private readonly List<(double Stated, int Stratum)> _statedSeen = [];
    private IConfidenceCalibrator _calibratorAtDecision = IdentityCalibrator.Instance;
    private int _audits;
    private int _auditsRight;
    // Audits weighted by 1/π (their inclusion probability), for the report when audits are drawn by risk.
    private double _auditWeight;
    private double _auditWeightSquared;
    private double _auditWeightRight;
    private double _acceptedMeanError = double.NaN;
    // Audits for the plan's goal (GoalRule.Repay): Σ 1/π, Σ 1/π², Σ 1/π · [first person agreed], Σ 1/π · acting value at acceptance.
    private double _auditRatioWeight;
    private double _auditRatioWeightSquared;
    private double _auditRatioAgree;
    private double _auditRatioActing;
    private int _personAnswers;
    private int _modelAnswers;
    private double _modelMoney;
    private double _peopleMoney;
    private int _multiRatedAtLastFit;
    // Solve mode: resolved items for the noise-corrected calibration, pairs asked regardless of answers, the plan.
    private readonly List<ResolvedItem> _resolved = [];
    private readonly List<int> _resolvedAt = [];
    private int _pairs;
    private int _pairAgreements;
    private int _resolvedAtLastFit;
    private double _peopleAccuracy = double.NaN;
    private RoutingPlan? _plan;
    private readonly List<(double Stated, int Stratum)> _acceptedStated = [];
    private IReadOnlyDictionary<int, IsotonicCalibrator> _strata = new Dictionary<int, IsotonicCalibrator>();
    private double _goal = double.NaN;
    // Solve mode, second model: its answers people resolved (stratum agree or disagree, with its score), the strata's
    // noise-corrected maps, each seen item's score (NaN: none; parallel to _statedSeen), labels accepted from it, the money rule's state.
    private readonly List<ResolvedItem> _agreementResolved = [];
    private IReadOnlyDictionary<int, IsotonicCalibrator> _secondStrata = new Dictionary<int, IsotonicCalibrator>();
    private int _agreementResolvedAtLastFit;
    private readonly List<(double Score, int Stratum)> _seenSecond = [];
    private readonly List<(double Score, int Stratum)> _acceptedAgreement = [];
    private readonly List<(double Score, int Stratum)> _secondAsks = [];
    private int _secondAccepted;
    private int _secondAnswers;
    private double _secondMoney;
    private int _peopleCalls;
    private int _escalated;
    private int _escalatedAnswers;

    /// <summary>Creates a router.</summary>
    /// <param name="model">The model asked first about every item (its answers must carry a confidence).</param>
    /// <param name="people">People (or simulated people). Asked again about the same item, it must give another person's answer.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="secondModel">A second model asked before people about items the first model's label is not accepted for; null for none.</param>
    /// <exception cref="ConfigurationException">An option is out of range.</exception>
    public RoutingOracle(IOracle model, IOracle people, RouterOptions? options = null, IOracle? secondModel = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(people);
        _options = options ?? new RouterOptions();
        _options.Validate();
        _model = model;
        _people = people;
        _second = secondModel;
    }

    /// <inheritdoc />
    public string Name => _second is null ? $"router({_model.Name})" : $"router({_model.Name}+{_second.Name})";

    /// <summary>The first model's current calibrator (identity before any item was resolved by people).</summary>
    public IConfidenceCalibrator Calibrator => _calibrator;

    /// <summary>Every (stated confidence, confirmed by people) pair of the first model so far: the calibration set.</summary>
    public IReadOnlyList<ConfidenceOutcome> CalibrationOutcomes => _outcomes;

    /// <summary>What the router has done so far and its estimated accuracy.</summary>
    public RouterReport Report
    {
        get
        {
            var raw = ShareInterval.Wilson(_auditsRight, _audits);
            if (_options.RiskAudits && _auditWeight > 0)
            {
                // Horvitz–Thompson share with the effective sample size (Kish 1965) in the Wilson interval.
                var share = _auditWeightRight / _auditWeight;
                var effective = Math.Max(1, (int)Math.Round(_auditWeight * _auditWeight / _auditWeightSquared));
                var w = ShareInterval.Wilson((int)Math.Round(share * effective), effective);
                raw = new ShareInterval(share, w.Low, w.High, _audits);
            }
            var e = PeopleFalseAgreement();
            double Debias(double m) => Math.Clamp((m - e) / (1 - e), 0, 1);
            var audit = _audits > 0 ? new ShareInterval(Debias(raw.Estimate), Debias(raw.Low), Debias(raw.High), _audits) : raw;
            var acceptedAccuracy = _audits > 0 ? audit : new ShareInterval(_accepted > 0 ? _acceptedExpected / _accepted : double.NaN, 0, 1, 0);
            double Estimate(double a) => _ledgerItems == 0 ? double.NaN : ((_accepted > 0 ? _accepted * a : 0) + _peoplePosteriorSum) / (_accepted + _peopleItems);
            return new RouterReport
            {
                Items = _ledgerItems,
                Accepted = _accepted,
                ToPeople = _peopleItems,
                Audits = _audits,
                PersonAnswers = _personAnswers,
                ModelAnswers = _modelAnswers,
                ModelMoney = _modelMoney,
                PeopleMoney = _peopleMoney,
                AuditAccuracy = audit,
                EstimatedAccuracy = new ShareInterval(Estimate(acceptedAccuracy.Estimate), Estimate(acceptedAccuracy.Low), Estimate(acceptedAccuracy.High), _audits),
                Calibrator = _calibrator.Describe(),
                SecondModelAccepted = _secondAccepted,
                SecondModelAnswers = _secondAnswers,
                SecondModelMoney = _secondMoney,
                AgreementCalibrator = Solving ? string.Join("; ", _secondStrata.OrderBy(x => x.Key).Select(x => x.Value.Describe())) : _agreementCalibrator?.Describe() ?? "",
                PersonAccuracy = new Dictionary<string, double>(_personAccuracy, StringComparer.Ordinal),
            };
        }
    }

    private sealed class Item
    {
        public required OracleQuestion Question { get; init; }
        public List<Provenance> Sources { get; } = [];
        public double Money { get; set; }
        public int ModelLabel { get; set; } = -1;
        public double Stated { get; set; } = double.NaN;
        public int Stratum { get; set; }
        public double Score { get; set; } = double.NaN;
        public int Position { get; set; }
        public double Calibrated { get; set; } = double.NaN;
        public bool WarmUp { get; set; }
        public bool Accepted { get; set; }
        public bool Audit { get; set; }
        public double AuditDraw { get; set; }
        public double AuditProbability { get; set; }
        public int SecondLabel { get; set; } = -1;
        public double SecondCalibrated { get; set; } = double.NaN;
        public double AgreementNaive { get; set; } = double.NaN;
        public int SeenIndex { get; set; } = -1;
        public double SecondStated { get; set; } = double.NaN;
        public double AgreementScore { get; set; } = double.NaN;
        public int SecondStratum { get; set; }
        public int AcceptedLabel { get; set; } = -1;
        public double AgreementCalibrated { get; set; } = double.NaN;
        public double FirstCalibrated { get; set; } = double.NaN;
        public string? SecondRule { get; set; }
        public double SecondPrice { get; set; } = double.NaN;
        public double ExpectedSaving { get; set; } = double.NaN;
        public double[]? Posterior { get; set; }
        public int People { get; set; }
        public bool Deferred { get; set; }
        public string? DeferReason { get; set; }
        public int FirstPersonLabel { get; set; } = -1;
        public List<int> PersonLabels { get; } = [];
        public int MinPeople { get; set; } = 1;
        public string Decision { get; set; } = "";
    }

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">The request is multi-label.</exception>
    /// <exception cref="SiftException">An underlying oracle broke its contract (answer count or item order).</exception>
    public async ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MultiLabel) throw new ConfigurationException("The router routes single-label projects only.");
        var k = request.Labels.Count;
        _classes = Math.Max(2, k);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < k; i++) index.TryAdd(request.Labels[i], i);
        var items = request.Questions.Select(q => new Item { Question = q }).ToArray();
        if (items.Length == 0) return [];

        // 1. The first model answers everything.
        var first = await AskChecked(_model, request, request.Questions, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            var answer = first[i];
            Pay(item, answer.Provenance, model: true);
            if (answer.Status == AnswerStatus.Answered && answer.Labels.Count == 1 && index.TryGetValue(answer.Labels[0], out var l)
                && answer.Provenance.Confidence is { } c && c >= 0 && c <= 1)
            {
                item.ModelLabel = l;
                item.Stated = c;
                (item.Score, item.Stratum) = _options.UseLearner && Solving ? LearnerStrata.Score(c, item.Question.LearnerProbabilities, l, k) : (c, LearnerStrata.None);
                item.Calibrated = Calibrated(item.Score, item.Stratum);
                item.WarmUp = _modelItems < _options.WarmUp;
                item.Position = _modelItems;
                _modelItems++;
            }
            item.AuditDraw = RoutingRules.AuditDraw(_options.Seed, item.Question.ItemId);
        }

        // 2. Accept the most probably right model labels while the ledger (stop mode) or the plan (solve mode) stays at the target.
        var threshold = AcceptanceThreshold(items, k);
        foreach (var item in items)
        {
            if (item.ModelLabel < 0 || item.WarmUp || !(item.Calibrated >= threshold)) continue;
            item.Accepted = true;
            item.AuditProbability = AuditProbability(item.Calibrated);
            item.Audit = item.AuditDraw < item.AuditProbability;
        }

        // 3. A second model for the rest, accepted on agreement once agreement has proved itself.
        if (_second is not null && Solving) await AskSecondSolving(items, request, index, threshold, cancellationToken).ConfigureAwait(false);
        else if (_second is not null)
        {
            var asked = items.Where(x => !x.Accepted && !x.WarmUp && x.ModelLabel >= 0).ToList();
            if (asked.Count > 0)
            {
                var second = await AskSecondAsync(asked, request, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < asked.Count; i++)
                {
                    var item = asked[i];
                    var answer = second[i];
                    if (answer.Status != AnswerStatus.Answered || answer.Labels.Count != 1 || !index.TryGetValue(answer.Labels[0], out var l2)) continue;
                    item.SecondLabel = l2;
                    var c2 = answer.Provenance.Confidence is { } c && c >= 0 && c <= 1 ? c : 0.5;
                    item.SecondCalibrated = _secondCalibrator.Map(c2);
                    if (l2 != item.ModelLabel) continue;
                    // Both right or both wrong, as if independent; calibrated below on resolved agreements, since model errors correlate.
                    var q1 = item.Calibrated;
                    var q2 = item.SecondCalibrated;
                    item.AgreementNaive = q1 * q2 / Math.Max(1e-12, q1 * q2 + (1 - q1) * (1 - q2));
                    if (_agreementCalibrator is { } agree && agree.Map(item.AgreementNaive) >= threshold)
                    {
                        item.Accepted = true;
                        item.Calibrated = agree.Map(item.AgreementNaive);
                        item.Decision = "second-model";
                        item.AuditProbability = _options.AuditShare;
                        item.Audit = item.AuditDraw < item.AuditProbability;
                    }
                }
            }
        }

        // 4. People, one at a time, until the posterior is high enough.
        foreach (var item in items)
        {
            if (item.Accepted && !item.Audit) continue;
            var prior = new double[k];
            if (Solving)
            {
                // Warm-up and a seeded share of the rest get two people whatever they answer: people's accuracy is identified by such pairs.
                var doubleDraw = Seeds.Uniform(Seeds.Mix(_options.Seed, item.Question.ItemId), 1);
                item.MinPeople = Math.Min(_options.MaxPeople, item.WarmUp || doubleDraw < _options.DoubleShare ? 2 : 1);
            }
            if (Solving && item.ModelLabel >= 0 && !item.WarmUp)
            {
                // The calibrator is corrected for people's errors and fitted on their answers, not on the resolved label, so the model's vote needs no cap.
                // After an agreeing second model: the pair's value.
                prior = _plan!.Prior(item.ModelLabel, double.IsNaN(item.AgreementCalibrated) ? item.Calibrated : item.AgreementCalibrated);
            }
            else if (item.ModelLabel >= 0 && !item.WarmUp)
            {
                // The model's vote is capped so that one dissenting person always outweighs it: audits must be able to refute it.
                var q = Math.Clamp(Math.Min(item.Calibrated, _options.ModelVoteCap), 1e-6, 1 - 1e-6);
                Array.Fill(prior, k > 1 ? (1 - q) / (k - 1) : 0);
                prior[item.ModelLabel] = q;
            }
            else Array.Fill(prior, 1.0 / k);
            item.Posterior = prior;
        }
        for (var round = 0; round < _options.MaxPeople; round++)
        {
            var pending = items.Where(x => x.Posterior is { } p && !x.Deferred && x.People == round && (round == 0 || MoreNeeded(x, p, round))).ToList();
            if (pending.Count == 0) break;
            var answers = await AskChecked(_people, request, pending.Select(x => x.Question).ToList(), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < pending.Count; i++)
            {
                var item = pending[i];
                var answer = answers[i];
                Pay(item, answer.Provenance, model: false);
                if (answer.Status == AnswerStatus.Deferred)
                {
                    item.Deferred = true;
                    item.DeferReason = answer.Reason;
                    continue;
                }
                if (answer.Status != AnswerStatus.Answered || answer.Labels.Count != 1 || !index.TryGetValue(answer.Labels[0], out var l)) continue;
                item.People++;
                _personAnswers++;
                if (item.FirstPersonLabel < 0) item.FirstPersonLabel = l;
                item.PersonLabels.Add(l);
                var name = answer.Provenance.Name;
                _ratings.Add((item.Question.ItemId, name, l));
                var h = Solving ? PooledPersonAccuracy(k)
                    : Math.Clamp(_personAccuracy.TryGetValue(name, out var est) ? est : _options.PersonAccuracyPrior, 1e-3, 1 - 1e-6);
                // One-coin likelihood (Dawid & Skene 1979 with one accuracy per annotator): h on the answer, (1 − h)/(K − 1) elsewhere.
                var p = item.Posterior!;
                double sum = 0;
                for (var c = 0; c < k; c++) sum += p[c] *= c == l ? h : k > 1 ? (1 - h) / (k - 1) : 1;
                for (var c = 0; c < k; c++) p[c] /= sum;
            }
        }

        // 5. Answers, calibration outcomes, evidence.
        _calibratorAtDecision = _calibrator;
        var result = new OracleAnswer[items.Length];
        for (var i = 0; i < items.Length; i++) result[i] = Finish(items[i], request, threshold);
        Refit(k);
        return result;
    }

    private OracleAnswer Finish(Item item, OracleRequest request, double threshold)
    {
        var id = item.Question.ItemId;
        string decision;
        int label;
        double expected;
        if (item.Accepted && !item.Audit)
        {
            decision = item.Decision.Length > 0 ? item.Decision : "accept-model";
            label = item.AcceptedLabel >= 0 ? item.AcceptedLabel : item.ModelLabel;
            expected = item.Calibrated;
            _accepted++;
            _acceptedExpected += expected;
            if (decision == "second-model" && Solving)
            {
                _secondAccepted++;
                _acceptedAgreement.Add((item.AgreementScore, item.SecondStratum));
            }
            else if (!double.IsNaN(item.Stated)) _acceptedStated.Add((item.Score, item.Stratum));
        }
        else if (item.People > 0)
        {
            var p = item.Posterior!;
            label = 0;
            for (var c = 1; c < p.Length; c++) if (p[c] > p[label] || (p[c] == p[label] && c == item.FirstPersonLabel)) label = c;
            expected = p[label];
            decision = item.WarmUp ? "warm-up" : item.Audit ? "audit" : item.People == 1 ? "one-person" : "k-people";
            _peopleItems++;
            _peoplePosteriorSum += expected;
            if (!item.WarmUp && !item.Audit && item.ModelLabel >= 0)
            {
                _escalated++;
                _escalatedAnswers += item.People;
            }
            // An agreeing pair people resolved (escalated or audited): an outcome of the agreement calibration.
            if (!double.IsNaN(item.AgreementScore) && item.PersonLabels.Count > 0)
                _agreementResolved.Add(new ResolvedItem(item.AgreementScore, item.SecondStratum == Agree ? item.ModelLabel : item.SecondLabel, item.PersonLabels.ToArray(), item.SecondStratum));
            if (item.ModelLabel >= 0 && item.PersonLabels.Count > 0)
            {
                _resolved.Add(new ResolvedItem(item.Score, item.ModelLabel, item.PersonLabels.ToArray(), item.Stratum));
                _resolvedAt.Add(item.Position);
            }
            if (item.MinPeople >= 2 && item.PersonLabels.Count >= 2)
            {
                _pairs++;
                if (item.PersonLabels[0] == item.PersonLabels[1]) _pairAgreements++;
            }
            if (item.ModelLabel >= 0)
            {
                _outcomes.Add(new ConfidenceOutcome(item.Stated, label == item.ModelLabel));
                // The model is one more annotator for Dawid–Skene: with it, asking a second person only after a disagreement does not bias people's estimates (the design is ignorable given the answers seen).
                _ratings.Add((id, ModelAnnotator, item.ModelLabel));
            }
            if (item.SecondLabel >= 0) _secondOutcomes.Add(new ConfidenceOutcome(Math.Clamp(item.SecondCalibrated, 0, 1), label == item.SecondLabel));
            if (item.SecondLabel >= 0 && item.SecondLabel == item.ModelLabel && !double.IsNaN(item.AgreementNaive))
                _agreementOutcomes.Add(new ConfidenceOutcome(item.AgreementNaive, label == item.ModelLabel));
            if (item.Audit && !item.WarmUp)
            {
                _audits++;
                var weight = 1 / Math.Max(item.AuditProbability, 1e-9);
                _auditWeight += weight;
                _auditWeightSquared += weight * weight;
                var acceptedLabel = item.AcceptedLabel >= 0 ? item.AcceptedLabel : item.ModelLabel;
                if (label == acceptedLabel) _auditWeightRight += weight;
                _auditedExpected += _calibratorAtDecision.Map(item.Stated);
                if (label == acceptedLabel) _auditsRight++;
                // For the plan's goal (GoalRule.Repay): the first person's agreement with the accepted label against the value it was accepted at, weighted by 1/π.
                if (item.PersonLabels.Count > 0 && !double.IsNaN(item.Calibrated))
                {
                    _auditRatioWeight += weight;
                    _auditRatioWeightSquared += weight * weight;
                    _auditRatioAgree += item.PersonLabels[0] == acceptedLabel ? weight : 0;
                    _auditRatioActing += weight * item.Calibrated;
                }
            }
        }
        else if (item.ModelLabel >= 0 && !item.Deferred)
        {
            // People gave nothing usable: the model's label stands, said so.
            decision = "accept-model (people declined)";
            label = item.ModelLabel;
            expected = double.IsNaN(item.Calibrated) ? 0 : item.Calibrated;
            _accepted++;
            _acceptedExpected += expected;
        }
        else
        {
            var reason = item.Deferred ? item.DeferReason ?? "sent to people" : "neither the model nor people gave a valid label";
            var status = item.Deferred ? AnswerStatus.Deferred : AnswerStatus.Declined;
            Emit(item, item.Deferred ? "deferred" : "declined", threshold, []);
            var provenance = RouterProvenance(item, item.Deferred ? "deferred" : "declined", null);
            return new OracleAnswer(id, status, [], provenance) { Reason = reason };
        }
        _ledgerItems++;
        var labels = new[] { request.Labels[label] };
        Emit(item, decision, threshold, labels);
        return OracleAnswer.Given(id, labels, RouterProvenance(item, decision, expected));
    }

    private Provenance RouterProvenance(Item item, string decision, double? confidence) => new()
    {
        Kind = OracleKind.Router,
        Name = Name,
        Confidence = confidence,
        ConfidenceMethod = confidence is null ? null : item.People > 0 ? "router-posterior" : $"{_calibrator.Describe()}+calibrated",
        Cost = new AnswerCost(item.Money, item.Sources.Sum(s => s.Cost.InputTokens), item.Sources.Sum(s => s.Cost.OutputTokens), item.Sources.Sum(s => s.Cost.Seconds)),
        Decision = decision,
        Sources = item.Sources,
    };

    private void Emit(Item item, string decision, double threshold, IReadOnlyList<string> labels)
    {
        var inputs = new Dictionary<string, object?>
        {
            ["stated_confidence"] = double.IsNaN(item.Stated) ? null : item.Stated,
            ["calibrated_confidence"] = double.IsNaN(item.Calibrated) ? null : item.Calibrated,
            ["calibrator"] = _calibrator.Describe(),
            ["threshold"] = double.IsFinite(threshold) ? threshold : null,
            ["audit_draw"] = item.AuditDraw,
            ["audit_share"] = _options.AuditShare,
            ["audit_probability"] = item.Accepted ? item.AuditProbability : null,
            ["people_asked"] = item.People,
            ["posterior"] = item.Posterior is { } p ? p.Max() : null,
            ["target"] = _options.TargetAccuracy,
            ["audit_scale"] = AuditScale(),
            ["person_accuracy"] = _personAccuracy.Count > 0 ? _personAccuracy.Values.Average() : _options.PersonAccuracyPrior,
        };
        if (Solving && _plan is { } plan)
        {
            inputs["mode"] = "solve";
            inputs["answer_price"] = double.IsFinite(plan.Kappa) ? plan.Kappa : null;
            inputs["plan_goal"] = _goal;
            inputs["min_people"] = item.MinPeople;
        }
        if (item.ModelLabel >= 0) inputs["model_label"] = item.ModelLabel;
        if (_options.UseLearner && Solving && item.ModelLabel >= 0) inputs["calibration_score"] = item.Stratum == LearnerStrata.Combined ? item.Score : null;
        if (item.Question.LearnerProbabilities is { } learner && item.ModelLabel >= 0 && item.ModelLabel < learner.Count)
            inputs["learner_probability"] = (double)learner[item.ModelLabel];
        if (item.SecondLabel >= 0) inputs["second_model_agrees"] = item.SecondLabel == item.ModelLabel;
        if (item.SecondRule is { } rule)
        {
            // Solve mode: whether the second model was asked, why, and what it said.
            inputs["second_model"] = rule;
            inputs["second_model_price"] = double.IsFinite(item.SecondPrice) ? item.SecondPrice : null;
            inputs["person_price"] = _peopleCalls > 0 ? _peopleMoney / _peopleCalls : null;
            inputs["expected_saving"] = double.IsFinite(item.ExpectedSaving) ? item.ExpectedSaving : null;
            if (item.SecondLabel >= 0)
            {
                inputs["second_model_label"] = item.SecondLabel;
                inputs["second_stated_confidence"] = double.IsNaN(item.SecondStated) ? null : item.SecondStated;
            }
            if (!double.IsNaN(item.AgreementScore))
            {
                inputs["agreement_score"] = item.AgreementScore;
                inputs["agreement_calibrated"] = double.IsNaN(item.AgreementCalibrated) ? null : item.AgreementCalibrated;
                inputs["agreement_calibrator"] = _secondStrata.TryGetValue(item.SecondStratum, out var map) ? map.Describe() : null;
                inputs["first_calibrated_confidence"] = double.IsNaN(item.FirstCalibrated) ? null : item.FirstCalibrated;
            }
        }
        _options.Evidence.Emit(new RoutingEvent(item.Question.ItemId, decision, inputs, item.Money, labels));
    }

    private void Pay(Item item, Provenance provenance, bool model)
    {
        item.Sources.Add(provenance);
        item.Money += provenance.Cost.Money;
        if (model)
        {
            _modelAnswers++;
            _modelMoney += provenance.Cost.Money;
        }
        else
        {
            _peopleMoney += provenance.Cost.Money;
            _peopleCalls++;
        }
    }

    /// <summary>
    /// The acceptance threshold on calibrated confidence for this batch: one threshold for the whole stream, the lowest
    /// at which (accepted labels at their audited, calibrated confidence + the rest at people's mean posterior) /
    /// items reaches the target, solved on the confidences of every item the model has answered so far (this batch
    /// included) mapped through the current calibrator — the items seen stand for the items to come. A constant
    /// threshold is what minimises cost for a target mean accuracy (accept in order of confidence); re-solving per
    /// batch tracks the calibration as audits arrive. +∞ when nothing can be accepted.
    /// </summary>
    private double AcceptanceThreshold(Item[] items, int classes)
    {
        foreach (var item in items)
        {
            if (item.ModelLabel < 0) continue;
            item.SeenIndex = _statedSeen.Count;
            _statedSeen.Add((item.Score, item.Stratum));
            _seenSecond.Add((double.NaN, Agree));
        }
        if (Solving)
        {
            _goal = PlanGoal();
            _plan = RoutingPlan.Solve(SeenValues(), _goal, Math.Max(2, classes), PooledPersonAccuracy(classes),
                _options.MaxPeople, _options.AuditShare);
            if (!items.Any(x => x.ModelLabel >= 0 && !x.WarmUp)) return double.PositiveInfinity;
            var acceptAt = _plan.AcceptanceThreshold();
            if (_options.RiskAudits)
            {
                var errors = SeenValues().Where(v => v >= acceptAt).Select(AuditRisk).ToList();
                _acceptedMeanError = errors.Count > 0 ? errors.Average() : double.NaN;
            }
            return acceptAt;
        }
        if (!items.Any(x => x.ModelLabel >= 0 && !x.WarmUp)) return double.PositiveInfinity;
        var people = _peopleItems >= 10 ? _peoplePosteriorSum / _peopleItems : _options.StopPosterior;
        return RoutingRules.AcceptanceThreshold(_statedSeen.Select(s => Calibrated(s.Stated, s.Stratum)), AuditScale(), people, _options.TargetAccuracy + _options.Margin);
    }

    private bool Solving => _options.Mode == RouterMode.Solve;

    /// <summary>
    /// Solve mode's second model. Asked about an item the plan does not accept from the first model alone when it is
    /// expected to pay: its price (<see cref="IPricedOracle"/>, else the mean of its answers so far, learned from one
    /// item asked alone) below a person's (the mean of people's answers so far), and — once the agreement calibration
    /// has learned — below the expected saving s · A · (1 − audit share) · c_p, s the share of the last 500 second-model
    /// answers whose label the current maps and threshold would accept, A people's answers per escalated item, c_p a
    /// person's price. While the agreement calibration is learning (fewer than <see cref="LearningAgreements"/>
    /// resolved agreements), and for a seeded <see cref="RouterOptions.AuditShare"/> of items when the saving falls short, it is asked anyway
    /// (if cheaper than a person) so the calibration can learn and the saving can be re-measured. The answer's score in
    /// its stratum (agreeing pair or disagreement) is mapped through that stratum's noise-corrected calibration and the
    /// second model's label accepted when the value reaches the plan's threshold (the first model's); otherwise the
    /// value is the prior people start from. Nothing before people's price is known (no person answered yet).
    /// </summary>
    private async ValueTask AskSecondSolving(Item[] items, OracleRequest request, Dictionary<string, int> index, double threshold, CancellationToken ct)
    {
        var candidates = items.Where(x => !x.Accepted && !x.WarmUp && x.ModelLabel >= 0).ToList();
        if (candidates.Count == 0) return;
        var priced = _second as IPricedOracle;
        var personPrice = _peopleCalls > 0 ? _peopleMoney / _peopleCalls : double.NaN;
        var learning = !_secondStrata.ContainsKey(Agree) || _agreementResolved.Count(r => r.Stratum == Agree) < LearningAgreements;
        // The share of recent answers the current maps and threshold would accept, each saving A people's answers but the audited share.
        var recent = _secondAsks.Skip(Math.Max(0, _secondAsks.Count - SavingWindow)).ToList();
        var share = recent.Count > 0 ? (double)recent.Count(a => SecondActing(a.Score, a.Stratum) >= threshold) / recent.Count : 0;
        var answersPerEscalation = _escalated > 0 ? (double)_escalatedAnswers / _escalated : 1;
        var saving = share * answersPerEscalation * (1 - _options.AuditShare) * personPrice;
        var asked = new List<Item>();
        foreach (var item in candidates)
        {
            var price = priced?.ExpectedCost(item.Question) ?? double.NaN;
            if (!double.IsFinite(price) && _secondAnswers > 0) price = _secondMoney / _secondAnswers;
            item.SecondPrice = price;
            item.ExpectedSaving = learning ? double.NaN : saving;
            if (double.IsNaN(personPrice)) item.SecondRule = "skipped: people's price not known yet";
            else if (price >= personPrice) item.SecondRule = "skipped: dearer than a person";
            else if (learning) item.SecondRule = "asked: agreement calibration learning";
            else if (price < saving) item.SecondRule = "asked: expected saving above price";
            else if (Seeds.Uniform(Seeds.Mix(Seeds.Mix(_options.Seed, "second-explore"), item.Question.ItemId), 0) < _options.AuditShare)
                item.SecondRule = "asked: exploration share";
            else item.SecondRule = "skipped: expected saving below price";
            if (item.SecondRule.StartsWith("asked", StringComparison.Ordinal)) asked.Add(item);
        }
        if (asked.Count == 0) return;
        if (priced is null && _secondAnswers == 0)
        {
            // Price unknown: one item alone first, then the rest only if one answer costs less than a person's.
            await AskSecondItems(asked.Take(1).ToList(), request, index, threshold, ct).ConfigureAwait(false);
            var price = _secondMoney / _secondAnswers;
            var rest = asked.Skip(1).ToList();
            foreach (var item in rest)
            {
                item.SecondPrice = price;
                if (price >= personPrice) item.SecondRule = "skipped: dearer than a person";
            }
            asked = rest.Where(x => x.SecondRule!.StartsWith("asked", StringComparison.Ordinal)).ToList();
            if (asked.Count == 0) return;
        }
        await AskSecondItems(asked, request, index, threshold, ct).ConfigureAwait(false);
    }

    /// <summary>Asks the second model about <paramref name="asked"/> and pays each item's answer (in order).</summary>
    private async ValueTask<IReadOnlyList<OracleAnswer>> AskSecondAsync(List<Item> asked, OracleRequest request, CancellationToken ct)
    {
        var answers = await AskChecked(_second!, request, asked.Select(x => x.Question).ToList(), ct).ConfigureAwait(false);
        for (var i = 0; i < asked.Count; i++)
        {
            Pay(asked[i], answers[i].Provenance, model: true);
            _secondAnswers++;
            _secondMoney += answers[i].Provenance.Cost.Money;
        }
        return answers;
    }

    private async ValueTask AskSecondItems(List<Item> asked, OracleRequest request, Dictionary<string, int> index, double threshold, CancellationToken ct)
    {
        var second = await AskSecondAsync(asked, request, ct).ConfigureAwait(false);
        for (var i = 0; i < asked.Count; i++)
        {
            var item = asked[i];
            var answer = second[i];
            if (answer.Status == AnswerStatus.Answered && answer.Labels.Count == 1 && index.TryGetValue(answer.Labels[0], out var l2))
            {
                item.SecondLabel = l2;
                item.SecondStated = answer.Provenance.Confidence is { } c && c >= 0 && c <= 1 ? c : double.NaN;
                var c2 = double.IsNaN(item.SecondStated) ? 0.5 : item.SecondStated;
                item.SecondStratum = l2 == item.ModelLabel ? Agree : Disagree;
                // A disagreement is not valued: under the profile the odds that the second is the right one of
                // the two are constant (σ(a₂ − a₁), whatever the item), so an isotonic map of any score is flat and its
                // top block over-values by chance — measured on trec (0.80 over-confident → 0.95), 570 labels accepted
                // on a disagreement at a value of 0.95 were right 0.89 of the time. The item goes to people, the first model's label as the prior.
                if (item.SecondStratum == Agree)
                {
                    item.AgreementScore = AgreementScore(item.Score, c2);
                    _seenSecond[item.SeenIndex] = (item.AgreementScore, item.SecondStratum);
                    item.FirstCalibrated = item.Calibrated;
                    if (_secondStrata.ContainsKey(item.SecondStratum))
                    {
                        item.AgreementCalibrated = SecondActing(item.AgreementScore, item.SecondStratum);
                        if (item.AgreementCalibrated >= threshold)
                        {
                            item.Accepted = true;
                            item.AcceptedLabel = l2;
                            item.Calibrated = item.AgreementCalibrated;
                            item.Decision = "second-model";
                            item.AuditProbability = AuditProbability(item.AgreementCalibrated);
                            item.Audit = item.AuditDraw < item.AuditProbability;
                        }
                    }
                }
            }
            _secondAsks.Add((item.AgreementScore, item.SecondStratum));
        }
    }

    /// <summary>Second-model answers, latest first, over which the share its labels would be accepted is measured.</summary>
    private const int SavingWindow = 500;

    /// <summary>
    /// Resolved agreements below which the second model is asked whenever it is cheaper than a person (the calibration
    /// is learning): each such answer costs its price on an item that goes to people anyway, and a map fitted on a
    /// few tens of items, valued at its one-sided lower bound, cannot yet accept anything.
    /// </summary>
    private const int LearningAgreements = 100;

    /// <summary>
    /// Two agreeing models' combined confidence: σ(logit c₁ + logit c₂), both clipped to [1e-4, 1 − 1e-4] — the
    /// naive-Bayes product of odds, as if their errors were independent. Only its order is used: the noise-corrected
    /// isotonic map fitted on resolved agreements sets the values, so errors the two models share (both answering the
    /// same wrong class on hard items) lower it where they happen.
    /// </summary>
    private static double AgreementScore(double first, double second)
    {
        static double Logit(double p)
        {
            p = Math.Clamp(p, 1e-4, 1 - 1e-4);
            return Math.Log(p / (1 - p));
        }
        return 1 / (1 + Math.Exp(-(Logit(first) + Logit(second))));
    }

    /// <summary>Strata of the second model's calibration: the two models agree (scored by <see cref="AgreementScore"/>) or not (scored by the second's stated confidence).</summary>
    private const int Agree = 0;

    private const int Disagree = 1;

    /// <summary>The acting value (Wilson lower end, as for the first model) of the second model's label in its stratum; 0 before that stratum is calibrated.</summary>
    private double SecondActing(double score, int stratum) =>
        _secondStrata.TryGetValue(stratum, out var a) && !double.IsNaN(score) ? RoutingRules.ActingValue(a, score, Math.Max(_options.ConfidenceZ, SecondConfidenceZ)) : 0;

    /// <summary>
    /// The second model's strata act on the one-sided 95% Wilson lower end of their fitted block (at least): they are
    /// fitted on tens of resolved items, not hundreds, and an accepted region learns only from audits — measured on trec
    /// at z = 0.5, a (since dropped) disagreement stratum fitted on 36 items, all right, valued its labels at 0.99 and 680
    /// were accepted at a real accuracy of 0.89.
    /// </summary>
    private const double SecondConfidenceZ = 1.645;

    /// <summary>The value the plan is solved on per item seen: an agreeing pair's agreement value once it is calibrated, else the first model's.</summary>
    private IEnumerable<double> SeenValues()
    {
        for (var i = 0; i < _statedSeen.Count; i++)
        {
            var (score, stratum) = _seenSecond[i];
            yield return !double.IsNaN(score) && _secondStrata.ContainsKey(stratum) ? SecondActing(score, stratum) : Calibrated(_statedSeen[i].Stated, _statedSeen[i].Stratum);
        }
    }

    /// <summary>
    /// Solve mode: the agreement calibration, fitted like the first model's (<see cref="NoisyLabels.Fit"/>: isotonic in
    /// the agreement score, against the latent truth) but with people's accuracy held at its estimate from the main fit
    /// (the agreement items alone identify it poorly), once <see cref="RouterOptions.MinAgreementOutcomes"/> agreements
    /// are resolved; refitted when they grew by 5% (every batch while fewer than 200).
    /// </summary>
    private void RefitAgreement(int classes)
    {
        if (_second is null || _agreementResolved.Count(r => r.Stratum == Agree) < _options.MinAgreementOutcomes) return;
        if (_agreementResolvedAtLastFit >= 200 && _agreementResolved.Count < _agreementResolvedAtLastFit * 21 / 20) return;
        if (_agreementResolved.Count == _agreementResolvedAtLastFit) return;
        _agreementResolvedAtLastFit = _agreementResolved.Count;
        var fit = NoisyLabels.Fit(_agreementResolved, Math.Max(2, classes), PooledPersonAccuracy(classes), priorAnswers: 1e12, maxIterations: 100, byStratum: true);
        // A stratum is trusted once it has its own MinAgreementOutcomes resolved items.
        var counts = _agreementResolved.GroupBy(r => r.Stratum).ToDictionary(g => g.Key, g => g.Count());
        _secondStrata = fit.Strata.Where(x => counts.GetValueOrDefault(x.Key) >= _options.MinAgreementOutcomes).ToDictionary(x => x.Key, x => x.Value);
    }

    /// <summary>
    /// The mean accuracy the plan aims at for the items to come: the target (plus margin), corrected by what the items
    /// labeled so far are now expected to have reached — accepted labels at their acting value under the current
    /// calibrator, people's at their posterior — with the shortfall (or surplus) spread over as many items as were
    /// labeled so far, at least <see cref="DebtHorizon"/>. Early decisions rest on a rough calibration; without this the
    /// whole stream inherits their error, since a plan solved for the mean of the items to come never repays it.
    /// Kept within [target − 0.05, 0.999]. With <see cref="GoalRule.Repay"/> accepted labels count at most at what the
    /// audits found (<see cref="AuditedAccuracy"/>) and a surplus is never spent (the goal stays at or above the target).
    /// </summary>
    private double PlanGoal()
    {
        var n = _acceptedStated.Count + _acceptedAgreement.Count + _peopleItems;
        if (n == 0) return SolveRules.PlanGoal(_options.TargetAccuracy, _options.Margin, 0, 0);
        var acting = _acceptedStated.Sum(s => Calibrated(s.Stated, s.Stratum)) + _acceptedAgreement.Sum(a => SecondActing(a.Score, a.Stratum));
        var count = _acceptedStated.Count + _acceptedAgreement.Count;
        var repay = _options.Goal == GoalRule.Repay;
        var accepted = repay && count > 0 ? Math.Min(acting, count * AuditedAccuracy(acting / count)) : acting;
        return SolveRules.PlanGoal(_options.TargetAccuracy, _options.Margin, n, accepted + _peoplePosteriorSum, spendSurplus: !repay);
    }

    /// <summary>
    /// The accuracy of accepted labels as the audits measure it: the first audit person's agreement with the accepted
    /// label, weighted by 1/π (Horvitz–Thompson, so risk-weighted audits stand for every accepted label) and corrected
    /// for people's own errors ((a − e)/(h − e), e = (1 − h)/(K − 1)), shrunk towards <paramref name="actingMean"/> by
    /// <see cref="AuditPseudoCount"/> pseudo-audits on the scale of Kish's effective number of audits. The calibrator
    /// alone cannot see this: accepted regions are resolved only by audits, and an isotonic block whose fit is high by
    /// chance stays high (the winner's curse). <paramref name="actingMean"/> before any audit.
    /// </summary>
    private double AuditedAccuracy(double actingMean)
    {
        if (!(_auditRatioWeight > 0)) return actingMean;
        var k = Math.Max(2, _classes);
        var h = PooledPersonAccuracy(k);
        var e = (1 - h) / (k - 1);
        // Kish's effective number of audits carries the pseudo-count's weight on the same scale.
        var effective = _auditRatioWeight * _auditRatioWeight / _auditRatioWeightSquared;
        var right = Math.Clamp((_auditRatioAgree / _auditRatioWeight - e) / (h - e), 0, 1);
        return (effective * right + AuditPseudoCount * actingMean) / (effective + AuditPseudoCount);
    }

    /// <summary>Pseudo-audits at the acting value in <see cref="AuditedAccuracy"/>.</summary>
    private const double AuditPseudoCount = 10;

    /// <summary>
    /// An accepted label's chance of an audit. Uniform: <see cref="RouterOptions.AuditShare"/>. By risk
    /// (<see cref="RouterOptions.RiskAudits"/>): proportional to the label's expected error 1 − q (at least a tenth of
    /// the average), scaled so the accepted labels the plan expects still average the audit share — audits go where a
    /// wrong calibration costs most, and where isotonic pooling with a near-perfect region would otherwise hide an
    /// error rate (importance sampling; the report weights audits by 1/π, Horvitz &amp; Thompson 1952).
    /// </summary>
    private double AuditProbability(double q)
    {
        return _options.RiskAudits ? SolveRules.AuditProbability(q, _options.AuditShare, _acceptedMeanError) : _options.AuditShare;
    }

    private static double AuditRisk(double q) => SolveRules.AuditRisk(q);

    /// <summary>The share of the stream, latest first, whose learner-scored items the calibration is fitted on.</summary>
    private const double LearnerWindow = 0.5;

    /// <summary>The fewest items a shortfall against the target is spread over (<see cref="PlanGoal"/>).</summary>
    private const int DebtHorizon = SolveRules.DebtHorizon;

    /// <summary>Whether an item people have answered <paramref name="round"/> times needs another person.</summary>
    private bool MoreNeeded(Item item, double[] posterior, int round)
    {
        if (!Solving) return posterior.Max() < _options.StopPosterior;
        if (round < item.MinPeople) return true;
        // Warm-up items have no model vote and no plan behind them: their two answers are the warm-up.
        return !item.WarmUp && _plan!.ShouldAsk(posterior, round);
    }

    /// <summary>People's pooled accuracy as last estimated (noise-corrected EM), else the pairs' moment estimate, else the prior; kept above 1/K.</summary>
    private double PooledPersonAccuracy(int classes)
    {
        return SolveRules.PooledPersonAccuracy(_peopleAccuracy, _pairs, _pairAgreements, _options.MinItemsForDawidSkene, _options.PersonAccuracyPrior, classes);
    }

    /// <summary>
    /// The calibrated confidence the router acts on: for isotonic calibration, the lower end of the fitted block's
    /// Wilson interval (<see cref="RouterOptions.ConfidenceZ"/>), because accepted regions get outcomes only from
    /// audits, and a region whose fit is too high by chance would otherwise stay accepted (the winner's curse).
    /// </summary>
    /// <remarks>
    /// With <see cref="RouterOptions.UseLearner"/> the input is the item's calibration score and the map its stratum's own
    /// (<see cref="LearnerStrata"/>); a stratum with no resolved item yet acts at 0, so its first items go to people.
    /// </remarks>
    private double Calibrated(double score, int stratum)
    {
        if (_strata.Count == 0) return RoutingRules.ActingValue(_calibrator, score, _options.ConfidenceZ);
        return _strata.TryGetValue(stratum, out var own) ? RoutingRules.ActingValue(own, score, _options.ConfidenceZ) : 0;
    }

    /// <summary>
    /// How far the audits say accepted labels fall short of (or exceed) their calibrated confidence: audited right ÷
    /// audited expected (the calibrator's fitted value, not the pessimistic one), at most 1, with 10 pseudo-audits at exactly the calibrated value so a handful of audits moves it little
    /// (a ratio estimator, Cochran 1977 §6).
    /// </summary>
    private double AuditScale()
    {
        // Not corrected for people's chance agreement with a wrong label: Dawid–Skene's estimate of people's accuracy,
        // with the model as one of the annotators, runs low, and the correction would then make every audit look worse.
        // Only ever down: the pessimistic calibrated value already allows for chance; audits may say it is worse still.
        return RoutingRules.AuditScale(_auditsRight, _auditedExpected);
    }

    /// <summary>The chance that a person gives one particular wrong label: (1 − h)/(K − 1), h people's mean estimated accuracy.</summary>
    private double PeopleFalseAgreement()
    {
        var h = _personAccuracy.Count > 0 ? _personAccuracy.Values.Average() : _options.PersonAccuracyPrior;
        return Math.Clamp((1 - h) / (_classes - 1), 0, 0.5);
    }

    private static async ValueTask<IReadOnlyList<OracleAnswer>> AskChecked(IOracle oracle, OracleRequest request, IReadOnlyList<OracleQuestion> questions, CancellationToken ct)
    {
        var sub = ReferenceEquals(questions, request.Questions) ? request : new OracleRequest(questions, request.Labels)
        {
            MultiLabel = request.MultiLabel,
            Instructions = request.Instructions,
            Examples = request.Examples,
            Seed = request.Seed,
            Round = request.Round,
        };
        var answers = await oracle.AskAsync(sub, ct).ConfigureAwait(false);
        OracleReplies.CheckCount(oracle, questions.Count, answers.Count);
        for (var i = 0; i < answers.Count; i++) OracleReplies.CheckItem(oracle, questions[i], answers[i]);
        return answers;
    }

    /// <summary>Refits the calibrators on every resolved item, and people's accuracy by Dawid–Skene when there is enough new evidence.</summary>
    private void Refit(int classes)
    {
        if (Solving)
        {
            // EM over every resolved item is cheap but not free: refit while the set is small, then when it grew by 5%.
            if (_resolved.Count == 0 || (_resolvedAtLastFit >= 200 && _resolved.Count < _resolvedAtLastFit * 21 / 20))
            {
                RefitAgreement(classes);
                return;
            }
            _resolvedAtLastFit = _resolved.Count;
            var k = Math.Max(2, classes);
            var start = _pairs >= _options.MinItemsForDawidSkene ? NoisyLabels.TwoRaterAccuracy(_pairAgreements, _pairs, k) : _options.PersonAccuracyPrior;
            // The learner is retrained as labels accumulate, so what its probability means drifts (a late learner's doubt
            // is a stronger signal than an early one's): learner-scored items are calibrated on the latest half of the stream.
            var from = (int)(_modelItems * (1 - LearnerWindow));
            var window = _options.UseLearner
                ? _resolved.Where((r, i) => r.Stratum == LearnerStrata.None || _resolvedAt[i] >= from).ToList()
                : _resolved;
            var corrected = NoisyLabels.Fit(window, k, start, maxIterations: 100, method: _options.Calibration, byStratum: _options.UseLearner);
            _calibrator = corrected.Calibrator;
            _strata = corrected.Strata;
            _peopleAccuracy = corrected.PersonAccuracy;
            foreach (var name in _ratings.Select(r => r.Annotator).Distinct(StringComparer.Ordinal))
                if (!string.Equals(name, ModelAnnotator, StringComparison.Ordinal)) _personAccuracy[name] = corrected.PersonAccuracy;
            RefitAgreement(classes);
            return;
        }
        _calibrator = ConfidenceCalibration.Fit(_options.Calibration, _outcomes);
        if (_second is not null)
        {
            _secondCalibrator = ConfidenceCalibration.Fit(_options.Calibration, _secondOutcomes);
            _agreementCalibrator = _agreementOutcomes.Count >= _options.MinAgreementOutcomes ? ConfidenceCalibration.Fit(_options.Calibration, _agreementOutcomes) : null;
        }
        var byItem = _ratings.GroupBy(r => r.Item, StringComparer.Ordinal).Where(g => g.Count() >= 2).ToList();
        if (byItem.Count < _options.MinItemsForDawidSkene || byItem.Count < _multiRatedAtLastFit * 5 / 4) return;
        _multiRatedAtLastFit = byItem.Count;
        var names = byItem.SelectMany(g => g.Select(r => r.Annotator)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var nameIndex = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
        var ratings = byItem.SelectMany((g, i) => g.Select(r => (i, nameIndex[r.Annotator], r.Label)));
        var table = RatingTable.FromRatings(byItem.Count, names.Count, classes, ratings);
        var fit = DawidSkene.Fit(table, new DawidSkeneOptions { Model = DawidSkeneModel.OneCoin });
        for (var a = 0; a < names.Count; a++)
            if (!string.Equals(names[a], ModelAnnotator, StringComparison.Ordinal)) _personAccuracy[names[a]] = fit.Accuracy(a);
    }

}
