using Microsoft.Data.Sqlite;
using Sift.Evidence;
using Sift.Privacy;
using Sift.Projects;
using Sift.Storage;
using Sift.Storage.Sqlite;

namespace Sift.Cli.Tests.Commands;

/// <summary>
/// <c>sift verify --db</c> on a real SQLite server database after redaction and a purge of originals (the log still
/// verifies), and <c>--head</c>: an export's chain head catches a rewrite of the whole chain that the chain alone cannot.
/// </summary>
public sealed class VerifyPrivacyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (int Code, string Output, string Error) Verify(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SiftApp.Run(["verify", .. args], error, output);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A server database with a redacting project: three items imported (two redacted), exported, originals purged.</summary>
    private static async Task<(string Db, long ProjectId, ChainHead ExportHead)> PurgedDatabaseAsync(TempDirectory dir)
    {
        var db = dir.File("sift.db");
        await using var store = new SqliteSiftStore(db);
        await store.MigrateAsync(Ct);
        var admin = await store.CreateUserAsync("admin", Role.Admin, new string('0', 64), T0, Ct);
        var settings = new ProjectSettings { Labels = ["spam", "ham"], Privacy = PrivacySettings.ForNewProjects with { Retention = PrivacySettings.PurgeAfterExport } };
        var project = await store.CreateProjectAsync("p", settings, "", admin.Id, T0, Ct);
        var redactor = new ItemRedactor(settings.Privacy);
        NewItem[] items =
        [
            redactor.Redact(new NewItem("a", "mail ann@example.com", null, 1, null, null, false)),
            redactor.Redact(new NewItem("b", "card 4111 1111 1111 1111", null, 1, null, null, false)),
            new NewItem("c", "plain", null, 1, null, null, false),
        ];
        await store.ImportItemsAsync(project.Id, items, new ImportOrigin("upload", T0), Ct);
        var before = await store.GetEvidenceHeadAsync(project.Id, Ct);
        var seq = await store.AppendEvidenceAsync(project.Id, new ExportEvent("jsonl", 3, "admin") { HeadSeq = before!.Seq, HeadHash = before.Hash }, T0.AddMinutes(1), Ct);
        var head = (await store.GetEvidenceHeadAsync(project.Id, Ct))!;
        head.Seq.ShouldBe(seq);
        (await store.PurgeOriginalsAsync(project.Id, PrivacySettings.PurgeAfterExport, "export", T0.AddMinutes(2), Ct)).ShouldBe(2);
        return (db, project.Id, head);
    }

    [Fact]
    public async Task Verify_AfterPurgeOfOriginals_IntactAndTheExportHeadMatches()
    {
        using var dir = new TempDirectory();
        var (db, projectId, head) = await PurgedDatabaseAsync(dir);
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM item_originals";
            ((long)count.ExecuteScalar()!).ShouldBe(0);
            using var kinds = connection.CreateCommand();
            kinds.CommandText = "SELECT group_concat(kind, ',') FROM (SELECT kind FROM evidence ORDER BY seq)";
            ((string)kinds.ExecuteScalar()!).ShouldBe("settings,import,redaction,export,retention");
        }

        var (code, output, error) = Verify("--db", db, "--project", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--head", head.ToString());
        code.ShouldBe(0, error + output);
        output.ShouldContain("intact as a chain: 5 entries");
    }

    [Fact]
    public async Task Verify_ChainRewrittenConsistently_CaughtOnlyWithTheExportsHead()
    {
        using var dir = new TempDirectory();
        var (db, projectId, head) = await PurgedDatabaseAsync(dir);
        var id = projectId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Rewrite from entry 2 on with every hash recomputed: hide one of the redactions, as a forger would.
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            var rows = new List<(long Seq, string Json)>();
            using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT seq, json FROM evidence WHERE project_id = $p ORDER BY seq";
                read.Parameters.AddWithValue("$p", projectId);
                using var reader = read.ExecuteReader();
                while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
            }
            var prev = rows[0].Seq == 1 ? Hash(connection, projectId, 1) : EvidenceChain.Genesis;
            foreach (var (seq, json) in rows.Skip(1))
            {
                var changed = seq == 3 ? json.Replace("\"payment_card\":1", "\"payment_card\":0", StringComparison.Ordinal) : json;
                var entry = ChainEntry.After(seq, prev, changed);
                using var write = connection.CreateCommand();
                write.CommandText = "UPDATE evidence SET json = $j, prev_hash = $v, hash = $h WHERE project_id = $p AND seq = $s";
                write.Parameters.AddWithValue("$j", changed);
                write.Parameters.AddWithValue("$v", prev);
                write.Parameters.AddWithValue("$h", entry.Hash);
                write.Parameters.AddWithValue("$p", projectId);
                write.Parameters.AddWithValue("$s", seq);
                write.ExecuteNonQuery();
                prev = entry.Hash;
            }
        }

        var (code, output, _) = Verify("--db", db, "--project", id);
        code.ShouldBe(0, "without an anchor outside the database the rewrite is invisible");
        output.ShouldContain("cannot be ruled out");

        (code, output, _) = Verify("--db", db, "--project", id, "--head", head.ToString());
        code.ShouldBe(1);
        output.ShouldContain("NOT intact (rewritten)");
        output.ShouldContain($"entry {head.Seq} has hash");

        (code, _, var error) = Verify("--db", db, "--project", id, "--head", "12:nothex");
        code.ShouldBe(2);
        error.ShouldContain("--head: '12:nothex' is not SEQ:HASH");
    }

    private static string Hash(SqliteConnection connection, long projectId, long seq)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT hash FROM evidence WHERE project_id = $p AND seq = $s";
        command.Parameters.AddWithValue("$p", projectId);
        command.Parameters.AddWithValue("$s", seq);
        return (string)command.ExecuteScalar()!;
    }
}
