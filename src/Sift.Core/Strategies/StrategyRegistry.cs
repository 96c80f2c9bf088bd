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
        // Arms: one per kind of batch (balanced uncertainty, top-class uncertainty for imbalanced data, uncertainty plus
        // diversity); random exploration is the probe every batch carries, so it is not an arm.
        new("auto", "bandit (EXP3, Active Learning by Learning) over margin, least-confidence, margin-kmeans; rewarded by importance-weighted accuracy on random probes", StrategyNeeds.Model | StrategyNeeds.Embeddings,
            () => new BanditStrategy([new MarginSampling(), new LeastConfidenceSampling(), new TopThenDiversify(new MarginSampling(), new KMeansSampling())])),
        new("density", "information density: entropy × mean similarity to the pool", StrategyNeeds.Model | StrategyNeeds.Embeddings, () => new InformationDensitySampling()),
    ];

    /// <summary>All registered strategies, in display order.</summary>
    public static IReadOnlyList<StrategyDescriptor> All => Registered;

    /// <summary>The decorators a spec can add, for help text.</summary>
    public const string DecoratorHelp = "+explore(ε=0.1) | +cost | +quota(share=0.2) | +dedup(cosine=0.95) | @N (score a random N of the candidates)";

    /// <summary>
    /// The longest strategy spec accepted, in characters (surrounding spaces included): 1,000. A spec is a name and a
    /// few decorators; anything longer is a mistake or an attack, and is rejected before it is parsed.
    /// </summary>
    public const int MaxSpecLength = 1_000;

    /// <summary>
    /// The most decorators one spec may add, each <c>+name(…)</c> and the <c>@N</c> subsample counting one: 8. Each
    /// decorator wraps the strategy once more, and a selection passes through every wrapper.
    /// </summary>
    public const int MaxDecorators = 8;

    /// <summary>
    /// The deepest composition of wrapping strategies (decorators and hybrids) that their constructors accept: 16.
    /// Specs stay well inside it (<see cref="MaxDecorators"/> plus a registered hybrid); it bounds hand-built
    /// compositions so that no chain of wrappers can overflow the stack when it selects.
    /// </summary>
    public const int MaxNesting = 16;

    /// <summary>
    /// Finds a strategy by spec (case-insensitive): a registered name, optionally followed by decorators, e.g.
    /// <c>margin+dedup(0.9)+quota(0.2)@50000</c>. Decorators apply left to right; <c>@N</c> wraps the whole. A spec may
    /// be at most <see cref="MaxSpecLength"/> characters long and add at most <see cref="MaxDecorators"/> decorators.
    /// </summary>
    /// <exception cref="ConfigurationException">
    /// Unknown name, malformed decorator, too long or too many decorators; the message lists what is known.
    /// </exception>
    public static StrategyDescriptor Get(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Length > MaxSpecLength)
            throw new ConfigurationException(FormattableString.Invariant($"Strategy '{Shown(spec)}' is {spec.Length:N0} characters long; at most {MaxSpecLength:N0} are accepted."));
        var text = spec.Trim();
        var layers = text.Count(c => c is '+' or '@');
        if (layers > MaxDecorators)
            throw new ConfigurationException(FormattableString.Invariant($"Strategy '{Shown(spec)}' has {layers} decorators; at most {MaxDecorators} are accepted."));
        int? subsample = null;
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            if (!int.TryParse(text[(at + 1)..], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new ConfigurationException($"Strategy '{Shown(spec)}': '@{text[(at + 1)..]}' must be a positive whole number of candidates.");
            subsample = n;
            text = text[..at];
        }
        var parts = text.Split('+', StringSplitOptions.TrimEntries);
        var baseDescriptor = Registered.FirstOrDefault(d => string.Equals(d.Name, parts[0], StringComparison.OrdinalIgnoreCase))
            ?? throw new ConfigurationException($"Unknown strategy '{Shown(parts[0])}'. Known strategies: {string.Join(", ", Registered.Select(d => d.Name))}; decorators: {DecoratorHelp}.");
        if (parts.Length == 1 && subsample is null) return baseDescriptor;

        var decorators = parts.Skip(1).Select(p => ParseDecorator(p, spec)).ToList();
        Func<IQueryStrategy> create = () =>
        {
            var strategy = baseDescriptor.Create();
            foreach (var decorate in decorators) strategy = decorate(strategy);
            return subsample is { } max ? new CandidateSubsampler(strategy, max) : strategy;
        };
        var probe = create(); // fail now, not in the middle of a run, if a decorator does not fit its strategy
        return new StrategyDescriptor(probe.Name, $"{baseDescriptor.Description}, decorated", baseDescriptor.Needs, create);
    }

    /// <summary>A spec as quoted in an error: whole when short, else its start and an ellipsis.</summary>
    private static string Shown(string spec) => spec.Length <= 80 ? spec : spec[..77] + "…";

    private static Func<IQueryStrategy, IQueryStrategy> ParseDecorator(string part, string spec)
    {
        var open = part.IndexOf('(', StringComparison.Ordinal);
        var name = (open < 0 ? part : part[..open]).Trim().ToLowerInvariant();
        double? value = null;
        if (open >= 0)
        {
            if (!part.EndsWith(')'))
                throw new ConfigurationException($"Strategy '{Shown(spec)}': missing ')' in '{Shown(part)}'.");
            var raw = part[(open + 1)..^1].Trim();
            if (!double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new ConfigurationException($"Strategy '{Shown(spec)}': '{Shown(raw)}' is not a number in '{Shown(part)}'.");
            value = v;
        }
        return name switch
        {
            "explore" => s => new ExplorationDecorator(s, Checked(value ?? 0.1, 0, 1, part, spec)),
            "quota" => s => new SubgroupQuotaDecorator(s, Checked(value ?? 0.2, 0, 1, part, spec)),
            "dedup" => s => new NearDuplicateFilter(s, Checked(value ?? 0.95, -1, 1, part, spec)),
            "cost" => s => s is ScoredStrategy scored ? new CostAwareDecorator(scored)
                : throw new ConfigurationException($"Strategy '{Shown(spec)}': +cost needs a strategy that scores items one by one; '{s.Name}' chooses its batch as a set."),
            _ => throw new ConfigurationException($"Strategy '{Shown(spec)}': unknown decorator '{Shown(name)}'. Decorators: {DecoratorHelp}."),
        };
    }

    private static double Checked(double value, double min, double max, string part, string spec) =>
        value >= min && value <= max ? value : throw new ConfigurationException($"Strategy '{Shown(spec)}': the value in '{Shown(part)}' must be between {min} and {max}.");
}
