using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sift.Projects;
using Sift.Server.Api;

namespace Sift.Server.Auth;

/// <summary>
/// Project membership, enforced in one place for every endpoint whose route names a project (<c>{projectId}</c>), so a
/// new endpoint cannot forget it: an annotator or reviewer who is not a member of the project gets the same 404
/// ProblemDetails as for a project that does not exist, so a non-member learns nothing about it. Admins and auditors
/// reach every project. Runs after authorization: a role the endpoint refuses still gets its 403 first, whether or not
/// the project exists.
/// </summary>
internal static class ProjectAccess
{
    /// <summary>The route parameter that names a project; every project-scoped route uses it.</summary>
    public const string RouteParameter = "projectId";

    /// <summary>Whether the user reaches every project without a membership (admins and auditors).</summary>
    public static bool SeesEveryProject(this ClaimsPrincipal principal) =>
        principal.IsAdmin() || principal.IsInRole(SiftPolicies.RoleName(Role.Auditor));

    /// <summary>Adds the membership check to the pipeline; call it after <c>UseAuthorization</c>.</summary>
    public static IApplicationBuilder UseProjectMembership(this IApplicationBuilder app) => app.Use(static async (context, next) =>
    {
        var user = context.User;
        if (context.Request.RouteValues.TryGetValue(RouteParameter, out var value) && user.Identity?.IsAuthenticated == true && !user.SeesEveryProject())
        {
            // The route constraint (:long) has already parsed it; anything else cannot name a project.
            if (!long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var projectId))
                throw new NotFoundException("There is no such project.");
            var store = context.RequestServices.GetRequiredService<ISiftStore>();
            if (!await store.IsMemberAsync(projectId, user.UserId(), context.RequestAborted)) throw ProjectsApi.NotFound(projectId);
        }

        await next(context);
    });
}
