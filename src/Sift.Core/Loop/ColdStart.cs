using Sift.Features;
using Sift.Strategies;

namespace Sift.Loop;

/// <summary>How the first batch (the seed set, before any model exists) is chosen.</summary>
public enum SeedStrategy
{
    /// <summary>A seeded random sample of the candidates.</summary>
    Random,

    /// <summary>
    /// k-means representatives: the candidates' vectors are clustered into as many clusters as items wanted, and the
    /// item nearest each centroid is taken (<see cref="KMeansSampling"/>), so the first labels cover the pool's topics.
    /// </summary>
    KMeans,
}

/// <summary>
/// Chooses a cold-start batch: what the simulator's seed set and a server project's first tasks are before any label
/// exists. Pure and seeded: the same vectors, candidates, count and seed give the same items. Thread-safe.
/// </summary>
public static class ColdStart
{
    /// <summary>Parses <c>random</c> or <c>kmeans</c> (case-insensitive).</summary>
    /// <exception cref="ConfigurationException">Anything else.</exception>
    public static SeedStrategy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "random" => SeedStrategy.Random,
            "kmeans" or "k-means" => SeedStrategy.KMeans,
            _ => throw new ConfigurationException($"The seed strategy must be 'kmeans' or 'random', not '{text}'."),
        };
    }

    /// <summary>The spec name of a seed strategy (<c>random</c>, <c>kmeans</c>).</summary>
    public static string Name(SeedStrategy strategy) => strategy == SeedStrategy.KMeans ? "kmeans" : "random";

    /// <summary>Chooses <paramref name="count"/> of <paramref name="candidates"/>, in pick order.</summary>
    /// <param name="strategy">How to choose.</param>
    /// <param name="vectors">Dense vectors of the pool (row = pool index); needed for <see cref="SeedStrategy.KMeans"/>, ignored otherwise.</param>
    /// <param name="candidates">Distinct pool rows that may be chosen.</param>
    /// <param name="count">How many; at most the number of candidates.</param>
    /// <param name="seed">Seed of every random choice (k-means++ seeding, the random sample).</param>
    /// <exception cref="ConfigurationException">k-means without vectors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above the number of candidates.</exception>
    public static int[] Select(SeedStrategy strategy, DenseMatrix? vectors, int[] candidates, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, candidates.Length);
        if (count == 0) return [];
        if (strategy == SeedStrategy.Random)
        {
            var shuffled = (int[])candidates.Clone();
            Seeds.Random(Seeds.Mix(seed, "cold-start")).Shuffle(shuffled);
            return shuffled[..count];
        }
        if (vectors is null) throw new ConfigurationException("A k-means cold start needs item vectors, and the feature source gives none.");
        var context = new QueryContext(vectors, candidates, Seeds.Mix(seed, "cold-start-kmeans")) { Embeddings = vectors };
        return new KMeansSampling().Select(context, count).Indices;
    }
}
