using System.Globalization;
using Sift.Features;
using Sift.Projects;
using Sift.Storage;

namespace Sift.Server.Embedding;

/// <summary>
/// The live loop's view of the sentence vectors: which features a project's next fit uses and, when they include the
/// encoder's, its items' vectors read from the store. TF-IDF until the background worker found every item with its
/// vector; then the project's setting. Thread-safe.
/// </summary>
internal sealed class ProjectVectors(IEmbeddingStore? store, SentenceEncoderHost encoder, EmbeddingStatus status)
{
    /// <summary>Whether the worker has found every one of the project's <paramref name="items"/> items with its vector (a hint; <see cref="Choose"/> checks).</summary>
    public bool Ready(long projectId, int items) => status.IsComplete(projectId, items);

    /// <summary>The dashboard's embedding progress of the project (null when its features need no encoder).</summary>
    public EmbeddingProgress? Progress(long projectId, ProjectSettings settings, int items) => status.Get(projectId, settings, items);

    /// <summary>The features of the project's next fit (see <see cref="FeatureChoice"/>).</summary>
    public FeatureChoice Choose(long projectId, ProjectSettings settings, int items)
    {
        var wanted = settings.Features;
        if (!ProjectFeatures.NeedsEncoder(wanted)) return FeatureChoice.TfidfOnly;
        if (store is null || !encoder.Configured) return FeatureChoice.Waiting("this server has no sentence encoder");
        if (encoder.Loaded is not { } loaded) return FeatureChoice.Waiting("waiting for the sentence encoder to load");
        if (!status.IsComplete(projectId, items))
        {
            var progress = status.Get(projectId, settings, items);
            return FeatureChoice.Waiting(progress is { State: EmbeddingState.Failed, Error: { } error }
                ? "embedding failed: " + error
                : string.Create(CultureInfo.InvariantCulture, $"waiting for vectors: {progress?.Done ?? 0:N0} of {items:N0} items embedded"));
        }
        return FeatureChoice.WithVectors(wanted, (list, ct) => Load(projectId, loaded, list, ct));
    }

    /// <summary>
    /// Reads the vectors of <paramref name="items"/>; null when one is missing or unusable after all (the worker is then
    /// told to look at every item again). Blocks: the trainer calls it on its own thread.
    /// </summary>
    private StoredVectorsEncoder? Load(long projectId, ITextEncoder loaded, IReadOnlyList<Item> items, CancellationToken cancellationToken)
    {
        var model = loaded.ModelId;
        var keys = items.Select(i => EmbeddingKey.Create(model, i.Text)).Distinct().ToList();
        var found = store!.GetEmbeddingsAsync(model, loaded.Dimension, keys, cancellationToken).GetAwaiter().GetResult();
        var vectors = new Dictionary<EmbeddingKey, float[]>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            if (found[i] is not { } vector)
            {
                status.Invalidate(projectId);
                return null;
            }
            vectors[keys[i]] = vector;
        }
        return new StoredVectorsEncoder(model, loaded.Dimension, vectors);
    }
}
