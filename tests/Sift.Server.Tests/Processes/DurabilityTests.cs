using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using static Sift.Server.Tests.Processes.ProcessTestSupport;

namespace Sift.Server.Tests.Processes;

/// <summary>
/// Durability: eight clients label through a real <c>sift serve</c> process on a SQLite file; the process is killed
/// with SIGKILL mid-stream and restarted on the same file. Every acknowledged submit must be there exactly once, and
/// retrying the submits that were in flight (same client request id) must not double anything.
/// </summary>
public sealed class DurabilityTests
{
    private const int Clients = 8;
    private const int KillAfterAcknowledged = 240;

    private sealed record Submit(int Client, long TaskId, string RequestId, string Label);

    [Fact]
    public async Task Submits_ServerKilledMidStreamAndRestarted_EveryAcknowledgedLabelIsThereOnce()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            string adminToken;
            long projectId;
            var acknowledged = new ConcurrentDictionary<long, Submit>();
            var inFlight = new ConcurrentDictionary<int, Submit>();
            var duplicatesAcknowledged = 0;
            var tokens = new List<string>();

            await using (var first = await ServeProcess.StartAsync(directory, "--db", database))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                projectId = await CreateProjectWithItemsAsync(admin, 3000, overlap: 1);
                for (var c = 0; c < Clients; c++) tokens.Add(await CreateAnnotatorAsync(admin, $"durable-{c}", projectId));

                var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
                {
                    using var http = first.Client(tokens[c]);
                    for (var n = 0; ; n++)
                    {
                        try
                        {
                            var next = await http.PostAsync($"/api/projects/{projectId}/tasks/next", null);
                            if (next.StatusCode != HttpStatusCode.OK) return;
                            var task = JsonNode.Parse(await next.Content.ReadAsStringAsync())![0]!;
                            var submit = new Submit(c, task["task_id"]!.GetValue<long>(), $"c{c}-r{n}", n % 2 == 0 ? "a" : "b");
                            inFlight[c] = submit;
                            var response = await http.PostAsync($"/api/projects/{projectId}/tasks/{submit.TaskId}/submit", SubmitBody(submit.Label, submit.RequestId));
                            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                            if (body["duplicate"]!.GetValue<bool>()) Interlocked.Increment(ref duplicatesAcknowledged);
                            acknowledged.TryAdd(body["annotation_id"]!.GetValue<long>(), submit).ShouldBeTrue();
                            inFlight.TryRemove(c, out _);
                            if (acknowledged.Count >= KillAfterAcknowledged) killNow.TrySetResult();
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                        {
                            // The server is gone: whatever was being submitted stays in flight.
                            return;
                        }
                    }
                })).ToList();

                await Task.WhenAny(killNow.Task, Task.WhenAll(clients));
                killNow.Task.IsCompleted.ShouldBeTrue("the clients stopped before the kill: " + first.Output);
                first.Kill();
                await Task.WhenAll(clients);
            }

            var beforeRestart = acknowledged.Count;
            beforeRestart.ShouldBeGreaterThanOrEqualTo(KillAfterAcknowledged);
            duplicatesAcknowledged.ShouldBe(0);

            await using var second = await ServeProcess.StartAsync(directory, "--db", database);
            second.AdminToken.ShouldBeNull("the restarted server found the existing users");
            using var restartedAdmin = second.Client(adminToken);

            // Retry what was in flight at the kill with the same request ids: stored once whether or not it had committed.
            foreach (var (client, submit) in inFlight)
            {
                using var http = second.Client(tokens[client]);
                var response = await http.PostAsync($"/api/projects/{projectId}/tasks/{submit.TaskId}/submit", SubmitBody(submit.Label, submit.RequestId));
                var text = await response.Content.ReadAsStringAsync();
                response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
                var retry = JsonNode.Parse(text)!;
                acknowledged.TryAdd(retry["annotation_id"]!.GetValue<long>(), submit).ShouldBeTrue("a retried submit came back as an annotation acknowledged to another submit");
            }

            var stored = await AnnotationsAsync(restartedAdmin, projectId);
            var storedIds = stored.Select(a => a["id"]!.GetValue<long>()).ToList();
            storedIds.Count.ShouldBe(storedIds.Distinct().Count());
            storedIds.Order().ShouldBe(acknowledged.Keys.Order(), "the stored annotations are exactly the acknowledged ones");
            stored.GroupBy(a => a["task_id"]!.GetValue<long>()).ShouldAllBe(g => g.Count() == 1);
            stored.GroupBy(a => a["item_id"]!.GetValue<long>()).ShouldAllBe(g => g.Count() == 1);
            foreach (var annotation in stored)
            {
                var submit = acknowledged[annotation["id"]!.GetValue<long>()];
                annotation["task_id"]!.GetValue<long>().ShouldBe(submit.TaskId);
                annotation["annotator"]!.GetValue<string>().ShouldBe($"durable-{submit.Client}");
                annotation["labels"]!.AsArray().Single()!.GetValue<string>().ShouldBe(submit.Label);
                annotation["undone"]!.GetValue<bool>().ShouldBeFalse();
            }
        }
        finally
        {
            TryDelete(directory);
        }
    }
}
