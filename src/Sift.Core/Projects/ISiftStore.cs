namespace Sift.Projects;

/// <summary>
/// Everything the server keeps: users, projects, items, the ranked queue, tasks, annotations, model versions and
/// trainer state. Implemented once per backend (SQLite, PostgreSQL); one contract test suite pins the behaviour
/// both must share. Implementations are thread-safe and safe across processes that share one database: task
/// hand-out stays exclusive and at most one process holds a project's trainer lease.
/// Every method that writes is atomic (one transaction) and durable once it returns: an acknowledged write
/// survives the process being killed.
/// Times are passed in (from an injected <see cref="TimeProvider"/>), never read from the clock inside the store.
/// </summary>
public interface ISiftStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema. Idempotent; safe when several processes call it at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    // ---- users -------------------------------------------------------------------------------------------------

    /// <summary>Creates a user holding a token whose SHA-256 hash (hex) is given. Names are unique.</summary>
    /// <exception cref="ConflictException">The name is taken.</exception>
    Task<User> CreateUserAsync(string name, Role role, string tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The enabled user holding the token with this hash, or null.</summary>
    Task<User?> FindUserByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>A user by id, or null.</summary>
    Task<User?> GetUserAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>All users, by id.</summary>
    Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces a user's token hash (token rotation). False when the user does not exist.</summary>
    Task<bool> SetTokenHashAsync(long userId, string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Enables or disables a user. False when the user does not exist.</summary>
    Task<bool> SetDisabledAsync(long userId, bool disabled, CancellationToken cancellationToken = default);

    // ---- projects ----------------------------------------------------------------------------------------------

    /// <summary>Creates a project with instructions version 1. Names are unique.</summary>
    /// <exception cref="ConflictException">The name is taken.</exception>
    Task<Project> CreateProjectAsync(string name, ProjectSettings settings, string instructionsMarkdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>A project, or null.</summary>
    Task<Project?> GetProjectAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>All projects, by id.</summary>
    Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the settings (already validated), in one transaction with what depends on them: a new overlap changes
    /// which items have a free slot, a new seed the cold-start order. Null when the project does not exist.
    /// </summary>
    Task<Project?> UpdateSettingsAsync(long projectId, ProjectSettings settings, CancellationToken cancellationToken = default);

    /// <summary>Adds the next instructions version and makes it current. Null when the project does not exist.</summary>
    Task<Instructions?> AddInstructionsAsync(long projectId, string markdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>One instructions version (null = current), or null when absent.</summary>
    Task<Instructions?> GetInstructionsAsync(long projectId, int? version = null, CancellationToken cancellationToken = default);

    // ---- membership ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Makes the user a member of the project. Idempotent: true when the membership was added, false when it already
    /// existed (its <see cref="ProjectMember.AddedAt"/> is kept). The store does not look at roles; the server decides
    /// who needs a membership (annotators and reviewers).
    /// </summary>
    /// <exception cref="NotFoundException">The project or the user does not exist.</exception>
    Task<bool> AddMemberAsync(long projectId, long userId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the user's membership of the project and, in the same transaction, gives back the user's live leases in it
    /// (their tasks become Expired and the slots free, as if the leases had run out at <paramref name="now"/>), so the
    /// items go back to the queue at once. Answers already given stay. False when the user was not a member.
    /// </summary>
    Task<bool> RemoveMemberAsync(long projectId, long userId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The project's members, by user id (empty when the project does not exist).</summary>
    Task<IReadOnlyList<ProjectMember>> ListMembersAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>Whether the user is a member of the project; false when either does not exist.</summary>
    Task<bool> IsMemberAsync(long projectId, long userId, CancellationToken cancellationToken = default);

    /// <summary>The ids of the projects the user is a member of, ascending.</summary>
    Task<IReadOnlyList<long>> GetMemberProjectIdsAsync(long userId, CancellationToken cancellationToken = default);

    // ---- items -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Adds items in one transaction: all or nothing. An item whose external id is already in the project, or
    /// appeared earlier in the same batch, is skipped and counted as a duplicate. Once this returns the new items can
    /// be handed out (in the cold-start order, see <see cref="ClaimNextAsync"/>): no second write is needed to queue them.
    /// </summary>
    Task<ImportResult> ImportItemsAsync(long projectId, IReadOnlyList<NewItem> items, CancellationToken cancellationToken = default);

    /// <summary>All items of a project, by id.</summary>
    Task<IReadOnlyList<Item>> GetItemsAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>One item of a project, or null.</summary>
    Task<Item?> GetItemAsync(long projectId, long itemId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the project's items in id order: those with an id greater than <paramref name="afterId"/> (0: from
    /// the first), at most <paramref name="limit"/>. Keyset paging: pass the last id of a page to get the next; an item
    /// is never on two pages, and items imported while a reader pages show up on a later page. Empty past the end.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterId"/> is negative, or <paramref name="limit"/> is not between 1 and <see cref="Paging.MaxLimit"/>.</exception>
    Task<IReadOnlyList<Item>> GetItemsPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// External ids by item id, without reading item texts: of every item of the project when <paramref name="itemIds"/>
    /// is null, otherwise of those of the given ids that are items of the project (others are left out).
    /// </summary>
    Task<IReadOnlyDictionary<long, string>> GetExternalIdsAsync(long projectId, IReadOnlyCollection<long>? itemIds = null, CancellationToken cancellationToken = default);

    /// <summary>Gold labels that came with the import, by item id (only items that have one). Never for annotators.</summary>
    Task<IReadOnlyDictionary<long, string>> GetGoldLabelsAsync(long projectId, CancellationToken cancellationToken = default);

    // ---- queue and hand-out ------------------------------------------------------------------------------------

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
    /// more than <paramref name="overlap"/> live holders of an item.
    /// </summary>
    Task<TaskRecord?> ClaimNextAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, int overlap, CancellationToken cancellationToken = default);

    /// <summary>The annotator's leased tasks in the project that have not expired at <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<TaskRecord>> GetLiveTasksAsync(long projectId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>One task, or null.</summary>
    Task<TaskRecord?> GetTaskAsync(long projectId, long taskId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records an answer. Idempotent per (annotator, client request id): a repeat returns the first annotation with
    /// <see cref="SubmitResult.Duplicate"/> true and changes nothing. The task must belong to the annotator and be
    /// Leased; a lease past its expiry that was not yet reclaimed is still accepted; a reclaimed (Expired) task is
    /// accepted only if the item still has a free slot (it takes the slot back). The annotation records the project's
    /// current instructions version. The task becomes Submitted.
    /// </summary>
    /// <exception cref="NotFoundException">No such task in the project, or it is not the annotator's.</exception>
    /// <exception cref="ConflictException">The task was skipped or already answered (by another request id), or expired with no free slot.</exception>
    Task<SubmitResult> SubmitAsync(long projectId, long taskId, long annotatorId, IReadOnlyList<string> labels, string clientRequestId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Skips a leased task of the annotator: state Skipped, slot freed, never handed to them again.</summary>
    /// <exception cref="NotFoundException">No such task, or not the annotator's.</exception>
    /// <exception cref="ConflictException">The task is not Leased.</exception>
    Task SkipAsync(long projectId, long taskId, long annotatorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Undoes the annotator's most recent annotation in the project that is not undone: marks it Undone and puts its
    /// task back to Leased with a fresh expiry (<paramref name="now"/> + <paramref name="lease"/>), so the item comes
    /// back to the same annotator. Returns that task, or null when there is nothing to undo.
    /// </summary>
    Task<TaskRecord?> UndoLastAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Reclaims every lease expired at <paramref name="now"/>; returns how many.</summary>
    Task<int> ReclaimExpiredAsync(long projectId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Every task of the project (the hand-out log), by id.</summary>
    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>Annotations of the project, by id; only the given annotator's when <paramref name="annotatorId"/> is set.</summary>
    Task<IReadOnlyList<Annotation>> GetAnnotationsAsync(long projectId, long? annotatorId = null, bool includeUndone = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the hand-out log in id order: tasks with an id greater than <paramref name="afterId"/> (0: from the
    /// first), at most <paramref name="limit"/>. Keyset paging as in <see cref="GetItemsPageAsync"/>; a task's state is
    /// as of the moment its page is read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterId"/> is negative, or <paramref name="limit"/> is not between 1 and <see cref="Paging.MaxLimit"/>.</exception>
    Task<IReadOnlyList<TaskRecord>> GetTasksPageAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the project's annotations in id order: those with an id greater than <paramref name="afterId"/> (0:
    /// from the first), at most <paramref name="limit"/>, undone ones only when <paramref name="includeUndone"/>. Keyset
    /// paging as in <see cref="GetItemsPageAsync"/>: answers submitted while a reader pages come on a later page (ids
    /// grow); one undone meanwhile may already have been read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterId"/> is negative, or <paramref name="limit"/> is not between 1 and <see cref="Paging.MaxLimit"/>.</exception>
    Task<IReadOnlyList<Annotation>> GetAnnotationsPageAsync(long projectId, long afterId, int limit, bool includeUndone = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// The project's live (not undone) annotations aggregated in the database: their number, the count per distinct
    /// label list, and the first and last answer times. Reads no annotation rows into memory.
    /// </summary>
    Task<AnnotationSummary> GetAnnotationSummaryAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The project's live (not undone) annotations counted per time bucket of <paramref name="bucket"/> (buckets start
    /// at whole multiples of it, counted in UTC ticks from <see cref="DateTimeOffset.MinValue"/>); only buckets with
    /// answers, oldest first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bucket"/> is not positive.</exception>
    Task<IReadOnlyList<TimeBucketCount>> GetAnnotationHistogramAsync(long projectId, TimeSpan bucket, CancellationToken cancellationToken = default);

    /// <summary>
    /// The project's data revision: a number that grows with every committed write that changes the project's items
    /// (an import that adds some) or its live annotations (a submit that records an answer, an undo), whichever process
    /// made it. Two equal values mean no such write committed in between, so a result computed from data read after
    /// the first value is still current. Cheap: one indexed read of a handful of rows. Starts at 0.
    /// </summary>
    Task<long> GetRevisionAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>Dashboard counts at <paramref name="now"/>.</summary>
    Task<ProjectCounts> GetCountsAsync(long projectId, int overlap, DateTimeOffset now, CancellationToken cancellationToken = default);

    // ---- models and trainer ------------------------------------------------------------------------------------

    /// <summary>Stores a model version (versions start at 1 and grow by one per project).</summary>
    /// <exception cref="ConflictException">That version already exists.</exception>
    Task AddModelVersionAsync(ModelVersion model, CancellationToken cancellationToken = default);

    /// <summary>All model versions of the project, oldest first.</summary>
    Task<IReadOnlyList<ModelVersion>> GetModelVersionsAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes or renews the project's trainer lease for <paramref name="owner"/> until <paramref name="now"/> +
    /// <paramref name="lease"/>. True when the caller holds it afterwards: it was free, expired, or already the
    /// caller's. At most one owner at a time across processes.
    /// </summary>
    Task<bool> TryAcquireTrainerAsync(long projectId, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Gives the trainer lease back if <paramref name="owner"/> holds it.</summary>
    Task ReleaseTrainerAsync(long projectId, string owner, CancellationToken cancellationToken = default);

    /// <summary>Records the trainer's status (last write wins).</summary>
    Task SetTrainerStatusAsync(TrainerStatus status, CancellationToken cancellationToken = default);

    /// <summary>The trainer's status; <see cref="TrainerState.Idle"/> when it never ran.</summary>
    Task<TrainerStatus> GetTrainerStatusAsync(long projectId, CancellationToken cancellationToken = default);
}

/// <summary>A uniqueness or state conflict (HTTP 409).</summary>
public sealed class ConflictException : SiftException
{
    /// <summary>Creates a conflict error with a user-facing message.</summary>
    public ConflictException(string message) : base(message) { }
}

/// <summary>Something named does not exist or is not visible to the caller (HTTP 404).</summary>
public sealed class NotFoundException : SiftException
{
    /// <summary>Creates a not-found error with a user-facing message.</summary>
    public NotFoundException(string message) : base(message) { }
}
