using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Models;
using Sift.Server.Training;
using Sift.Storage;

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

    /// <summary>GET …/learning-curve.svg?x=labels|money: held-out accuracy by labels (default) or by money spent on people and models.</summary>
    internal static async Task<ContentHttpResult> LearningCurve(long projectId, string? x, ISiftStore store, IModelAnnotatorStore models, ILiveLoop loop, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        return x switch
        {
            null or "" or "labels" => TypedResults.Text(await loop.GetLearningCurveSvgAsync(projectId, ct), "image/svg+xml"),
            "money" => TypedResults.Text(await OracleReport.MoneyCurveSvgAsync(project, store, models, ct), "image/svg+xml"),
            _ => throw new RequestValidationException("x", "x: must be 'labels' or 'money'."),
        };
    }

    internal static async Task<Accepted<TrainQueued>> Train(long projectId, ISiftStore store, ILiveLoop loop, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        loop.RequestRetrain(projectId);
        return TypedResults.Accepted($"/api/projects/{projectId}/dashboard", new TrainQueued(projectId, "queued"));
    }
}
