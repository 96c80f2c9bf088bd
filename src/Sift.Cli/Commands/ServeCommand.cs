using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sift.Cli.Demo;
using Sift.Embeddings;
using Sift.Projects;
using Sift.Server;
using Sift.Server.Auth;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift serve</c>: the annotation server on 127.0.0.1 (REST API, UI, live loop), storing everything in one SQLite
/// file or in PostgreSQL. On a fresh database it creates the user <c>admin</c> and prints its token once;
/// <c>--demo</c> also creates the SpamAssassin demo project and an annotator who is a member of it. Ctrl-C stops it cleanly.
/// Projects' <c>minilm</c> features come from the in-process MiniLM encoder, loaded when the first project needs it;
/// its vectors are kept in the database's embedding table.
/// </summary>
internal static class ServeCommand
{
    /// <summary>The name of the user created on a fresh database.</summary>
    public const string AdminName = "admin";

    /// <summary>The demo project's name.</summary>
    public const string DemoProject = "spam-assassin-demo";

    /// <summary>The demo annotator's name.</summary>
    public const string DemoAnnotator = "annotator";

    /// <summary>The SQLite file of <c>--demo</c> when <c>--db</c> is not given, so the demo stays out of <c>sift.db</c>.</summary>
    public const string DemoDatabase = "sift-demo.db";

    private const string DemoInstructions =
        "# Spam or ham?\n\nEach item is an e-mail: its subject, a blank line, then its body as plain text " +
        "(HTML reduced to text; a long one is cut and ends with […]).\n\n" +
        "- **spam**: unsolicited bulk mail: adverts, scams, newsletters nobody asked for.\n" +
        "- **ham**: mail the recipient wanted: conversations, mailing lists they joined, receipts.\n\n" +
        "Keys: **1** spam, **2** ham, **Enter** submit, **S** skip, **U** undo.";

    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 5170 };
        var db = new Option<string?>("--db") { Description = $"SQLite database file (default sift.db; {DemoDatabase} with --demo)." };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string, e.g. \"Host=localhost;Database=sift;Username=sift\" (instead of --db)." };
        var demo = new Option<bool>("--demo") { Description = "Create the SpamAssassin demo project (6,046 e-mails that ship with sift) and an annotator, and print their logins." };
        var durability = new Option<string>("--durability")
        {
            Description = "SQLite: 'normal' survives a killed process; 'full' also survives power loss (fsync per commit, slower).",
            DefaultValueFactory = _ => "normal",
        };
        durability.AcceptOnlyFromAmong("normal", "full");
        var trainerPriority = new Option<string>("--trainer-priority")
        {
            Description = "'low' fits models at the lowest CPU priority, so labeling requests come first on a busy machine; 'normal' competes equally.",
            DefaultValueFactory = _ => "low",
        };
        trainerPriority.AcceptOnlyFromAmong("low", "normal");
        var checkpoints = new Option<string?>("--checkpoints") { Description = "Folder for the signed checkpoints of every project's evidence chain (default: FILE.checkpoints beside the SQLite file, sift-checkpoints for PostgreSQL); 'off' to keep none." };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Minutes between checkpoints (also one at start and one at a clean stop).", DefaultValueFactory = _ => 5 };

        var command = new Command("serve", "Run the annotation server: REST API, web UI and the live active-learning loop, on 127.0.0.1.")
        {
            port, db, postgres, demo, durability, trainerPriority, checkpoints, checkpointEvery,
        };
        command.SetAction(async (parse, ct) =>
        {
            var isDemo = parse.GetValue(demo);
            var dbPath = parse.GetValue(db);
            var connection = parse.GetValue(postgres);
            if (dbPath is not null && connection is not null) throw new ConfigurationException("Give either --db or --postgres, not both.");
            var options = new SiftServerOptions { Port = parse.GetValue(port), TextEncoder = () => new MiniLmEncoder() };
            var storage = new StoreChoice(dbPath ?? (isDemo ? DemoDatabase : "sift.db"), connection, parse.GetValue(durability) == "full").Validate();
            if (parse.GetValue(trainerPriority) == "normal") options.ConfigureLiveLoop = o => o with { LowPriorityTrainer = false };
            var checkpointDirectory = parse.GetValue(checkpoints) ?? Sift.Server.Governance.ServerCheckpoints.DefaultDirectory(connection is null ? storage.SqlitePath : null);
            if (parse.GetValue(checkpointEvery) < 1) throw new ConfigurationException("--checkpoint-every must be at least 1 minute.");
            if (!string.Equals(checkpointDirectory, "off", StringComparison.OrdinalIgnoreCase))
                options.Checkpoints = new Sift.Server.Governance.CheckpointOptions { Directory = checkpointDirectory, Interval = TimeSpan.FromMinutes(parse.GetValue(checkpointEvery)) };
            return await RunAsync(options, storage, isDemo, Console.Out, ct);
        });
        return command;
    }

    /// <summary>Starts the server, prints how to reach it, and runs until <paramref name="ct"/> is cancelled (Ctrl-C).</summary>
    public static async Task<int> RunAsync(SiftServerOptions options, StoreChoice storage, bool demo, TextWriter output, CancellationToken ct)
    {
        var corpus = demo ? SpamAssassinCorpus.Split(ct) : null;

        await using var app = SiftServerApp.Build(options, storage.Register);
        try
        {
            await app.StartAsync(ct);
        }
        catch (System.Data.Common.DbException e)
        {
            throw new SiftException($"the database could not be opened: {e.Message}", e);
        }

        var url = SiftServerApp.GetUrl(app);
        var store = app.Services.GetRequiredService<ISiftStore>();
        var now = options.TimeProvider.GetUtcNow();
        output.WriteLine($"Sift is listening on {url} ({storage.Describe()})");

        var adminToken = await EnsureUserAsync(store, AdminName, Role.Admin, rotate: demo, now, ct);
        if (adminToken is not null) output.WriteLine($"Admin token for user '{AdminName}' (shown once): {adminToken}");

        if (corpus is not null)
        {
            var annotatorToken = await EnsureUserAsync(store, DemoAnnotator, Role.Annotator, rotate: true, now, ct);
            var projectId = await EnsureDemoProjectAsync(url, adminToken!, store, corpus, output, ct);
            var annotator = (await store.ListUsersAsync(ct)).First(u => u.Name == DemoAnnotator);
            if (annotator.Role is Role.Annotator or Role.Reviewer) await store.AddMemberAsync(projectId, annotator.Id, now, ct);
            output.WriteLine($"Annotator login: open {url} and paste the token of user '{DemoAnnotator}': {annotatorToken}");
            output.WriteLine($"Annotate: {new Uri(url, $"/annotate/{projectId}")}   Dashboard: {new Uri(url, $"/dashboard/{projectId}")}");
        }

        output.WriteLine("Press Ctrl-C to stop.");
        await output.FlushAsync(CancellationToken.None);
        await app.WaitForShutdownAsync(ct);
        return 0;
    }

    /// <summary>
    /// Makes sure the user exists. Returns a token to print: the new user's, or a fresh one when <paramref name="rotate"/>
    /// is set; null when the user already existed and is left alone.
    /// </summary>
    private static async Task<string?> EnsureUserAsync(ISiftStore store, string name, Role role, bool rotate, DateTimeOffset now, CancellationToken ct)
    {
        var token = UserTokens.NewToken();
        var existing = (await store.ListUsersAsync(ct)).FirstOrDefault(u => u.Name == name);
        if (existing is null)
        {
            // Only on a fresh database does the admin get created; a database that has users keeps its own admins.
            if (role == Role.Admin && (await store.ListUsersAsync(ct)).Count > 0 && !rotate) return null;
            try
            {
                await store.CreateUserAsync(name, role, UserTokens.Hash(token), now, ct);
                return token;
            }
            catch (ConflictException)
            {
                // Another server process on the same database created it first.
                existing = (await store.ListUsersAsync(ct)).First(u => u.Name == name);
            }
        }

        if (!rotate) return null;
        await store.SetTokenHashAsync(existing.Id, UserTokens.Hash(token), ct);
        if (existing.Disabled) await store.SetDisabledAsync(existing.Id, false, ct);
        return token;
    }

    /// <summary>Creates the demo project through the REST API (once) and imports the corpus with its gold labels.</summary>
    private static async Task<long> EnsureDemoProjectAsync(Uri url, string adminToken, ISiftStore store, SpamAssassinSplit corpus, TextWriter output, CancellationToken ct)
    {
        var existing = (await store.ListProjectsAsync(ct)).FirstOrDefault(p => p.Name == DemoProject);
        if (existing is not null) return existing.Id;

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        var create = await http.PostAsJsonAsync("/api/projects", new
        {
            name = DemoProject,
            settings = new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.1, retrain_every = 20, seed = 1 },
            instructions = DemoInstructions,
        }, ct);
        await EnsureSuccessAsync(create, "creating the demo project", ct);
        var projectId = (await create.Content.ReadFromJsonAsync<CreatedProject>(ct))!.Id;

        foreach (var (jsonl, part) in new[] { (corpus.TrainJsonl, "training"), (corpus.TestJsonl, "test") })
        {
            using var content = new ByteArrayContent(jsonl);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            var import = await http.PostAsync($"/api/projects/{projectId}/items?format=jsonl", content, ct);
            await EnsureSuccessAsync(import, $"importing the demo corpus's {part} messages", ct);
        }

        output.WriteLine($"Created the demo project '{DemoProject}' from the SpamAssassin corpus (labels spam, ham; gold labels kept for evaluation, never shown).");
        return projectId;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct);
        throw new SiftException($"{what} failed with HTTP {(int)response.StatusCode}: {body}");
    }

    private sealed record CreatedProject(long Id);
}
