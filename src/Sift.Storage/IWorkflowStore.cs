using Sift.Projects;

namespace Sift.Storage;

/// <summary>An item to mark gold (with its label) or to unmark (label null).</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Label">The gold label, checked by the caller against the schema (multi-label: <c>;</c>-separated); null unmarks.</param>
public sealed record GoldMark(long ItemId, string? Label);

/// <summary>A reviewer's decision to record.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemId">The item.</param>
/// <param name="ReviewerId">The reviewer (or admin).</param>
/// <param name="Labels">The decided labels (checked by the caller against the schema).</param>
/// <param name="Previous">The item's resolved labels before the decision, or null when it had none.</param>
/// <param name="Rationale">Why (untrusted text, may be empty).</param>
/// <param name="At">When.</param>
public sealed record NewReview(long ProjectId, long ItemId, long ReviewerId, IReadOnlyList<string> Labels, IReadOnlyList<string>? Previous, string Rationale, DateTimeOffset At);

/// <summary>A recorded review.</summary>
public sealed record Review(long Id, long ProjectId, long ItemId, long ReviewerId, IReadOnlyList<string> Labels, IReadOnlyList<string>? Previous, string Rationale, DateTimeOffset At)
{
    /// <summary>Whether the decision differs from what was resolved before (a new label, not a confirmation).</summary>
    public bool Override => Previous is null || !Previous.SequenceEqual(Labels, StringComparer.Ordinal);
}

/// <summary>A likely-mislabeled item waiting for one more answer.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Given">Its resolved label when it was found.</param>
/// <param name="Suggested">The class the out-of-sample model prefers.</param>
/// <param name="Wrong">Estimated probability that the given label is wrong, 0–1.</param>
/// <param name="ModelVersion">The model version that found it.</param>
public sealed record RelabelCandidate(long ItemId, string Given, string Suggested, double Wrong, int ModelVersion);

/// <summary>
/// The annotation workflow's state (issue 14): gold (honeypot) items, reviewers' decisions and the relabel queue, and the
/// hand-out of one chosen item (a gold item or a relabel) beside the ranked queue. Implemented by every store backend next
/// to <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable transaction.
/// </summary>
public interface IWorkflowStore
{
    /// <summary>
    /// Marks items gold with their labels, or unmarks them (label null), appending a <see cref="Sift.Evidence.GoldEvent"/>
    /// per change in the same transaction. All or nothing. Returns how many marks changed something.
    /// </summary>
    /// <exception cref="NotFoundException">The project does not exist, or an item is not one of its items.</exception>
    /// <exception cref="ArgumentException">A held-out item (held-out items evaluate the model; gold items teach and measure annotators).</exception>
    Task<int> SetGoldAsync(long projectId, IReadOnlyList<GoldMark> marks, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The project's gold items and their labels, by item id. Never for annotators.</summary>
    Task<IReadOnlyDictionary<long, string>> GetGoldItemsAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands the annotator a task for one chosen item, beyond the project's overlap (a gold item, or a relabel): null when
    /// they already had a task for it in any state, or it is not an item of the project. The task records
    /// <paramref name="reason"/>, the current ranking's model version and strategy (cold start: version 0), score 0, no
    /// exploration. Expired leases are reclaimed first. Removes the item from the relabel queue. Appends a
    /// <see cref="Sift.Evidence.SelectionEvent"/> in the same transaction, like <see cref="IQueueStore.ClaimNextAsync"/>.
    /// </summary>
    Task<TaskRecord?> ClaimItemAsync(long projectId, long annotatorId, long itemId, string reason, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Records a review and appends a <see cref="Sift.Evidence.ReviewEvent"/> in the same transaction.</summary>
    /// <exception cref="NotFoundException">The project does not exist, or the item is not one of its items.</exception>
    Task<Review> AddReviewAsync(NewReview review, CancellationToken cancellationToken = default);

    /// <summary>Every review of the project, oldest first.</summary>
    Task<IReadOnlyList<Review>> GetReviewsAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the project's relabel queue (items outside the project are left out).</summary>
    Task ReplaceRelabelQueueAsync(long projectId, IReadOnlyList<RelabelCandidate> candidates, CancellationToken cancellationToken = default);

    /// <summary>The relabel queue, most likely wrong first (then by item id).</summary>
    Task<IReadOnlyList<RelabelCandidate>> GetRelabelQueueAsync(long projectId, CancellationToken cancellationToken = default);
}
