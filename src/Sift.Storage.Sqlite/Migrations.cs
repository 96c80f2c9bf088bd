using Microsoft.Data.Sqlite;

namespace Sift.Storage.Sqlite;

/// <summary>The plain SQL migration scripts embedded in this assembly (<c>Migrations/NNN_name.sql</c>), in version order.</summary>
internal static class Migrations
{
    public static IReadOnlyList<(int Version, string Sql)> All { get; } = MigrationScripts.Load(typeof(Migrations).Assembly, "Sift.Storage.Sqlite.Migrations.");
}

internal static class SqliteCommandExtensions
{
    /// <summary>Adds a parameter (null becomes SQL NULL) and returns the command, for chaining.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
