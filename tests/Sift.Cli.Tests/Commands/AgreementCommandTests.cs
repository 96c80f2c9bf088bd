using System.Text.Json;

namespace Sift.Cli.Tests.Commands;

public sealed class AgreementCommandTests
{
    /// <summary>
    /// Seven items, annotators ann, bob, cy (r6 rated by ann only, r7 by nobody):
    /// r1 yes yes yes · r2 no no no · r3 yes yes no · r4 no no yes · r5 yes – yes · r6 yes – – · r7 – – –.
    /// </summary>
    private static readonly (string Item, (string Annotator, string Label)[] Answers)[] Items =
    [
        ("r1", [("ann", "yes"), ("bob", "yes"), ("cy", "yes")]),
        ("r2", [("ann", "no"), ("bob", "no"), ("cy", "no")]),
        ("r3", [("ann", "yes"), ("bob", "yes"), ("cy", "no")]),
        ("r4", [("ann", "no"), ("bob", "no"), ("cy", "yes")]),
        ("r5", [("ann", "yes"), ("cy", "yes")]),
        ("r6", [("ann", "yes")]),
        ("r7", []),
    ];

    private static string ExportLines() => string.Join('\n', Items.Select((x, n) => JsonSerializer.Serialize(new
    {
        id = x.Item,
        item_id = n + 1,
        text = $"text {n}",
        group = (string?)null,
        cost = 1,
        held_out = false,
        resolved_label = (string?)null,
        annotations = x.Answers.Select(a => new { annotator = a.Annotator, labels = new[] { a.Label }, instructions_version = 1, created_at = "2026-11-20T10:00:00+00:00" }),
        meta = new { source = "test" },
    }))) + "\n";

    private static string SimpleLines() =>
        string.Concat(Items.SelectMany(x => x.Answers.Select(a => JsonSerializer.Serialize(new { item = x.Item, annotator = a.Annotator, label = a.Label }) + "\n")));

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SiftApp.Run(["agreement", .. args], error, output);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Agreement_ServerExport_PrintsHandComputedMeasuresAndWritesFiles()
    {
        using var dir = new TempDirectory();
        var path = dir.File("export.jsonl");
        File.WriteAllText(path, ExportLines());

        var (code, output, error) = Run(path, "--out", dir.File("out"));

        code.ShouldBe(0, error);
        error.ShouldBeEmpty();
        output.ShouldContain("7 items (6 rated, 5 with 2+ ratings), 3 annotators, 15 ratings, 2 labels: no, yes");
        // Items r1–r5: P̄ = (1 + 1 + 1/3 + 1/3 + 1)/5 = 11/15; yes 8, no 6 of 14 → P_e = 25/49; κ = 41/90.
        output.ShouldContain("observed (share of agreeing pairs)  0.733");
        output.ShouldContain("Fleiss' κ                           0.456");
        // o_yy = 6, o_nn = 4, o_yn = o_ny = 2, n = 14: α = 1 − 13·4 / (2·8·6) = 11/24.
        output.ShouldContain("Krippendorff's α (nominal)          0.458");
        output.ShouldMatch(@"ann · bob\s+4\s+1\.000\s+1\.000");
        output.ShouldMatch(@"ann · cy\s+5\s+0\.600\s+0\.167");
        output.ShouldMatch(@"bob · cy\s+4\s+0\.500\s+0\.000");
        output.ShouldMatch(@"ann\s+6\s+1\.000 of 3\s+0\.\d{3}");
        output.ShouldMatch(@"cy\s+5\s+0\.600 of 5\s+0\.\d{3}");
        output.ShouldContain("Dawid–Skene (confusion, smoothing 1): converged after");

        using var report = JsonDocument.Parse(File.ReadAllText(dir.File("out/agreement.json")));
        var root = report.RootElement;
        root.GetProperty("shape").GetString().ShouldBe("export");
        var agreement = root.GetProperty("agreement");
        agreement.GetProperty("percent_agreement").GetDouble().ShouldBe(11.0 / 15, 1e-12);
        agreement.GetProperty("fleiss_kappa").GetDouble().ShouldBe(41.0 / 90, 1e-12);
        agreement.GetProperty("krippendorff_alpha").GetDouble().ShouldBe(11.0 / 24, 1e-12);
        var pairs = agreement.GetProperty("pairs").EnumerateArray().ToList();
        pairs.Select(p => (p.GetProperty("first").GetString(), p.GetProperty("second").GetString())).ShouldBe([("ann", "bob"), ("ann", "cy"), ("bob", "cy")]);
        pairs[1].GetProperty("cohen_kappa").GetDouble().ShouldBe(1.0 / 6, 1e-12);
        var annotators = root.GetProperty("annotators").EnumerateArray().ToList();
        annotators.Select(a => a.GetProperty("name").GetString()).ShouldBe(["ann", "bob", "cy"]);
        annotators[1].GetProperty("compared_with_majority").GetInt32().ShouldBe(2);
        foreach (var a in annotators)
        {
            a.GetProperty("estimated_accuracy").GetDouble().ShouldBeInRange(0.0, 1.0);
            foreach (var row in a.GetProperty("confusion").EnumerateObject())
                row.Value.EnumerateObject().Sum(cell => cell.Value.GetDouble()).ShouldBe(1.0, 1e-9);
        }

        var lines = File.ReadAllLines(dir.File("out/labels.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Select(l => l.GetProperty("item").GetString()).ShouldBe(["r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
        lines.Select(l => l.GetProperty("majority").GetString()).ShouldBe(["yes", "no", "yes", "no", "yes", "yes", null]);
        lines[6].GetProperty("dawid_skene").ValueKind.ShouldBe(JsonValueKind.Null);
        lines[6].GetProperty("posterior").ValueKind.ShouldBe(JsonValueKind.Null);
        foreach (var l in lines.Take(6)) l.GetProperty("posterior").EnumerateObject().Sum(p => p.Value.GetDouble()).ShouldBe(1.0, 1e-9);
        var differs = lines.Count(l => l.GetProperty("majority").GetString() is { } m && l.GetProperty("dawid_skene").GetString() != m);
        root.GetProperty("dawid_skene").GetProperty("differs_from_majority").GetInt32().ShouldBe(differs);
        root.GetProperty("dawid_skene").GetProperty("items_with_majority").GetInt32().ShouldBe(6);

        // No gold labels in the file: no gold section.
        output.ShouldNotContain("gold");
        root.GetProperty("gold").ValueKind.ShouldBe(JsonValueKind.Null);
        lines.ShouldAllBe(l => l.GetProperty("gold").ValueKind == JsonValueKind.Null);
    }

    /// <summary>
    /// An admin's export with gold labels (annotators ann, bob, cy; labels yes/no):
    /// g1 yes yes no (gold yes) · g2 no yes no (gold yes) · g3 yes no – (gold no; the majority ties) · g4 no – – (gold no) ·
    /// g5 unrated (gold yes) · g6 yes yes yes (no gold) · g7 – – yes (gold "maybe", a label nobody chose).
    /// </summary>
    private static string GoldExportLines()
    {
        (string Item, string? Gold, (string Annotator, string Label)[] Answers)[] items =
        [
            ("g1", "yes", [("ann", "yes"), ("bob", "yes"), ("cy", "no")]),
            ("g2", "yes", [("ann", "no"), ("bob", "yes"), ("cy", "no")]),
            ("g3", "no", [("ann", "yes"), ("bob", "no")]),
            ("g4", "no", [("ann", "no")]),
            ("g5", "yes", []),
            ("g6", null, [("ann", "yes"), ("bob", "yes"), ("cy", "yes")]),
            ("g7", "maybe", [("cy", "yes")]),
        ];
        return string.Join('\n', items.Select((x, n) => JsonSerializer.Serialize(new
        {
            id = x.Item,
            item_id = n + 1,
            text = $"text {n}",
            held_out = false,
            gold_label = x.Gold,
            resolved_label = (string?)null,
            annotations = x.Answers.Select(a => new { annotator = a.Annotator, labels = new[] { a.Label }, instructions_version = 1, created_at = "2026-11-20T10:00:00+00:00" }),
        }))) + "\n";
    }

    [Fact]
    public void Agreement_ExportWithGold_ReportsHandComputedAccuracies()
    {
        using var dir = new TempDirectory();
        var path = dir.File("gold.jsonl");
        File.WriteAllText(path, GoldExportLines());

        var (code, output, error) = Run(path, "--out", dir.File("out"));

        code.ShouldBe(0, error);
        // Gold items g1 g2 g3 g4 g5 g7; g5 is unrated. ann: g1 ✓ g2 ✗ g3 ✗ g4 ✓; bob: g1 ✓ g2 ✓ g3 ✓; cy: g1 ✗ g2 ✗ g7 ✗.
        // Majority: g1 yes ✓, g2 no ✗, g4 no ✓, g7 yes ✗; g3 ties and is left out.
        output.ShouldContain("accuracy against gold labels: 6 gold items, 5 of them rated");
        output.ShouldMatch(@"\n  ann\s+4\s+2\s+0\.500\n");
        output.ShouldMatch(@"\n  bob\s+3\s+3\s+1\.000\n");
        output.ShouldMatch(@"\n  cy\s+3\s+0\s+0\.000\n");
        output.ShouldMatch(@"\n  majority vote\s+4\s+2\s+0\.500   \(1 tied item left out\)\n");
        output.ShouldMatch(@"\n  Dawid–Skene\s+5\s+\d\s+\d\.\d{3}   \(\d\.\d{3} on the majority's 4 items\)");

        using var report = JsonDocument.Parse(File.ReadAllText(dir.File("out/agreement.json")));
        var gold = report.RootElement.GetProperty("gold");
        (gold.GetProperty("items").GetInt32(), gold.GetProperty("rated_items").GetInt32(), gold.GetProperty("majority_ties").GetInt32()).ShouldBe((6, 5, 1));
        gold.GetProperty("annotators").EnumerateArray()
            .Select(a => (a.GetProperty("name").GetString(), a.GetProperty("items").GetInt32(), a.GetProperty("correct").GetInt32(), a.GetProperty("accuracy").GetDouble()))
            .ShouldBe([("ann", 4, 2, 0.5), ("bob", 3, 3, 1.0), ("cy", 3, 0, 0.0)]);
        var majority = gold.GetProperty("majority");
        (majority.GetProperty("items").GetInt32(), majority.GetProperty("correct").GetInt32(), majority.GetProperty("accuracy").GetDouble()).ShouldBe((4, 2, 0.5));

        // Dawid–Skene's score is its own labels (labels.jsonl) checked against gold by hand here.
        var lines = File.ReadAllLines(dir.File("out/labels.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Select(l => l.GetProperty("gold").GetString()).ShouldBe(["yes", "yes", "no", "no", "yes", null, "maybe"]);
        var measured = lines.Where(l => l.GetProperty("gold").GetString() is not null && l.GetProperty("ratings").GetInt32() > 0).ToList();
        var dsCorrect = measured.Count(l => l.GetProperty("dawid_skene").GetString() == l.GetProperty("gold").GetString());
        var ds = gold.GetProperty("dawid_skene");
        (ds.GetProperty("items").GetInt32(), ds.GetProperty("correct").GetInt32()).ShouldBe((5, dsCorrect));
        var onMajority = gold.GetProperty("dawid_skene_on_majority_items");
        onMajority.GetProperty("items").GetInt32().ShouldBe(4);
        onMajority.GetProperty("correct").GetInt32().ShouldBe(measured.Count(l => l.GetProperty("majority").GetString() is not null
            && l.GetProperty("dawid_skene").GetString() == l.GetProperty("gold").GetString()));
    }

    [Fact]
    public void Agreement_SimpleFile_GivesTheSameMeasuresAsTheExport()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("simple.jsonl"), SimpleLines());
        var (code, output, error) = Run(dir.File("simple.jsonl"), "--out", dir.File("out"), "--model", "one-coin");
        code.ShouldBe(0, error);
        output.ShouldContain("(annotation lines): 6 items (6 rated, 5 with 2+ ratings)");
        output.ShouldContain("Dawid–Skene (one-coin, smoothing 1)");
        using var report = JsonDocument.Parse(File.ReadAllText(dir.File("out/agreement.json")));
        report.RootElement.GetProperty("shape").GetString().ShouldBe("simple");
        report.RootElement.GetProperty("agreement").GetProperty("fleiss_kappa").GetDouble().ShouldBe(41.0 / 90, 1e-12);
        report.RootElement.GetProperty("agreement").GetProperty("krippendorff_alpha").GetDouble().ShouldBe(11.0 / 24, 1e-12);
    }

    [Fact]
    public void Agreement_SingleLabelOnly_PrintsNotApplicable()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("same.jsonl"), """
            {"item": "a", "annotator": "x", "label": "ok"}
            {"item": "a", "annotator": "y", "label": "ok"}
            {"item": "b", "annotator": "x", "label": "ok"}
            {"item": "b", "annotator": "y", "label": "ok"}
            {"item": "b", "annotator": "y", "label": "ok"}
            """);
        var (code, output, error) = Run(dir.File("same.jsonl"));
        code.ShouldBe(0, error);
        output.ShouldContain("1 repeated ratings (same item and annotator): the later one counts");
        output.ShouldContain("observed (share of agreeing pairs)  1.000");
        output.ShouldContain("Fleiss' κ                           n/a");
        output.ShouldContain("Krippendorff's α (nominal)          n/a");
    }

    [Theory]
    [InlineData("{\"item\": \"a\", \"annotator\": \"x\", \"label\": \"ok\"}\n{\"item\": \"a\", \"annotator\": \"y\", \"label\": \"ok\"}\n{\"item\": \"b\", \"annotator\": \"x\", \"label\": }\n",
        "line 3: malformed JSON near byte")]
    [InlineData("{\"item\": \"a\", \"annotator\": \"x\", \"label\": \"ok\"}\n{\"item\": \"b\", \"label\": \"ok\"}\n",
        "line 2, field 'annotator': missing")]
    [InlineData("{\"id\": \"a\", \"annotations\": [{\"annotator\": \"x\", \"labels\": [\"ok\"]}, {\"annotator\": \"y\"}]}\n",
        "line 1, field 'annotations[1].labels': missing or not an array")]
    [InlineData("{\"id\": \"a\", \"text\": \"hello\", \"label\": \"ok\"}\n",
        "line 1: neither a Sift export line")]
    public void Agreement_BadInput_OneSentenceWithFileLineAndField(string content, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.jsonl");
        File.WriteAllText(path, content);
        var (code, output, error) = Run(path);
        code.ShouldBe(SiftApp.UserError);
        output.ShouldBeEmpty();
        error.ShouldStartWith($"error: {path}, {expected}");
        error.TrimEnd().ShouldNotContain("\n");
        error.ShouldNotContain(" at ");
    }

    [Fact]
    public void Agreement_MissingFile_SaysSo()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = Run(dir.File("nope.jsonl"));
        code.ShouldBe(SiftApp.UserError);
        error.ShouldBe($"error: file not found: {dir.File("nope.jsonl")}\n", StringCompareShould.IgnoreLineEndings);
    }

    [Theory]
    [InlineData("--model", "two-coin", "--model must be 'confusion' or 'one-coin', not 'two-coin'.")]
    [InlineData("--format", "csv", "--format must be 'auto', 'export' or 'simple', not 'csv'.")]
    [InlineData("--smoothing", "0", "The Dawid–Skene smoothing must be a finite number > 0.")]
    public void Agreement_BadOption_OneSentence(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.jsonl"), SimpleLines());
        var (code, _, error) = Run(dir.File("a.jsonl"), option, value);
        code.ShouldBe(SiftApp.UserError);
        error.Trim().ShouldBe($"error: {expected}");
    }
}
