namespace Sift.Server.Embedding;

/// <summary>
/// How the server embeds projects' items in the background (<see cref="SiftServerOptions.Embedding"/>). Defaults are
/// stated per property; checked by <see cref="Validate"/>.
/// </summary>
public sealed record EmbeddingOptions
{
    /// <summary>
    /// Texts per encoder call; each batch's vectors are stored (one transaction) as soon as it is done, so a stopped or
    /// killed server loses at most one batch of work. Default 64.
    /// </summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// How often the worker looks for items it has not embedded yet that it was not told about (imports through another
    /// process sharing the database, a project's <c>features</c> setting changed). Imports through this process start
    /// it at once. Default 15 s.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether the encoder is loaded and run at the lowest CPU priority (Linux: nice 19; its inference threads inherit
    /// it), so that labeling requests and the trainer come first on a busy machine. Vectors do not depend on it. Default true.
    /// </summary>
    public bool LowPriority { get; init; } = true;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public void Validate()
    {
        if (BatchSize is < 1 or > 10_000) throw new ConfigurationException($"embedding.batch_size: must be between 1 and 10000, not {BatchSize}.");
        if (PollInterval <= TimeSpan.Zero) throw new ConfigurationException("embedding.poll_interval: must be positive.");
    }
}
