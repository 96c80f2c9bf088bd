using Microsoft.Extensions.DependencyInjection;

namespace Sift.Storage.Sqlite;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="SqliteSiftStore"/> on the file at <paramref name="path"/> (opened on first use) as
    /// <see cref="Sift.Projects.ISiftStore"/> and every store role (see
    /// <see cref="SiftStoreServiceCollectionExtensions.AddSiftStore{TStore}"/>). The schema is not migrated here.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="path">The database file, created when missing.</param>
    /// <param name="options">Durability and busy timeout; null for the defaults.</param>
    public static IServiceCollection AddSiftSqlite(this IServiceCollection services, string path, SqliteStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return services.AddSiftStore(_ => new SqliteSiftStore(path, options));
    }
}
