using Sift.Data;
using Sift.Features;

namespace Sift.Simulation;

/// <summary>A pool with gold labels and a test set, featurised once and shared by every simulated run.</summary>
public sealed class SimulationData
{

    /// <summary>Name of the training pool.</summary>
    public required string TrainSource { get; init; }

    /// <summary>Name of the test set.</summary>
    public required string TestSource { get; init; }

    /// <summary>Class names; a class index is a position here.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Pool item ids.</summary>
    public required IReadOnlyList<string> PoolIds { get; init; }

    /// <summary>Pool features (row = pool index).</summary>
    public required SparseMatrix Pool { get; init; }

    /// <summary>Gold class of each pool item (the simulated oracle's answers).</summary>
    public required int[] PoolLabels { get; init; }

    /// <summary>Labeling cost of each pool item.</summary>
    public required double[] Costs { get; init; }

    /// <summary>Subgroup of each pool item, when given.</summary>
    public required string?[] Groups { get; init; }

    /// <summary>Test features.</summary>
    public required SparseMatrix Test { get; init; }

    /// <summary>Gold class of each test item.</summary>
    public required int[] TestLabels { get; init; }

    private readonly Lazy<DenseMatrix> _embeddings;

    private SimulationData(bool _) => _embeddings = new Lazy<DenseMatrix>(() => LsaEmbedder.Compute(Pool!, new LsaOptions()).Embedding, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Dense vectors of the pool for diversity strategies: LSA (100 dimensions, unit rows) of the TF-IDF matrix, computed on first use.</summary>
    public DenseMatrix Embeddings => _embeddings.Value;

    /// <summary>The fitted vectoriser.</summary>
    public required TfidfVectorizer Vectorizer { get; init; }

    /// <summary>Featurises <paramref name="train"/> (fitting TF-IDF on its text) and <paramref name="test"/>.</summary>
    /// <exception cref="SiftException">A split lacks labels, or the test set has a label the pool never has.</exception>
    public static SimulationData Create(TextDataset train, TextDataset test, TfidfOptions? tfidf = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        RequireLabels(train);
        RequireLabels(test);
        var classes = train.Labels.ToList();
        if (classes.Count < 2) throw new SiftException($"{train.Source}: simulation needs at least two classes, found {classes.Count}.");
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var unknown = test.Labels.Where(l => !index.ContainsKey(l)).ToList();
        if (unknown.Count > 0)
            throw new SiftException($"{test.Source}: label '{unknown[0]}' never occurs in {train.Source}" + (unknown.Count > 1 ? $" (and {unknown.Count - 1} more unknown labels)." : "."));
        var (vectorizer, pool) = TfidfVectorizer.FitTransform(train.Items.Select(i => i.Text).ToList(), tfidf);
        return new SimulationData(true)
        {
            TrainSource = train.Source,
            TestSource = test.Source,
            ClassNames = classes,
            PoolIds = train.Items.Select(i => i.Id).ToList(),
            Pool = pool,
            PoolLabels = train.Items.Select(i => index[i.Label!]).ToArray(),
            Costs = train.Items.Select(i => i.Cost).ToArray(),
            Groups = train.Items.Select(i => i.Group).ToArray(),
            Test = vectorizer.Transform(test.Items.Select(i => i.Text).ToList()),
            TestLabels = test.Items.Select(i => index[i.Label!]).ToArray(),
            Vectorizer = vectorizer,
        };
    }

    private static void RequireLabels(TextDataset data)
    {
        for (var i = 0; i < data.Items.Count; i++)
            if (data.Items[i].Label is null)
                throw new SiftException($"{data.Source}: item '{data.Items[i].Id}' has no label; simulation needs a gold label on every item.");
    }
}
