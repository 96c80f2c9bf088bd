using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Governance;
using Sift.Server.Hosting;
using Sift.Server.Report;
using Sift.Storage;

namespace Sift.Server.Api;

/// <summary>The project's datasheet (admins and auditors): the page <c>sift report</c> writes, from the live store.</summary>
internal static class ReportApi
{
    public static IEndpointRouteBuilder MapReportApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/projects/{projectId:long}").WithTags("evidence")
            .MapGet("/report", Report).RequireAuthorization(SiftPolicies.Audit).RequireRateLimiting(ReadLimiting.Policy)
            .Produces<string>(StatusCodes.Status200OK, "text/html");
        return routes;
    }

    /// <summary>
    /// GET …/report: one self-contained HTML datasheet (docs/governance.md, "sift report"), its numbers from the same
    /// views as …/dashboard, …/agreement and …/oracles, its chain verified as …/evidence/verify does. Served with a
    /// Content-Security-Policy that lets nothing load or run.
    /// </summary>
    internal static async Task<ContentHttpResult> Report(long projectId, HttpContext context, ISiftStore store, IModelAnnotatorStore models, AgreementReports agreement,
        TimeProvider time, IServiceProvider services, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var options = services.GetService(typeof(CheckpointOptions)) as CheckpointOptions;
        var checkpoints = options is null ? [] : CheckpointFile.Read(ServerCheckpoints.FileFor(options.Directory, projectId));
        var sheet = await DatasheetBuilder.FromProjectAsync(store, models, agreement, projectId, checkpoints, options is not null, time.GetUtcNow(), ct);
        context.Response.Headers.ContentSecurityPolicy = DatasheetHtml.ContentSecurityPolicy + "; frame-ancestors 'none'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Content(DatasheetHtml.Render(sheet), "text/html; charset=utf-8");
    }
}
