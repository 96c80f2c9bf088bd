using Npgsql;
using Sift.Projects;
using Sift.Storage.Postgres;

namespace Sift.Storage.Tests.Postgres;

/// <summary>The embedding store contract on the tests' real PostgreSQL server (a fresh schema per test).</summary>
public sealed class PostgresEmbeddingStoreContractTests(PostgresServer server) : EmbeddingStoreContract
{
    private string? _connectionString;

    protected override async Task<ISiftStore> CreateStoreAsync()
    {
        _connectionString = await server.CreateSchemaAsync(Ct);
        return new PostgresSiftStore(_connectionString);
    }

    protected override async Task<ISiftStore> OpenSecondStoreAsync()
    {
        var store = new PostgresSiftStore(_connectionString!);
        await store.MigrateAsync(Ct);
        return store;
    }

    protected override async Task WriteRawRowAsync(byte[] key, string modelId, int dims, byte[] vector)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            INSERT INTO embeddings (key, model_id, dims, vector) VALUES (@k, @m, @d, @v)
            ON CONFLICT (key) DO UPDATE SET model_id = excluded.model_id, dims = excluded.dims, vector = excluded.vector
            """, connection);
        command.Parameters.AddWithValue("k", key);
        command.Parameters.AddWithValue("m", modelId);
        command.Parameters.AddWithValue("d", dims);
        command.Parameters.AddWithValue("v", vector);
        await command.ExecuteNonQueryAsync(Ct);
    }

    protected override async Task DeleteDatabaseAsync()
    {
        if (_connectionString is not null) await server.DropSchemaAsync(_connectionString);
    }
}
