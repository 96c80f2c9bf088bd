using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sift.Evidence;
using Sift.Projects;
using Sift.Server.Governance;
using Sift.Storage.Sqlite;

namespace Sift.Cli.Tests.Commands;

public sealed partial class ReportCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    /// <summary>What hostile text in a name or value must never become: markup.</summary>
    private const string Hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";

    /// <summary>A small real simulation (TF-IDF, margin and the random control × 2 seeds), its evidence signed.</summary>
    private static string Simulated(TempDirectory dir)
    {
        var train = dir.File("train.jsonl");
        var test = dir.File("test.jsonl");
        File.WriteAllLines(train, Enumerable.Range(0, 120).Select(Row));
        File.WriteAllLines(test, Enumerable.Range(1000, 40).Select(Row));
        var error = new StringWriter();
        var code = SiftApp.Run(["simulate", "--train", train, "--test", test, "--features", "tfidf", "--strategy", "margin", "--seeds", "2",
            "--seed-size", "10", "--batch", "10", "--budget", "40", "--out", dir.File("out"), "--quiet", "--checkpoint-key", dir.File("key.pem")], error);
        code.ShouldBe(0, error.ToString());
        return dir.File("out");
    }

    // Noisy enough (a shared word in every third item) that the learners are not all perfect.
    private static string Row(int i) => i % 2 == 0
        ? $$"""{"text":"goal match team score {{(i % 3 == 0 ? "vote" : "")}} {{i}}","label":"sports"}"""
        : $$"""{"text":"vote party election law {{(i % 3 == 0 ? "goal" : "")}} {{i}}","label":"politics"}""";

    private static (int Code, string Output, string Error) Report(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SiftApp.Run(["report", .. args], error, output);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The datasheet's JSON, carried in the page's application/json block.</summary>
    private static JsonElement Data(string html)
    {
        var match = DataBlock().Match(html);
        match.Success.ShouldBeTrue("the page carries its datasheet as JSON");
        using var document = JsonDocument.Parse(match.Groups[1].Value);
        return document.RootElement.Clone();
    }

    [GeneratedRegex("<script type=\"application/json\" id=\"datasheet-data\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex DataBlock();

    /// <summary>Nothing in the page loads anything: no src, no link, no url(), no script but the JSON block.</summary>
    private static void ShouldBeSelfContained(string html)
    {
        html.ShouldStartWith("<!DOCTYPE html>");
        // Text is encoded, so any "<" left starts real markup: none of it may point anywhere.
        Regex.IsMatch(html, "<[a-zA-Z][^>]*\\s(src|href|srcset|poster|action|data)\\s*=", RegexOptions.IgnoreCase).ShouldBeFalse("no element loads or links anything");
        html.ShouldNotContain("<link");
        html.ShouldNotContain("<img");
        html.ShouldNotContain("<iframe");
        html.ShouldNotContain("url(");
        html.ShouldNotContain("@import");
        Regex.Matches(html, "<script").Count.ShouldBe(1);
        html.ShouldContain("<script type=\"application/json\" id=\"datasheet-data\">");
        html.ShouldContain("@media print");
        html.ShouldContain("Content-Security-Policy");
        foreach (var section in new[] { "provenance", "acquisition", "oracles", "instructions", "agreement", "curves", "lift", "subgroups", "stopping", "privacy", "verification", "gaps" })
            html.ShouldContain($"<section id=\"{section}\">");
    }

    [Fact]
    public void Report_SimulationFolder_DatasheetWithTheRunsNumbers()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);
        var outPath = dir.File("report.html");

        var (code, output, error) = Report(folder, "--out", outPath);

        code.ShouldBe(0, error);
        output.ShouldContain("wrote " + outPath);
        var html = File.ReadAllText(outPath);
        ShouldBeSelfContained(html);
        var data = Data(html);
        data.GetProperty("source").GetString().ShouldBe("simulation");

        // The chain: what sift verify says about the same folder.
        var verification = data.GetProperty("verification");
        verification.GetProperty("intact").GetBoolean().ShouldBeTrue();
        verification.GetProperty("entries").GetInt64().ShouldBe(16);
        verification.GetProperty("checkpoints_matched").GetInt32().ShouldBe(1);
        var verify = new StringWriter();
        SiftApp.Run(["verify", folder], new StringWriter(), verify).ShouldBe(0);
        verify.ToString().ShouldContain("head " + verification.GetProperty("head").GetString());

        // The lift row: results.json's final accuracies, paired by seed.
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "results.json")));
        double Final(string strategy) => results.RootElement.GetProperty("summary").EnumerateArray()
            .Single(s => s.GetProperty("strategy").GetString() == strategy).GetProperty("final_accuracy").GetDouble();
        var lift = data.GetProperty("lift").EnumerateArray().Single();
        lift.GetProperty("strategy").GetString().ShouldBe("margin");
        lift.GetProperty("active_accuracy").GetDouble().ShouldBe(Final("margin"), 1e-9);
        lift.GetProperty("random_accuracy").GetDouble().ShouldBe(Final("random"), 1e-9);
        lift.GetProperty("difference").GetDouble().ShouldBe(Final("margin") - Final("random"), 1e-9);
        lift.GetProperty("low").GetDouble().ShouldBeLessThanOrEqualTo(lift.GetProperty("difference").GetDouble());
        html.ShouldContain(lift.GetProperty("active_accuracy").GetDouble().ToString("0.000", CultureInfo.InvariantCulture));

        // Who labeled: the simulator's gold, 30 picks per run, 4 runs.
        var share = data.GetProperty("oracle_shares").EnumerateArray().Single();
        (share.GetProperty("name").GetString(), share.GetProperty("answers").GetInt32(), share.GetProperty("share").GetDouble()).ShouldBe(("simulated-gold", 120, 1.0));

        // Each run's acquisition and stopping, label-class subgroups per strategy, the pool files hashed.
        data.GetProperty("acquisition").GetArrayLength().ShouldBe(4);
        data.GetProperty("stopping").EnumerateArray().ShouldAllBe(s => s.GetProperty("reason").GetString()!.Contains("label budget reached"));
        data.GetProperty("subgroups").EnumerateArray().Select(s => s.GetProperty("value").GetString()).Distinct().Order().ShouldBe(["politics", "sports"]);
        data.GetProperty("imports")[0].GetProperty("sha256").GetString()!.Length.ShouldBe(64);
        html.ShouldContain("<svg class=\"chart\"");
        html.ShouldContain("No redaction recorded.");
        data.GetProperty("gaps").EnumerateArray().ShouldContain(g => g.GetString()!.StartsWith("Accuracy per subgroup is not recorded", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_EditedEvidence_SaysNotIntactNamingTheEntry()
    {
        using var dir = new TempDirectory();
        var log = Path.Combine(Simulated(dir), "evidence.jsonl");
        var lines = File.ReadAllLines(log);
        lines[4] = lines[4].Replace("\"labels\":", "\"labels\": ", StringComparison.Ordinal);
        File.WriteAllLines(log, lines);

        var (code, _, error) = Report(log, "--out", dir.File("r.html"));

        code.ShouldBe(0, error);
        var html = File.ReadAllText(dir.File("r.html"));
        html.ShouldContain("Evidence chain: NOT intact");
        Data(html).GetProperty("verification").GetProperty("problem").GetString()!.ShouldContain("Entry 5 (line 5) was edited");
    }

    /// <summary>A test-only event of the kind the privacy work records.</summary>
    private sealed record RedactionRecorded(string ItemId, string Type, int Count) : EvidenceEvent
    {
        public override string Kind => "redaction";
    }

    [Fact]
    public async Task Report_ServerDatabase_ReadsWithoutWritingAndEncodesHostileText()
    {
        using var dir = new TempDirectory();
        var db = dir.File("sift.db");
        long projectId;
        await using (var store = new SqliteSiftStore(db))
        {
            await store.MigrateAsync(Ct);
            var admin = await store.CreateUserAsync("admin", Role.Admin, new string('0', 64), T0, Ct);
            var annotator = await store.CreateUserAsync("ann" + Hostile, Role.Annotator, new string('1', 64), T0, Ct);
            var project = await store.CreateProjectAsync("News " + Hostile, new ProjectSettings { Labels = ["spam", "ham" + Hostile] }, "# Label it", admin.Id, T0, Ct);
            projectId = project.Id;
            var items = Enumerable.Range(0, 12).Select(i => new NewItem($"i{i}", "text " + i, i % 3 == 0 ? "g" + Hostile : "plain", 1,
                $$"""{"source":"{{(i % 2 == 0 ? "web" : "mail")}}"}""", i % 2 == 0 ? "spam" : "ham" + Hostile, false)).ToList();
            await store.ImportItemsAsync(project.Id, items, new ImportOrigin("feed" + Hostile + ".jsonl", T0), Ct);
            for (var i = 0; i < 6; i++)
            {
                var task = (await store.ClaimNextAsync(project.Id, annotator.Id, T0.AddMinutes(i), TimeSpan.FromMinutes(10), 1, Ct))!;
                var gold = (await store.GetGoldLabelsAsync(project.Id, Ct))[task.ItemId];
                await store.SubmitAsync(project.Id, task.Id, annotator.Id, [i == 0 ? "spam" : gold], $"r{i}", T0.AddMinutes(i).AddSeconds(5), cancellationToken: Ct);
            }
            await store.AppendEvidenceAsync(project.Id, new RedactionRecorded("i3", "email" + Hostile, 2), T0.AddHours(1), Ct);
        }
        var before = File.ReadAllBytes(db);
        var id = projectId.ToString(CultureInfo.InvariantCulture);

        var (code, _, error) = Report("--db", db, "--project", id, "--out", dir.File("r.html"));

        code.ShouldBe(0, error);
        File.ReadAllBytes(db).ShouldBe(before, "the report reads the database without writing it");
        var html = File.ReadAllText(dir.File("r.html"));
        ShouldBeSelfContained(html);
        html.ShouldNotContain("<script>alert");
        html.ShouldNotContain("<img");
        html.ShouldContain("News &lt;script&gt;alert(1)&lt;/script&gt;");
        var data = Data(html);
        data.GetProperty("title").GetString().ShouldBe("News " + Hostile);

        // Subgroups: the label classes, the group field and the metadata field, each counted.
        var rows = data.GetProperty("subgroups").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("field").GetString()).Distinct().ShouldBe(["label", "group", "meta.source"]);
        var spam = rows.Single(r => r.GetProperty("field").GetString() == "label" && r.GetProperty("value").GetString() == "spam");
        spam.GetProperty("pool_items").GetInt32().ShouldBe(6);
        spam.GetProperty("labels").GetInt32().ShouldBe(data.GetProperty("dashboard").GetProperty("labels_per_class").GetProperty("spam").GetInt32());
        var goldChecked = rows.Where(r => r.GetProperty("field").GetString() == "label").Sum(r => r.GetProperty("gold_checked").GetInt32());
        var goldCorrect = rows.Where(r => r.GetProperty("field").GetString() == "label").Sum(r => r.GetProperty("gold_correct").GetInt32());
        goldChecked.ShouldBe(6);
        goldCorrect.ShouldBeInRange(5, 6); // the first answer was "spam" whatever the gold: right when its item is spam
        rows.Where(r => r.GetProperty("field").GetString() == "meta.source").Sum(r => r.GetProperty("pool_items").GetInt32()).ShouldBe(12);

        // Privacy: the redaction event, its hostile type encoded.
        var privacy = data.GetProperty("privacy").EnumerateArray().Single();
        privacy.GetProperty("kind").GetString().ShouldBe("redaction");
        html.ShouldNotContain("No redaction recorded.");
        html.ShouldContain("email&lt;script&gt;");

        // The import with its source, the instructions version the answers were given under, the chain (no checkpoint kept).
        data.GetProperty("imports")[0].GetProperty("source").GetString().ShouldBe("feed" + Hostile + ".jsonl");
        data.GetProperty("instructions")[0].GetProperty("answers").GetInt32().ShouldBe(6);
        data.GetProperty("verification").GetProperty("intact").GetBoolean().ShouldBeTrue();
        data.GetProperty("gaps").EnumerateArray().ShouldContain(g => g.GetString()!.StartsWith("No signed checkpoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Report_ProjectThatDoesNotExist_OneSentence()
    {
        using var dir = new TempDirectory();
        var db = dir.File("sift.db");
        await using (var store = new SqliteSiftStore(db)) await store.MigrateAsync(Ct);

        var (code, _, error) = Report("--db", db, "--project", "42", "--out", dir.File("r.html"));

        code.ShouldBe(2);
        error.ShouldContain("project 42 does not exist");
        File.Exists(dir.File("r.html")).ShouldBeFalse();
    }

    [Fact]
    public void Report_FolderWithoutEvidence_OneSentence()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = Report(dir.Path, "--out", dir.File("r.html"));

        code.ShouldBe(2);
        error.ShouldContain("no evidence.jsonl in this folder");
    }
}
