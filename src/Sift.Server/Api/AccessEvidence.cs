using Sift.Evidence;
using Sift.Projects;
using Sift.Server.Auth;

namespace Sift.Server.Api;

/// <summary>
/// Records a change of who can reach a project in that project's evidence (<see cref="AccessEvent"/>): a membership in the
/// project it concerns; a change to a user in every project the user reaches — their memberships for annotators and
/// reviewers, every project for admins and auditors. Appended after the change commits, so a kill in between leaves the
/// change without its entry (the user table still shows it).
/// </summary>
internal static class AccessEvidence
{
    public static Task MemberAsync(ISiftStore store, long projectId, User user, string change, string by, DateTimeOffset now, CancellationToken ct) =>
        store.AppendEvidenceAsync(projectId, Event(user, change, by), now, ct);

    public static async Task UserAsync(ISiftStore store, User user, string change, string by, DateTimeOffset now, CancellationToken ct)
    {
        IEnumerable<long> projects = user.Role is Role.Admin or Role.Auditor
            ? (await store.ListProjectsAsync(ct)).Select(p => p.Id)
            : await store.GetMemberProjectIdsAsync(user.Id, ct);
        foreach (var projectId in projects) await store.AppendEvidenceAsync(projectId, Event(user, change, by), now, ct);
    }

    private static AccessEvent Event(User user, string change, string by) => new(change, user.Name, user.Id, SiftPolicies.RoleName(user.Role), by);
}
