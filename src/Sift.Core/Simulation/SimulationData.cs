using Sift.Data;
using Sift.Features;
using Sift.Items;

namespace Sift.Simulation;

/// <summary>A pool with gold labels and a test set, featurised once and shared by every simulated run.</summary>
public sealed class SimulationData
{
    private SimulationData() { }

    /// <summary>Name of the training pool.</summary>
    public required string TrainSource { get; init; }

    /// <summary>Name of the test set.</summary>
    public required string TestSource { get; init; }

    /// <summary>Class names; a class index is a position here.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Pool item ids.</summary>
    public required IReadOnlyList<string> PoolIds { get; init; }

    /// <summary>Pool item contents (what an oracle is shown).</summary>
    public required IReadOnlyList<ItemContent> PoolContent { get; init; }

    /// <summary>Gold class of each pool item (what the simulated oracle answers).</summary>
    public required int[] PoolLabels { get; init; }

    /// <summary>Labeling cost of each pool item.</summary>
    public required double[] Costs { get; init; }

    /// <summary>Subgroup of each pool item, when given.</summary>
    public required string?[] Groups { get; init; }

    /// <summary>Gold class of each test item.</summary>
    public required int[] TestLabels { get; init; }

    /// <summary>The features: the pool's (fitted on), the test set's (transformed, never fitted on) and the pool's vectors.</summary>
    public required FeaturizedData Features { get; init; }

    /// <summary>The feature source's name (<c>tfidf</c>, <c>vectors</c>).</summary>
    public required string FeaturizerName { get; init; }

    /// <summary>
    /// The items are preference pairs (<see cref="PairContent"/>): the class names are <see cref="PairLabels.All"/> in
    /// that order, the features pair differences, and the learner a Bradley–Terry reward model.
    /// </summary>
    public bool Pairwise { get; init; }

    /// <summary>Pool features (row = pool index).</summary>
    public FeatureMatrix Pool => Features.Pool;

    /// <summary>Test features (row = test index).</summary>
    public FeatureMatrix Test => Features.Other!;

    /// <summary>Featurises <paramref name="train"/> (fitting TF-IDF on its text) and <paramref name="test"/>.</summary>
    /// <exception cref="SiftException">A split lacks labels, or the test set has a label the pool never has.</exception>
    public static SimulationData Create(TextDataset train, TextDataset test, TfidfOptions? tfidf = null) =>
        CreateAsync(train, test, new TfidfFeaturizer(tfidf)).GetAwaiter().GetResult();

    /// <summary>Featurises <paramref name="train"/> (the featuriser fits on it) and <paramref name="test"/> (transformed only).</summary>
    /// <param name="train">The pool, every item with a gold label.</param>
    /// <param name="test">The test set, every item with a label the pool has.</param>
    /// <param name="featurizer">The feature source; default TF-IDF with default settings.</param>
    /// <param name="cancellationToken">Cancels featurising.</param>
    /// <exception cref="SiftException">A split lacks labels, the test set has a label the pool never has, or the feature source cannot featurise an item.</exception>
    public static Task<SimulationData> CreateAsync(TextDataset train, TextDataset test, IFeaturizer? featurizer = null, CancellationToken cancellationToken = default) =>
        CreateAsync(train, test, featurizer, null, cancellationToken);

    /// <summary>
    /// <see cref="CreateAsync(TextDataset, TextDataset, IFeaturizer?, CancellationToken)"/>, reporting the feature
    /// source's progress (embedding a large pool) to <paramref name="progress"/>.
    /// </summary>
    public static async Task<SimulationData> CreateAsync(TextDataset train, TextDataset test, IFeaturizer? featurizer, IProgress<FeaturizeProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        RequireLabels(train);
        RequireLabels(test);
        var pairwise = train.ContentKind == ContentKind.Pair;
        if (test.Count > 0 && test.ContentKind != train.ContentKind)
            throw new SiftException($"{test.Source} holds {Describe(test.ContentKind)}s and {train.Source} {Describe(train.ContentKind)}s; both splits must hold the same kind of item.");
        // Pairs keep the fixed schema A, B, tie, both_bad (the reward model's class order), whatever answers occur.
        var classes = pairwise ? PairLabels.All.ToList() : train.Labels.ToList();
        if (pairwise && !train.Items.Any(i => i.Label is PairLabels.A or PairLabels.B))
            throw new SiftException($"{train.Source}: a preference simulation needs pairs with a decisive gold answer (A or B, or chosen/rejected rows); every pair is a tie or both bad.");
        if (classes.Count < 2) throw new SiftException($"{train.Source}: simulation needs at least two classes, found {classes.Count}.");
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var unknown = test.Labels.Where(l => !index.ContainsKey(l)).ToList();
        if (unknown.Count > 0)
            throw new SiftException($"{test.Source}: label '{unknown[0]}' never occurs in {train.Source}" + (unknown.Count > 1 ? $" (and {unknown.Count - 1} more unknown labels)." : "."));
        featurizer ??= new TfidfFeaturizer();
        var poolIds = train.Items.Select(i => i.Id).ToList();
        var poolContent = train.Items.Select(i => i.Content).ToList();
        var request = new FeaturizeRequest(poolIds, poolContent)
        {
            OtherIds = test.Items.Select(i => i.Id).ToList(),
            Other = test.Items.Select(i => i.Content).ToList(),
            Progress = progress,
        };
        var features = await featurizer.FeaturizeAsync(request, cancellationToken).ConfigureAwait(false);
        return new SimulationData
        {
            TrainSource = train.Source,
            TestSource = test.Source,
            ClassNames = classes,
            PoolIds = poolIds,
            PoolContent = poolContent,
            PoolLabels = train.Items.Select(i => index[i.Label!]).ToArray(),
            Costs = train.Items.Select(i => i.Cost).ToArray(),
            Groups = train.Items.Select(i => i.Group).ToArray(),
            TestLabels = test.Items.Select(i => index[i.Label!]).ToArray(),
            Features = features,
            FeaturizerName = featurizer.Name,
            Pairwise = pairwise,
        };
    }

    private static string Describe(ContentKind kind) => kind == ContentKind.Pair ? "preference pair" : "text item";

    private static void RequireLabels(TextDataset data)
    {
        for (var i = 0; i < data.Items.Count; i++)
            if (data.Items[i].Label is null)
                throw new SiftException($"{data.Source}: item '{data.Items[i].Id}' has no label; simulation needs a gold label on every item.");
    }
}
