namespace Sift.Projects;

/// <summary>
/// The per-project trainer lease (at most one trainer per project across processes) and the trainer's status. Part of
/// <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable transaction.
/// </summary>
public interface ITrainerLease
{
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
