using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Storage.Sqlite;
using static Sift.Server.Tests.Processes.ProcessTestSupport;

namespace Sift.Server.Tests.Processes;

/// <summary><c>sift users add</c> against a database, then <c>sift serve</c> on it: the printed token logs in with the role given.</summary>
public sealed partial class CliUsersTests
{
    [Fact]
    public async Task UsersAdd_PrintsATokenThatLogsIn_WithTheRoleGiven()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            var (code, output) = await RunCliAsync(directory, "users", "add", "--db", database, "--name", "rita", "--role", "reviewer");
            code.ShouldBe(0, output);
            var token = TokenPattern().Match(output).Value;
            token.ShouldNotBeEmpty(output);

            var (again, error) = await RunCliAsync(directory, "users", "add", "--db", database, "--name", "rita", "--role", "reviewer");
            again.ShouldBe(2);
            error.ShouldContain("rita");
            error.ShouldNotContain(" at ");

            await using var serve = await ServeProcess.StartAsync(directory, "--db", database);
            serve.AdminToken.ShouldBeNull("the database already had a user, so no admin is created");
            using var client = serve.Client(token);
            var me = await client.GetAsync("/api/me");
            me.StatusCode.ShouldBe(HttpStatusCode.OK);
            JsonNode.Parse(await me.Content.ReadAsStringAsync())!["role"]!.GetValue<string>().ShouldBe("reviewer");
            (await client.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    [Fact]
    public async Task UsersAdd_WithProjects_MemberOfThoseOnly()
    {
        var directory = TempDirectory();
        var database = Path.Combine(directory, "sift.db");
        try
        {
            var now = DateTimeOffset.UtcNow;
            await using (var store = new SqliteSiftStore(database))
            {
                await store.MigrateAsync(TestContext.Current.CancellationToken);
                var admin = await store.CreateUserAsync("root", Role.Admin, UserTokens.Hash(UserTokens.NewToken()), now, TestContext.Current.CancellationToken);
                foreach (var name in new[] { "alpha", "beta", "gamma" })
                    await store.CreateProjectAsync(name, new ProjectSettings { Labels = ["a", "b"] }, "", admin.Id, now, TestContext.Current.CancellationToken);
            }

            // All or nothing: an unknown project, or a role that needs no membership, creates nobody.
            var (unknown, unknownOutput) = await RunCliAsync(directory, "users", "add", "--db", database, "--name", "ann", "--project", "alpha", "--project", "nope");
            unknown.ShouldBe(2);
            unknownOutput.Trim().ShouldBe("error: --project: there is no project named 'nope'.");
            var (auditor, auditorOutput) = await RunCliAsync(directory, "users", "add", "--db", database, "--name", "ann", "--role", "auditor", "--project", "alpha");
            auditor.ShouldBe(2);
            auditorOutput.ShouldContain("admins and auditors reach every project");

            // The name is still free: the refused runs created nobody.
            var (code, output) = await RunCliAsync(directory, "users", "add", "--db", database, "--name", "ann", "--project", "alpha", "--project", "gamma");
            code.ShouldBe(0, output);
            output.ShouldContain("member of 'alpha', 'gamma'");
            var token = TokenPattern().Match(output).Value;

            // The access changes are in the evidence of the projects the user reaches, and only there; never the token.
            await using (var store = new SqliteSiftStore(database))
            {
                foreach (var project in await store.ListProjectsAsync(TestContext.Current.CancellationToken))
                {
                    var access = (await store.ReadEvidenceAsync(project.Id, 0, 1000, TestContext.Current.CancellationToken)).Where(e => e.Kind == "access").ToList();
                    if (project.Name == "beta")
                    {
                        access.ShouldBeEmpty();
                        continue;
                    }
                    access.Select(e => (string)JsonNode.Parse(e.Json)!["change"]!).ShouldBe(["user-created", "member-added"], ignoreOrder: true);
                    foreach (var entry in access)
                    {
                        var json = JsonNode.Parse(entry.Json)!;
                        ((string)json["user"]!).ShouldBe("ann");
                        ((string)json["by"]!).ShouldBe("sift users add");
                        entry.Json.ShouldNotContain(token);
                    }
                }
            }

            await using var serve = await ServeProcess.StartAsync(directory, "--db", database);
            using var client = serve.Client(token);
            var listed = JsonNode.Parse(await client.GetStringAsync("/api/projects"))!.AsArray().Select(p => p!["name"]!.GetValue<string>());
            listed.ShouldBe(["alpha", "gamma"]);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    [Fact]
    public async Task ServeDemo_NoNpmNoCache_CreatesTheProjectFromTheShippedCorpusAndHandsOutATask()
    {
        var directory = TempDirectory();
        try
        {
            // No npm on PATH (only dotnet's own folder) and an empty cache: the corpus must come from the CLI itself.
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = DotnetFolder(),
                ["SIFT_CACHE"] = Directory.CreateDirectory(Path.Combine(directory, "empty-cache")).FullName,
            };
            await using var serve = await ServeProcess.StartAsync(directory, environment, "--demo", "--db", Path.Combine(directory, "demo.db"));
            var token = AnnotatorTokenLine().Match(serve.Output).Groups["token"].Value;
            token.ShouldNotBeEmpty(serve.Output);
            using var annotator = serve.Client(token);
            var projects = JsonNode.Parse(await annotator.GetStringAsync("/api/projects"))!.AsArray();
            projects.Select(p => p!["name"]!.GetValue<string>()).ShouldBe(["spam-assassin-demo"]);
            var projectId = projects[0]!["id"]!.GetValue<long>();
            var next = await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null);
            next.StatusCode.ShouldBe(HttpStatusCode.OK, await next.Content.ReadAsStringAsync());
            var tasks = JsonNode.Parse(await next.Content.ReadAsStringAsync())!.AsArray();
            tasks.Count.ShouldBeGreaterThan(0);
            foreach (var task in tasks)
            {
                var text = task!["text"]!.GetValue<string>();
                text.ShouldNotContain('\uFFFD');
                text.ShouldNotContain("Content-Transfer-Encoding");
            }

            using var admin = serve.Client(serve.AdminToken!);
            var dashboard = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/dashboard"))!;
            dashboard["counts"]!["items"]!.GetValue<int>().ShouldBe(6046);
            Directory.EnumerateFileSystemEntries(Path.Combine(directory, "empty-cache")).ShouldBeEmpty();
        }
        finally
        {
            TryDelete(directory);
        }
    }

    [Fact]
    public async Task Serve_BothDbAndPostgres_FailsWithOneSentence()
    {
        var directory = TempDirectory();
        try
        {
            var (code, output) = await RunCliAsync(directory, "serve", "--port", "0", "--db", "x.db", "--postgres", "Host=127.0.0.1");
            code.ShouldBe(2);
            output.Trim().ShouldBe("error: Give either --db or --postgres, not both.");
        }
        finally
        {
            TryDelete(directory);
        }
    }

    /// <summary>
    /// The folder that really holds the dotnet executable found on PATH (/usr/bin/dotnet is a link, and /usr/bin
    /// holds npm too); the test host may be an apphost, so it is looked up rather than taken from this process.
    /// </summary>
    private static string DotnetFolder()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("dotnet is not on PATH.");
        var real = new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
        var folder = Path.GetDirectoryName(real)!;
        File.Exists(Path.Combine(folder, "npm")).ShouldBeFalse($"{folder} holds npm, so it cannot stand for a PATH without npm");
        return folder;
    }

    private static async Task<(int Code, string Output)> RunCliAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "sift.dll"), .. arguments]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex("sift_[A-Za-z0-9_-]{43}")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("token of user 'annotator': (?<token>sift_[A-Za-z0-9_-]{43})")]
    private static partial Regex AnnotatorTokenLine();
}
