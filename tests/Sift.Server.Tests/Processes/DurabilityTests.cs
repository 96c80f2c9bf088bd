using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Sift.Projects;
using Sift.Storage.Tests.Postgres;
using static Sift.Server.Tests.Processes.ProcessTestSupport;

namespace Sift.Server.Tests.Processes;

/// <summary>
/// Durability against SIGKILL of a real <c>sift serve</c> process, restarted on the same database: while annotators
/// label (every acknowledged submit must be there exactly once, and retrying the ones in flight must not double
/// anything), during an import (all or nothing, no spool file left, and the items can be handed out at once), while the
/// trainer re-ranks, and while a settings change commits. After every restart each project hands out work without a
/// manual step (no POST …/train).
/// </summary>
public sealed class DurabilityTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const int Clients = 8;
    private const int KillAfterAcknowledged = 240;
    private const int LargeImport = 200_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Submit(int Client, long TaskId, string RequestId, string Label);

    /// <summary>What the labeling clients saw before the kill.</summary>
    private sealed class Labeling(IReadOnlyList<string> names)
    {
        public IReadOnlyList<string> Names { get; } = names;
        public ConcurrentDictionary<long, Submit> Acknowledged { get; } = new();
        public ConcurrentDictionary<int, Submit> InFlight { get; } = new();
        public int DuplicatesAcknowledged;
    }

    [Fact]
    public async Task Submits_ServerKilledMidStreamAndRestarted_EveryAcknowledgedLabelIsThereOnce()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            string adminToken;
            long projectId;
            var tokens = new List<string>();
            var names = new List<string>();
            Labeling labeling;
            await using (var first = await ServeProcess.StartAsync(directory, "--db", database))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                projectId = await CreateProjectWithItemsAsync(admin, 3000, overlap: 1);
                for (var c = 0; c < Clients; c++)
                {
                    names.Add($"durable-{c}");
                    tokens.Add(await CreateAnnotatorAsync(admin, names[c], projectId));
                }
                labeling = await LabelUntilKilledAsync(first, tokens, names, projectId, _ => Task.FromResult(true));
            }

            await using var second = await ServeProcess.StartAsync(directory, "--db", database);
            second.AdminToken.ShouldBeNull("the restarted server found the existing users");
            await VerifyLabelsAfterRestartAsync(second, adminToken, tokens, projectId, labeling);
            await ShouldHandOutWorkAsync(second, adminToken, projectId);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Import_KilledJustAfterTheItemsCommit_RestartedServerHandsThemOutWithoutATrainRequest(string backend)
    {
        var directory = TempDirectory();
        var (storage, environment) = await StorageAsync(backend, directory);
        try
        {
            string adminToken;
            long projectId;
            var body = ItemLines(LargeImport);
            await using (var first = await ServeProcess.StartAsync(directory, environment, storage))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                admin.Timeout = TimeSpan.FromMinutes(10);
                projectId = await CreateProjectAsync(admin, overlap: 1, heldOutShare: 0.1);
                var import = admin.PostAsync($"/api/projects/{projectId}/items?format=jsonl", new StringContent(body, Encoding.UTF8, "application/x-ndjson"), Ct);

                // Kill the moment the items are visible: the import's transaction committed, and whatever the server does
                // after it (before this fix: writing a 200,000-position cold-start ranking) has most likely not finished.
                using var watcher = first.Client(adminToken);
                while (!import.IsCompleted && (await DashboardAsync(watcher, projectId))["counts"]!["items"]!.GetValue<int>() < LargeImport)
                    await Task.Delay(5, Ct);
                first.Kill();
                await IgnoreConnectionLossAsync(import);
            }
            ShouldHaveNoSpoolFiles(environment);

            await using var second = await ServeProcess.StartAsync(directory, environment, storage);
            using var restarted = second.Client(adminToken);
            restarted.Timeout = TimeSpan.FromMinutes(10);
            var counts = (await DashboardAsync(restarted, projectId))["counts"]!;
            counts["items"]!.GetValue<int>().ShouldBe(LargeImport);
            (counts["queue_depth"]!.GetValue<int>() + counts["unranked"]!.GetValue<int>()).ShouldBe(LargeImport);
            await ShouldHandOutWorkAsync(second, adminToken, projectId);

            // The client's retry of the import it never saw acknowledged: everything is there once.
            var retry = await restarted.PostAsync($"/api/projects/{projectId}/items?format=jsonl", new StringContent(body, Encoding.UTF8, "application/x-ndjson"), Ct);
            var result = JsonNode.Parse(await retry.Content.ReadAsStringAsync(Ct))!;
            retry.StatusCode.ShouldBe(HttpStatusCode.OK, result.ToJsonString());
            (result["imported"]!.GetValue<int>(), result["duplicates"]!.GetValue<int>()).ShouldBe((0, LargeImport));
        }
        finally
        {
            await DropAsync(backend, storage);
            TryDelete(directory);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Import_KilledWhileTheBodyArrives_NoSpoolFileLeftNothingHalfImportedAndTheRetryImportsAll(string backend)
    {
        const int items = 20_000;
        var directory = TempDirectory();
        var (storage, environment) = await StorageAsync(backend, directory);
        try
        {
            string adminToken;
            long projectId;
            var body = Encoding.UTF8.GetBytes(ItemLines(items));
            await using (var first = await ServeProcess.StartAsync(directory, environment, storage))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                projectId = await CreateProjectAsync(admin, overlap: 1);
                var halfSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var never = new TaskCompletionSource();
                var content = new HalfThenWaitContent(body, halfSent, never.Task);
                content.Headers.ContentType = new("application/x-ndjson");
                var import = admin.PostAsync($"/api/projects/{projectId}/items?format=jsonl", content, Ct);
                await halfSent.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
                await Task.Delay(500, Ct);   // the server is spooling the first half
                // The spool file has no name even now, so a kill cannot leave one.
                ShouldHaveNoSpoolFiles(environment);
                first.Kill();
                never.TrySetResult();
                await IgnoreConnectionLossAsync(import);
            }
            ShouldHaveNoSpoolFiles(environment);

            await using var second = await ServeProcess.StartAsync(directory, environment, storage);
            using var restarted = second.Client(adminToken);
            (await DashboardAsync(restarted, projectId))["counts"]!["items"]!.GetValue<int>().ShouldBe(0);
            var retry = await restarted.PostAsync($"/api/projects/{projectId}/items?format=jsonl", new ByteArrayContent(body), Ct);
            var result = JsonNode.Parse(await retry.Content.ReadAsStringAsync(Ct))!;
            retry.StatusCode.ShouldBe(HttpStatusCode.OK, result.ToJsonString());
            (result["imported"]!.GetValue<int>(), result["duplicates"]!.GetValue<int>()).ShouldBe((items, 0));
            await ShouldHandOutWorkAsync(second, adminToken, projectId);
        }
        finally
        {
            await DropAsync(backend, storage);
            TryDelete(directory);
        }
    }

    [Fact]
    public async Task Retrain_KilledWhileTheTrainerReranks_EveryAcknowledgedLabelOnceAndWorkHandedOutAfterRestart()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            string adminToken;
            long projectId;
            var tokens = new List<string>();
            var names = new List<string>();
            Labeling labeling;
            await using (var first = await ServeProcess.StartAsync(directory, "--db", database))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                projectId = await CreateProjectWithItemsAsync(admin, 20_000, overlap: 1);
                for (var c = 0; c < Clients; c++)
                {
                    names.Add($"rerank-{c}");
                    tokens.Add(await CreateAnnotatorAsync(admin, names[c], projectId));
                }
                // Labels flow, the trainer retrains every 50: kill once a model exists and the trainer is running again.
                labeling = await LabelUntilKilledAsync(first, tokens, names, projectId, view =>
                    Task.FromResult(view["model_version"]!.GetValue<int>() >= 1 && view["trainer"]!["state"]!.GetValue<string>() == "running"));
            }

            await using var second = await ServeProcess.StartAsync(directory, "--db", database);
            await VerifyLabelsAfterRestartAsync(second, adminToken, tokens, projectId, labeling);
            await ShouldHandOutWorkAsync(second, adminToken, projectId);
            ShouldHaveConsistentSlots(database);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    [Fact]
    public async Task SettingsChange_KilledWhileItCommits_SettingsWholeLabelsOnceAndWorkHandedOutAfterRestart()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            string adminToken;
            long projectId;
            var tokens = new List<string>();
            var names = new List<string>();
            Labeling labeling;
            var acknowledgedSettings = new List<(int Overlap, ulong Seed)>();
            (int Overlap, ulong Seed)? inFlightSettings = null;
            await using (var first = await ServeProcess.StartAsync(directory, "--db", database))
            {
                adminToken = first.AdminToken.ShouldNotBeNull(first.Output);
                using var admin = first.Client(adminToken);
                projectId = await CreateProjectWithItemsAsync(admin, 20_000, overlap: 1);
                for (var c = 0; c < Clients; c++)
                {
                    names.Add($"settings-{c}");
                    tokens.Add(await CreateAnnotatorAsync(admin, names[c], projectId));
                }

                // An admin flips the overlap and the seed (each rewrites every item's slots or cold-start key) while
                // annotators label; the kill lands while the fourth change is on its way.
                var change = 0;
                labeling = await LabelUntilKilledAsync(first, tokens, names, projectId, async _ =>
                {
                    change++;
                    var settings = (Overlap: change % 2 == 1 ? 2 : 1, Seed: (ulong)(100 + change));
                    var put = admin.PutAsJsonAsync($"/api/projects/{projectId}/settings", new JsonObject
                    {
                        ["labels"] = new JsonArray("a", "b"), ["overlap"] = settings.Overlap, ["seed"] = settings.Seed,
                        ["held_out_share"] = 0.0, ["retrain_every"] = 50,
                    }, Ct);
                    if (change >= 4)
                    {
                        inFlightSettings = settings;
                        await Task.Delay(change * 7 % 40, Ct);
                        return true;
                    }
                    var response = await put;
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
                    acknowledgedSettings.Add(settings);
                    return false;
                });
            }

            await using var second = await ServeProcess.StartAsync(directory, "--db", database);
            using var restarted = second.Client(adminToken);
            var project = JsonNode.Parse(await restarted.GetStringAsync($"/api/projects/{projectId}", Ct))!;
            var stored = (project["settings"]!["overlap"]!.GetValue<int>(), project["settings"]!["seed"]!.GetValue<ulong>());
            stored.ShouldBeOneOf(acknowledgedSettings[^1], inFlightSettings!.Value);
            await VerifyLabelsAfterRestartAsync(second, adminToken, tokens, projectId, labeling);
            await ShouldHandOutWorkAsync(second, adminToken, projectId);
            ShouldHaveConsistentSlots(database);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Eight annotators label through <paramref name="server"/>; once <see cref="KillAfterAcknowledged"/> submits are
    /// acknowledged, <paramref name="killWhen"/> is asked (with the dashboard) every 20 ms until it says yes; then the
    /// process is killed and what the clients saw is returned.
    /// </summary>
    private static async Task<Labeling> LabelUntilKilledAsync(ServeProcess server, List<string> tokens, List<string> names, long projectId, Func<JsonObject, Task<bool>> killWhen)
    {
        var labeling = new Labeling(names);
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clients = Enumerable.Range(0, tokens.Count).Select(c => Task.Run(async () =>
        {
            using var http = server.Client(tokens[c]);
            for (var n = 0; ; n++)
            {
                try
                {
                    var next = await http.PostAsync($"/api/projects/{projectId}/tasks/next", null);
                    if (next.StatusCode != HttpStatusCode.OK) return;
                    var task = JsonNode.Parse(await next.Content.ReadAsStringAsync())![0]!;
                    var submit = new Submit(c, task["task_id"]!.GetValue<long>(), $"c{c}-r{n}", n % 2 == 0 ? "a" : "b");
                    labeling.InFlight[c] = submit;
                    var response = await http.PostAsync($"/api/projects/{projectId}/tasks/{submit.TaskId}/submit", SubmitBody(submit.Label, submit.RequestId));
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                    var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                    if (body["duplicate"]!.GetValue<bool>()) Interlocked.Increment(ref labeling.DuplicatesAcknowledged);
                    labeling.Acknowledged.TryAdd(body["annotation_id"]!.GetValue<long>(), submit).ShouldBeTrue();
                    labeling.InFlight.TryRemove(c, out _);
                    if (labeling.Acknowledged.Count >= KillAfterAcknowledged) enough.TrySetResult();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    // The server is gone: whatever was being submitted stays in flight.
                    return;
                }
            }
        })).ToList();

        await Task.WhenAny(enough.Task, Task.WhenAll(clients));
        enough.Task.IsCompleted.ShouldBeTrue("the clients stopped before the kill: " + server.Output);
        using (var admin = server.Client(AdminTokenOf(server)))
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!await killWhen(await DashboardAsync(admin, projectId)))
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the moment to kill never came: " + server.Output);
                clients.ShouldContain(t => !t.IsCompleted, "the clients ran out of work before the moment to kill");
                await Task.Delay(20);
            }
        }
        server.Kill();
        await Task.WhenAll(clients);
        labeling.Acknowledged.Count.ShouldBeGreaterThanOrEqualTo(KillAfterAcknowledged);
        labeling.DuplicatesAcknowledged.ShouldBe(0);
        return labeling;
    }

    private static string AdminTokenOf(ServeProcess server) => server.AdminToken.ShouldNotBeNull();

    /// <summary>Awaits a request to a server that was killed: a lost connection is expected, anything else is not.</summary>
    private static async Task IgnoreConnectionLossAsync(Task<HttpResponseMessage> request)
    {
        try
        {
            using var response = await request;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // The server is gone.
        }
    }

    /// <summary>Retries what was in flight (same request ids), then: every acknowledged annotation stored exactly once, as sent.</summary>
    private static async Task VerifyLabelsAfterRestartAsync(ServeProcess server, string adminToken, List<string> tokens, long projectId, Labeling labeling)
    {
        foreach (var (client, submit) in labeling.InFlight)
        {
            using var http = server.Client(tokens[client]);
            var response = await http.PostAsync($"/api/projects/{projectId}/tasks/{submit.TaskId}/submit", SubmitBody(submit.Label, submit.RequestId));
            var text = await response.Content.ReadAsStringAsync();
            // A lease that lapsed while the server was down and whose slot someone else took is refused; nothing is stored then.
            if (response.StatusCode == HttpStatusCode.Conflict) continue;
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            labeling.Acknowledged.TryAdd(JsonNode.Parse(text)!["annotation_id"]!.GetValue<long>(), submit)
                .ShouldBeTrue("a retried submit came back as an annotation acknowledged to another submit");
        }

        using var admin = server.Client(adminToken);
        var stored = await AnnotationsAsync(admin, projectId);
        var storedIds = stored.Select(a => a["id"]!.GetValue<long>()).ToList();
        storedIds.Count.ShouldBe(storedIds.Distinct().Count());
        storedIds.Order().ShouldBe(labeling.Acknowledged.Keys.Order(), "the stored annotations are exactly the acknowledged ones");
        stored.GroupBy(a => a["task_id"]!.GetValue<long>()).ShouldAllBe(g => g.Count() == 1);
        foreach (var annotation in stored)
        {
            var submit = labeling.Acknowledged[annotation["id"]!.GetValue<long>()];
            annotation["task_id"]!.GetValue<long>().ShouldBe(submit.TaskId);
            annotation["annotator"]!.GetValue<string>().ShouldBe(labeling.Names[submit.Client]);
            annotation["labels"]!.AsArray().Single()!.GetValue<string>().ShouldBe(submit.Label);
            annotation["undone"]!.GetValue<bool>().ShouldBeFalse();
        }
    }

    /// <summary>A new annotator gets a task at once (no POST …/train), and the dashboard's queue is not empty.</summary>
    private static async Task ShouldHandOutWorkAsync(ServeProcess server, string adminToken, long projectId)
    {
        using var admin = server.Client(adminToken);
        var counts = (await DashboardAsync(admin, projectId))["counts"]!;
        (counts["queue_depth"]!.GetValue<int>() + counts["unranked"]!.GetValue<int>()).ShouldBeGreaterThan(0);
        using var annotator = server.Client(await CreateAnnotatorAsync(admin, "after-restart-" + Guid.NewGuid().ToString("N")[..8], projectId));
        var next = await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null);
        next.StatusCode.ShouldBe(HttpStatusCode.OK, await next.Content.ReadAsStringAsync());
    }

    /// <summary>Reads the SQLite file: every item's slot counter matches its tasks and the project's overlap, and its cold-start key the project's seed.</summary>
    private static void ShouldHaveConsistentSlots(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*) FROM items i JOIN projects p ON p.id = i.project_id
            WHERE i.holders <> (SELECT count(*) FROM tasks t WHERE t.item_id = i.id AND t.state IN (0, 1))
               OR i.free_slots <> p.overlap - i.holders
            """;
        Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(0L, "items whose slot counters disagree with their tasks or the overlap");
        command.CommandText = "SELECT i.external_id, i.cold_key, p.settings_json FROM items i JOIN projects p ON p.id = i.project_id";
        using var reader = command.ExecuteReader();
        var seeds = new Dictionary<string, ulong>();
        while (reader.Read())
        {
            var json = reader.GetString(2);
            if (!seeds.TryGetValue(json, out var seed)) seeds[json] = seed = JsonNode.Parse(json)!["seed"]!.GetValue<ulong>();
            reader.GetInt64(1).ShouldBe(ColdStartOrder.StoredKey(seed, reader.GetString(0)), $"cold-start key of {reader.GetString(0)}");
        }
        SqliteConnection.ClearAllPools();
    }

    private static void ShouldHaveNoSpoolFiles(IReadOnlyDictionary<string, string> environment) =>
        Directory.GetFiles(environment["TMPDIR"], "sift-import-*").ShouldBeEmpty("import spool files left in the temporary folder");

    /// <summary>The storage arguments of a backend (a fresh database) and an environment whose TMPDIR is a folder of the test's own.</summary>
    private async Task<(string[] Storage, Dictionary<string, string> Environment)> StorageAsync(string backend, string directory)
    {
        var temp = Path.Combine(directory, "tmp");
        Directory.CreateDirectory(temp);
        var environment = new Dictionary<string, string> { ["TMPDIR"] = temp };
        return backend == "postgres"
            ? (["--postgres", await postgres.CreateDatabaseAsync(Ct)], environment)
            : (["--db", Path.Combine(directory, "sift.db")], environment);
    }

    private async Task DropAsync(string backend, string[] storage)
    {
        if (backend == "postgres") await postgres.DropDatabaseAsync(storage[1]);
    }

    /// <summary>Sends the first half of the body, then waits for <paramref name="resume"/> before the rest.</summary>
    private sealed class HalfThenWaitContent(byte[] body, TaskCompletionSource halfSent, Task resume) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await stream.FlushAsync();
            halfSent.TrySetResult();
            await resume;
            await stream.WriteAsync(body.AsMemory(body.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
