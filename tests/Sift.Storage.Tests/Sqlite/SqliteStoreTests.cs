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
    public async Task MigrateAsync_Version1DatabaseWithItems_ItemsGetColdStartKeysAndFreeSlots()
    {
        var path = Path.Combine(_folder, "v1.db");
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = Migrations.All.Single(m => m.Version == 1).Sql + """
                ;
                CREATE TABLE schema_version (version INTEGER NOT NULL);
                INSERT INTO schema_version VALUES (1);
                INSERT INTO users (id, name, role, token_hash, created_at) VALUES (1, 'admin', 0, 'h', 0);
                INSERT INTO projects (id, name, settings_json, overlap, instructions_version, created_at)
                  VALUES (1, 'p', '{"labels":["a","b"],"overlap":2,"seed":7}', 2, 1, 0);
                INSERT INTO items (project_id, external_id, text, cost, held_out, gold_label, holders) VALUES
                  (1, 'x1', 't', 1, 0, NULL, 2), (1, 'x2', 't', 1, 0, NULL, 1), (1, 'x3', 't', 1, 0, NULL, 0),
                  (1, 'x4', 't', 1, 1, NULL, 0), (1, 'x5', 't', 1, 1, 'a', 0), (1, 'x6', 't', 1, 0, NULL, 0);
                """;
            await command.ExecuteNonQueryAsync(Ct);
        }
        SqliteConnection.ClearAllPools();

        await using var store = new SqliteSiftStore(path);
        await store.MigrateAsync(Ct);

        var items = await store.GetItemsAsync(1, Ct);
        var expected = items.Where(i => i.ExternalId is not ("x1" or "x5"))
            .OrderBy(i => ColdStartOrder.Key(7, i.ExternalId)).Select(i => i.Id).ToList();
        (await store.GetCountsAsync(1, 2, DateTimeOffset.UnixEpoch, Ct)).Unranked.ShouldBe(4);
        var annotator = await store.CreateUserAsync("ann", Role.Annotator, "h2", DateTimeOffset.UnixEpoch, Ct);
        var claimed = new List<long>();
        while (await store.ClaimNextAsync(1, annotator.Id, DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(5), 2, Ct) is { } task) claimed.Add(task.ItemId);
        claimed.ShouldBe(expected);
    }

    [Fact]
    public async Task MigrateAsync_FreshDatabase_StartsAtVersion1()
    {
        var path = Path.Combine(_folder, "fresh.db");
        await using (var store = new SqliteSiftStore(path)) await store.MigrateAsync(Ct);
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
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
