using Sift.Evidence;

namespace Sift.Projects;

/// <summary>
/// Trained model versions and what was measured on them. Part of <see cref="ISiftStore"/>; thread-safe, safe across
/// processes, every write one durable transaction. Storing a version appends a <see cref="Sift.Evidence.ModelEvent"/>
/// and a <see cref="Sift.Evidence.StopEvent"/> in the same transaction.
/// </summary>
public interface IModelStore
{
    /// <summary>
    /// Stores a model version (versions start at 1 and grow by one per project) and, in the same transaction, appends
    /// <paramref name="evidence"/> (or, when null, a <see cref="ModelEvent"/> built from <paramref name="model"/> whose
    /// fingerprint, learner and featuriser are empty: not known to the store) and a <see cref="StopEvent"/> with the
    /// project's stop rule and the model's stop decision.
    /// </summary>
    /// <exception cref="ConflictException">That version already exists.</exception>
    Task AddModelVersionAsync(ModelVersion model, ModelEvent? evidence = null, CancellationToken cancellationToken = default);

    /// <summary>All model versions of the project, oldest first.</summary>
    Task<IReadOnlyList<ModelVersion>> GetModelVersionsAsync(long projectId, CancellationToken cancellationToken = default);
}
