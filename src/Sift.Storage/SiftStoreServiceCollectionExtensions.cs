using Microsoft.Extensions.DependencyInjection;
using Sift.Projects;

namespace Sift.Storage;

/// <summary>Registers a store backend under every store role, so code asks for the role it needs.</summary>
public static class SiftStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers one store instance (made by <paramref name="open"/> on first use, disposed with the container) as
    /// <typeparamref name="TStore"/>, <see cref="ISiftStore"/> and each role: <see cref="IUserStore"/>,
    /// <see cref="IMembershipStore"/>, <see cref="IProjectStore"/>, <see cref="IItemStore"/>, <see cref="IQueueStore"/>,
    /// <see cref="IAnnotationStore"/>, <see cref="IModelStore"/>, <see cref="ITrainerLease"/>, <see cref="IEvidenceStore"/>,
    /// <see cref="IModelAnnotatorStore"/>, and <see cref="IEmbeddingStore"/>, <see cref="IWorkflowStore"/> and <see cref="IPrivacyStore"/> when the backend implements them. Backends call it from
    /// their own <c>AddSift…</c> method.
    /// </summary>
    public static IServiceCollection AddSiftStore<TStore>(this IServiceCollection services, Func<IServiceProvider, TStore> open)
        where TStore : class, ISiftStore, IModelAnnotatorStore
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(open);
        services.AddSingleton(open);
        services.AddSingleton<ISiftStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IUserStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IMembershipStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IProjectStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IItemStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IQueueStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IAnnotationStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IModelStore>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<ITrainerLease>(s => s.GetRequiredService<TStore>());
        services.AddSingleton<IEvidenceStore>(s => s.GetRequiredService<TStore>());
        if (typeof(IEmbeddingStore).IsAssignableFrom(typeof(TStore)))
            services.AddSingleton<IEmbeddingStore>(s => (IEmbeddingStore)s.GetRequiredService<TStore>());
        services.AddSingleton<IModelAnnotatorStore>(s => s.GetRequiredService<TStore>());
        if (typeof(IWorkflowStore).IsAssignableFrom(typeof(TStore)))
            services.AddSingleton<IWorkflowStore>(s => (IWorkflowStore)s.GetRequiredService<TStore>());
        if (typeof(IPrivacyStore).IsAssignableFrom(typeof(TStore)))
            services.AddSingleton<IPrivacyStore>(s => (IPrivacyStore)s.GetRequiredService<TStore>());
        return services;
    }
}
