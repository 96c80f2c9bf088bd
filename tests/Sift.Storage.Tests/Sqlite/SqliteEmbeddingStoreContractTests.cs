using Microsoft.Data.Sqlite;
using Sift.Projects;
using Sift.Storage.Sqlite;

namespace Sift.Storage.Tests.Sqlite;

/// <summary>The embedding store contract on a real SQLite file (a temporary folder per test).</summary>
public sealed class SqliteEmbeddingStoreContractTests : EmbeddingStoreContract
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sift-sqlite-emb-").FullName;

    private string DatabasePath => Path.Combine(_folder, "sift.db");

    protected override Task<ISiftStore> CreateStoreAsync() => Task.FromResult<ISiftStore>(new SqliteSiftStore(DatabasePath));

    protected override async Task<ISiftStore> OpenSecondStoreAsync()
    {
        var store = new SqliteSiftStore(DatabasePath);
        await store.MigrateAsync(Ct);
        return store;
    }

    protected override async Task WriteRawRowAsync(byte[] key, string modelId, int dims, byte[] vector)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Default Timeout=30");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO embeddings (key, model_id, dims, vector) VALUES (@k, @m, @d, @v)";
        command.Parameters.AddWithValue("@k", key);
        command.Parameters.AddWithValue("@m", modelId);
        command.Parameters.AddWithValue("@d", dims);
        command.Parameters.AddWithValue("@v", vector);
        await command.ExecuteNonQueryAsync(Ct);
    }

    protected override Task DeleteDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
