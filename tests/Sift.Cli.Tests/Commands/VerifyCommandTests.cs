using Microsoft.Data.Sqlite;
using Sift.Evidence;
using Sift.Items;
using Sift.Projects;
using Sift.Server.Governance;
using Sift.Storage.Sqlite;

namespace Sift.Cli.Tests.Commands;

public sealed class VerifyCommandTests
{
    /// <summary>A small real simulation (TF-IDF, 2 strategies × 2 seeds), its evidence signed with a key in the temp folder.</summary>
    private static string Simulated(TempDirectory dir)
    {
        var train = dir.File("train.jsonl");
        var test = dir.File("test.jsonl");
        File.WriteAllLines(train, Enumerable.Range(0, 120).Select(i => Row(i)));
        File.WriteAllLines(test, Enumerable.Range(0, 40).Select(i => Row(i + 1000)));
        var error = new StringWriter();
        var code = SiftApp.Run(["simulate", "--train", train, "--test", test, "--features", "tfidf", "--strategy", "margin", "--seeds", "2",
            "--seed-size", "10", "--batch", "10", "--budget", "40", "--out", dir.File("out"), "--quiet", "--checkpoint-key", dir.File("key.pem")], error);
        code.ShouldBe(0, error.ToString());
        return dir.File("out");
    }

    private static string Row(int i) =>
        i % 2 == 0 ? $$"""{"text":"goal match team score {{i}}","label":"sports"}""" : $$"""{"text":"vote party election law {{i}}","label":"politics"}""";

    private static (int Code, string Output, string Error) Verify(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SiftApp.Run(["verify", .. args], error, output);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Verify_FreshSimulation_IntactWithItsCheckpoint()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);
        File.Exists(Path.Combine(folder, "evidence.checkpoints.jsonl")).ShouldBeTrue();

        var (code, output, error) = Verify(folder);

        code.ShouldBe(0, error);
        output.ShouldContain("intact: 16 entries");
        output.ShouldContain("1 checkpoint(s) matched");
    }

    [Fact]
    public void Verify_EditedLine_ExitOneNamingTheEntry()
    {
        using var dir = new TempDirectory();
        var log = Path.Combine(Simulated(dir), "evidence.jsonl");
        var lines = File.ReadAllLines(log);
        lines[4] = lines[4].Replace("\"labels\":", "\"labels\": ", StringComparison.Ordinal);
        File.WriteAllLines(log, lines);

        var (code, output, _) = Verify(log);

        code.ShouldBe(1);
        output.ShouldContain("NOT intact (edited). Entry 5 (line 5) was edited");
        output.ShouldContain("Entries 1–4 verify.");
    }

    [Fact]
    public void Verify_TailCut_ExitOneFromTheCheckpoint()
    {
        using var dir = new TempDirectory();
        var log = Path.Combine(Simulated(dir), "evidence.jsonl");
        File.WriteAllLines(log, File.ReadAllLines(log)[..^3]);

        var (code, output, _) = Verify(log);

        code.ShouldBe(1);
        output.ShouldContain("NOT intact (truncated)");
        output.ShouldContain("entries 14–16 are gone");
    }

    [Fact]
    public void Verify_PinnedKeyOfAnotherMachine_Refused()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);

        var (code, output, _) = Verify(folder, "--key-id", "0123456789abcdef");

        code.ShouldBe(1);
        output.ShouldContain("not the trusted key 0123456789abcdef");
    }

    [Fact]
    public void Verify_DamagedCheckpointFile_OneSentenceNamingFileAndLine()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);
        File.AppendAllText(Path.Combine(folder, "evidence.checkpoints.jsonl"), "garbage\n");

        var (code, _, error) = Verify(folder);

        code.ShouldBe(2);
        error.ShouldContain("evidence.checkpoints.jsonl, line 2: not a checkpoint");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public void Verify_NoSuchPath_OneSentence()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = Verify(dir.File("nowhere"));

        code.ShouldBe(2);
        error.ShouldContain("no such file or folder");
    }

    [Fact]
    public void Simulate_SameKeyTwice_SameKeyIdAndTheKeyFileOwnerOnly()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);
        var first = Checkpoint.ParseLine(File.ReadAllLines(Path.Combine(folder, "evidence.checkpoints.jsonl"))[0])!;

        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(dir.File("key.pem")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var again = Simulated(dir);
        Checkpoint.ParseLine(File.ReadAllLines(Path.Combine(again, "evidence.checkpoints.jsonl")).Single())!.KeyId.ShouldBe(first.KeyId);
    }

    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A real SQLite server database with one project and 8 evidence entries, checkpointed by the server's writer.</summary>
    private static async Task<(string Db, long ProjectId, CheckpointWriter Writer)> ServerDatabaseAsync(TempDirectory dir)
    {
        var db = dir.File("sift.db");
        var ct = TestContext.Current.CancellationToken;
        long projectId;
        await using (var store = new SqliteSiftStore(db))
        {
            await store.MigrateAsync(ct);
            var admin = await store.CreateUserAsync("admin", Role.Admin, new string('0', 64), T0, ct);
            var project = await store.CreateProjectAsync("p", new ProjectSettings { Labels = ["spam", "ham"] }, "# Label it", admin.Id, T0, ct);
            projectId = project.Id;
            await store.ImportItemsAsync(project.Id, [new NewItem("a", "text of a", null, 1, null, null, false)], new ImportOrigin("a.jsonl", T0), ct);
            for (var i = 0; i < 6; i++) await store.AppendEvidenceAsync(project.Id, new ExportEvent("csv", i, "admin"), T0.AddMinutes(i), ct);
        }
        var writer = new CheckpointWriter(new SqliteSiftStore(db), new CheckpointOptions { Directory = ServerCheckpoints.DefaultDirectory(db), KeyPath = dir.File("key.pem") },
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0.AddHours(1)));
        return (db, projectId, writer);
    }

    private static void Sql(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Verify_ServerDatabase_IntactThenEditedThenCut()
    {
        using var dir = new TempDirectory();
        var (db, projectId, writer) = await ServerDatabaseAsync(dir);
        using (writer)
        {
            (await writer.CheckpointAllAsync(TestContext.Current.CancellationToken)).ShouldBe(1);
            (await writer.CheckpointAllAsync(TestContext.Current.CancellationToken)).ShouldBe(0); // nothing moved
        }
        var id = projectId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, output, error) = Verify("--db", db, "--project", id);
        code.ShouldBe(0, error);
        output.ShouldContain("intact: 8 entries");

        Sql(db, "DELETE FROM evidence WHERE seq = 8");
        (code, output, _) = Verify("--db", db, "--project", id);
        code.ShouldBe(1);
        output.ShouldContain("NOT intact (truncated)");

        Sql(db, "UPDATE evidence SET json = replace(json, 'csv', 'tsv') WHERE seq = 4");
        (code, output, _) = Verify("--db", db, "--project", id);
        code.ShouldBe(1);
        output.ShouldContain("Entry 4 (line 4) was edited");
    }

    [Fact]
    public async Task CheckpointWriter_EditedEvidence_SignsNothingMore()
    {
        using var dir = new TempDirectory();
        var (db, projectId, writer) = await ServerDatabaseAsync(dir);
        using (writer)
        {
            (await writer.CheckpointAllAsync(TestContext.Current.CancellationToken)).ShouldBe(1);
            await using (var store = new SqliteSiftStore(db))
                await store.AppendEvidenceAsync(projectId, new ExportEvent("csv", 9, "admin"), T0.AddHours(2), TestContext.Current.CancellationToken);
            Sql(db, "UPDATE evidence SET json = replace(json, 'csv', 'tsv') WHERE seq = 9");

            (await writer.CheckpointAllAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
        }
        File.ReadAllLines(ServerCheckpoints.FileFor(ServerCheckpoints.DefaultDirectory(db), projectId)).Length.ShouldBe(1);
    }

    [Fact]
    public void Verify_DatabaseThatDoesNotExist_OneSentence()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = Verify("--db", dir.File("none.db"), "--project", "1");

        code.ShouldBe(2);
        error.ShouldContain("no such database file");
    }
}
