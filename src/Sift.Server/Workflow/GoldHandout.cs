using Sift.Projects;
using Sift.Storage;

namespace Sift.Server.Workflow;

/// <summary>
/// Hands out gold items blind: at each hand-out, with probability <see cref="GoldSettings.Rate"/> (a seeded draw per
/// project, annotator and moment), the annotator gets a gold item they have not had instead of the queue's next item. The
/// task is an ordinary task (<see cref="IWorkflowStore.ClaimItemAsync"/>), so its view is built like any other. The reads
/// are made whether or not the draw picks gold, so the two paths cost the same.
/// </summary>
internal static class GoldHandout
{
    /// <summary>The reason a gold task records in the hand-out log (auditors only; never in a task view).</summary>
    public const string Reason = "gold item";

    public static async Task<TaskRecord?> TryClaimAsync(ISiftStore store, Project project, long annotatorId, int draw, DateTimeOffset now, CancellationToken ct)
    {
        var rate = project.Settings.Gold.Rate;
        if (rate <= 0 || store is not IWorkflowStore workflow) return null;
        var gold = await workflow.GetGoldItemsAsync(project.Id, ct);
        var mine = (await store.GetAnnotationsAsync(project.Id, annotatorId, includeUndone: true, ct)).Select(a => a.ItemId).ToHashSet();
        var seed = Seeds.Mix(project.Settings.Seed, $"gold:{annotatorId}");
        if (Seeds.Uniform(seed, now.UtcTicks * 4 + draw) >= rate) return null;
        var order = gold.Keys.Where(id => !mine.Contains(id)).OrderBy(id => Seeds.Mix(seed, (ulong)id)).Take(4);
        foreach (var itemId in order)
        {
            // Null when the annotator had the item in another state (skipped, expired): try the next.
            if (await workflow.ClaimItemAsync(project.Id, annotatorId, itemId, Reason, now, project.Settings.LeaseDuration, ct) is { } task) return task;
        }
        return null;
    }
}
