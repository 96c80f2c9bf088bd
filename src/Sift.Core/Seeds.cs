namespace Sift;

/// <summary>Deterministic seed derivation (SplitMix64), so every random choice follows from one user seed.</summary>
public static class Seeds
{
    /// <summary>Mixes a seed with a stream id into an independent 64-bit seed.</summary>
    public static ulong Mix(ulong seed, ulong stream)
    {
        var z = seed + 0x9E3779B97F4A7C15UL * (stream + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Mixes a seed with a named stream.</summary>
    public static ulong Mix(ulong seed, string stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ulong h = 1469598103934665603UL;
        foreach (var c in stream) h = (h ^ c) * 1099511628211UL;
        return Mix(seed, h);
    }

    /// <summary>A <see cref="Random"/> seeded from a 64-bit seed.</summary>
    public static Random Random(ulong seed) => new(unchecked((int)(seed ^ (seed >> 32))));

    /// <summary>A uniform double in [0, 1) derived from (seed, index) without state; used for tie-breaking.</summary>
    public static double Uniform(ulong seed, long index) => (Mix(seed, (ulong)index) >> 11) * (1.0 / (1UL << 53));
}
