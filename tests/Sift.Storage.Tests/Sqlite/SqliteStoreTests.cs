using Microsoft.Data.Sqlite;
using Sift.Projects;
using Sift.Storage.Sqlite;

namespace Sift.Storage.Tests.Sqlite;

/// <summary>SQLite-only behaviour: the file itself.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sift-sqlite-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task MigrateAsync_NewFileManyStartersAtOnce_OneSchemaInWalMode()
    {
        var path = Path.Combine(_folder, "new.db");
        var stores = Enumerable.Range(0, 6).Select(_ => new SqliteSiftStore(path)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(Ct), Ct)));
            var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var users = await Task.WhenAll(stores.Select((s, i) => s.CreateUserAsync("u" + i, Role.Annotator, "hash" + i, now, Ct)));
            (await stores[0].ListUsersAsync(Ct)).Select(u => u.Id).ShouldBe(users.Select(u => u.Id).Order());
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        (await command.ExecuteScalarAsync(Ct)).ShouldBe("wal");
        // Every migration applied exactly once, however many starters raced.
        command.CommandText = "SELECT count(*) - count(DISTINCT version) FROM schema_version";
        (await command.ExecuteScalarAsync(Ct)).ShouldBe(0L);
        command.CommandText = "SELECT min(version) FROM schema_version";
        (await command.ExecuteScalarAsync(Ct)).ShouldBe(1L);
    }

    [Fact]
    public async Task MigrateAsync_ScriptNumberedBelowAnAppliedOne_StillApplied()
    {
        // A branch merged late brings a script numbered below one the database already has (004 before 002 and 003).
        var path = Path.Combine(_folder, "late.db");
        await using (var store = new SqliteSiftStore(path)) await store.MigrateAsync(Ct);
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE project_revisions; DELETE FROM schema_version WHERE version = 4; INSERT INTO schema_version (version) VALUES (99);";
            await command.ExecuteNonQueryAsync(Ct);
        }

        await using (var store = new SqliteSiftStore(path))
        {
            await store.MigrateAsync(Ct);
            (await store.GetRevisionAsync(1, Ct)).ShouldBe(0);
        }
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM schema_version WHERE version = 4";
            (await command.ExecuteScalarAsync(Ct)).ShouldBe(1L);
        }
    }

    [Fact]
    public async Task Constructor_FullDurability_StoresAndReadsBack()
    {
        var path = Path.Combine(_folder, "full.db");
        await using (var store = new SqliteSiftStore(path, new SqliteStoreOptions { Durability = SqliteDurability.Full }))
        {
            await store.MigrateAsync(Ct);
            await store.CreateUserAsync("ann", Role.Annotator, "h", DateTimeOffset.UnixEpoch, Ct);
        }
        await using var reopened = new SqliteSiftStore(path);
        (await reopened.FindUserByTokenHashAsync("h", Ct))!.Name.ShouldBe("ann");
    }
}
