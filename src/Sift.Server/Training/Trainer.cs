using System.Globalization;
using Sift.Evidence;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Loop;
using Sift.Preferences;
using Sift.Projects;
using Sift.Quality;
using Sift.Server.Embedding;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Server.Training;

/// <summary>
/// In-memory state the trainer keeps per project between fits: the pool's features (refitted when the item count
/// changes), the last model (warm start), the bootstrap committee and the strategy instance (a bandit keeps its
/// weights). A fresh process starts empty and trains cold. Used by one fit at a time.
/// </summary>
internal sealed class ProjectCache
{
    public FeatureSet? Features { get; set; }
    public LabelSetModel? Model { get; set; }
    public Committee? Committee { get; set; }
    public string? StrategySpec { get; set; }
    public IQueryStrategy? Strategy { get; set; }
}

/// <summary>The pool's features: one row per item, items by id.</summary>
internal sealed class FeatureSet
{
    public FeatureSet(IReadOnlyList<Item> items, IFeaturizer featurizer, string kind, ulong seed, CancellationToken cancellationToken)
    {
        Kind = kind;
        ItemIds = items.Select(i => i.Id).ToArray();
        Row = new Dictionary<long, int>(ItemIds.Length);
        for (var r = 0; r < ItemIds.Length; r++) Row[ItemIds[r]] = r;
        var request = new FeaturizeRequest(items.Select(i => i.ExternalId).ToList(), items.Select(i => i.Content).ToList()) { Seed = seed };
        // The trainer runs on a thread of its own; a featuriser that awaits I/O is waited for there.
        Data = featurizer.FeaturizeAsync(request, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>The features: <c>tfidf</c>, <c>minilm</c> or <c>tfidf+minilm</c> (<see cref="ProjectFeatures"/>).</summary>
    public string Kind { get; }

    public long[] ItemIds { get; }
    public Dictionary<long, int> Row { get; }

    /// <summary>The features (the learner's matrix and the vectors for diversity strategies, computed on first use).</summary>
    public FeaturizedData Data { get; }

    public bool Matches(IReadOnlyList<Item> items, string kind) =>
        kind == Kind && items.Count == ItemIds.Length && (items.Count == 0 || items[^1].Id == ItemIds[^1]);
}

/// <summary>
/// A finished fit: the model version and ranking to store, the model's evidence event (its features named), and how to
/// remember the model once they are stored.
/// </summary>
internal sealed record TrainResult(ModelVersion? Model, Ranking Ranking, Action Commit)
{
    /// <summary>The model's evidence (learner, fingerprint, features); null for a cold start.</summary>
    public ModelEvent? Evidence { get; init; }

    /// <summary>A change of features from the previous model version to this one, to record; null when they are the same (or this is the first).</summary>
    public FeaturesEvent? Switch { get; init; }

    /// <summary>Likely-mislabeled training items found by confident learning on cross-validated probabilities; null when not computed.</summary>
    public IReadOnlyList<Sift.Storage.RelabelCandidate>? Relabel { get; init; }
}

/// <summary>
/// One retrain of one project (docs/server-design.md, "Live loop"), a driver of the active-learning round
/// (<see cref="ActiveLearningLoop"/>): it reads the snapshot into the round's input — training labels, held-out items,
/// the stop set and the earlier models' histories, the pool less the exploration draw — runs one round that orders the
/// whole pool, composes the ranking (items part-way to the overlap, exploration and held-out positions) and estimates
/// the active-vs-random lift. Pure given its inputs: the same snapshot, cache state and seed give the same result.
/// </summary>
internal static class Trainer
{
    /// <summary>The encoder of pair projects when the options name none (<see cref="LiveLoopOptions.PairEncoder"/>).</summary>
    private static readonly HashingTextEncoder DefaultPairEncoder = new();

    /// <summary>The features kind of pair projects: the reward model's pair differences (not the <c>features</c> setting, which is for texts).</summary>
    private const string PairKind = "pair";

    /// <summary>The learner: a Bradley–Terry reward model with ties (Davidson) for pair projects, logistic regression otherwise.</summary>
    private static ILearner LearnerFor(ProjectSettings settings) =>
        settings.Content == ContentKind.Pair ? new BradleyTerry() : new LogisticRegression();

    /// <summary>Whether a pair project's answers give the reward model something to fit (a preference or a tie; "both bad" alone does not).</summary>
    private static bool Fittable(ProjectSettings settings, IEnumerable<int[]> labels) =>
        settings.Content != ContentKind.Pair || labels.Any(l => l[0] != (int)PreferenceOutcome.BothBad);

    /// <summary>
    /// Whether the project is due for a retrain: once <see cref="ProjectSettings.RetrainEvery"/> more items have a
    /// resolved label (training or held-out) than when the last model was trained (than zero, before the first), or
    /// when the item count, the strategy or the exploration share changed since, or when the last model's features are
    /// not the project's and could be: its setting asks for TF-IDF, or asks for the encoder and
    /// <paramref name="vectorsReady"/> (every item has its vector).
    /// </summary>
    public static bool IsDue(ProjectSettings settings, int items, int resolved, IReadOnlyList<ModelVersion> models, bool vectorsReady = false)
    {
        if (models.Count == 0) return resolved >= settings.RetrainEvery;
        var last = ModelMetrics.Parse(models[^1].MetricsJson);
        return resolved - last.Resolved >= settings.RetrainEvery
            || items != last.Items
            || !string.Equals(last.Strategy, settings.Strategy, StringComparison.Ordinal)
            || last.ExplorationShare != settings.ExplorationShare
            || FeaturesDue(settings, last, vectorsReady);
    }

    /// <inheritdoc cref="IsDue(ProjectSettings, int, int, IReadOnlyList{ModelVersion}, bool)"/>
    public static bool IsDue(ProjectSnapshot snapshot, bool vectorsReady = false) =>
        IsDue(snapshot.Settings, snapshot.Items.Count, snapshot.Resolved.Count, snapshot.Models, vectorsReady);

    /// <summary>Whether a model on <paramref name="last"/>'s features should give way to one on the project's setting.</summary>
    private static bool FeaturesDue(ProjectSettings settings, ModelMetrics last, bool vectorsReady)
    {
        // A pair project always trains on its pair features; the features setting is for text items.
        if (settings.Content == ContentKind.Pair) return false;
        var used = last.Features ?? ProjectFeatures.Tfidf;
        if (string.Equals(used, settings.Features, StringComparison.Ordinal)) return false;
        return !ProjectFeatures.NeedsEncoder(settings.Features) || vectorsReady;
    }

    /// <summary>
    /// Fits the next model version and ranking on the features of <paramref name="choice"/> (default: TF-IDF). With no
    /// training labels yet, returns a cold-start ranking and no model.
    /// </summary>
    /// <exception cref="ConfigurationException">The project's settings do not validate (e.g. its strategy or stopping rule does not parse).</exception>
    public static TrainResult Train(ProjectSnapshot snapshot, ProjectCache cache, LiveLoopOptions options, DateTimeOffset now, CancellationToken cancellationToken,
        FeatureChoice? choice = null)
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
        if (training.Count == 0 || !Fittable(settings, training.Select(t => t.Labels)))
            return new TrainResult(null, RankingComposer.ColdStart(snapshot), () => { });

        var (features, featuresNote) = settings.Content == ContentKind.Pair
            ? (PairFeatures(snapshot, cache, options, cancellationToken), null)
            : Features(snapshot, cache, choice ?? FeatureChoice.TfidfOnly, cancellationToken);
        // A warm start only from a model fitted on features of the same kind (the column count alone could match by chance).
        var sameKind = cache.Features?.Kind == features.Kind;
        var x = features.Data.Pool;
        var version = snapshot.LatestVersion + 1;
        var seed = Seeds.Mix(settings.Seed, (ulong)version);
        var rows = training.Select(t => features.Row[t.ItemId]).ToArray();
        var truth = training.Select(t => t.Labels).ToList();
        // Optionally each label counts by how sure its resolution is (Dawid–Skene's posterior, or the majority's share).
        var weights = settings.WeightByConfidence ? training.Select(t => snapshot.Resolved[t.ItemId].Confidence).ToArray() : null;

        // Held-out evaluation: gold when imported, else the resolved label.
        var evaluation = new List<(long ItemId, int[] Labels)>();
        foreach (var id in heldOutIds.Order())
            if (snapshot.EvaluationLabel(id) is { } labels && ToSet(labels, labelIndex, settings.Mode) is { } set) evaluation.Add((id, set));
        var evalRows = evaluation.Select(e => features.Row[e.ItemId]).ToArray();
        var evalTruth = evaluation.Select(e => e.Labels).ToList();

        // κ with the previous model on a fixed stop set: the items with the smallest seeded keys of their ids.
        var stopKey = Seeds.Mix(settings.Seed, "stop-set");
        var stopIds = RankingComposer.Shuffle(snapshot.Items, stopKey).Take(options.StopSetSize).Select(i => i.Id).Order().ToArray();
        var previousMetrics = snapshot.Models.Select(m => ModelMetrics.Parse(m.MetricsJson)).ToList();

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
        var exploration = RankingComposer.DrawExploration(candidates, settings.ExplorationShare, seed).Select(i => i.Id).ToList();
        var explored = exploration.ToHashSet();

        IQueryStrategy? strategy = null;
        if (descriptor is not null)
        {
            strategy = cache.StrategySpec == settings.Strategy && cache.Strategy is not null ? cache.Strategy : descriptor.Create();
            cache.StrategySpec = settings.Strategy;
            cache.Strategy = strategy;
        }
        var loop = new ActiveLearningLoop(new LoopSetup
        {
            Features = features.Data,
            Labels = schema,
            Mode = settings.Mode,
            Learner = LearnerFor(settings),
            Strategy = strategy,
            Needs = descriptor?.Needs ?? StrategyNeeds.None,
            Stop = stopRule,
            CommitteeSize = options.CommitteeSize,
            Costs = snapshot.Items.Select(i => i.Cost).ToArray(),
            Groups = snapshot.Items.Select(i => i.Group).ToArray(),
            Pairwise = settings.Content == ContentKind.Pair,
        });
        // The stopping rule reads the same histories as in simulation: held-out accuracy and κ per model version.
        var outcome = loop.RunRound(new RoundInput
        {
            Round = version - 1,
            TrainingRows = rows,
            TrainingLabels = truth,
            TrainingWeights = weights,
            WarmModel = sameKind ? cache.Model : null,
            WarmCommittee = sameKind ? cache.Committee : null,
            Validation = evaluation.Count > 0 ? new EvaluationSet(x, evalRows, evalTruth) : null,
            StopSet = stopIds.Select(id => features.Row[id]).ToArray(),
            PreviousStopSet = PreviousStopSet(previousMetrics.LastOrDefault()?.StopSet, features, labelIndex, settings.Mode),
            ValidationHistory = snapshot.Models.Where(m => m.Accuracy is not null).Select(m => m.Accuracy!.Value).ToList(),
            AgreementHistory = previousMetrics.Where(m => m.Kappa is not null).Select(m => m.Kappa!.Value).ToList(),
            Unlabeled = candidates.Select(i => features.Row[i.Id]).ToArray(),
            Candidates = candidates.Where(i => !explored.Contains(i.Id)).Select(i => features.Row[i.Id]).ToArray(),
            MeasureUncertainty = true,
            Spent = snapshot.Items.Where(i => snapshot.Answers.ContainsKey(i.Id)).Sum(i => i.Cost),
            Selection = SelectionRequest.All(options.StrategyBatch) with { EvenWhenStopping = true },
            QuerySeed = Seeds.Mix(seed, "strategy"),
            CommitteeSeed = Seeds.Mix(seed, "committee"),
        }, cancellationToken);
        var model = outcome.Model;
        var accuracy = outcome.Validation?.Accuracy;
        var macroF1 = outcome.Validation is { } v && !double.IsNaN(v.MacroF1) ? v.MacroF1 : (double?)null;
        var stopSet = new StopSetPredictions
        {
            Ids = stopIds,
            Predictions = outcome.StopSet.Labels.Select(p => p.Select(c => schema[c]).ToArray()).ToArray(),
        };

        var strategyOrder = outcome.Picks.Select(p => new StrategyPick(features.ItemIds[p.Row], p.Score, p.Reason)).ToList();
        var items = RankingComposer.Compose(partial, strategyOrder, exploration, RankingComposer.ExplorationReason(settings.ExplorationShare), heldOutNeeded, seed);
        var ranking = new Ranking(project.Id, version, descriptor is null ? outcome.Ranker : settings.Strategy, items);
        var decision = outcome.Decision;

        var relabel = RelabelCandidates(snapshot, settings, x, training.Select(t => t.ItemId).ToList(), rows, truth, version, seed, cancellationToken);
        var (lift, liftStatus) = Lift(snapshot, options, features, labelIndex, evalRows, evalTruth, heldOutIds, seed, cancellationToken);
        var baseline = settings.Content == ContentKind.Pair ? null : MajorityBaseline(truth, evalTruth, schema);

        var metrics = new ModelMetrics
        {
            Resolved = snapshot.Resolved.Count,
            Items = snapshot.Items.Count,
            Strategy = settings.Strategy,
            ExplorationShare = settings.ExplorationShare,
            Ranker = outcome.Ranker,
            Learner = LearnerFor(settings).Describe() + (settings.Mode == LabelMode.Multi ? ", one-vs-rest" : ""),
            TrainingLabelsPerClass = schema.Select((name, c) => (name, count: outcome.LabelsPerClass[c])).ToDictionary(p => p.name, p => p.count),
            Kappa = outcome.Kappa,
            KappaItems = outcome.KappaItems,
            MeanUncertainty = outcome.MeanUncertainty,
            Stop = new StopMetrics { Stop = decision.Stop, Rule = decision.Rule, Reason = decision.Reason, State = decision.State },
            Lift = lift,
            LiftStatus = liftStatus,
            Baseline = baseline,
            Ranking = new RankingMetrics
            {
                Length = items.Count,
                Strategy = strategyOrder.Count,
                Exploration = exploration.Count,
                HeldOut = heldOutNeeded.Count,
                NeedsMoreAnswers = partial.Count,
            },
            StopSet = stopSet,
            Features = features.Kind,
            FeaturesNote = featuresNote,
        };
        var modelVersion = new ModelVersion(project.Id, version, now, training.Count, evaluation.Count, accuracy, macroF1, 0,
            decision.Stop, decision.Reason, metrics.ToJson());
        var encoderModel = features.Data.Description.TryGetValue("blocks", out var blocks) && blocks is IEnumerable<IReadOnlyDictionary<string, object?>> parts
            ? parts.Select(p => p.GetValueOrDefault("model") as string).FirstOrDefault(m => m is not null)
            : features.Data.Description.GetValueOrDefault("model") as string;
        var previousFeatures = previousMetrics.Count > 0 ? previousMetrics[^1].Features ?? ProjectFeatures.Tfidf : null;
        var evidence = new ModelEvent(version, model.Fingerprint, metrics.Learner, encoderModel is null ? features.Kind : $"{features.Kind} ({encoderModel})", training.Count,
            metrics.TrainingLabelsPerClass, new Dictionary<string, double?>(StringComparer.Ordinal)
            {
                ["accuracy"] = accuracy,
                ["macro_f1"] = macroF1,
                ["held_out_labeled"] = evaluation.Count,
                ["stop_set_kappa"] = outcome.Kappa,
                ["mean_uncertainty"] = outcome.MeanUncertainty,
            });
        var change = previousFeatures is not null && previousFeatures != features.Kind
            ? new FeaturesEvent(version, previousFeatures, features.Kind, ProjectFeatures.NeedsEncoder(features.Kind)
                ? "every item has its sentence vector"
                : featuresNote ?? $"the project's features are '{settings.Features}'") { Encoder = encoderModel }
            : null;
        return new TrainResult(modelVersion, ranking, () =>
        {
            cache.Features = features;
            cache.Model = model;
            cache.Committee = outcome.Committee;
        }) { Evidence = evidence, Switch = change, Relabel = relabel };
    }

    /// <summary>Fewest training labels before the trainer looks for likely-mislabeled items (5-fold cross-validation needs some).</summary>
    internal const int MinLabelsForRelabel = 20;

    /// <summary>
    /// Likely-mislabeled training items (single-label text projects): 5-fold cross-validated probabilities from the
    /// project's learner, then confident learning's per-class thresholds (<see cref="Sift.Quality.ConfidentLearning"/>).
    /// Gold items and items a reviewer decided are never candidates. Null when not computed.
    /// </summary>
    private static IReadOnlyList<Sift.Storage.RelabelCandidate>? RelabelCandidates(ProjectSnapshot snapshot, ProjectSettings settings, FeatureMatrix x,
        IReadOnlyList<long> itemIds, int[] rows, IReadOnlyList<int[]> truth, int version, ulong seed, CancellationToken cancellationToken)
    {
        if (!settings.Relabel || settings.Mode != LabelMode.Single || settings.Content == ContentKind.Pair || rows.Length < MinLabelsForRelabel) return null;
        var labels = truth.Select(t => t[0]).ToArray();
        var classes = settings.Labels.Count;
        var probabilities = Sift.Quality.ConfidentLearning.OutOfSample(LearnerFor(settings), x, rows, labels, classes, 5, Seeds.Mix(seed, "relabel-folds"), cancellationToken);
        return Sift.Quality.ConfidentLearning.Find(labels, probabilities, classes)
            .Where(f => !snapshot.Workflow.Gold.ContainsKey(itemIds[f.Index]) && !snapshot.Workflow.LatestReview.ContainsKey(itemIds[f.Index]))
            .Select(f => new Sift.Storage.RelabelCandidate(itemIds[f.Index], settings.Labels[f.Given], settings.Labels[f.Suggested], f.Wrong, version))
            .ToList();
    }

    /// <summary>
    /// A pair project's features: the reward model's pair differences (<see cref="PairFeaturizer"/>) over
    /// <see cref="LiveLoopOptions.PairEncoder"/> (default <see cref="HashingTextEncoder"/>), cached like the others.
    /// </summary>
    private static FeatureSet PairFeatures(ProjectSnapshot snapshot, ProjectCache cache, LiveLoopOptions options, CancellationToken cancellationToken)
    {
        if (cache.Features is { } cached && cached.Matches(snapshot.Items, PairKind)) return cached;
        var featurizer = new PairFeaturizer(options.PairEncoder ?? DefaultPairEncoder, new PairFeatureOptions(), options.PairEncoder is null ? "hashing" : "encoder");
        return new FeatureSet(snapshot.Items, featurizer, PairKind, snapshot.Settings.Seed, cancellationToken);
    }

    /// <summary>
    /// The pool's features for this fit: the cached ones when they are of the planned kind and cover the same items,
    /// else built anew — with the encoder's stored vectors when planned and all there, else TF-IDF (and a note why).
    /// </summary>
    private static (FeatureSet Features, string? Note) Features(ProjectSnapshot snapshot, ProjectCache cache, FeatureChoice choice, CancellationToken cancellationToken)
    {
        var kind = choice.Kind;
        var note = choice.Note;
        if (cache.Features is { } cached && cached.Matches(snapshot.Items, kind)) return (cached, note);
        var featurizer = ProjectFeatures.TfidfFeaturizer;
        if (kind != ProjectFeatures.Tfidf)
        {
            if (choice.LoadVectors(snapshot.Items, cancellationToken) is { } vectors) featurizer = ProjectFeatures.Create(kind, vectors);
            else
            {
                kind = ProjectFeatures.Tfidf;
                note = "some items lack a usable sentence vector; they are being embedded again";
                if (cache.Features is { } tfidf && tfidf.Matches(snapshot.Items, kind)) return (tfidf, note);
            }
        }
        return (new FeatureSet(snapshot.Items, featurizer, kind, snapshot.Settings.Seed, cancellationToken), note);
    }

    /// <summary>
    /// The previous model's stored stop-set predictions as pool rows and label sets, for κ on the items both models cover;
    /// items no longer in the pool and predictions the schema no longer holds are left out.
    /// </summary>
    private static StopSetLabels? PreviousStopSet(StopSetPredictions? previous, FeatureSet features, Dictionary<string, int> labelIndex, LabelMode mode)
    {
        if (previous is null || previous.Ids.Length != previous.Predictions.Length) return null;
        var rows = new List<int>(previous.Ids.Length);
        var labels = new List<int[]>(previous.Ids.Length);
        for (var i = 0; i < previous.Ids.Length; i++)
        {
            // The schema changed under it, or the item is gone.
            if (!features.Row.TryGetValue(previous.Ids[i], out var row) || ToSet(previous.Predictions[i], labelIndex, mode) is not { } set) continue;
            rows.Add(row);
            labels.Add(set);
        }
        return new StopSetLabels([.. rows], labels);
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
    /// <summary>
    /// The majority-class baseline: the held-out accuracy of always answering the training labels' most common label
    /// set (ties: the first in label order), scored the way the model is (the whole set must match). Null without
    /// held-out labels. A model is worth something only above it.
    /// </summary>
    internal static BaselineMetrics? MajorityBaseline(IReadOnlyList<int[]> training, IReadOnlyList<int[]> evaluation, IReadOnlyList<string> schema)
    {
        if (training.Count == 0 || evaluation.Count == 0) return null;
        static string Key(int[] set) => string.Join(',', set.Order());
        var majority = training.GroupBy(Key).Select(g => (g.Key, Count: g.Count(), Set: g.First().Order().ToArray()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Set.Length == 0 ? -1 : g.Set[0]).ThenBy(g => g.Key, StringComparer.Ordinal).First();
        var hits = evaluation.Count(e => Key(e) == majority.Key);
        var label = majority.Set.Length == 0 ? "(no label)" : string.Join(LabelSets.Separator, majority.Set.Select(c => schema[c]));
        return new BaselineMetrics { Label = label, Accuracy = hits / (double)evaluation.Count, HeldOut = evaluation.Count };
    }

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

        var pairs = settings.Content == ContentKind.Pair;
        if (pairs)
        {
            // Pairwise accuracy: only decisive held-out answers are scored.
            var decisive = evalTruth.Select((t, i) => (t, i)).Where(x => x.t[0] is (int)PreferenceOutcome.A or (int)PreferenceOutcome.B).Select(x => x.i).ToArray();
            evalRows = decisive.Select(i => evalRows[i]).ToArray();
            evalTruth = decisive.Select(i => evalTruth[i]).ToList();
            if (evalRows.Length < options.LiftMinimumHeldOut)
                return (null, string.Create(CultureInfo.InvariantCulture, $"waiting for {options.LiftMinimumHeldOut} held-out comparisons with a preference ({evalRows.Length} so far)"));
        }

        bool[]? Correct(List<(long ItemId, int[] Labels)> arm)
        {
            var taken = seedSet.Concat(arm.Take(n)).ToList();
            if (!Fittable(settings, taken.Select(t => t.Labels))) return null;
            var model = LabelSetModel.Fit(LearnerFor(settings), settings.Mode, settings.Labels.Count, features.Data.Pool, taken.Select(t => features.Row[t.ItemId]).ToArray(),
                taken.Select(t => t.Labels).ToList(), null, cancellationToken);
            if (!pairs) return LabelSetMetrics.Correct(evalTruth, model.Predict(features.Data.Pool, evalRows));
            var reward = (BradleyTerryModel)model.Single!;
            return evalRows.Select((row, i) => reward.Difference(features.Data.Pool, row) * (evalTruth[i][0] == (int)PreferenceOutcome.A ? 1 : -1) > 0).ToArray();
        }
        if (Correct(active) is not { } activeCorrect || Correct(random) is not { } randomCorrect)
            return (null, "waiting for answers the reward model can fit (a preference or a tie) in both arms");
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
