namespace Sift.Projects;

/// <summary>
/// Everything the server keeps, as the union of the store roles: users (<see cref="IUserStore"/>), project membership
/// (<see cref="IMembershipStore"/>), projects (<see cref="IProjectStore"/>), items (<see cref="IItemStore"/>), the
/// hand-out queue (<see cref="IQueueStore"/>), annotations (<see cref="IAnnotationStore"/>), model versions
/// (<see cref="IModelStore"/>), the trainer lease (<see cref="ITrainerLease"/>) and the evidence stream
/// (<see cref="IEvidenceStore"/>). Code that needs one role takes that role; a backend implements this union once
/// (SQLite, PostgreSQL) and one contract test suite pins the behaviour both must share. Implementations are
/// thread-safe and safe across processes that share one database: task hand-out stays exclusive and at most one
/// process holds a project's trainer lease. Every method that writes is atomic (one transaction) and durable once it
/// returns: an acknowledged write survives the process being killed, and so do the evidence events it appended.
/// Times are passed in (from an injected <see cref="TimeProvider"/>), never read from the clock inside the store.
/// </summary>
public interface ISiftStore : IUserStore, IMembershipStore, IProjectStore, IItemStore, IQueueStore, IAnnotationStore, IModelStore, ITrainerLease,
    IEvidenceStore, IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema. Idempotent; safe when several processes call it at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);
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
