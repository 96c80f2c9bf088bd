using System.Text.Json.Serialization;
using Sift.Evidence;
using Sift.Learners;
using Sift.Metrics;
using Sift.Oracles;
using Sift.Routing;

namespace Sift.Simulation.Routing;

/// <summary>Settings of a routing simulation (<c>sift simulate --llm-sim … --human-sim …</c>).</summary>
public sealed record RoutingSimulationOptions
{
    /// <summary>The simulated LLMs, one routing comparison each (and, with two or more, the router over the first two unless <see cref="Cascades"/> names pairs).</summary>
    public required IReadOnlyList<LlmProfile> Models { get; init; }

    /// <summary>
    /// Cascades to run (<c>--llm-cascade 1,4</c>): pairs of 0-based indices into the models (simulated first, in order, then
    /// real ones), the first asked about every item, the second before people (<see cref="RoutingOracle"/>'s second
    /// model); one <c>router</c> row each, named "first → second". Null: the first two models, when there are two.
    /// Empty: none.
    /// </summary>
    public IReadOnlyList<(int First, int Second)>? Cascades { get; init; }

    /// <summary>
    /// Real model oracles (<c>--llm</c>), each asked once about every routed item and then compared like a simulated
    /// one. With any, the first <see cref="ExampleItems"/> items of the seeded order are set aside as the labeled
    /// examples the models may take few-shot examples from (their gold labels stand for earlier human labels) and are
    /// not routed. The caller owns (and disposes) them.
    /// </summary>
    public IReadOnlyList<IOracle> RealModels { get; init; } = [];

    /// <summary>Items set aside as few-shot candidates when <see cref="RealModels"/> are given. Default 50.</summary>
    public int ExampleItems { get; init; } = 50;

    /// <summary>Receives progress while real models are asked.</summary>
    public IProgress<RecordingProgress>? Progress { get; init; }

    /// <summary>The simulated people.</summary>
    public required PersonProfile People { get; init; }

    /// <summary>Label accuracy the router must reach. Default 0.95.</summary>
    public double TargetAccuracy { get; init; } = 0.95;

    /// <summary>Share of accepted LLM labels audited by people. Default 0.05.</summary>
    public double AuditShare { get; init; } = 0.05;

    /// <summary>The a-priori threshold of the <c>threshold</c> policy (stated confidence). Default 0.9.</summary>
    public double Threshold { get; init; } = 0.9;

    /// <summary>Items routed: the first this-many of a seeded order of the pool; 0 for the whole pool. Default 0.</summary>
    public int Items { get; init; }

    /// <summary>Items per router batch. Default 50.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Folds of the reference learner's cross-validation. Default 5.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Seed of the item order, the LLMs' and people's draws and the audit draws. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>The router's settings (target, audit share and seed are set from this record).</summary>
    public RouterOptions Router { get; init; } = new();

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Models);
        ArgumentNullException.ThrowIfNull(People);
        ArgumentNullException.ThrowIfNull(RealModels);
        if (Models.Count == 0 && RealModels.Count == 0) throw new ConfigurationException("Give at least one --llm-sim profile or --llm model.");
        if (ExampleItems < 0) throw new ConfigurationException("The number of example items cannot be negative.");
        if (Items < 0) throw new ConfigurationException("--routing-items cannot be negative.");
        if (BatchSize < 1) throw new ConfigurationException("The routing batch must be at least 1.");
        if (!(Threshold >= 0 && Threshold <= 1)) throw new ConfigurationException("The threshold policy's threshold must be in [0, 1].");
        var models = Models.Count + RealModels.Count;
        foreach (var (first, second) in Cascades ?? [])
        {
            if (first < 0 || second < 0 || first >= models || second >= models)
                throw new ConfigurationException($"--llm-cascade {first + 1},{second + 1}: there are {models} models (--llm-sim profiles, then --llm), numbered from 1.");
            if (first == second) throw new ConfigurationException($"--llm-cascade {first + 1},{second + 1}: a cascade needs two different models.");
        }
        (Router with { TargetAccuracy = TargetAccuracy, AuditShare = AuditShare }).Validate();
    }
}

/// <summary>
/// One policy's outcome in <c>results.json</c>'s <c>routing</c> array: what it cost (models and people, in the unit of
/// people's cost) and how accurate its labels were against gold.
/// </summary>
/// <param name="Policy"><c>all-human</c>, <c>all-llm</c>, <c>threshold</c>, <c>oracle-threshold</c> (a hindsight bound: it chose its threshold knowing which labels were right), <c>router</c>.</param>
/// <param name="LlmProfile">The simulated LLM's name (<c>simulated-llm(accuracy=0.9,overconfident)</c>); two joined by " → " for a router over two.</param>
/// <param name="Cost">Money spent on the items: LLM tokens × price plus people's answers × their cost.</param>
/// <param name="LabelAccuracy">Share of the items whose final label is the gold label.</param>
/// <param name="HumanLabels">Answers bought from people.</param>
/// <param name="LlmLabels">Answers bought from LLMs.</param>
public sealed record RoutingPolicyResult(string Policy, string LlmProfile, double Cost, double LabelAccuracy, int HumanLabels, int LlmLabels)
{
    /// <summary>Items labeled.</summary>
    public int Items { get; init; }

    /// <summary>Share of the items that went to at least one person.</summary>
    public double PeopleShare { get; init; }

    /// <summary>The target accuracy.</summary>
    public double TargetAccuracy { get; init; }

    /// <summary>Cost ÷ the cost of one person per item (all-human).</summary>
    public double CostVsAllHuman { get; init; }

    /// <summary>The stated-confidence threshold (threshold policies).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Threshold { get; init; }

    /// <summary>The router's own estimate of its label accuracy, from its audits.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EstimatedAccuracy { get; init; }

    /// <summary>Lower end of the estimate's 95% interval.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EstimateLow { get; init; }

    /// <summary>Upper end of the estimate's 95% interval.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EstimateHigh { get; init; }

    /// <summary>Random audits of accepted LLM labels.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Audits { get; init; }

    /// <summary>What the row is, when it needs saying (the hindsight bound; a target no threshold reaches).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Note { get; init; }
}

/// <summary>One reliability bin for JSON (empty bins have no confidence or accuracy).</summary>
public sealed record ReliabilityPoint(double Lower, double Upper, int Count, double? Confidence, double? Accuracy);

/// <summary>A simulated LLM's calibration: stated confidence against truth, and after the router's calibrator.</summary>
/// <param name="Model">The simulated LLM's name.</param>
/// <param name="Calibrator">The router's calibrator at the end (<c>isotonic(n=…)</c>).</param>
/// <param name="EceStated">ECE of the stated confidence on the routed items (15 bins).</param>
/// <param name="EceCalibrated">ECE after the router's final calibrator, on the same items (in-sample for those people saw).</param>
/// <param name="Stated">Reliability bins of the stated confidence.</param>
/// <param name="Calibrated">Reliability bins after calibration.</param>
public sealed record ModelCalibrationResult(string Model, string Calibrator, double? EceStated, double? EceCalibrated,
    IReadOnlyList<ReliabilityPoint> Stated, IReadOnlyList<ReliabilityPoint> Calibrated);

/// <summary>The whole routing comparison.</summary>
/// <param name="Policies">The <c>routing</c> array.</param>
/// <param name="Calibration">Per simulated LLM.</param>
/// <param name="Reference">The reference learner behind the profiles (folds, mean d_i, intercepts).</param>
public sealed record RoutingReport(IReadOnlyList<RoutingPolicyResult> Policies, IReadOnlyList<ModelCalibrationResult> Calibration, IReadOnlyDictionary<string, object?> Reference);

/// <summary>
/// Compares labeling policies on a stream of pool items (a seeded order, in batches): one person per item, the LLM
/// alone, the LLM above an a-priori threshold else one person, the best such threshold in hindsight (a bound, not a
/// policy), and <see cref="RoutingOracle"/>. Every policy sees the same LLM answers and, for the same (item, person),
/// the same person's answer. Pure given its inputs; single-threaded apart from the reference learner's folds.
/// </summary>
public static class RoutingSimulation
{
    /// <summary>Runs the comparison.</summary>
    /// <param name="data">The pool (gold labels, contents, features for the reference learner).</param>
    /// <param name="options">Profiles, people, target.</param>
    /// <param name="learner">The reference learner (logistic regression on the data's features).</param>
    /// <param name="evidence">Receives the router's decisions; null: none kept.</param>
    /// <param name="reference">Precomputed reference probabilities; null: cross-validated here.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="ConfigurationException">An option is out of range.</exception>
    public static RoutingReport Run(SimulationData data, RoutingSimulationOptions options, ILearner learner, IEvidenceSink? evidence = null,
        ReferenceProbabilities? reference = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(learner);
        options.Validate();
        reference ??= ReferenceProbabilities.Compute(data.Pool, data.PoolLabels, data.ClassNames.Count, learner, options.Folds, cancellationToken);
        var seed = Seeds.Mix(0xB0D7EUL, (ulong)options.Seed);
        var order = Enumerable.Range(0, data.Pool.Rows).ToArray();
        Seeds.Random(Seeds.Mix(seed, "routing-order")).Shuffle(order);
        var examples = new List<LabeledExample>();
        if (options.RealModels.Count > 0)
        {
            var reserved = Math.Min(options.ExampleItems, order.Length / 2);
            examples.AddRange(order.Take(reserved).Select(i => new LabeledExample(data.PoolIds[i], data.PoolContent[i], [data.ClassNames[data.PoolLabels[i]]])));
            order = order.Skip(reserved).ToArray();
        }
        var stream = options.Items > 0 ? order.Take(options.Items).ToArray() : order;
        var n = stream.Length;
        var gold = data.PoolLabels;
        var person = options.People;
        var firstPerson = new SimulatedPeople(person, gold, data.ClassNames, Seeds.Mix(seed, "people"));
        var personRight = stream.Select(i => firstPerson.Answer(i, 0) == gold[i]).ToArray();
        var allHumanCost = n * person.CostPerAnswer;

        var policies = new List<RoutingPolicyResult>();
        var calibration = new List<ModelCalibrationResult>();
        var simulated = options.Models.Select((m, i) => new SimulatedLlm(reference, m, gold, data.ClassNames, data.PoolContent, Seeds.Mix(seed, 100UL + (ulong)i))).ToList();
        var llms = new List<IRoutedModel>(simulated);
        foreach (var (model, i) in options.RealModels.Select((m, i) => (m, i)))
        {
            var recorded = RecordedModel.RecordAsync(model, data, stream, examples, options.BatchSize, Seeds.Mix(seed, 200UL + (ulong)i), options.Progress, cancellationToken);
            llms.Add(recorded.GetAwaiter().GetResult());
        }
        RoutingPolicyResult Row(string policy, string profile, double cost, int right, int people, int llmAnswers, int toPeople) =>
            new(policy, profile, cost, (double)right / n, people, llmAnswers)
            {
                Items = n,
                PeopleShare = (double)toPeople / n,
                TargetAccuracy = options.TargetAccuracy,
                CostVsAllHuman = allHumanCost > 0 ? cost / allHumanCost : double.NaN,
            };

        foreach (var llm in llms)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = llm.Name;
            var llmCost = stream.Sum(llm.Cost);
            var llmRight = stream.Select(llm.IsRight).ToArray();
            var stated = stream.Select(llm.StatedConfidence).ToArray();
            policies.Add(Row("all-human", name, allHumanCost, personRight.Count(r => r), n, 0, n));
            policies.Add(Row("all-llm", name, llmCost, llmRight.Count(r => r), 0, n, 0));

            var below = Enumerable.Range(0, n).Where(t => stated[t] < options.Threshold).ToList();
            var thresholdRight = Enumerable.Range(0, n).Count(t => stated[t] < options.Threshold ? personRight[t] : llmRight[t]);
            policies.Add(Row("threshold", name, llmCost + below.Count * person.CostPerAnswer, thresholdRight, below.Count, n, below.Count) with { Threshold = options.Threshold });
            policies.Add(OracleThreshold(stated, llmRight, personRight, options.TargetAccuracy, llmCost, person.CostPerAnswer, name, Row));

            var (row, router) = RunRouter([llm], data, stream, options, seed, evidence, learner, cancellationToken);
            policies.Add(Row("router", name, row.Cost, row.Right, row.People, row.Models, row.ToPeople) with
            {
                EstimatedAccuracy = router.Report.EstimatedAccuracy.Estimate,
                EstimateLow = router.Report.EstimatedAccuracy.Low,
                EstimateHigh = router.Report.EstimatedAccuracy.High,
                Audits = router.Report.Audits,
            });
            var statedOutcomes = Enumerable.Range(0, n).Select(t => new ConfidenceOutcome(stated[t], llmRight[t])).ToList();
            var calibratedOutcomes = Enumerable.Range(0, n).Select(t => new ConfidenceOutcome(Math.Clamp(router.Calibrator.Map(stated[t]), 0, 1), llmRight[t])).ToList();
            calibration.Add(new ModelCalibrationResult(name, router.Calibrator.Describe(),
                Finite(ConfidenceCalibration.ExpectedCalibrationError(statedOutcomes)), Finite(ConfidenceCalibration.ExpectedCalibrationError(calibratedOutcomes)),
                Points(ConfidenceCalibration.Reliability(statedOutcomes)), Points(ConfidenceCalibration.Reliability(calibratedOutcomes))));
        }
        var cascades = options.Cascades ?? (llms.Count >= 2 ? [(0, 1)] : []);
        foreach (var (first, second) in cascades)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (row, router) = RunRouter([llms[first], llms[second]], data, stream, options, seed, evidence, learner, cancellationToken);
            var report = router.Report;
            policies.Add(Row("router", $"{llms[first].Name} → {llms[second].Name}", row.Cost, row.Right, row.People, row.Models, row.ToPeople) with
            {
                EstimatedAccuracy = report.EstimatedAccuracy.Estimate,
                EstimateLow = report.EstimatedAccuracy.Low,
                EstimateHigh = report.EstimatedAccuracy.High,
                Audits = report.Audits,
                Note = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"cascade: second model asked {report.SecondModelAnswers} times (cost {report.SecondModelMoney:0.####}), {report.SecondModelAccepted} labels accepted from it"),
            });
        }
        var referenceInfo = new Dictionary<string, object?>
        {
            ["learner"] = learner.Describe(),
            ["features"] = data.FeaturizerName,
            ["folds"] = reference.Folds,
            ["mean_true_class_probability"] = reference.TrueClass.Count == 0 ? null : reference.TrueClass.Average(),
            ["intercepts"] = simulated.ToDictionary(l => l.Name, l => (object?)l.Intercept),
            ["example_items"] = examples.Count,
            ["items"] = n,
            ["order_seed"] = options.Seed,
        };
        return new RoutingReport(policies, calibration, referenceInfo);
    }

    /// <summary>Labels the router must have returned before the learner in the loop is first trained.</summary>
    private const int LearnerMinLabels = 100;

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static List<ReliabilityPoint> Points(IEnumerable<ReliabilityBin> bins) =>
        bins.Select(b => new ReliabilityPoint(b.Lower, b.Upper, b.Count, b.Count > 0 ? b.Confidence : null, b.Count > 0 ? b.Accuracy : null)).ToList();

    /// <summary>
    /// The hindsight bound: the single stated-confidence threshold (LLM label at or above it, one person below) with the
    /// least cost whose realised accuracy reaches the target, chosen knowing which labels are right; when none reaches
    /// it, the most accurate.
    /// </summary>
    internal static RoutingPolicyResult OracleThreshold(double[] stated, bool[] llmRight, bool[] personRight, double target, double llmCost, double personCost, string name,
        Func<string, string, double, int, int, int, int, RoutingPolicyResult> row)
    {
        var n = stated.Length;
        var byConfidence = Enumerable.Range(0, n).OrderByDescending(t => stated[t]).ToArray();
        // Accept the top m; right = (LLM right among top m) + (person right among the rest).
        var peopleRightTotal = personRight.Count(r => r);
        int bestM = 0, bestRight = peopleRightTotal;
        var reached = peopleRightTotal >= target * n - 1e-9;
        int llmTop = 0, personTop = 0;
        for (var m = 1; m <= n; m++)
        {
            var t = byConfidence[m - 1];
            if (llmRight[t]) llmTop++;
            if (personRight[t]) personTop++;
            if (m < n && stated[byConfidence[m]] == stated[t]) continue; // a threshold cannot split tied confidences
            var right = llmTop + peopleRightTotal - personTop;
            if (right >= target * n - 1e-9) { bestM = m; bestRight = right; reached = true; }
            else if (!reached && right > bestRight) { bestM = m; bestRight = right; }
        }
        var toPeople = n - bestM;
        double? threshold = bestM == 0 ? null : stated[byConfidence[bestM - 1]];
        return row("oracle-threshold", name, llmCost + toPeople * personCost, bestRight, toPeople, n, toPeople) with
        {
            Threshold = threshold,
            Note = "hindsight bound: the threshold was chosen knowing which labels are right; no real policy can see that"
                + (reached ? "" : "; no threshold reaches the target, the most accurate is shown"),
        };
    }

    /// <summary>
    /// Routes the stream in batches. When the router reads the learner (<see cref="RouterOptions.UseLearner"/>), a
    /// learner in the loop — <paramref name="learner"/> trained on the labels the router has returned so far, as a
    /// project's model is retrained on the labels it bought, never on gold — gives each batch its probabilities, refitted
    /// once <see cref="LearnerMinLabels"/> labels exist and again whenever they grew by half.
    /// </summary>
    private static ((double Cost, int Right, int People, int Models, int ToPeople) Row, RoutingOracle Router) RunRouter(
        IReadOnlyList<IRoutedModel> llms, SimulationData data, int[] stream, RoutingSimulationOptions options, ulong seed, IEvidenceSink? evidence, ILearner learner,
        CancellationToken ct)
    {
        var people = new SimulatedPeople(options.People, data.PoolLabels, data.ClassNames, Seeds.Mix(seed, "people"));
        var routerOptions = options.Router with
        {
            TargetAccuracy = options.TargetAccuracy,
            AuditShare = options.AuditShare,
            Seed = Seeds.Mix(seed, "audit"),
            Evidence = evidence ?? NullEvidenceSink.Instance,
        };
        var router = new RoutingOracle(llms[0], people, routerOptions, llms.Count > 1 ? llms[1] : null);
        var right = 0;
        var toPeople = 0;
        var classes = data.ClassNames.Count;
        var useLearner = routerOptions.UseLearner && routerOptions.Mode == RouterMode.Solve;
        var labelIndex = data.ClassNames.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var labeledRows = new List<int>();
        var labeledAs = new List<int>();
        IClassifier? model = null;
        var fittedAt = 0;
        for (var start = 0; start < stream.Length; start += options.BatchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = stream.Skip(start).Take(options.BatchSize).ToList();
            if (useLearner && labeledRows.Count >= LearnerMinLabels && labeledRows.Count >= fittedAt * 3 / 2 && labeledAs.Distinct().Count() >= 2)
            {
                model = learner.Fit(new TrainingSet(data.Pool, labeledRows.ToArray(), labeledAs.ToArray(), classes), model, ct);
                fittedAt = labeledRows.Count;
            }
            float[]? probabilities = null;
            if (model is not null)
            {
                probabilities = new float[batch.Count * classes];
                model.PredictProba(data.Pool, batch.ToArray(), probabilities);
            }
            var questions = batch.Select((i, b) => new OracleQuestion(data.PoolIds[i], data.PoolContent[i])
            {
                PoolIndex = i,
                Cost = data.Costs[i],
                LearnerProbabilities = probabilities?.AsSpan(b * classes, classes).ToArray(),
            }).ToList();
            var request = new OracleRequest(questions, data.ClassNames) { Round = start / options.BatchSize, Seed = Seeds.Mix(seed, (ulong)start) };
            var asked = router.AskAsync(request, ct);
            var answers = asked.IsCompletedSuccessfully ? asked.Result : asked.AsTask().GetAwaiter().GetResult();
            for (var q = 0; q < answers.Count; q++)
            {
                var answer = answers[q];
                if (answer.Status == AnswerStatus.Answered && answer.Labels.Count == 1 && answer.Labels[0] == data.ClassNames[data.PoolLabels[batch[q]]]) right++;
                if (answer.Status == AnswerStatus.Answered && answer.Labels.Count == 1 && labelIndex.TryGetValue(answer.Labels[0], out var given))
                {
                    labeledRows.Add(batch[q]);
                    labeledAs.Add(given);
                }
                if (answer.Provenance.Sources.Any(s => s.Name.StartsWith("simulated-person-", StringComparison.Ordinal))) toPeople++;
            }
        }
        var report = router.Report;
        return ((report.ModelMoney + report.PeopleMoney, right, report.PersonAnswers, report.ModelAnswers, toPeople), router);
    }
}
