using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Sift.Evidence;
using Sift.Privacy;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Storage;

namespace Sift.Server.Api;

/// <summary>
/// Redaction before the queue (docs/governance.md, "Privacy"): the original text of a redacted item, for admins only
/// (auditors read the evidence, which holds its hash, never the text), the project's privacy status, and the export's
/// part (the chain head it records, the originals it carries for admins, the purge that follows under
/// <c>purge-after-export</c>).
/// </summary>
internal static partial class PrivacyApi
{
    /// <summary>The response header naming the evidence head an export was taken at: <c>SEQ:HASH</c> of the export's own entry.</summary>
    public const string HeadHeader = "X-Sift-Evidence-Head";

    public static IEndpointRouteBuilder MapPrivacyApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("privacy");
        project.MapGet("/items/{itemId:long}/original", Original).RequireAuthorization(SiftPolicies.Admin);
        project.MapGet("/privacy", Status).RequireAuthorization(SiftPolicies.Admin);
        return routes;
    }

    /// <summary>GET …/items/{itemId}/original: a redacted item's original text; 404 when the item was not redacted or its original was dropped or purged.</summary>
    internal static async Task<Ok<OriginalView>> Original(long projectId, long itemId, ISiftStore store, IPrivacyStore privacy, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var found = await privacy.GetOriginalsAsync(projectId, [itemId], ct);
        if (!found.TryGetValue(itemId, out var original))
            throw new NotFoundException($"Item {itemId} of project {projectId} has no original kept: it was not redacted, or its original was dropped or purged.");
        return TypedResults.Ok(new OriginalView(original.ItemId, original.ExternalId, original.Text, original.Sha256));
    }

    /// <summary>GET …/privacy: the project's privacy settings and how many originals it keeps.</summary>
    internal static async Task<Ok<PrivacyStatusView>> Status(long projectId, ISiftStore store, IPrivacyStore privacy, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        return TypedResults.Ok(new PrivacyStatusView(PrivacyView.From(project.Settings.Privacy), await privacy.CountOriginalsAsync(projectId, ct)));
    }

    /// <summary>
    /// Appends an export's evidence event carrying the chain head it was taken at, and names the export's own entry in
    /// the <see cref="HeadHeader"/> response header — an anchor the recipient keeps outside the database
    /// (<c>sift verify --head SEQ:HASH</c>).
    /// </summary>
    internal static async Task<ChainHead> RecordExportAsync(ISiftStore store, IPrivacyStore privacy, long projectId, ExportEvent export, DateTimeOffset now, HttpContext context, CancellationToken ct)
    {
        var before = await privacy.GetEvidenceHeadAsync(projectId, ct);
        var seq = await store.AppendEvidenceAsync(projectId, export with { HeadSeq = before?.Seq ?? 0, HeadHash = before?.Hash ?? EvidenceChain.Genesis }, now, ct);
        var entry = (await store.ReadEvidenceAsync(projectId, seq - 1, 1, ct))[0];
        var head = new ChainHead(entry.Seq, entry.Hash);
        context.Response.Headers.Append(HeadHeader, head.ToString());
        return head;
    }

    /// <summary>
    /// After a complete admin export of a project whose retention is <c>purge-after-export</c>: purges its originals
    /// (a <see cref="RetentionEvent"/> per thousand, with their hashes). A failure is logged, not thrown: the export has
    /// been sent, and the next export purges again.
    /// </summary>
    internal static async Task PurgeAfterExportAsync(IPrivacyStore privacy, Project project, ClaimsPrincipal principal, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        if (!principal.IsAdmin() || project.Settings.Privacy.Retention != PrivacySettings.PurgeAfterExport) return;
        try
        {
            await privacy.PurgeOriginalsAsync(project.Id, PrivacySettings.PurgeAfterExport, "export", time.GetUtcNow(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.PurgeFailed(logger, project.Id, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "Purging the originals of project {ProjectId} after an export failed; the next export tries again.")]
        public static partial void PurgeFailed(ILogger logger, long projectId, Exception exception);
    }
}

/// <summary>A redacted item's original (admins only).</summary>
internal sealed record OriginalView(long ItemId, string ExternalId, string Text, string Sha256);

/// <summary>A project's privacy settings and how many originals it keeps (admins only).</summary>
internal sealed record PrivacyStatusView(PrivacyView Settings, int OriginalsKept);
