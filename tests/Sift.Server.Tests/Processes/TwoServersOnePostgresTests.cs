using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Sift.Storage.Tests.Postgres;
using static Sift.Server.Tests.Processes.ProcessTestSupport;

namespace Sift.Server.Tests.Processes;

/// <summary>
/// Two <c>sift serve</c> processes on one PostgreSQL database (a real server started on loopback), with annotators
/// talking to both at once: hand-out stays exclusive across processes (never more than k holders of an item, no item
/// twice to one annotator), and no answer is stored twice.
/// </summary>
public sealed class TwoServersOnePostgresTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const int Annotators = 8;
    private const int Items = 150;
    private const int Overlap = 2;

    [Fact]
    public async Task Handout_TwoProcessesConcurrentAnnotators_NeverMoreThanKHoldersAndNoDoubledAnswers()
    {
        var connection = await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        var directory = TempDirectory();
        try
        {
            await using var a = await ServeProcess.StartAsync(directory, "--postgres", connection);
            await using var b = await ServeProcess.StartAsync(directory, "--postgres", connection);
            var adminToken = a.AdminToken.ShouldNotBeNull(a.Output);
            b.AdminToken.ShouldBeNull("the second process found the admin the first one created");
            using var admin = b.Client(adminToken);
            var projectId = await CreateProjectWithItemsAsync(admin, Items, Overlap);
            var tokens = new List<string>();
            for (var i = 0; i < Annotators; i++) tokens.Add(await CreateAnnotatorAsync(admin, $"pg-{i}", projectId));

            var acknowledged = new ConcurrentBag<(int Annotator, long TaskId, long ItemId, long AnnotationId)>();
            var skipped = new ConcurrentBag<long>();
            var servers = new[] { a, b };
            await Task.WhenAll(Enumerable.Range(0, Annotators).Select(i => Task.Run(async () =>
            {
                // Each annotator alternates between the two processes, so a task is often claimed on one and answered on the other.
                using var one = servers[i % 2].Client(tokens[i]);
                using var other = servers[(i + 1) % 2].Client(tokens[i]);
                for (var n = 0; ; n++)
                {
                    var next = await (n % 2 == 0 ? one : other).PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=2", null);
                    if (next.StatusCode == HttpStatusCode.NoContent) return;
                    var text = await next.Content.ReadAsStringAsync();
                    next.StatusCode.ShouldBe(HttpStatusCode.OK, text);
                    var task = JsonNode.Parse(text)![0]!;
                    var taskId = task["task_id"]!.GetValue<long>();
                    var via = n % 2 == 0 ? other : one;
                    if ((n + i) % 11 == 5)
                    {
                        (await via.PostAsync($"/api/projects/{projectId}/tasks/{taskId}/skip", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
                        skipped.Add(taskId);
                        continue;
                    }

                    var requestId = $"pg{i}-{n}";
                    var response = await via.PostAsync($"/api/projects/{projectId}/tasks/{taskId}/submit", SubmitBody(n % 3 == 0 ? "a" : "b", requestId));
                    var body = await response.Content.ReadAsStringAsync();
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, body);

                    // A retry through the other process counts once.
                    var retry = await (via == one ? other : one).PostAsync($"/api/projects/{projectId}/tasks/{taskId}/submit", SubmitBody(n % 3 == 0 ? "a" : "b", requestId));
                    var retryBody = JsonNode.Parse(await retry.Content.ReadAsStringAsync())!;
                    retryBody["duplicate"]!.GetValue<bool>().ShouldBeTrue();
                    var annotationId = JsonNode.Parse(body)!["annotation_id"]!.GetValue<long>();
                    retryBody["annotation_id"]!.GetValue<long>().ShouldBe(annotationId);
                    acknowledged.Add((i, taskId, task["item_id"]!.GetValue<long>(), annotationId));
                }
            }, TestContext.Current.CancellationToken)));

            // Annotators stopped at their first empty answer; a skip made after that can free a slot only they could fill.
            // Sweep (no skips) until nobody gets work, so "every item has k answers" is decided by the store, not by timing.
            for (var progress = true; progress;)
            {
                progress = false;
                for (var i = 0; i < Annotators; i++)
                {
                    using var client = servers[i % 2].Client(tokens[i]);
                    while (true)
                    {
                        var next = await client.PostAsync($"/api/projects/{projectId}/tasks/next", null);
                        if (next.StatusCode == HttpStatusCode.NoContent) break;
                        var task = JsonNode.Parse(await next.Content.ReadAsStringAsync())![0]!;
                        var taskId = task["task_id"]!.GetValue<long>();
                        var response = await client.PostAsync($"/api/projects/{projectId}/tasks/{taskId}/submit", SubmitBody("a", $"sweep{i}-{taskId}"));
                        var body = await response.Content.ReadAsStringAsync();
                        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
                        acknowledged.Add((i, taskId, task["item_id"]!.GetValue<long>(), JsonNode.Parse(body)!["annotation_id"]!.GetValue<long>()));
                        progress = true;
                    }
                }
            }

            var stored = await AnnotationsAsync(admin, projectId);
            stored.Count.ShouldBe(acknowledged.Count);
            stored.Select(s => s["id"]!.GetValue<long>()).Order().ShouldBe(acknowledged.Select(x => x.AnnotationId).Order());
            stored.GroupBy(s => s["item_id"]!.GetValue<long>()).ShouldAllBe(g => g.Count() <= Overlap);
            stored.GroupBy(s => (s["item_id"]!.GetValue<long>(), s["annotator_id"]!.GetValue<long>())).ShouldAllBe(g => g.Count() == 1);

            // Everyone labelled until the queue ran dry: every item has exactly k answers.
            stored.Select(s => s["item_id"]!.GetValue<long>()).Distinct().Count().ShouldBe(Items);
            stored.GroupBy(s => s["item_id"]!.GetValue<long>()).ShouldAllBe(g => g.Count() == Overlap);

            // The hand-out log agrees: per item, never more than k tasks holding a slot (leased or submitted).
            var log = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/tasks"))!.AsArray();
            log.GroupBy(t => t!["item_id"]!.GetValue<long>())
                .ShouldAllBe(g => g.Count(t => t!["state"]!.GetValue<string>() == "submitted" || t!["state"]!.GetValue<string>() == "leased") <= Overlap);
            log.Count(t => t!["state"]!.GetValue<string>() == "skipped").ShouldBe(skipped.Count);
        }
        finally
        {
            await postgres.DropDatabaseAsync(connection);
            TryDelete(directory);
        }
    }
}
