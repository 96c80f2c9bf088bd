using Microsoft.Extensions.DependencyInjection;

namespace Sift.Storage.Postgres;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="PostgresSiftStore"/> on the database named by <paramref name="connectionString"/> as
    /// <see cref="Sift.Projects.ISiftStore"/> and every store role (see
    /// <see cref="SiftStoreServiceCollectionExtensions.AddSiftStore{TStore}"/>). The schema is not migrated here.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <exception cref="ArgumentException">The connection string does not parse.</exception>
    public static IServiceCollection AddSiftPostgres(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Parsed now, so a bad string fails where it is given rather than on first use.
        _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return services.AddSiftStore(_ => new PostgresSiftStore(connectionString));
    }
}
