using System.Globalization;

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

    /// <summary>
    /// A pool of pairwise comparisons (<see cref="QueryContext.Pairs"/>: every pair's feature difference and the reward
    /// model): preference projects and preference simulations only.
    /// </summary>
    Pairs = 8,
}

/// <summary>A registered strategy: its name, a one-line description, what it needs and a factory.</summary>
/// <param name="Name">The name a spec starts with (<c>margin</c>), or a decorated strategy's name (<c>margin+dedup</c>).</param>
/// <param name="Description">One line for help text.</param>
/// <param name="Needs">What the loop must compute before the strategy can select.</param>
/// <param name="Create">Makes a fresh strategy; called once per run.</param>
public sealed record StrategyDescriptor(string Name, string Description, StrategyNeeds Needs, Func<IQueryStrategy> Create);

/// <summary>
/// The strategies a spec such as <c>margin-kmeans+dedup(0.9)@50000</c> can name: an open catalog of names, descriptions,
/// needs and factories. <see cref="Default"/> holds the built-ins; a program that brings its own strategy copies it
/// and adds one: <c>new StrategyCatalog(StrategyCatalog.Default).Add("mine", "…", StrategyNeeds.Model, () =&gt; new Mine())</c>.
/// </summary>
/// <remarks>
/// Names are matched case-insensitively and hold letters, digits, <c>-</c> and <c>_</c> only (a spec's <c>+</c>,
/// <c>@</c> and parentheses belong to decorators). Reads (<see cref="All"/>, <see cref="Get"/>) are thread-safe and may
/// run alongside <see cref="Add"/>, which sees each addition whole or not at all.
/// </remarks>
public sealed class StrategyCatalog
{
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

    /// <summary>The longest strategy name <see cref="Add"/> accepts: 64 characters.</summary>
    public const int MaxNameLength = 64;

    private readonly Lock _gate = new();
    private readonly bool _readOnly;
    private StrategyDescriptor[] _registered = [];

    /// <summary>Creates an empty catalog.</summary>
    public StrategyCatalog()
    {
    }

    /// <summary>Creates a catalog holding everything <paramref name="source"/> holds now (later additions to either are not shared).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public StrategyCatalog(StrategyCatalog source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _registered = source._registered;
    }

    private StrategyCatalog(StrategyDescriptor[] registered, bool readOnly)
    {
        _registered = registered;
        _readOnly = readOnly;
    }

    /// <summary>
    /// The 20 built-in strategies (17 for text items, 3 for pairwise comparisons), read-only because every part of a program shares it; copy it with
    /// <see cref="StrategyCatalog(StrategyCatalog)"/> to add your own.
    /// </summary>
    public static StrategyCatalog Default { get; } = BuiltIns();

    /// <summary>True for <see cref="Default"/>, which refuses <see cref="Add"/>.</summary>
    public bool IsReadOnly => _readOnly;

    /// <summary>All registered strategies, in the order they were added (the display order).</summary>
    public IReadOnlyList<StrategyDescriptor> All => Volatile.Read(ref _registered);

    /// <summary>Registers a strategy; returns this catalog, so additions chain.</summary>
    /// <param name="name">The name specs use: letters, digits, <c>-</c> and <c>_</c>, at most <see cref="MaxNameLength"/> characters; unique ignoring case.</param>
    /// <param name="description">One line for help text.</param>
    /// <param name="needs">What the loop must compute before the strategy selects; it fails before the first round when it cannot.</param>
    /// <param name="factory">Makes a fresh strategy each time it is called.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, too long, holds other characters or is taken; or the description is blank.</exception>
    /// <exception cref="InvalidOperationException">This is <see cref="Default"/>, which is read-only.</exception>
    public StrategyCatalog Add(string name, string description, StrategyNeeds needs, Func<IQueryStrategy> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(factory);
        if (_readOnly)
            throw new InvalidOperationException("The default strategy catalog is shared and read-only; add to a copy: new StrategyCatalog(StrategyCatalog.Default).");
        if (name.Length == 0 || name.Length > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"Strategy name '{Shown(name)}' must be 1 to {MaxNameLength} letters, digits, '-' or '_'.", nameof(name));
        if (string.IsNullOrWhiteSpace(description))
            throw new ArgumentException($"Strategy '{name}' needs a one-line description.", nameof(description));
        lock (_gate)
        {
            if (Find(name) is { } taken)
                throw new ArgumentException($"A strategy named '{taken.Name}' is already in the catalog.", nameof(name));
            Volatile.Write(ref _registered, [.. _registered, new StrategyDescriptor(name, description, needs, factory)]);
        }
        return this;
    }

    /// <summary>
    /// Finds a strategy by spec (case-insensitive): a registered name, optionally followed by decorators, e.g.
    /// <c>margin+dedup(0.9)+quota(0.2)@50000</c>. Decorators apply left to right; <c>@N</c> wraps the whole. A spec may
    /// be at most <see cref="MaxSpecLength"/> characters long and add at most <see cref="MaxDecorators"/> decorators.
    /// A decorated strategy keeps the needs of the one it decorates.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    /// <exception cref="ConfigurationException">
    /// Unknown name, malformed decorator, too long or too many decorators; the message lists what is known.
    /// </exception>
    public StrategyDescriptor Get(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Length > MaxSpecLength)
            throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture, $"Strategy '{Shown(spec)}' is {spec.Length:N0} characters long; at most {MaxSpecLength:N0} are accepted."));
        var text = spec.Trim();
        var layers = text.Count(c => c is '+' or '@');
        if (layers > MaxDecorators)
            throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture, $"Strategy '{Shown(spec)}' has {layers} decorators; at most {MaxDecorators} are accepted."));
        int? subsample = null;
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            if (!int.TryParse(text[(at + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new ConfigurationException($"Strategy '{Shown(spec)}': '@{text[(at + 1)..]}' must be a positive whole number of candidates.");
            subsample = n;
            text = text[..at];
        }
        var parts = text.Split('+', StringSplitOptions.TrimEntries);
        var baseDescriptor = Find(parts[0])
            ?? throw new ConfigurationException($"Unknown strategy '{Shown(parts[0])}'. Known strategies: {string.Join(", ", All.Select(d => d.Name))}; decorators: {DecoratorHelp}.");
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

    private StrategyDescriptor? Find(string name) =>
        Array.Find(Volatile.Read(ref _registered), d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    private static StrategyCatalog BuiltIns()
    {
        var catalog = new StrategyCatalog()
            .Add("random", "uniform random sampling (the control)", StrategyNeeds.None, () => new RandomSampling())
            .Add("least-confidence", "1 − max probability", StrategyNeeds.Model, () => new LeastConfidenceSampling())
            .Add("margin", "smallest gap between the two most likely classes", StrategyNeeds.Model, () => new MarginSampling())
            .Add("entropy", "highest predictive entropy", StrategyNeeds.Model, () => new EntropySampling())
            .Add("qbc-vote", "query by committee: vote entropy of a bootstrap committee", StrategyNeeds.Committee, () => new VoteEntropySampling())
            .Add("qbc-kl", "query by committee: mean KL divergence to the consensus", StrategyNeeds.Committee, () => new KlDivergenceSampling())
            .Add("bald", "mutual information between label and committee member", StrategyNeeds.Committee, () => new BaldSampling())
            .Add("egl", "expected gradient length (closed form for logistic regression)", StrategyNeeds.Model, () => new ExpectedGradientLengthSampling())
            .Add("eer", "expected error reduction, approximated: 200 sampled candidates, one-step updates, error on 500 sampled items", StrategyNeeds.Model, () => new ExpectedErrorReduction())
            .Add("badge", "BADGE: k-means++ seeding over gradient embeddings (uncertainty and diversity)", StrategyNeeds.Model, () => new BadgeSampling())
            .Add("coreset", "greedy k-center over LSA vectors (CoreSet)", StrategyNeeds.Embeddings, () => new CoreSetSampling())
            .Add("kmeans", "k-means representatives: the item nearest each centroid, k = batch", StrategyNeeds.Embeddings, () => new KMeansSampling())
            .Add("margin-coreset", "hybrid: the 10×batch smallest margins, then greedy k-center among them", StrategyNeeds.Model | StrategyNeeds.Embeddings, () => new TopThenDiversify(new MarginSampling(), new CoreSetSampling()))
            .Add("margin-kmeans", "hybrid: the 10×batch smallest margins, then k-means representatives among them", StrategyNeeds.Model | StrategyNeeds.Embeddings, () => new TopThenDiversify(new MarginSampling(), new KMeansSampling()))
            .Add("margin-explore", "margin with a 10% random exploration share per batch", StrategyNeeds.Model, () => new ExplorationDecorator(new MarginSampling(), 0.1))
            // Arms: one per kind of batch (balanced uncertainty, top-class uncertainty for imbalanced data, uncertainty
            // plus diversity); random exploration is the probe every batch carries, so it is not an arm.
            .Add("auto", "bandit (EXP3, Active Learning by Learning) over margin, least-confidence, margin-kmeans; rewarded by importance-weighted accuracy on random probes", StrategyNeeds.Model | StrategyNeeds.Embeddings,
                () => new BanditStrategy([new MarginSampling(), new LeastConfidenceSampling(), new TopThenDiversify(new MarginSampling(), new KMeansSampling())]))
            .Add("density", "information density: entropy × mean similarity to the pool", StrategyNeeds.Model | StrategyNeeds.Embeddings, () => new InformationDensitySampling())
            // Pairwise comparisons (preference data): the Bradley–Terry reward model's uncertainty and Fisher information.
            .Add("pair-uncertainty", "pairs whose outcome (A, B, tie) the reward model is least sure of: highest entropy", StrategyNeeds.Model | StrategyNeeds.Pairs, () => new PairUncertaintySampling())
            .Add("pair-dopt", "D-optimal batch of pairs: greedy log-det gain of the Bradley–Terry Fisher information", StrategyNeeds.Pairs, () => new PairDOptimalSampling())
            .Add("pair-uncertainty-dopt", "hybrid: the 10×batch most uncertain pairs, then a D-optimal batch among them", StrategyNeeds.Model | StrategyNeeds.Pairs,
                () => new TopThenDiversify(new PairUncertaintySampling(), new PairDOptimalSampling()));
        return new StrategyCatalog(catalog._registered, readOnly: true);
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
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
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
