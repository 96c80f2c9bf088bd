using System.Globalization;

namespace Sift.Strategies;

/// <summary>
/// The strategies for pools of pairwise comparisons, by name: <c>random</c> (the control), <c>pair-uncertainty</c>,
/// <c>pair-dopt</c>, <c>pair-dopt(COSINE)</c> (with the diversity guard) and <c>pair-uncertainty-dopt</c>. To be added to the strategy catalog when
/// the shared loop lands; until then the preference simulator reads them from here.
/// </summary>
public static class PairStrategies
{
    /// <summary>The pair strategies with one-line descriptions, random first.</summary>
    public static IReadOnlyList<StrategyDescriptor> All { get; } =
    [
        new("random", "uniform random sampling (the control)", StrategyNeeds.None, () => new RandomSampling()),
        new("pair-uncertainty", "pairs whose outcome (A, B, tie) the reward model is least sure of: highest entropy", StrategyNeeds.Model, () => new PairUncertaintySampling()),
        new("pair-dopt", "D-optimal batch: greedy log-det gain of the Bradley–Terry Fisher information; pair-dopt(0.9) adds a cosine cap", StrategyNeeds.None, () => new PairDOptimalSampling()),
        new("pair-uncertainty-dopt", "hybrid: the 10×batch most uncertain pairs, then a D-optimal batch among them", StrategyNeeds.Model, () => new TopThenDiversify(new PairUncertaintySampling(), new PairDOptimalSampling())),
    ];

    /// <summary>Finds a pair strategy by spec (case-insensitive): a name of <see cref="All"/>, or <c>pair-dopt(c)</c> with a cosine cap c in [0, 1].</summary>
    /// <exception cref="ConfigurationException">Unknown name or a malformed cap; the message lists what is known.</exception>
    public static IQueryStrategy Create(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Trim();
        if (text.StartsWith("pair-dopt(", StringComparison.OrdinalIgnoreCase) && text.EndsWith(')'))
        {
            var raw = text["pair-dopt(".Length..^1];
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var cap) || cap is < 0 or > 1)
                throw new ConfigurationException($"Strategy '{spec}': the cosine cap must be a number between 0 and 1.");
            return new PairDOptimalSampling(cap);
        }
        var descriptor = All.FirstOrDefault(d => string.Equals(d.Name, text, StringComparison.OrdinalIgnoreCase))
            ?? throw new ConfigurationException($"Unknown pair strategy '{spec}'. Known: {string.Join(", ", All.Select(d => d.Name))}, pair-dopt(COSINE).");
        return descriptor.Create();
    }
}
