using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore
{
    // ---- membership --------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<bool> AddMemberAsync(long projectId, long userId, DateTimeOffset now, CancellationToken cancellationToken = default) => WriteAsync(async tx =>
    {
        await RequireProjectAsync(tx, projectId);
        await RequireUserAsync(tx, userId);
        return await tx.Cmd("INSERT INTO project_members (project_id, user_id, added_at) VALUES (@p, @u, @t) ON CONFLICT (project_id, user_id) DO NOTHING")
            .With("@p", projectId).With("@u", userId).With("@t", Ticks(now)).ExecAsync(tx.Ct) == 1;
    }, cancellationToken);

    /// <inheritdoc />
    public Task<bool> RemoveMemberAsync(long projectId, long userId, DateTimeOffset now, CancellationToken cancellationToken = default) => WriteAsync(async tx =>
    {
        if (await tx.Cmd("DELETE FROM project_members WHERE project_id = @p AND user_id = @u").With("@p", projectId).With("@u", userId).ExecAsync(tx.Ct) == 0)
            return false;
        // Let the former member's live leases run out now; the reclaim frees their slots like any expired lease's.
        await tx.Cmd("UPDATE tasks SET expires_at = @now WHERE project_id = @p AND annotator_id = @u AND state = @s AND expires_at > @now")
            .With("@p", projectId).With("@u", userId).With("@s", Leased).With("@now", Ticks(now)).ExecAsync(tx.Ct);
        await ReclaimAsync(tx, projectId, now);
        return true;
    }, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProjectMember>> ListMembersAsync(long projectId, CancellationToken cancellationToken = default) =>
        await R("SELECT project_id, user_id, added_at FROM project_members WHERE project_id = @p ORDER BY user_id").With("@p", projectId)
            .AllAsync(MapMember, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> IsMemberAsync(long projectId, long userId, CancellationToken cancellationToken = default) =>
        await R("SELECT 1 FROM project_members WHERE project_id = @p AND user_id = @u").With("@p", projectId).With("@u", userId)
            .ScalarAsync(cancellationToken) is not null;

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> GetMemberProjectIdsAsync(long userId, CancellationToken cancellationToken = default) =>
        await R("SELECT project_id FROM project_members WHERE user_id = @u ORDER BY project_id").With("@u", userId)
            .AllAsync(r => r.GetInt64(0), cancellationToken);
}
