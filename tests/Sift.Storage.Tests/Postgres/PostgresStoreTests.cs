using Sift.Projects;
using Sift.Storage.Postgres;

namespace Sift.Storage.Tests.Postgres;

/// <summary>PostgreSQL-only behaviour, on fresh databases of the test server.</summary>
public sealed class PostgresStoreTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MigrateAsync_FreshDatabaseManyStartersAtOnce_OneSchemaAndAllWork()
    {
        var connectionString = await server.CreateDatabaseAsync(Ct);
        var stores = Enumerable.Range(0, 6).Select(_ => new PostgresSiftStore(connectionString)).ToList();
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
            await server.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task MigrateAsync_Version1DatabaseWithItems_ItemsGetColdStartKeysAndFreeSlots()
    {
        var connectionString = await server.CreateDatabaseAsync(Ct);
        try
        {
            await using (var source = Npgsql.NpgsqlDataSource.Create(connectionString))
            {
                await using var command = source.CreateCommand(Migrations.All.Single(m => m.Version == 1).Sql + """
                    ;
                    CREATE TABLE schema_version (version integer NOT NULL);
                    INSERT INTO schema_version VALUES (1);
                    INSERT INTO users (name, role, token_hash, created_at) VALUES ('admin', 0, 'h', 0);
                    INSERT INTO projects (name, settings_json, overlap, instructions_version, created_at)
                      VALUES ('p', '{"labels":["a","b"],"overlap":2,"seed":7}', 2, 1, 0);
                    INSERT INTO items (project_id, external_id, text, cost, held_out, gold_label, holders) VALUES
                      (1, 'x1', 't', 1, false, NULL, 2), (1, 'x2', 't', 1, false, NULL, 1), (1, 'x3', 't', 1, false, NULL, 0),
                      (1, 'x4', 't', 1, true, NULL, 0), (1, 'x5', 't', 1, true, 'a', 0), (1, 'x6', 't', 1, false, NULL, 0);
                    """);
                await command.ExecuteNonQueryAsync(Ct);
            }

            await using var store = new PostgresSiftStore(connectionString);
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
        finally
        {
            await server.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task MigrateAsync_DatabaseFromBeforeMembership_AnnotatorsAndReviewersJoinEveryProject()
    {
        var connectionString = await server.CreateSchemaAsync(Ct);
        try
        {
            await using var store = new PostgresSiftStore(connectionString);
            await MembershipUpgrade.RunAsync(store, async sql =>
            {
                await using var connection = new Npgsql.NpgsqlConnection(connectionString);
                await connection.OpenAsync(Ct);
                await using var command = new Npgsql.NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(Ct);
            }, Ct);
        }
        finally
        {
            await server.DropSchemaAsync(connectionString);
        }
    }

    [Fact]
    public async Task Constructor_ConnectionStringOfAMissingDatabase_FailsOnFirstUseNotBefore()
    {
        var connectionString = await server.CreateDatabaseAsync(Ct);
        await server.DropDatabaseAsync(connectionString);
        await using var store = new PostgresSiftStore(connectionString);
        await Should.ThrowAsync<Npgsql.PostgresException>(() => store.MigrateAsync(Ct));
    }
}
