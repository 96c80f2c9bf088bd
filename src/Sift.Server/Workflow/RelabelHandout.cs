using Sift.Evidence;
using Sift.Projects;
using Sift.Quality;
using Sift.Storage;

namespace Sift.Server.Workflow;

/// <summary>
/// Relabel or label something new, decided at each hand-out by expected value (<see cref="RelabelValue"/>; docs/workflow.md):
/// the relabel queue's most likely wrong item this annotator has not answered is weighed against a new label, and the
/// choice is recorded as a <see cref="RelabelEvent"/>. A relabel task is an ordinary task of that item for an annotator
/// who has not seen it (<see cref="IWorkflowStore.ClaimItemAsync"/>).
/// </summary>
internal static class RelabelHandout
{
    /// <summary>The reason a relabel task records in the hand-out log.</summary>
    public const string Reason = "relabel: likely mislabeled";

    /// <summary>The accuracy assumed for an annotator without gold answers.</summary>
    public const double DefaultAccuracy = 0.85;

    public static async Task<TaskRecord?> TryClaimAsync(ISiftStore store, Project project, long annotatorId, string annotatorName, DateTimeOffset now, CancellationToken ct)
    {
        if (!project.Settings.Relabel || store is not IWorkflowStore workflow) return null;
        var queue = await workflow.GetRelabelQueueAsync(project.Id, ct);
        if (queue.Count == 0) return null;
        var mine = await store.GetAnnotationsAsync(project.Id, annotatorId, includeUndone: true, ct);
        var seen = mine.Select(a => a.ItemId).ToHashSet();
        var candidate = queue.FirstOrDefault(c => !seen.Contains(c.ItemId));
        if (candidate is null) return null;

        // The annotator's accuracy: on gold items when they answered some, else the default.
        var gold = await workflow.GetGoldItemsAsync(project.Id, ct);
        var standing = gold.Count == 0 ? null : GoldStandings.Score(mine, gold, project.Settings.Mode, project.Settings.Gold).FirstOrDefault();
        var accuracy = standing is { Accuracy.Count: > 0 } s ? s.Accuracy.Share : DefaultAccuracy;
        // The noise rate: the share of answered items confident learning flags (capped below ½).
        var counts = await store.GetCountsAsync(project.Id, project.Settings.Overlap, now, ct);
        var noise = Math.Min(0.49, queue.Count / (double)Math.Max(1, counts.CompletedItems));
        var relabel = RelabelValue.Relabel(candidate.Wrong, accuracy, noise);
        var fresh = RelabelValue.New(noise);
        var external = await store.GetExternalIdsAsync(project.Id, [candidate.ItemId], ct);
        var choice = relabel > fresh ? "relabel" : "new";
        await store.AppendEvidenceAsync(project.Id, new RelabelEvent(choice, external.GetValueOrDefault(candidate.ItemId), relabel, fresh, annotatorName), now, ct);
        return choice == "relabel" ? await workflow.ClaimItemAsync(project.Id, annotatorId, candidate.ItemId, Reason, now, project.Settings.LeaseDuration, ct) : null;
    }
}
