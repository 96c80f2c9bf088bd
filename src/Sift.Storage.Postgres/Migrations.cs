namespace Sift.Storage.Postgres;

/// <summary>The plain SQL migration scripts embedded in this assembly (<c>Migrations/NNN_name.sql</c>), in version order.</summary>
internal static class Migrations
{
    public static IReadOnlyList<(int Version, string Sql)> All { get; } = MigrationScripts.Load(typeof(Migrations).Assembly, "Sift.Storage.Postgres.Migrations.");
}
