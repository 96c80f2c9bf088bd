using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;

namespace Sift.Server.Api;

/// <summary>
/// A project's evidence stream (admins and auditors): every import, hand-out, answer and undo (with provenance),
/// model version and stop decision, settings change and export, in the order the store committed them.
/// </summary>
internal static class EvidenceApi
{
    public static IEndpointRouteBuilder MapEvidenceApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/projects/{projectId:long}").WithTags("evidence")
            .MapGet("/evidence", Evidence).RequireAuthorization(SiftPolicies.Audit).RequireRateLimiting(ReadLimiting.Policy);
        return routes;
    }

    /// <summary>
    /// GET …/evidence?after=SEQ&amp;limit=N: the events with a sequence number above <c>after</c> (default 0), at most
    /// <c>limit</c> (default <see cref="Paging.DefaultLimit"/>), as a JSON array in sequence order; a full page links to
    /// the next (<c>Link: rel="next"</c>). Sequence numbers have no gaps, so a reader that stored the last one it saw
    /// misses nothing.
    /// </summary>
    internal static async Task<Ok<EvidenceView[]>> Evidence(long projectId, long? after, int? limit, HttpContext context, ISiftStore store, CancellationToken ct)
    {
        var (afterSeq, size) = TasksApi.PageArguments(after, limit);
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var page = await store.ReadEvidenceAsync(projectId, afterSeq, size, ct);
        if (page.Count == size) TasksApi.LinkNext(context, $"/api/projects/{projectId}/evidence", page[^1].Seq, size, null);
        return TypedResults.Ok(page.Select(e => new EvidenceView(e.Seq, e.Kind, e.At, Parse(e.Json))).ToArray());
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
