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
        routes.MapGroup("/api/projects/{projectId:long}").WithTags("evidence")
            .MapGet("/evidence/verify", Verify).RequireAuthorization(SiftPolicies.Audit).RequireRateLimiting(ReadLimiting.Policy);
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

    /// <summary>
    /// GET …/evidence/verify: checks the project's whole evidence chain, and, when the server keeps checkpoints, against
    /// its signed checkpoint file (docs/governance.md): intact, or the first edited, deleted, inserted or reordered
    /// entry, a cut tail or a rewritten chain. Reads the log page by page, off the request thread, never holding it whole; a very long log takes a while.
    /// </summary>
    /// <remarks><c>?head=SEQ:HASH</c> (repeatable): heads kept outside the database, such as an export's
    /// <c>X-Sift-Evidence-Head</c>; the log must still hold each (else <c>truncated</c> or <c>rewritten</c>).</remarks>
    internal static async Task<Ok<VerificationView>> Verify(long projectId, string[]? head, ISiftStore store, IServiceProvider services, CancellationToken ct)
    {
        var heads = new Sift.Evidence.ChainHead.Watcher([.. (head ?? []).Select(h =>
        {
            try
            {
                return Sift.Evidence.ChainHead.Parse(h);
            }
            catch (ConfigurationException e)
            {
                throw new RequestValidationException("head", e.Message.Replace("--head:", "head:", StringComparison.Ordinal));
            }
        })]);
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var options = services.GetService(typeof(Governance.CheckpointOptions)) as Governance.CheckpointOptions;
        var checkpoints = options is null ? [] : Governance.CheckpointFile.Read(Governance.ServerCheckpoints.FileFor(options.Directory, projectId));
        var result = await Task.Run(() => heads.Check(Sift.Evidence.EvidenceChain.Verify(heads.Watch(Governance.ServerCheckpoints.StoredChain(store, projectId, ct)), checkpoints, null,
            Governance.ServerCheckpoints.Scope(projectId))), ct);
        return TypedResults.Ok(new VerificationView(result.Intact, result.Entries, result.Head,
            result.Problem is { } p ? new ChainProblemView(p.Kind.ToString().ToLowerInvariant(), p.Seq, p.Message) : null,
            options is not null, checkpoints.Count, result.CheckpointsMatched, [.. checkpoints.Select(c => c.KeyId).Distinct(StringComparer.Ordinal)]));
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
