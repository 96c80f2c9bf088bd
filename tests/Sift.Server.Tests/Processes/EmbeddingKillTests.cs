using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using static Sift.Server.Tests.Processes.ProcessTestSupport;

namespace Sift.Server.Tests.Processes;

/// <summary>
/// The background embedding of a real <c>sift serve</c> (the real MiniLM encoder) killed with SIGKILL part-way and
/// restarted on the same database: the vectors stored before the kill stay, the restarted server counts them as done
/// at once and embeds only the rest.
/// </summary>
public sealed class EmbeddingKillTests
{
    private const int Items = 300;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject?> EmbeddingAsync(HttpClient admin, long projectId) => (await DashboardAsync(admin, projectId))["embedding"] as JsonObject;

    private static async Task<long> StoredVectorsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM embeddings WHERE dims = 384 AND length(vector) = 1536";
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    [Fact]
    public async Task Embedding_ServerKilledPartWayAndRestarted_ResumesFromTheStoredVectors()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            string adminToken;
            long projectId;
            await using (var first = await ServeProcess.StartAsync(directory, "--db", database))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                projectId = await CreateProjectWithItemsAsync(admin, Items, overlap: 1);
                // Killed as soon as the first batches are stored, while the rest are being embedded.
                var until = DateTime.UtcNow.AddMinutes(3);
                while (await EmbeddingAsync(admin, projectId) is not { } e || (int)e["done"]! < 64)
                {
                    if (DateTime.UtcNow > until) throw new TimeoutException($"No batch was embedded in time.\n{first.Output}");
                    await Task.Delay(20, Ct);
                }
                first.Kill();
            }
            var stored = await StoredVectorsAsync(database);
            stored.ShouldBeGreaterThanOrEqualTo(64);

            await using var second = await ServeProcess.StartAsync(directory, "--db", database);
            using var again = second.Client(adminToken);
            // Until it has looked, the restarted server shows the project pending; its first count already holds every stored vector.
            JsonObject progress;
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while ((progress = (await EmbeddingAsync(again, projectId))!)["state"]!.GetValue<string>() == "pending")
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"The restarted server did not look at the project.\n{second.Output}");
                await Task.Delay(20, Ct);
            }
            ((int)progress["done"]!).ShouldBeGreaterThanOrEqualTo((int)stored);
            ((int)progress["total"]!).ShouldBe(Items);

            while ((progress = (await EmbeddingAsync(again, projectId))!)["state"]!.GetValue<string>() != "done")
            {
                progress["state"]!.GetValue<string>().ShouldBe("running", progress.ToJsonString());
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"The embedding did not finish.\n{second.Output}");
                await Task.Delay(50, Ct);
            }
            ((int)progress["done"]!).ShouldBe(Items);
            (await StoredVectorsAsync(database)).ShouldBe(Items);
        }
        finally
        {
            TryDelete(directory);
        }
    }
}
