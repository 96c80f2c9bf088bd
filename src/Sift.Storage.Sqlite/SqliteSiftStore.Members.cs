using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Sqlite;

public sealed partial class SqliteSiftStore
{
    // ---- membership --------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<bool> AddMemberAsync(long projectId, long userId, DateTimeOffset now, CancellationToken cancellationToken = default) => WriteAsync(() =>
    {
        if (W("SELECT 1 FROM projects WHERE id = @p").With("@p", projectId).ExecuteScalar() is null)
            throw new NotFoundException($"Project {projectId} does not exist.");
        RequireUser(userId);
        return W("INSERT INTO project_members (project_id, user_id, added_at) VALUES (@p, @u, @t) ON CONFLICT (project_id, user_id) DO NOTHING")
            .With("@p", projectId).With("@u", userId).With("@t", Ticks(now)).ExecuteNonQuery() == 1;
    }, cancellationToken);

    /// <inheritdoc />
    public Task<bool> RemoveMemberAsync(long projectId, long userId, DateTimeOffset now, CancellationToken cancellationToken = default) => WriteAsync(() =>
    {
        if (W("DELETE FROM project_members WHERE project_id = @p AND user_id = @u").With("@p", projectId).With("@u", userId).ExecuteNonQuery() == 0)
            return false;
        // Let the former member's live leases run out now; the reclaim frees their slots like any expired lease's.
        W("UPDATE tasks SET expires_at = @now WHERE project_id = @p AND annotator_id = @u AND state = @s AND expires_at > @now")
            .With("@p", projectId).With("@u", userId).With("@s", Leased).With("@now", Ticks(now)).ExecuteNonQuery();
        Reclaim(projectId, now);
        return true;
    }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ProjectMember>> ListMembersAsync(long projectId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ProjectMember>>(Read(c => All(
            R(c, "SELECT project_id, user_id, added_at FROM project_members WHERE project_id = @p ORDER BY user_id").With("@p", projectId),
            MapMember), cancellationToken));

    /// <inheritdoc />
    public Task<bool> IsMemberAsync(long projectId, long userId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => R(c, "SELECT 1 FROM project_members WHERE project_id = @p AND user_id = @u")
            .With("@p", projectId).With("@u", userId).ExecuteScalar() is not null, cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> GetMemberProjectIdsAsync(long userId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<long>>(Read(c => All(
            R(c, "SELECT project_id FROM project_members WHERE user_id = @u ORDER BY project_id").With("@u", userId), r => r.GetInt64(0)), cancellationToken));
}
