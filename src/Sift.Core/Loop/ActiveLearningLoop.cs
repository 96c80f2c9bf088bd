using System.Diagnostics;
using System.Globalization;
using Sift.Features;
using Sift.Learners;
using Sift.Preferences;
using Sift.Projects;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Loop;

/// <summary>
/// One active-learning round, the same for the simulator and the server: fit the model on the labels so far (warm
/// start), score it on the held-out sets, compare its stop-set predictions with the previous model's (κ), measure the
/// pool's uncertainty when asked, consult the stopping rule, and score and select. Featurising is the driver's (once
/// per pool); asking an oracle, spending money and writing evidence are the driver's too — <see cref="RunAsync"/> is
/// such a driver for a program with an oracle of its own. Pure given its inputs and the strategy's state: the same
/// input and seeds give the same outcome. Used by one run at a time.
/// </summary>
public sealed partial class ActiveLearningLoop
{
    /// <summary>Ranker name of multi-label rounds.</summary>
    public const string MultiLabelRanker = "one-vs-rest mean uncertainty";

    private readonly LoopSetup _setup;
    private readonly BootstrapCommitteeLearner? _committee;
    private readonly bool _stopReadsUncertainty;

    /// <summary>Creates the loop; checks the setup, so a strategy whose needs cannot be met fails here, before any round.</summary>
    /// <exception cref="ConfigurationException">See <see cref="LoopSetup.Validate"/>.</exception>
    public ActiveLearningLoop(LoopSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        setup.Validate();
        _setup = setup;
        if (setup.Mode == LabelMode.Single && setup.Needs.HasFlag(StrategyNeeds.Committee))
            _committee = new BootstrapCommitteeLearner(setup.Learner, setup.CommitteeSize);
        _stopReadsUncertainty = RuleSearch.Find<UncertaintyBelow>(setup.Stop).Any();
    }

    /// <summary>The setup.</summary>
    public LoopSetup Setup => _setup;

    /// <summary>Runs one round.</summary>
    /// <exception cref="QueryException">The strategy chose the wrong number of items, or an item that is not a candidate.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public RoundOutcome RunRound(RoundInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.TrainingRows.Length != input.TrainingLabels.Count) throw new ArgumentException("Training rows and labels differ in length.", nameof(input));
        cancellationToken.ThrowIfCancellationRequested();
        var x = _setup.Features.Pool;
        var k = _setup.Labels.Count;
        var mode = _setup.Mode;

        var sw = Stopwatch.StartNew();
        var warm = input.WarmModel is { } w && w.Columns == x.Columns;
        if (input.TrainingWeights is { } given && (given.Length != input.TrainingRows.Length || given.Any(v => !(v >= 0) || !double.IsFinite(v))))
            throw new ArgumentException("Give one finite, non-negative training weight per training row.", nameof(input));
        LabelSetModel model;
        if (input.PseudoRows.Length > 0 && mode == LabelMode.Single)
        {
            if (input.PseudoRows.Length != input.PseudoLabels.Length) throw new ArgumentException("Pseudo-label rows and labels differ in length.", nameof(input));
            if (!(input.PseudoWeight > 0) || !double.IsFinite(input.PseudoWeight)) throw new ArgumentException("The pseudo-label weight must be a finite number above 0.", nameof(input));
            var rows = input.TrainingRows.Concat(input.PseudoRows).ToArray();
            var truth = input.TrainingLabels.Concat(input.PseudoLabels.Select(l => new[] { l })).ToList();
            var weights = (input.TrainingWeights ?? Enumerable.Repeat(1.0, input.TrainingRows.Length)).Concat(Enumerable.Repeat(input.PseudoWeight, input.PseudoRows.Length)).ToArray();
            model = LabelSetModel.Fit(_setup.Learner, mode, k, x, rows, truth, warm ? input.WarmModel : null, weights, cancellationToken);
        }
        else
        {
            model = LabelSetModel.Fit(_setup.Learner, mode, k, x, input.TrainingRows, input.TrainingLabels, warm ? input.WarmModel : null, input.TrainingWeights, cancellationToken);
        }
        Committee? committee = null;
        if (_committee is not null)
        {
            var training = new TrainingSet(x, input.TrainingRows, input.TrainingLabels.Select(t => t[0]).ToArray(), k);
            committee = _committee.Fit(training, input.CommitteeSeed, warm ? input.WarmCommittee : null, cancellationToken);
        }
        var fitSeconds = sw.Elapsed.TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();

        var test = Score(model, input.Test);
        var validation = Score(model, input.Validation);
        var stopSet = new StopSetLabels(input.StopSet, model.Predict(x, input.StopSet));
        var (kappa, kappaItems) = Agreement(input.PreviousStopSet, stopSet);

        var unlabeled = input.Unlabeled;
        var measure = (input.MeasureUncertainty || _stopReadsUncertainty) && unlabeled.Length > 0;
        var meanUncertainty = measure ? model.MeanNormalizedEntropy(x, unlabeled) : double.NaN;
        var decision = _setup.Stop.Evaluate(new StoppingContext
        {
            Round = input.Round,
            Labels = input.TrainingRows.Length,
            Spent = input.Spent,
            ValidationHistory = validation is null ? input.ValidationHistory : [.. input.ValidationHistory, validation.Accuracy],
            SpentHistory = validation is null ? input.SpentHistory : [.. input.SpentHistory, input.Spent],
            AgreementHistory = kappa is { } kp ? [.. input.AgreementHistory, kp] : input.AgreementHistory,
            MeanUncertainty = meanUncertainty,
            Remaining = unlabeled.Length,
        });

        var labelsPerClass = new int[k];
        foreach (var set in input.TrainingLabels)
            foreach (var l in set) labelsPerClass[l]++;

        var candidates = input.Candidates ?? unlabeled;
        var request = input.Selection;
        var select = (!decision.Stop || request.EvenWhenStopping) && candidates.Length > 0 && (request.OrderAll || request.Count > 0);
        IReadOnlyList<RoundPick> picks = [];
        IReadOnlyDictionary<string, object?>? details = null;
        var querySeconds = 0.0;
        var ranker = mode == LabelMode.Multi ? MultiLabelRanker : _setup.Strategy!.Name;
        if (select)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sw.Restart();
            if (mode == LabelMode.Multi)
            {
                picks = MultiLabelOrder(model, x, candidates, request.OrderAll ? candidates.Length : Math.Min(request.Count, candidates.Length), input.QuerySeed);
            }
            else
            {
                var context = new QueryContext(x, candidates, input.QuerySeed)
                {
                    Round = input.Round,
                    ClassCount = k,
                    Model = model.Single,
                    Committee = committee,
                    Embeddings = _setup.Needs.HasFlag(StrategyNeeds.Embeddings) ? _setup.Features.Vectors : null,
                    LabeledIndices = input.TrainingRows,
                    LabeledClasses = input.TrainingLabels.Select(t => t[0]).ToArray(),
                    Costs = _setup.Costs,
                    Groups = _setup.Groups,
                    ClassNames = _setup.Labels,
                    Pairs = _setup.Pairwise
                        ? new PairQueryInputs((DenseMatrix)x) { Model = model.Single as BradleyTerryModel, C = ((BradleyTerry)_setup.Learner).Options.C }
                        : null,
                };
                (picks, details) = Select(_setup.Strategy!, context, request);
            }
            querySeconds = sw.Elapsed.TotalSeconds;
            cancellationToken.ThrowIfCancellationRequested();
        }

        return new RoundOutcome
        {
            Model = model,
            Committee = committee,
            FitSeconds = fitSeconds,
            QuerySeconds = querySeconds,
            Test = test,
            Validation = validation,
            StopSet = stopSet,
            Kappa = kappa,
            KappaItems = kappaItems,
            MeanUncertainty = double.IsNaN(meanUncertainty) ? null : meanUncertainty,
            Decision = decision,
            LabelsPerClass = labelsPerClass,
            Selected = select,
            Picks = picks,
            Details = details,
            Ranker = ranker,
        };
    }

    private EvaluationScore? Score(LabelSetModel model, EvaluationSet? set)
    {
        if (set is null) return null;
        if (_setup.Pairwise)
        {
            // Held-out pairwise accuracy on the decisive pairs (ties and "both bad" are not counted); no macro-F1.
            var outcomes = set.Labels.Select(l => (PreferenceOutcome)l[0]).ToArray();
            return new EvaluationScore(PreferenceMetrics.PairwiseAccuracy((BradleyTerryModel)model.Single!, set.Features, set.Rows, outcomes), double.NaN);
        }
        var predicted = model.Predict(set.Features, set.Rows);
        return new EvaluationScore(LabelSetMetrics.Accuracy(set.Labels, predicted),
            LabelSetMetrics.MacroF1(_setup.Mode, _setup.Labels.Count, set.Labels, predicted));
    }

    /// <summary>κ between the previous model's predictions and this model's, on the stop-set rows both cover (in this model's order).</summary>
    private (double? Kappa, int Items) Agreement(StopSetLabels? previous, StopSetLabels current)
    {
        if (previous is null || previous.Rows.Length != previous.Labels.Count) return (null, 0);
        var before = new Dictionary<int, int[]>(previous.Rows.Length);
        for (var i = 0; i < previous.Rows.Length; i++) before[previous.Rows[i]] = previous.Labels[i];
        var a = new List<int[]>();
        var b = new List<int[]>();
        for (var i = 0; i < current.Rows.Length; i++)
        {
            if (!before.TryGetValue(current.Rows[i], out var old)) continue;
            a.Add(old);
            b.Add(current.Labels[i]);
        }
        return a.Count == 0 ? (null, 0) : (LabelSetMetrics.Kappa(_setup.Mode, _setup.Labels.Count, a, b), a.Count);
    }

    /// <summary>
    /// A batch, or the strategy's order over every candidate: a ranking strategy orders them all; one that chooses its
    /// batch as a set orders its first <see cref="SelectionRequest.Count"/>, and margin orders the rest.
    /// </summary>
    private static (IReadOnlyList<RoundPick> Picks, IReadOnlyDictionary<string, object?>? Details) Select(IQueryStrategy strategy, QueryContext context, SelectionRequest request)
    {
        var n = context.Candidates.Length;
        var full = request.OrderAll && strategy is IRankingStrategy;
        var count = full ? n : Math.Min(request.Count, n);
        var head = strategy.Select(context, count);
        CheckPicks(strategy.Name, head, count, context.Candidates);
        var order = new List<RoundPick>(request.OrderAll ? n : count);
        for (var i = 0; i < head.Count; i++) order.Add(new RoundPick(head.Indices[i], head.Scores[i], head.Reasons[i]));
        if (!request.OrderAll || head.Count == n) return (order, head.Details);

        var chosen = head.Indices.ToHashSet();
        var rest = context.Candidates.Where(r => !chosen.Contains(r)).ToArray();
        // Pairs with a reward model are ordered by the uncertainty of their outcome; anything else by margin.
        IQueryStrategy tailStrategy = context.Pairs is { Model: not null } ? new PairUncertaintySampling() : new MarginSampling();
        var tail = tailStrategy.Select(new QueryContext(context.Features, rest, Seeds.Mix(context.Seed, "tail"))
        {
            Round = context.Round,
            ClassCount = context.ClassCount,
            Model = context.Model,
            ClassNames = context.ClassNames,
            Pairs = context.Pairs,
        }, rest.Length);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"after {strategy.Name}'s batch of {head.Count}: ");
        for (var i = 0; i < tail.Count; i++) order.Add(new RoundPick(tail.Indices[i], tail.Scores[i], prefix + tail.Reasons[i]));
        return (order, head.Details);
    }

    private static void CheckPicks(string strategy, QueryResult picks, int count, int[] candidates)
    {
        if (picks.Count != count || picks.Scores.Length != count || picks.Reasons.Length != count)
            throw new QueryException($"Strategy '{strategy}' returned {picks.Count} items instead of {count}.");
        var allowed = candidates.ToHashSet();
        var seen = new HashSet<int>();
        foreach (var i in picks.Indices)
        {
            if (!allowed.Contains(i) || !seen.Add(i))
                throw new QueryException($"Strategy '{strategy}' chose item {i}, which is labeled, held out or chosen twice.");
        }
    }

    /// <summary>
    /// Multi-label order: the mean over labels of the binary margin uncertainty 1 − |2p − 1| (1 when p = ½), highest
    /// first, ties broken by a seeded key.
    /// </summary>
    private List<RoundPick> MultiLabelOrder(LabelSetModel model, FeatureMatrix x, int[] candidates, int count, ulong seed)
    {
        var schema = _setup.Labels;
        var positive = model.PositiveProbabilities(x, candidates);
        var scores = new double[candidates.Length];
        var closest = new int[candidates.Length];
        for (var i = 0; i < candidates.Length; i++)
        {
            double sum = 0, best = -1;
            for (var l = 0; l < schema.Count; l++)
            {
                var u = 1 - Math.Abs(2 * positive[l][i] - 1);
                sum += u;
                if (u > best) (best, closest[i]) = (u, l);
            }
            scores[i] = sum / schema.Count;
        }
        var top = TopK.Select(scores, count, Seeds.Mix(seed, "ties"), candidates);
        return top.Select(pos => new RoundPick(candidates[pos], scores[pos], string.Create(CultureInfo.InvariantCulture,
            $"mean one-vs-rest uncertainty {scores[pos]:0.###}; most unsure of '{schema[closest[pos]]}' (p={positive[closest[pos]][pos]:0.###})"))).ToList();
    }
}
