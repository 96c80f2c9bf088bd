using Microsoft.Extensions.DependencyInjection;
using Sift.Projects;
using Sift.Storage.Postgres;
using Sift.Storage.Sqlite;

namespace Sift.Cli.Commands;

/// <summary>
/// The backend the command line names: PostgreSQL when a connection string is given, else the SQLite file. The CLI is
/// the composition root; the server itself knows only the store roles.
/// </summary>
/// <param name="SqlitePath">The SQLite database file, created when missing.</param>
/// <param name="PostgresConnectionString">A PostgreSQL connection string; when set, used instead of the SQLite file.</param>
/// <param name="FullDurability">SQLite only: fsync every commit (survives power loss) instead of WAL's normal synchronisation.</param>
internal sealed record StoreChoice(string SqlitePath, string? PostgresConnectionString = null, bool FullDurability = false)
{
    /// <summary>Checks the choice.</summary>
    /// <exception cref="ConfigurationException">No storage is named, or the connection string is empty or does not parse.</exception>
    public StoreChoice Validate()
    {
        if (PostgresConnectionString is null && string.IsNullOrWhiteSpace(SqlitePath))
            throw new ConfigurationException("db: give a SQLite file path or a PostgreSQL connection string.");
        if (PostgresConnectionString is null) return this;
        if (string.IsNullOrWhiteSpace(PostgresConnectionString)) throw new ConfigurationException("postgres: the connection string is empty.");
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(PostgresConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException($"postgres: the connection string is invalid: {e.Message}");
        }
        return this;
    }

    /// <summary>Registers the chosen store under every store role.</summary>
    public void Register(IServiceCollection services)
    {
        if (PostgresConnectionString is { } connectionString) services.AddSiftPostgres(connectionString);
        else services.AddSiftSqlite(SqlitePath, SqliteOptions);
    }

    /// <summary>Opens (without migrating) the chosen store. The caller disposes it.</summary>
    public ISiftStore Open() =>
        PostgresConnectionString is { } connectionString ? new PostgresSiftStore(connectionString) : new SqliteSiftStore(SqlitePath, SqliteOptions);

    /// <summary>Where the data lives, for the start-up line.</summary>
    public string Describe() => PostgresConnectionString is null ? $"SQLite file {Path.GetFullPath(SqlitePath)}" : "PostgreSQL";

    private SqliteStoreOptions SqliteOptions => new() { Durability = FullDurability ? SqliteDurability.Full : SqliteDurability.Normal };
}
