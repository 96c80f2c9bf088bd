using System.Globalization;

namespace Sift.Server.Models;

/// <summary>
/// Settings of the background worker that sends items to a project's model annotators (one worker per server process;
/// each model annotator runs in one process at a time). Defaults suit an interactive server; checked by
/// <see cref="Validate"/> when the server is built.
/// </summary>
public sealed record ModelWorkerOptions
{
    /// <summary>Whether this process runs model annotators at all. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// How often the worker looks for model annotators added, enabled or disabled (also through other processes), and
    /// how long an idle model annotator waits before looking for work again. Imports and labels in this process wake it
    /// sooner. Default 2 s.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long this process's hold on a model annotator lasts (renewed every batch): a process that dies frees it after
    /// at most this long. Default 2 minutes.
    /// </summary>
    public TimeSpan WorkerLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The most items claimed for a model at once (a batch is twice its concurrency, at most this). Default 32.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>
    /// How long a model annotator that failed as a whole (key refused, endpoint unreachable, GGUF file unreadable) waits
    /// before it is tried again; doubled after every further failure, up to 5 minutes. Default 15 s.
    /// </summary>
    public TimeSpan ErrorBackoff { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How many of the earliest people's labels are offered to the prompt as few-shot examples. Default 200.</summary>
    public int ExamplePool { get; init; } = 200;

    /// <summary>This process's name for the model annotator leases. Default machine name, process id and a fresh GUID.</summary>
    public string Owner { get; init; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}");

    /// <summary>Throws a <see cref="ConfigurationException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromHours(1)) throw new ConfigurationException("model worker poll_interval: must be above 0 and at most 1 hour.");
        if (WorkerLease < TimeSpan.FromSeconds(5) || WorkerLease > TimeSpan.FromDays(1)) throw new ConfigurationException("model worker lease: must be between 5 seconds and 1 day.");
        if (MaxBatch is < 1 or > 1000) throw new ConfigurationException($"model worker max_batch: must be between 1 and 1000, not {MaxBatch}.");
        if (ErrorBackoff < TimeSpan.Zero || ErrorBackoff > TimeSpan.FromHours(1)) throw new ConfigurationException("model worker error_backoff: must be between 0 and 1 hour.");
        if (ExamplePool is < 0 or > 10_000) throw new ConfigurationException($"model worker example_pool: must be between 0 and 10000, not {ExamplePool}.");
        if (string.IsNullOrWhiteSpace(Owner)) throw new ConfigurationException("model worker owner: may not be empty.");
    }
}
