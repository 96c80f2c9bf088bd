using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;

namespace Sift.Server.Api;

/// <summary>
/// Project membership (admins only): who of the annotators and reviewers may reach a project. Admins and auditors
/// reach every project and are never members. The check itself is <see cref="ProjectAccess"/>.
/// </summary>
internal static class MembersApi
{
    public static IEndpointRouteBuilder MapMembersApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("members");
        project.MapGet("/members", ListMembers).RequireAuthorization(SiftPolicies.Admin);
        project.MapPut("/members/{userId:long}", AddMember).RequireAuthorization(SiftPolicies.Admin);
        project.MapDelete("/members/{userId:long}", RemoveMember).RequireAuthorization(SiftPolicies.Admin);
        return routes;
    }

    /// <summary>GET …/members: the members, by user id.</summary>
    internal static async Task<Ok<MemberView[]>> ListMembers(long projectId, ISiftStore store, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var users = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id);
        var members = await store.ListMembersAsync(projectId, ct);
        return TypedResults.Ok(members.Where(m => users.ContainsKey(m.UserId)).Select(m => View(users[m.UserId], m)).ToArray());
    }

    /// <summary>PUT …/members/{userId}: makes an annotator or reviewer a member; 201 when added, 200 when already one.</summary>
    internal static async Task<Results<Created<MemberView>, Ok<MemberView>>> AddMember(long projectId, long userId, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var user = await store.GetUserAsync(userId, ct) ?? throw UserNotFound(userId);
        if (user.Role is not (Role.Annotator or Role.Reviewer))
        {
            throw new RequestValidationException("userId",
                $"userId: '{user.Name}' is an {SiftPolicies.RoleName(user.Role)}; admins and auditors reach every project, so only annotators and reviewers are made members.");
        }

        var added = await store.AddMemberAsync(projectId, userId, time.GetUtcNow(), ct);
        if (added) await AccessEvidence.MemberAsync(store, projectId, user, "member-added", principal.Identity?.Name ?? "", time.GetUtcNow(), ct);
        var member = (await store.ListMembersAsync(projectId, ct)).FirstOrDefault(m => m.UserId == userId)
            ?? throw UserNotFound(userId); // removed again in between by another request
        var view = View(user, member);
        return added ? TypedResults.Created($"/api/projects/{projectId}/members/{userId}", view) : TypedResults.Ok(view);
    }

    /// <summary>
    /// DELETE …/members/{userId}: ends the membership (204); the user's live tasks in the project are released at once
    /// and their answers stay. 404 when the user is not a member.
    /// </summary>
    internal static async Task<NoContent> RemoveMember(long projectId, long userId, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        if (!await store.RemoveMemberAsync(projectId, userId, time.GetUtcNow(), ct))
            throw new NotFoundException($"User {userId} is not a member of project {projectId}.");
        if (await store.GetUserAsync(userId, ct) is { } user)
            await AccessEvidence.MemberAsync(store, projectId, user, "member-removed", principal.Identity?.Name ?? "", time.GetUtcNow(), ct);
        return TypedResults.NoContent();
    }

    private static MemberView View(User user, ProjectMember member) => new(user.Id, user.Name, user.Role, user.Disabled, member.AddedAt);

    private static NotFoundException UserNotFound(long userId) => new($"User {userId} does not exist.");
}
