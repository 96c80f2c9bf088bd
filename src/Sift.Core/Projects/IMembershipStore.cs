namespace Sift.Projects;

/// <summary>
/// Which users belong to which projects (annotators and reviewers reach only their projects). Part of
/// <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable transaction.
/// </summary>
public interface IMembershipStore
{
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
}
