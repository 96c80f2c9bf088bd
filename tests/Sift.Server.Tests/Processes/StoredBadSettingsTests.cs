using System.Net;
using System.Text.Json.Nodes;
using Sift.Projects;
using Sift.Storage.Sqlite;
using static Sift.Server.Tests.Processes.ProcessTestSupport;

namespace Sift.Server.Tests.Processes;

/// <summary>
/// Issue 9, item 1, as reported: a database holding projects whose strategy or stop rule is far over the limits
/// (written by an older version, or by hand) is served by a real <c>sift serve</c> process. Training those projects
/// used to overflow the stack and kill the process, again after every restart; now they are marked failed with the
/// reason and the process, and the other projects, carry on.
/// </summary>
public sealed class StoredBadSettingsTests
{
    [Fact]
    public async Task Serve_DatabaseWithProjectsOverTheSpecLimits_MarksThemFailedAndKeepsServing()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            string adminToken;
            long goodId;
            await using (var first = await ServeProcess.StartAsync(directory, "--db", database))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                goodId = await CreateProjectWithItemsAsync(admin, 60, overlap: 1);
                first.Kill();
            }

            // Straight into the file, past every validation, as an old version or a hand edit could have written it.
            long badStrategyId, badRuleId;
            await using (var store = new SqliteSiftStore(database))
            {
                var admin = (await store.ListUsersAsync(TestContext.Current.CancellationToken)).Single(u => u.Role == Role.Admin);
                var items = Enumerable.Range(0, 40).Select(i => new NewItem($"b{i}", $"message {i} about {(i % 2 == 0 ? "prizes" : "meetings")}", null, 1, null, null, false)).ToList();
                var strategy = new ProjectSettings { Labels = ["a", "b"], HeldOutShare = 0, Strategy = "margin" + string.Concat(Enumerable.Repeat("+explore(0.1)", 70_000)) };
                var stopRule = new ProjectSettings { Labels = ["a", "b"], HeldOutShare = 0, StopRule = string.Concat(Enumerable.Repeat("any(", 20_000)) + "labels(5)" + new string(')', 20_000) };
                badStrategyId = (await store.CreateProjectAsync("old-strategy", strategy, "", admin.Id, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken)).Id;
                badRuleId = (await store.CreateProjectAsync("old-stop-rule", stopRule, "", admin.Id, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken)).Id;
                await store.ImportItemsAsync(badStrategyId, items, TestContext.Current.CancellationToken);
                await store.ImportItemsAsync(badRuleId, items, TestContext.Current.CancellationToken);
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            await using var second = await ServeProcess.StartAsync(directory, "--db", database);
            using var client = second.Client(adminToken);
            foreach (var id in new[] { badStrategyId, goodId, badRuleId })
                (await client.PostAsync($"/api/projects/{id}/train", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted, second.Output);

            var strategyView = await WaitForTrainerAsync(second, client, badStrategyId, "failed");
            var ruleView = await WaitForTrainerAsync(second, client, badRuleId, "failed");
            await WaitForTrainerAsync(second, client, goodId, "done");
            strategyView["trainer"]!["error"]!.GetValue<string>().ShouldStartWith("Not trained until the settings are fixed: strategy: ");
            ruleView["trainer"]!["error"]!.GetValue<string>().ShouldStartWith("Not trained until the settings are fixed: stop_rule: ");

            // Still serving after the trainer has looked at every project again.
            await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken);
            (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK, second.Output);
            (await client.GetAsync($"/api/projects/{badStrategyId}/export?format=csv")).StatusCode.ShouldBe(HttpStatusCode.OK);
            second.Output.ShouldNotContain("Stack overflow", Case.Insensitive);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    private static async Task<JsonNode> WaitForTrainerAsync(ServeProcess serve, HttpClient client, long projectId, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonNode? view = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                view = JsonNode.Parse(await client.GetStringAsync($"/api/projects/{projectId}/dashboard"))!;
            }
            catch (HttpRequestException e)
            {
                throw new InvalidOperationException($"sift serve stopped answering: {e.Message}\n{serve.Output}", e);
            }
            if (view["trainer"]!["state"]!.GetValue<string>() == state) return view;
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"Project {projectId}'s trainer is not '{state}' after 90 s: {view}\n{serve.Output}");
    }
}
