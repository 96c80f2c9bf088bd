using Sift.Oracles;

namespace Sift.Projects;

/// <summary>
/// The store calls most tests make, without the arguments they do not care about: an import from a test source, a
/// settings change and a person's answer at a fixed time, a model version with the evidence the store derives.
/// </summary>
public static class TestStoreCalls
{
    /// <summary>The time of the test imports and settings changes.</summary>
    public static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Task<ImportResult> ImportItemsAsync(this IItemStore store, long projectId, IReadOnlyList<NewItem> items, CancellationToken cancellationToken) =>
        store.ImportItemsAsync(projectId, items, new ImportOrigin("test", At), cancellationToken);

    public static Task<Project?> UpdateSettingsAsync(this IProjectStore store, long projectId, ProjectSettings settings, CancellationToken cancellationToken) =>
        store.UpdateSettingsAsync(projectId, settings, At, cancellationToken);

    public static Task<SubmitResult> SubmitAsync(this IAnnotationStore store, long projectId, long taskId, long annotatorId, IReadOnlyList<string> labels,
        string clientRequestId, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.SubmitAsync(projectId, taskId, annotatorId, labels, clientRequestId, now, (Provenance?)null, cancellationToken);

    public static Task AddModelVersionAsync(this IModelStore store, ModelVersion model, CancellationToken cancellationToken) =>
        store.AddModelVersionAsync(model, null, cancellationToken);
}
