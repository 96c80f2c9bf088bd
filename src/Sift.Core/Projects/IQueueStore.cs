using Sift.Evidence;

namespace Sift.Projects;

/// <summary>
/// The hand-out queue: the stored ranking, exclusive task hand-out under the project's overlap, leases, skips and the
/// hand-out log. Part of <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable
/// transaction. Every task handed out appends a <see cref="Sift.Evidence.SelectionEvent"/> in the same transaction.
/// </summary>
public interface IQueueStore
{
    /// <summary>
    /// Atomically replaces the project's ranking. Tasks already handed out are unaffected. A ranking need not cover every
    /// item: the server stores only its top positions and appends more with <see cref="AppendRankingAsync"/>; items
    /// outside it are still handed out, after it (see <see cref="ClaimNextAsync"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A position names an item outside the project, or a rank or item appears twice.</exception>
    Task ReplaceRankingAsync(Ranking ranking, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends positions to the end of the stored ranking, in one transaction, if that ranking is still the one of
    /// <paramref name="ranking"/>'s model version and strategy; otherwise changes nothing and returns -1 (another ranking
    /// replaced it). Positions whose item has no free slot (under the project's overlap) are skipped. First drops stored
    /// positions whose item is full with no live lease (every holder answered), so the stored ranking stays short.
    /// Returns how many positions were added.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A rank is not above every stored rank, an item is outside the project or already in the ranking, or a rank or
    /// item appears twice.
    /// </exception>
    Task<int> AppendRankingAsync(Ranking ranking, CancellationToken cancellationToken = default);

    /// <summary>The stored ranking's identity and depth, and whether items outside it are still to hand out; null before any ranking was stored. Cheap: it counts stored positions only.</summary>
    Task<QueueState?> GetQueueStateAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>The current ranking's model version and strategy, or null before any ranking was stored.</summary>
    Task<(int ModelVersion, string Strategy)?> GetRankingInfoAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands the annotator a new task: the lowest-rank item of the current ranking that (a) this annotator has never
    /// had a task for, in any state, and (b) has fewer than <paramref name="overlap"/> holders, counting leased tasks
    /// not yet expired plus submitted tasks. Expired leases are reclaimed first (state Expired, slot freed). The task
    /// records the ranking's model version, strategy, and the position's score, reason and exploration flag, and
    /// whether the item is held out. When no ranked position qualifies, the first item in the cold-start order
    /// (<see cref="ColdStartOrder"/>) that qualifies the same way and is not a held-out item with a gold label: such a
    /// task records model version 0, strategy <see cref="ColdStartOrder.Strategy"/>, score 0, no exploration, and reason
    /// <see cref="ColdStartOrder.Reason"/> (or <see cref="ColdStartOrder.BeyondRankingReason"/> when the stored ranking
    /// is a trained one). So every item that still needs answers can be handed out whatever the stored ranking holds.
    /// Null when no item qualifies. Exclusive under any number of concurrent callers in any number of processes: never
    /// more than <paramref name="overlap"/> live holders of an item. Appends a <see cref="SelectionEvent"/> (one item,
    /// handed to the annotator's user name) in the same transaction.
    /// </summary>
    Task<TaskRecord?> ClaimNextAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, int overlap, CancellationToken cancellationToken = default);

    /// <summary>The annotator's leased tasks in the project that have not expired at <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<TaskRecord>> GetLiveTasksAsync(long projectId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>One task, or null.</summary>
    Task<TaskRecord?> GetTaskAsync(long projectId, long taskId, CancellationToken cancellationToken = default);

    /// <summary>Skips a leased task of the annotator: state Skipped, slot freed, never handed to them again.</summary>
    /// <exception cref="NotFoundException">No such task, or not the annotator's.</exception>
    /// <exception cref="ConflictException">The task is not Leased.</exception>
    Task SkipAsync(long projectId, long taskId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Reclaims every lease expired at <paramref name="now"/>; returns how many.</summary>
    Task<int> ReclaimExpiredAsync(long projectId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Every task of the project (the hand-out log), by id.</summary>
    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the hand-out log in id order: tasks with an id greater than <paramref name="afterId"/> (0: from the
    /// first), at most <paramref name="limit"/>. Keyset paging as in <see cref="IItemStore.GetItemsPageAsync"/>; a task's state is
    /// as of the moment its page is read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterId"/> is negative, or <paramref name="limit"/> is not between 1 and <see cref="Paging.MaxLimit"/>.</exception>
    Task<IReadOnlyList<TaskRecord>> GetTasksPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Dashboard counts at <paramref name="now"/>.</summary>
    Task<ProjectCounts> GetCountsAsync(long projectId, int overlap, DateTimeOffset now, CancellationToken cancellationToken = default);
}
