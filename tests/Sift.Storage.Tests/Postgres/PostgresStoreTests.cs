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
