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

    /// <summary>The narrowest and widest chart drawn on request (CSS pixels).</summary>
    internal const int MinChartWidth = 280, MaxChartWidth = 2000;

    /// <summary>
    /// GET …/learning-curve.svg?x=labels|money&amp;width=&amp;height=: held-out accuracy by labels (default) or by money spent
    /// on people and models, drawn at the given size (the page asks for the size it shows it at, so its text is not
    /// scaled down); without a size, 820 × 520.
    /// </summary>
    internal static async Task<ContentHttpResult> LearningCurve(long projectId, string? x, int? width, int? height, ISiftStore store, IModelAnnotatorStore models, ILiveLoop loop, CancellationToken ct)
    {
        if (width is < MinChartWidth or > MaxChartWidth)
            throw new RequestValidationException("width", $"width: must be between {MinChartWidth} and {MaxChartWidth} pixels, not {width}.");
        if (height is < 200 or > 1500) throw new RequestValidationException("height", $"height: must be between 200 and 1500 pixels, not {height}.");
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        (int, int)? size = width is null && height is null ? null : (width ?? 820, height ?? 520);
        return x switch
        {
            null or "" or "labels" => TypedResults.Text(size is null
                ? await loop.GetLearningCurveSvgAsync(projectId, ct)
                : await Training.Dashboard.LearningCurveSvgAsync(store, projectId, ct, size), "image/svg+xml"),
            "money" => TypedResults.Text(await OracleReport.MoneyCurveSvgAsync(project, store, models, ct, size), "image/svg+xml"),
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
