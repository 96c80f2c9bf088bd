namespace Sift.Server.Embedding;

/// <summary>Where the background embedding of a project stands.</summary>
public enum EmbeddingState
{
    /// <summary>Waiting: the worker has not looked at the project's items yet (or is loading the encoder).</summary>
    Pending,

    /// <summary>Embedding the items that have no vector yet.</summary>
    Running,

    /// <summary>Every item has its vector; the trainer uses the project's configured features.</summary>
    Done,

    /// <summary>Stopped by an error (see <see cref="EmbeddingProgress.Error"/>); the trainer keeps to TF-IDF.</summary>
    Failed,
}

/// <summary>
/// The background embedding of one project, as the dashboard shows it (snake_case JSON). Counts are items; an item
/// whose text another item (of any project) already had counts as done without being embedded again.
/// </summary>
/// <param name="State">Pending, running, done or failed.</param>
/// <param name="Done">Items that have their vector.</param>
/// <param name="Total">Items in the project (as last seen by the worker).</param>
/// <param name="Rate">Items embedded per second in the current run; null until the first batch is stored.</param>
/// <param name="EtaSeconds">Seconds until every item has its vector at <paramref name="Rate"/>; null when unknown (or done).</param>
/// <param name="Error">One sentence when <paramref name="State"/> is failed; null otherwise.</param>
public sealed record EmbeddingProgress(EmbeddingState State, int Done, int Total, double? Rate, double? EtaSeconds, string? Error)
{
    /// <summary>The encoder's model id, once loaded (part of every cache key).</summary>
    public string? Model { get; init; }

    /// <summary>The features the project asks for (its <c>features</c> setting).</summary>
    public string Features { get; init; } = "";
}
