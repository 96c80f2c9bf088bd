namespace Sift.Features;

/// <summary>
/// Settings of <see cref="LsaEmbedder"/>: a randomised truncated SVD of the TF-IDF matrix, as
/// scikit-learn's <c>TruncatedSVD(algorithm="randomized")</c>. Immutable; validated by <see cref="Validate"/>.
/// </summary>
public sealed record LsaOptions
{
    /// <summary>Smallest allowed <see cref="Dimensions"/>.</summary>
    public const int MinDimensions = 2;

    /// <summary>Largest allowed <see cref="Dimensions"/>.</summary>
    public const int MaxDimensions = 1024;

    /// <summary>Largest allowed <see cref="PowerIterations"/>.</summary>
    public const int MaxPowerIterations = 32;

    /// <summary>Output dimensions k (components kept). Default 100; allowed 2 to 1024.</summary>
    public int Dimensions { get; init; } = 100;

    /// <summary>Extra random directions p sampled beyond k, which make the top k more accurate. Default 10; at least 0.</summary>
    public int Oversamples { get; init; } = 10;

    /// <summary>Power (subspace) iterations q, which sharpen a slowly decaying spectrum. Default 4; allowed 0 to 32.</summary>
    public int PowerIterations { get; init; } = 4;

    /// <summary>Seed of the Gaussian test matrix. Default 0. The same seed gives identical output.</summary>
    public ulong Seed { get; init; }

    /// <summary>Whether output rows are scaled to unit L2 norm (as for cosine distances). Default true.</summary>
    public bool NormalizeRows { get; init; } = true;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Dimensions is < MinDimensions or > MaxDimensions)
            throw new ConfigurationException($"LSA dimensions must be between {MinDimensions} and {MaxDimensions} (got {Dimensions}).");
        if (Oversamples is < 0 or > MaxDimensions)
            throw new ConfigurationException($"LSA oversamples must be between 0 and {MaxDimensions} (got {Oversamples}).");
        if (PowerIterations is < 0 or > MaxPowerIterations)
            throw new ConfigurationException($"LSA power iterations must be between 0 and {MaxPowerIterations} (got {PowerIterations}).");
    }
}
