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
        command.CommandText = "SELECT count(*) - count(DISTINCT version) FROM schema_version";
        (await command.ExecuteScalarAsync(Ct)).ShouldBe(0L, "each migration ran once");
    }

    [Fact]
    public async Task MigrateAsync_DatabaseFromBeforeMembership_AnnotatorsAndReviewersJoinEveryProject()
    {
        var path = Path.Combine(_folder, "old.db");
        await using var store = new SqliteSiftStore(path);
        await MembershipUpgrade.RunAsync(store, async sql =>
        {
            await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(Ct);
        }, Ct);
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
