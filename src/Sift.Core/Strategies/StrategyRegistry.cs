namespace Sift.Strategies;

/// <summary>What a strategy needs computed before it can run.</summary>
[Flags]
public enum StrategyNeeds
{
    /// <summary>Nothing beyond the candidates.</summary>
    None = 0,

    /// <summary>A trained model's probabilities.</summary>
    Model = 1,

    /// <summary>A bootstrap committee.</summary>
    Committee = 2,

    /// <summary>Dense vectors (LSA or user-supplied).</summary>
    Embeddings = 4,
}

/// <summary>A registered strategy: its name, a one-line description and a factory.</summary>
public sealed record StrategyDescriptor(string Name, string Description, StrategyNeeds Needs, Func<IQueryStrategy> Create);

/// <summary>The strategies that <c>--strategy NAME</c> accepts. Thread-safe for reads.</summary>
public static class StrategyRegistry
{
    private static readonly List<StrategyDescriptor> Registered =
    [
        new("random", "uniform random sampling (the control)", StrategyNeeds.None, () => new RandomSampling()),
        new("least-confidence", "1 − max probability", StrategyNeeds.Model, () => new LeastConfidenceSampling()),
        new("margin", "smallest gap between the two most likely classes", StrategyNeeds.Model, () => new MarginSampling()),
        new("entropy", "highest predictive entropy", StrategyNeeds.Model, () => new EntropySampling()),
        new("qbc-vote", "query by committee: vote entropy of a bootstrap committee", StrategyNeeds.Committee, () => new VoteEntropySampling()),
        new("qbc-kl", "query by committee: mean KL divergence to the consensus", StrategyNeeds.Committee, () => new KlDivergenceSampling()),
        new("bald", "mutual information between label and committee member", StrategyNeeds.Committee, () => new BaldSampling()),
        new("egl", "expected gradient length (closed form for logistic regression)", StrategyNeeds.Model, () => new ExpectedGradientLengthSampling()),
        new("eer", "expected error reduction, approximated: 200 sampled candidates, one-step updates, error on 500 sampled items", StrategyNeeds.Model, () => new ExpectedErrorReduction()),
        new("badge", "BADGE: k-means++ seeding over gradient embeddings (uncertainty and diversity)", StrategyNeeds.Model, () => new BadgeSampling()),
        new("coreset", "greedy k-center over LSA vectors (CoreSet)", StrategyNeeds.Embeddings, () => new CoreSetSampling()),
        new("kmeans", "k-means representatives: the item nearest each centroid, k = batch", StrategyNeeds.Embeddings, () => new KMeansSampling()),
        new("margin-coreset", "hybrid: the 10×batch smallest margins, then greedy k-center among them", StrategyNeeds.Model | StrategyNeeds.Embeddings, () => new TopThenDiversify(new MarginSampling(), new CoreSetSampling())),
        new("margin-kmeans", "hybrid: the 10×batch smallest margins, then k-means representatives among them", StrategyNeeds.Model | StrategyNeeds.Embeddings, () => new TopThenDiversify(new MarginSampling(), new KMeansSampling())),
        new("margin-explore", "margin with a 10% random exploration share per batch", StrategyNeeds.Model, () => new ExplorationDecorator(new MarginSampling(), 0.1)),
        new("auto", "bandit (EXP3, Active Learning by Learning) over random, margin, entropy, egl, margin-kmeans; rewarded by a random probe", StrategyNeeds.Model | StrategyNeeds.Embeddings,
            () => new BanditStrategy([new RandomSampling(), new MarginSampling(), new EntropySampling(), new ExpectedGradientLengthSampling(), new TopThenDiversify(new MarginSampling(), new KMeansSampling())])),
        new("density", "information density: entropy × mean similarity to the pool", StrategyNeeds.Model | StrategyNeeds.Embeddings, () => new InformationDensitySampling()),
    ];

    /// <summary>All registered strategies, in display order.</summary>
    public static IReadOnlyList<StrategyDescriptor> All => Registered;

    /// <summary>Finds a strategy by name (case-insensitive).</summary>
    /// <exception cref="ConfigurationException">Unknown name; the message lists the known ones.</exception>
    public static StrategyDescriptor Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Registered.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ConfigurationException($"Unknown strategy '{name}'. Known strategies: {string.Join(", ", Registered.Select(d => d.Name))}.");
    }
}
