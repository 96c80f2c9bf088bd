using System.Globalization;
using Sift.Features;
using Sift.Learners;
using Sift.Projects;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Server.Training;

/// <summary>
/// In-memory state the trainer keeps per project between fits: TF-IDF features (refitted when the item count
/// changes), the last model (warm start), the bootstrap committee and the strategy instance (a bandit keeps its
/// weights). A fresh process starts empty and trains cold. Used by one fit at a time.
/// </summary>
internal sealed class ProjectCache
{
    public FeatureSet? Features { get; set; }
    public LabelModel? Model { get; set; }
    public int ModelFeatures { get; set; }
    public Committee? Committee { get; set; }
    public string? StrategySpec { get; set; }
    public IQueryStrategy? Strategy { get; set; }
}

/// <summary>The pool's features: one row per item, items by id.</summary>
internal sealed class FeatureSet
{
    private readonly Lazy<DenseMatrix> _embeddings;

    public FeatureSet(IReadOnlyList<Item> items, ulong seed)
    {
        ItemIds = items.Select(i => i.Id).ToArray();
        Row = new Dictionary<long, int>(ItemIds.Length);
        for (var r = 0; r < ItemIds.Length; r++) Row[ItemIds[r]] = r;
        var texts = items.Select(i => i.Text).ToList();
        var (vectorizer, matrix) = TfidfVectorizer.FitTransform(texts);
        // A tiny or highly varied pool may have no term in two documents; fall back to every term.
        if (vectorizer.FeatureCount == 0) (vectorizer, matrix) = TfidfVectorizer.FitTransform(texts, new TfidfOptions { MinDocumentFrequency = 1 });
        Matrix = matrix;
        _embeddings = new Lazy<DenseMatrix>(() => LsaEmbedder.Compute(matrix, new LsaOptions { Seed = seed }).Embedding, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public long[] ItemIds { get; }
    public Dictionary<long, int> Row { get; }
    public SparseMatrix Matrix { get; }

    /// <summary>LSA vectors (100 dimensions, unit rows) for diversity strategies, computed on first use.</summary>
    public DenseMatrix Embeddings => _embeddings.Value;

    public bool Matches(IReadOnlyList<Item> items) =>
        items.Count == ItemIds.Length && (items.Count == 0 || items[^1].Id == ItemIds[^1]);
}

/// <summary>A finished fit: the model version and ranking to store, and how to remember the model once they are stored.</summary>
internal sealed record TrainResult(ModelVersion? Model, Ranking Ranking, Action Commit);

/// <summary>
/// One retrain of one project (docs/server-design.md, "Live loop"): fit, evaluate on the held-out items, measure κ,
/// pool uncertainty, the stop decision and the active-vs-random lift, and compose the next ranking. Pure given its
/// inputs: the same snapshot, cache state and seed give the same result.
/// </summary>
internal static class Trainer
{
    /// <summary>
    /// Whether the project is due for a retrain: once <see cref="ProjectSettings.RetrainEvery"/> more items have a
    /// resolved label (training or held-out) than when the last model was trained (than zero, before the first), or
    /// when the item count, the strategy or the exploration share changed since.
    /// </summary>
    public static bool IsDue(ProjectSettings settings, int items, int resolved, IReadOnlyList<ModelVersion> models)
    {
        if (models.Count == 0) return resolved >= settings.RetrainEvery;
        var last = ModelMetrics.Parse(models[^1].MetricsJson);
        return resolved - last.Resolved >= settings.RetrainEvery
            || items != last.Items
            || !string.Equals(last.Strategy, settings.Strategy, StringComparison.Ordinal)
            || last.ExplorationShare != settings.ExplorationShare;
    }

    /// <inheritdoc cref="IsDue(ProjectSettings, int, int, IReadOnlyList{ModelVersion})"/>
    public static bool IsDue(ProjectSnapshot snapshot) => IsDue(snapshot.Settings, snapshot.Items.Count, snapshot.Resolved.Count, snapshot.Models);

    /// <summary>Fits the next model version and ranking. With no training labels yet, returns a cold-start ranking and no model.</summary>
    /// <exception cref="ConfigurationException">The project's settings do not validate (e.g. its strategy or stopping rule does not parse).</exception>
    public static TrainResult Train(ProjectSnapshot snapshot, ProjectCache cache, LiveLoopOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = snapshot.Settings;
        var project = snapshot.Project;
        // Validate the settings first (they were read back from the store): a bad value fails before any work, with the
        // validator's own sentence, and no spec reaches a parser without its length and nesting limits checked.
        settings.Validate();
        var stopRule = StoppingRuleParser.Parse(settings.StopRule);
        var descriptor = settings.Mode == LabelMode.Single ? StrategyCatalog.Default.Get(settings.Strategy) : null;
        var schema = settings.Labels;
        var labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < schema.Count; i++) labelIndex.TryAdd(schema[i], i);
        var heldOutIds = snapshot.Items.Where(i => i.HeldOut).Select(i => i.Id).ToHashSet();

        // Training set: resolved labels of items outside the evaluation set (labels no longer in the schema are dropped).
        var training = new List<(long ItemId, int[] Labels)>();
        foreach (var item in snapshot.Items)
        {
            if (item.HeldOut || !snapshot.Resolved.TryGetValue(item.Id, out var resolved)) continue;
            if (ToSet(resolved.Labels, labelIndex, settings.Mode) is { } set) training.Add((item.Id, set));
        }
        if (training.Count == 0)
            return new TrainResult(null, RankingComposer.ColdStart(snapshot), () => { });

        var features = cache.Features is { } cached && cached.Matches(snapshot.Items) ? cached : new FeatureSet(snapshot.Items, settings.Seed);
        var x = features.Matrix;
        var version = snapshot.LatestVersion + 1;
        var seed = Seeds.Mix(settings.Seed, (ulong)version);
        var rows = training.Select(t => features.Row[t.ItemId]).ToArray();
        var truth = training.Select(t => t.Labels).ToList();
        var warm = cache.ModelFeatures == x.Columns ? cache.Model : null;
        var model = LabelModel.Fit(settings.Mode, schema.Count, x, rows, truth, warm, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        // Held-out evaluation: gold when imported, else the resolved label.
        var evaluation = new List<(long ItemId, int[] Labels)>();
        foreach (var id in heldOutIds.Order())
            if (snapshot.EvaluationLabel(id) is { } labels && ToSet(labels, labelIndex, settings.Mode) is { } set) evaluation.Add((id, set));
        var evalRows = evaluation.Select(e => features.Row[e.ItemId]).ToArray();
        var evalTruth = evaluation.Select(e => e.Labels).ToList();
        double? accuracy = null, macroF1 = null;
        if (evaluation.Count > 0)
        {
            var predicted = model.Predict(x, evalRows);
            accuracy = LabelSetMetrics.Accuracy(evalTruth, predicted);
            var f1 = LabelSetMetrics.MacroF1(settings.Mode, schema.Count, evalTruth, predicted);
            macroF1 = double.IsNaN(f1) ? null : f1;
        }

        // κ with the previous model on a fixed stop set: the items with the smallest seeded keys of their ids.
        var stopKey = Seeds.Mix(settings.Seed, "stop-set");
        var stopIds = RankingComposer.Shuffle(snapshot.Items, stopKey).Take(options.StopSetSize).Select(i => i.Id).Order().ToArray();
        var stopPredictions = model.Predict(x, stopIds.Select(id => features.Row[id]).ToArray());
        var stopSet = new StopSetPredictions { Ids = stopIds, Predictions = stopPredictions.Select(p => p.Select(c => schema[c]).ToArray()).ToArray() };
        var previousMetrics = snapshot.Models.Select(m => ModelMetrics.Parse(m.MetricsJson)).ToList();
        var (kappa, kappaItems) = Agreement(previousMetrics.LastOrDefault()?.StopSet, stopSet, labelIndex, settings.Mode, schema.Count);

        // The pool: items outside the evaluation set with no answers yet; items part-way to the overlap come first.
        var overlap = settings.Overlap;
        var candidates = snapshot.Items.Where(i => !i.HeldOut && !snapshot.Answers.ContainsKey(i.Id)).ToList();
        var partial = snapshot.Items
            .Where(i => snapshot.Answers.TryGetValue(i.Id, out var a) && a < overlap && !(i.HeldOut && snapshot.Gold.ContainsKey(i.Id)))
            .OrderByDescending(i => snapshot.Answers[i.Id]).ThenBy(i => i.Id)
            .Select(i => (i.Id, RankingComposer.OverlapReason(snapshot.Answers[i.Id], overlap)))
            .ToList();
        var heldOutNeeded = RankingComposer.Shuffle(
            snapshot.Items.Where(i => i.HeldOut && !snapshot.Answers.ContainsKey(i.Id) && !snapshot.Gold.ContainsKey(i.Id)), Seeds.Mix(seed, "held-out"))
            .Select(i => i.Id).ToList();

        var candidateRows = candidates.Select(i => features.Row[i.Id]).ToArray();
        double? meanUncertainty = candidateRows.Length > 0 ? model.NormalizedEntropy(x, candidateRows).Average() : null;

        var exploration = RankingComposer.DrawExploration(candidates, settings.ExplorationShare, seed).Select(i => i.Id).ToList();
        var explored = exploration.ToHashSet();
        var strategyRows = candidates.Where(i => !explored.Contains(i.Id)).Select(i => features.Row[i.Id]).ToArray();
        Committee? committee = null;
        string ranker;
        List<StrategyPick> strategyOrder;
        if (descriptor is not null)
        {
            if (descriptor.Needs.HasFlag(StrategyNeeds.Committee))
            {
                var set = new TrainingSet(x, rows, truth.Select(t => t[0]).ToArray(), schema.Count);
                committee = new BootstrapCommitteeLearner(new LogisticRegression(), options.CommitteeSize)
                    .Fit(set, Seeds.Mix(seed, "committee"), cache.ModelFeatures == x.Columns ? cache.Committee : null, cancellationToken);
            }
            var strategy = cache.StrategySpec == settings.Strategy && cache.Strategy is not null ? cache.Strategy : descriptor.Create();
            cache.StrategySpec = settings.Strategy;
            cache.Strategy = strategy;
            ranker = strategy.Name;
            var context = new QueryContext(x, strategyRows, Seeds.Mix(seed, "strategy"))
            {
                Round = version - 1,
                ClassCount = schema.Count,
                Model = model.Single,
                Committee = committee,
                Embeddings = descriptor.Needs.HasFlag(StrategyNeeds.Embeddings) && strategyRows.Length > 0 ? features.Embeddings : null,
                LabeledIndices = rows,
                LabeledClasses = truth.Select(t => t[0]).ToArray(),
                Costs = snapshot.Items.Select(i => i.Cost).ToArray(),
                Groups = snapshot.Items.Select(i => i.Group).ToArray(),
                ClassNames = schema,
            };
            strategyOrder = StrategyOrder(strategy, context, model.Single!, options.StrategyBatch, features);
        }
        else
        {
            ranker = "one-vs-rest mean uncertainty";
            strategyOrder = MultiLabelOrder(model, x, strategyRows, features, schema, Seeds.Mix(seed, "strategy"));
        }
        cancellationToken.ThrowIfCancellationRequested();

        var items = RankingComposer.Compose(partial, strategyOrder, exploration, RankingComposer.ExplorationReason(settings.ExplorationShare), heldOutNeeded, seed);
        var ranking = new Ranking(project.Id, version, descriptor is null ? ranker : settings.Strategy, items);

        // The stopping rule reads the same histories as in simulation: held-out accuracy and κ per model version.
        var validation = snapshot.Models.Where(m => m.Accuracy is not null).Select(m => m.Accuracy!.Value).ToList();
        if (accuracy is { } a) validation.Add(a);
        var agreement = previousMetrics.Where(m => m.Kappa is not null).Select(m => m.Kappa!.Value).ToList();
        if (kappa is { } k) agreement.Add(k);
        var decision = stopRule.Evaluate(new StoppingContext
        {
            Round = version - 1,
            Labels = training.Count,
            Spent = snapshot.Items.Where(i => snapshot.Answers.ContainsKey(i.Id)).Sum(i => i.Cost),
            ValidationHistory = validation,
            AgreementHistory = agreement,
            MeanUncertainty = meanUncertainty ?? double.NaN,
            Remaining = candidates.Count,
        });

        var (lift, liftStatus) = Lift(snapshot, options, features, labelIndex, evalRows, evalTruth, heldOutIds, seed, cancellationToken);

        var metrics = new ModelMetrics
        {
            Resolved = snapshot.Resolved.Count,
            Items = snapshot.Items.Count,
            Strategy = settings.Strategy,
            ExplorationShare = settings.ExplorationShare,
            Ranker = ranker,
            Learner = new LogisticRegression().Describe() + (settings.Mode == LabelMode.Multi ? ", one-vs-rest" : ""),
            TrainingLabelsPerClass = schema.Select((name, c) => (name, count: truth.Count(t => Array.BinarySearch(t, c) >= 0))).ToDictionary(p => p.name, p => p.count),
            Kappa = kappa,
            KappaItems = kappaItems,
            MeanUncertainty = meanUncertainty,
            Stop = new StopMetrics { Stop = decision.Stop, Rule = decision.Rule, Reason = decision.Reason, State = decision.State },
            Lift = lift,
            LiftStatus = liftStatus,
            Ranking = new RankingMetrics
            {
                Length = items.Count,
                Strategy = strategyOrder.Count,
                Exploration = exploration.Count,
                HeldOut = heldOutNeeded.Count,
                NeedsMoreAnswers = partial.Count,
            },
            StopSet = stopSet,
        };
        var modelVersion = new ModelVersion(project.Id, version, now, training.Count, evaluation.Count, accuracy, macroF1, 0,
            decision.Stop, decision.Reason, metrics.ToJson());
        return new TrainResult(modelVersion, ranking, () =>
        {
            cache.Features = features;
            cache.Model = model;
            cache.ModelFeatures = x.Columns;
            cache.Committee = committee;
        });
    }

    /// <summary>
    /// The strategy's order over its candidates. A strategy that scores items one by one orders them all; one that
    /// chooses a batch as a set orders its first <paramref name="batch"/>, and margin orders the rest.
    /// </summary>
    private static List<StrategyPick> StrategyOrder(IQueryStrategy strategy, QueryContext context, IClassifier model, int batch, FeatureSet features)
    {
        var n = context.Candidates.Length;
        if (n == 0) return [];
        var full = strategy is ScoredStrategy or RandomSampling;
        var head = strategy.Select(context, full ? n : Math.Min(batch, n));
        var order = new List<StrategyPick>(n);
        for (var i = 0; i < head.Count; i++) order.Add(new StrategyPick(features.ItemIds[head.Indices[i]], head.Scores[i], head.Reasons[i]));
        if (head.Count == n) return order;

        var chosen = head.Indices.ToHashSet();
        var rest = context.Candidates.Where(r => !chosen.Contains(r)).ToArray();
        var tail = new MarginSampling().Select(new QueryContext(context.Features, rest, Seeds.Mix(context.Seed, "tail"))
        {
            Round = context.Round,
            ClassCount = context.ClassCount,
            Model = model,
            ClassNames = context.ClassNames,
        }, rest.Length);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"after {strategy.Name}'s batch of {head.Count}: ");
        for (var i = 0; i < tail.Count; i++) order.Add(new StrategyPick(features.ItemIds[tail.Indices[i]], tail.Scores[i], prefix + tail.Reasons[i]));
        return order;
    }

    /// <summary>
    /// Multi-label ranking: the mean over labels of the binary margin uncertainty 1 − |2p − 1| (1 when p = ½), highest
    /// first, ties broken by a seeded key. The configured strategy applies to single-label projects only.
    /// </summary>
    private static List<StrategyPick> MultiLabelOrder(LabelModel model, FeatureMatrix x, int[] candidateRows, FeatureSet features, IReadOnlyList<string> schema, ulong seed)
    {
        if (candidateRows.Length == 0) return [];
        var positive = model.PositiveProbabilities(x, candidateRows);
        var scores = new double[candidateRows.Length];
        var closest = new int[candidateRows.Length];
        for (var i = 0; i < candidateRows.Length; i++)
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
        var top = TopK.Select(scores, scores.Length, Seeds.Mix(seed, "ties"), candidateRows);
        return top.Select(pos => new StrategyPick(features.ItemIds[candidateRows[pos]], scores[pos], string.Create(CultureInfo.InvariantCulture,
            $"mean one-vs-rest uncertainty {scores[pos]:0.###}; most unsure of '{schema[closest[pos]]}' (p={positive[closest[pos]][pos]:0.###})"))).ToList();
    }

    /// <summary>κ between the previous model's stored stop-set predictions and this model's, on the items both cover.</summary>
    private static (double? Kappa, int Items) Agreement(StopSetPredictions? previous, StopSetPredictions current, Dictionary<string, int> labelIndex, LabelMode mode, int labelCount)
    {
        if (previous is null || previous.Ids.Length != previous.Predictions.Length) return (null, 0);
        var before = new Dictionary<long, string[]>();
        for (var i = 0; i < previous.Ids.Length; i++) before[previous.Ids[i]] = previous.Predictions[i];
        var a = new List<int[]>();
        var b = new List<int[]>();
        for (var i = 0; i < current.Ids.Length; i++)
        {
            if (!before.TryGetValue(current.Ids[i], out var old)) continue;
            var oldSet = ToSet(old, labelIndex, mode);
            var newSet = ToSet(current.Predictions[i], labelIndex, mode);
            if (oldSet is null || newSet is null) continue; // the schema changed under it
            a.Add(oldSet);
            b.Add(newSet);
        }
        return a.Count == 0 ? (null, 0) : (LabelSetMetrics.Kappa(mode, labelCount, a, b), a.Count);
    }

    /// <summary>
    /// The live active-vs-random estimate, as an active-learning experiment compares them: both arms start from the
    /// same seed set and add the same number of labels. The seed set is the resolved training items first answered
    /// from the cold-start ranking; the random arm, those first answered from an exploration position; the strategy
    /// arm, those first answered from any other position of a trained ranking. With n = the random arm's size, one
    /// model is fitted on seed + random arm and one on seed + the first n strategy items by first-answer time (n is
    /// smaller when the strategy arm is), each cold, and both are scored on the same held-out items; the interval is a
    /// seeded paired bootstrap over those items. (Fitting each arm without the seed set would judge the strategy's
    /// picks, chosen to complement the labels already there, as if they had to stand alone.)
    /// </summary>
    private static (LiftMetrics? Lift, string Status) Lift(ProjectSnapshot snapshot, LiveLoopOptions options, FeatureSet features, Dictionary<string, int> labelIndex,
        int[] evalRows, List<int[]> evalTruth, HashSet<long> heldOutIds, ulong seed, CancellationToken cancellationToken)
    {
        var settings = snapshot.Settings;
        var tasks = (snapshot.Tasks ?? []).ToDictionary(t => t.Id);
        var seedSet = new List<(long ItemId, int[] Labels)>();
        var random = new List<(long ItemId, int[] Labels)>();
        var active = new List<(long ItemId, int[] Labels)>();
        // The first answer of each item decides its arm; answers in time order.
        foreach (var first in snapshot.Annotations.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).DistinctBy(a => a.ItemId))
        {
            if (heldOutIds.Contains(first.ItemId) || !tasks.TryGetValue(first.TaskId, out var task) || task.HeldOut) continue;
            if (!snapshot.Resolved.TryGetValue(first.ItemId, out var resolved) || ToSet(resolved.Labels, labelIndex, settings.Mode) is not { } set) continue;
            if (task.Exploration) random.Add((first.ItemId, set));
            else if (task.ModelVersion == 0) seedSet.Add((first.ItemId, set));
            else active.Add((first.ItemId, set));
        }
        if (random.Count < options.LiftMinimumLabels)
            return (null, string.Create(CultureInfo.InvariantCulture, $"waiting for {options.LiftMinimumLabels} labels from random-control positions ({random.Count} so far)"));
        if (evalRows.Length < options.LiftMinimumHeldOut)
            return (null, string.Create(CultureInfo.InvariantCulture, $"waiting for {options.LiftMinimumHeldOut} labeled held-out items ({evalRows.Length} so far)"));
        var n = Math.Min(random.Count, active.Count);
        if (n < options.LiftMinimumLabels)
            return (null, string.Create(CultureInfo.InvariantCulture, $"waiting for {options.LiftMinimumLabels} labels from strategy positions ({active.Count} so far)"));

        bool[] Correct(List<(long ItemId, int[] Labels)> arm)
        {
            var taken = seedSet.Concat(arm.Take(n)).ToList();
            var model = LabelModel.Fit(settings.Mode, settings.Labels.Count, features.Matrix, taken.Select(t => features.Row[t.ItemId]).ToArray(),
                taken.Select(t => t.Labels).ToList(), null, cancellationToken);
            return LabelSetMetrics.Correct(evalTruth, model.Predict(features.Matrix, evalRows));
        }
        var activeCorrect = Correct(active);
        var randomCorrect = Correct(random);
        var (difference, low, high) = PairedBootstrap.AccuracyDifference(activeCorrect, randomCorrect, options.BootstrapSamples, Seeds.Mix(seed, "lift-bootstrap"));
        var lift = new LiftMetrics
        {
            Labels = seedSet.Count + n,
            SeedLabels = seedSet.Count,
            ArmLabels = n,
            ActiveAccuracy = activeCorrect.Count(c => c) / (double)evalRows.Length,
            RandomAccuracy = randomCorrect.Count(c => c) / (double)evalRows.Length,
            Difference = difference,
            Low = low,
            High = high,
            RandomArmLabels = random.Count,
            StrategyArmLabels = active.Count,
            HeldOut = evalRows.Length,
            BootstrapSamples = options.BootstrapSamples,
        };
        return (lift, string.Create(CultureInfo.InvariantCulture,
            $"{seedSet.Count} cold-start labels plus {n} per arm; {evalRows.Length} held-out items; {options.BootstrapSamples} paired-bootstrap resamples"));
    }

    /// <summary>Schema indices of <paramref name="labels"/>, sorted; null when a label is outside the schema or a single-label answer is not one label.</summary>
    internal static int[]? ToSet(IReadOnlyList<string> labels, Dictionary<string, int> labelIndex, LabelMode mode)
    {
        if (mode == LabelMode.Single && labels.Count != 1) return null;
        var set = new int[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            if (!labelIndex.TryGetValue(labels[i], out var c)) return null;
            set[i] = c;
        }
        Array.Sort(set);
        return set.Distinct().ToArray();
    }

}
