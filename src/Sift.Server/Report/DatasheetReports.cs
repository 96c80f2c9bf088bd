using Sift.Evidence;
using Sift.Projects;
using Sift.Server.Api;
using Sift.Server.Hosting;
using Sift.Storage;

namespace Sift.Server.Report;

/// <summary>
/// <c>sift report</c>'s entry points: the HTML datasheet of a server project read from its store, or of a
/// <c>simulate</c> run read from its files, the same page <c>GET /api/projects/{id}/report</c> serves
/// (docs/governance.md, "sift report"). Reads only.
/// </summary>
public static class DatasheetReports
{
    /// <summary>The datasheet of a server project, as HTML.</summary>
    /// <param name="store">The project's store (read only); it must also be the <see cref="IModelAnnotatorStore"/> (both Sift stores are).</param>
    /// <param name="projectId">The project.</param>
    /// <param name="checkpoints">Its signed checkpoints (empty when none are kept).</param>
    /// <param name="anchored">Whether the server keeps checkpoints for it.</param>
    /// <param name="time">The clock for the "made at" line.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="NotFoundException">No such project.</exception>
    public static async Task<string> ProjectHtmlAsync(ISiftStore store, long projectId, IReadOnlyList<Checkpoint> checkpoints, bool anchored, TimeProvider time,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        var models = store as IModelAnnotatorStore ?? throw new ArgumentException("the store does not keep model annotators.", nameof(store));
        var sheet = await DatasheetBuilder.FromProjectAsync(store, models, new AgreementReports(store, time, new ReportCacheOptions()), projectId, checkpoints,
            anchored, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return DatasheetHtml.Render(sheet);
    }

    /// <summary>The datasheet of a <c>simulate</c> run, as HTML.</summary>
    /// <param name="evidencePath">The run's <c>evidence.jsonl</c> (its <c>results.json</c> is read from the same folder when present).</param>
    /// <param name="checkpoints">The checkpoints signed for it.</param>
    /// <param name="scope">The scope its checkpoints were signed for.</param>
    /// <param name="time">The clock for the "made at" line.</param>
    /// <exception cref="SiftException">A line of the evidence is not JSON.</exception>
    public static string SimulationHtml(string evidencePath, IReadOnlyList<Checkpoint> checkpoints, string scope, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return DatasheetHtml.Render(DatasheetBuilder.FromSimulation(evidencePath, checkpoints, scope, time.GetUtcNow()));
    }
}
