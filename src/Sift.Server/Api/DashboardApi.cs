using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Training;

namespace Sift.Server.Api;

/// <summary>The live loop as the API shows it: dashboard, learning curve, and queueing a retrain.</summary>
internal static class DashboardApi
{
    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("dashboard");
        project.MapGet("/dashboard", Dashboard).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        project.MapGet("/learning-curve.svg", LearningCurve).RequireAuthorization(SiftPolicies.Review)
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml");
        project.MapPost("/train", Train).RequireAuthorization(SiftPolicies.Admin);
        return routes;
    }

    internal static async Task<Ok<DashboardView>> Dashboard(long projectId, ClaimsPrincipal principal, ISiftStore store, ILiveLoop loop, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var view = await loop.GetDashboardAsync(projectId, ct);

        // The trainer's owner names a host and process id: operations detail, for admins only.
        return TypedResults.Ok(principal.IsAdmin() ? view : view with { Trainer = view.Trainer with { Owner = null } });
    }

    internal static async Task<ContentHttpResult> LearningCurve(long projectId, ISiftStore store, ILiveLoop loop, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        return TypedResults.Text(await loop.GetLearningCurveSvgAsync(projectId, ct), "image/svg+xml");
    }

    internal static async Task<Accepted<TrainQueued>> Train(long projectId, ISiftStore store, ILiveLoop loop, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        loop.RequestRetrain(projectId);
        return TypedResults.Accepted($"/api/projects/{projectId}/dashboard", new TrainQueued(projectId, "queued"));
    }
}
