using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Api;

/// <summary>Import over HTTP (all-or-nothing, errors name line and field, de-duplication, held-out sampling) and export.</summary>
public sealed class ImportExportTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, long, string?> BadJsonl => new()
    {
        // body, query, line at fault, field at fault
        { "{\"id\":\"1\",\"text\":\"fine\"}\n{\"id\":\"2\",\"text\":\"broken\"\n", "format=jsonl", 2, null },
        { "{\"id\":\"1\",\"text\":\"fine\"}\n{\"id\":\"2\"}\n", "format=jsonl", 2, "text" },
        { "{\"id\":\"1\",\"text\":\"fine\",\"label\":\"a\"}\n{\"id\":\"2\",\"text\":\"x\",\"label\":\"c\"}\n", "format=jsonl", 2, "label" },
        { "{\"id\":\"1\",\"text\":\"fine\"}\n\n{\"id\":\"3\",\"text\":\"   \"}\n", "format=jsonl", 3, "text" },
        { "id,text,label\n1,fine,a\n2,also fine,zzz\n", "format=csv", 3, "label" },
        { "id,body\n1,fine\n", "format=csv", 1, "text" },
        { "{\"ident\":\"1\",\"body\":\"fine\"}\n{\"ident\":\"2\"}\n", "format=jsonl&text=body&id=ident", 2, "body" },
        // Found by fuzzing (fuzz/run.sh jsonl): an unpaired surrogate escape in a property name was a 500.
        { "{\"id\":\"1\",\"text\":\"fine\"}\n{\"id\":\"2\",\"text\":\"x\",\"\\udc00\":1}\n", "format=jsonl", 2, null },
    };

    [Theory]
    [MemberData(nameof(BadJsonl))]
    public async Task Import_BadLine_Is400NamingLineAndField_AndImportsNothing(string body, string query, long line, string? field)
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        var response = await server.ImportAsync(projectId, body, query);

        await AssertImportProblemAsync(response, line, field);
        (await server.Store.GetItemsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Import_InvalidUtf8_Is400NamingTheLine_AndImportsNothing()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        var body = Encoding.UTF8.GetBytes("{\"id\":\"1\",\"text\":\"fine\"}\n{\"id\":\"2\",\"text\":\"bad ").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}\n")).ToArray();
        var response = await server.ImportBytesAsync(projectId, body);

        await AssertImportProblemAsync(response, 2, null);
        (await server.Store.GetItemsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Import_TextLongerThanTheLimit_Is400()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        var response = await server.ImportAsync(projectId, $"{{\"id\":\"1\",\"text\":\"{new string('x', 100_001)}\"}}\n");
        await AssertImportProblemAsync(response, 1, "text");
    }

    [Fact]
    public async Task Import_SameFileTwice_SecondCountsDuplicates()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        var body = "{\"id\":\"x1\",\"text\":\"one\"}\n{\"id\":\"x2\",\"text\":\"two\"}\n{\"text\":\"no id here\"}\n";

        var first = await ReadJsonAsync(await server.ImportAsync(projectId, body));
        var second = await ReadJsonAsync(await server.ImportAsync(projectId, "\n" + body));

        first["imported"]!.GetValue<int>().ShouldBe(3);
        second["imported"]!.GetValue<int>().ShouldBe(0);
        second["duplicates"]!.GetValue<int>().ShouldBe(3);
        var items = await server.Store.GetItemsAsync(projectId, Ct);
        items.Select(i => i.ExternalId).ShouldContain(id => id.StartsWith("text-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_HeldOutChoice_DependsOnlyOnSeedAndId()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"h{i}").ToList();
        var forward = await server.CreateProjectAsync(["a", "b"], extraSettings: new { held_out_share = 0.3, seed = 7 });
        var backward = await server.CreateProjectAsync(["a", "b"], extraSettings: new { held_out_share = 0.3, seed = 7 });
        var otherSeed = await server.CreateProjectAsync(["a", "b"], extraSettings: new { held_out_share = 0.3, seed = 8 });
        (await server.ImportAsync(forward, Lines(ids))).EnsureSuccessStatusCode();
        (await server.ImportAsync(backward, Lines(Enumerable.Reverse(ids).Take(120)))).EnsureSuccessStatusCode();
        (await server.ImportAsync(backward, Lines(ids.Take(80)))).EnsureSuccessStatusCode();
        (await server.ImportAsync(otherSeed, Lines(ids))).EnsureSuccessStatusCode();

        var a = await HeldOutAsync(forward);
        var b = await HeldOutAsync(backward);
        var c = await HeldOutAsync(otherSeed);
        a.Order().ShouldBe(b.Order());
        a.Count.ShouldBeInRange(30, 90);
        a.SetEquals(c).ShouldBeFalse();
    }

    [Fact]
    public async Task Import_GoldLabels_StoredAsGold()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(projectId, "{\"id\":\"g1\",\"text\":\"one\",\"label\":\"b\"}\n{\"id\":\"g2\",\"text\":\"two\"}\n")).EnsureSuccessStatusCode();

        var items = await server.Store.GetItemsAsync(projectId, Ct);
        var gold = await server.Store.GetGoldLabelsAsync(projectId, Ct);
        gold.Count.ShouldBe(1);
        gold[items.Single(i => i.ExternalId == "g1").Id].ShouldBe("b");
    }

    [Fact]
    public async Task Import_MultiLabelGold_JoinedWithSemicolons_EachMustBeInTheSchema()
    {
        var projectId = await server.CreateProjectAsync(["red", "green", "blue"], "multi");
        (await server.ImportAsync(projectId, "{\"id\":\"m1\",\"text\":\"one\",\"label\":\"red;blue\"}\n")).EnsureSuccessStatusCode();
        var bad = await server.ImportAsync(projectId, "{\"id\":\"m2\",\"text\":\"two\",\"label\":\"red;pink\"}\n");
        await AssertImportProblemAsync(bad, 1, "label");
        (await server.Store.GetGoldLabelsAsync(projectId, Ct)).Values.ShouldBe(["red;blue"]);
    }

    [Fact]
    public async Task Import_UnknownProject_Is404()
    {
        var response = await server.ImportAsync(987_654_321, "{\"text\":\"x\"}\n");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Export_Jsonl_HasAnnotationsAndResolvedLabel_AndRoundTrips()
    {
        var projectId = await server.ProjectWithItemsAsync(4);
        using var annotator = server.Client("annotator");
        var tasks = await TaskFlow.NextAsync(annotator, projectId, 2);
        await TaskFlow.SubmitAsync(annotator, projectId, tasks[0]["task_id"]!.GetValue<long>(), ["b"], "r1");
        await TaskFlow.SubmitAsync(annotator, projectId, tasks[1]["task_id"]!.GetValue<long>(), ["a"], "r2");

        using var auditor = server.Client("auditor");
        var jsonl = await auditor.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct);
        var rows = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        rows.Count.ShouldBe(4);
        rows.ShouldAllBe(r => !r.ContainsKey("gold_label"));
        var answered = rows.Where(r => r["annotations"]!.AsArray().Count == 1).ToList();
        answered.Count.ShouldBe(2);
        foreach (var row in answered)
        {
            var annotation = row["annotations"]![0]!;
            annotation["annotator"]!.GetValue<string>().ShouldBe("annotator");
            annotation["instructions_version"]!.GetValue<int>().ShouldBe(1);
            row["resolved_label"]!.GetValue<string>().ShouldBe(annotation["labels"]![0]!.GetValue<string>());
        }

        rows.Where(r => r["annotations"]!.AsArray().Count == 0).ShouldAllBe(r => r["resolved_label"] == null);

        // Re-import the export as a labeled file: the resolved labels come back as gold labels.
        var copy = await server.CreateProjectAsync(["a", "b"]);
        var reimport = await ReadJsonAsync(await server.ImportAsync(copy, jsonl, "format=jsonl&label=resolved_label"));
        reimport["imported"]!.GetValue<int>().ShouldBe(4);
        var copied = await server.Store.GetItemsAsync(copy, Ct);
        copied.Select(i => (i.ExternalId, i.Text)).OrderBy(x => x.ExternalId).ShouldBe(rows.Select(r => (r["id"]!.GetValue<string>(), r["text"]!.GetValue<string>())).OrderBy(x => x.Item1));
        (await server.Store.GetGoldLabelsAsync(copy, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Export_Csv_RoundTripsTextsWithCommasQuotesAndNewlines()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        var texts = new[] { "plain", "with, comma", "with \"quotes\"", "two\nlines", "ünïcödé 🙂" };
        (await server.ImportAsync(projectId, string.Join('\n', texts.Select((t, i) => new JsonObject { ["id"] = $"c{i}", ["text"] = t, ["label"] = i % 2 == 0 ? "a" : "b" }.ToJsonString())))).EnsureSuccessStatusCode();

        using var admin = server.Client("admin");
        var response = await admin.GetAsync($"/api/projects/{projectId}/export?format=csv", Ct);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/csv");
        var csv = await response.Content.ReadAsStringAsync(Ct);
        csv.ShouldStartWith("id,item_id,text,group,cost,held_out,gold_label,resolved_label,annotation_count,annotations,meta,resolved_confidence,resolved_by,review_override\n");

        var copy = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(copy, csv, "format=csv&label=gold_label")).EnsureSuccessStatusCode();
        var copied = await server.Store.GetItemsAsync(copy, Ct);
        copied.OrderBy(i => i.ExternalId).Select(i => i.Text).ShouldBe(texts);
        (await server.Store.GetGoldLabelsAsync(copy, Ct)).Count.ShouldBe(texts.Length);
    }

    [Fact]
    public async Task Export_Csv_NeutralisesCellsASpreadsheetWouldEvaluate()
    {
        var projectId = await server.CreateProjectAsync(["=SUM(A1)", "b"]);
        var lines = new[]
        {
            new JsonObject { ["id"] = "@id", ["text"] = "=cmd|' /C calc'!A0", ["group"] = "+g", ["label"] = "=SUM(A1)", ["meta"] = new JsonObject { ["link"] = "=HYPERLINK(\"http://evil.example\")" } },
            new JsonObject { ["id"] = "-7", ["text"] = "-2+3+cmd|' /C calc'!A0", ["group"] = "-g" },
            new JsonObject { ["id"] = "tab", ["text"] = "\t=1+1" },
            new JsonObject { ["id"] = "plain", ["text"] = "just text, = inside" },
        };
        (await server.ImportAsync(projectId, string.Join('\n', lines.Select(l => l.ToJsonString())))).EnsureSuccessStatusCode();

        using var admin = server.Client("admin");
        var csv = await admin.GetStringAsync($"/api/projects/{projectId}/export?format=csv", Ct);

        // Read back with Sift's own CSV reader (RFC 4180): every text cell that began with a trigger now begins with a quote.
        var rows = Sift.Data.TextDatasetReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "export.csv", new Sift.Data.DataFormatOptions { LabelField = "gold_label" })
            .Items.ToDictionary(i => i.Id);
        rows.Keys.Order(StringComparer.Ordinal).ShouldBe(["'@id", "-7", "plain", "tab"]);
        rows["'@id"].Text.ShouldBe("'=cmd|' /C calc'!A0");
        rows["'@id"].Group.ShouldBe("'+g");
        rows["'@id"].Label.ShouldBe("'=SUM(A1)");
        rows["'@id"].Meta!["meta"]!.GetValue<string>().ShouldStartWith("{");
        rows["-7"].Text.ShouldBe("'-2+3+cmd|' /C calc'!A0");
        rows["-7"].Group.ShouldBe("'-g");
        rows["tab"].Text.ShouldBe("'\t=1+1");
        rows["plain"].Text.ShouldBe("just text, = inside");
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            foreach (var cell in line.Split(','))
                cell.TrimStart('"').ShouldNotStartWith("=", customMessage: line);
        }

        // JSON Lines stays the lossless format.
        var jsonl = await admin.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct);
        jsonl.ShouldContain("\"text\":\"=cmd|' /C calc'!A0\"");
    }

    [Fact]
    public async Task Export_AsAdmin_IncludesGold_AsAuditor_DoesNot()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(projectId, "{\"id\":\"1\",\"text\":\"one\",\"label\":\"b\"}\n")).EnsureSuccessStatusCode();
        using var admin = server.Client("admin");
        using var auditor = server.Client("auditor");
        JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/export", Ct))!["gold_label"]!.GetValue<string>().ShouldBe("b");
        JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/export", Ct))!.AsObject().ContainsKey("gold_label").ShouldBeFalse();
    }

    [Fact]
    public async Task Export_UnknownFormat_Is400NamingFormat()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");
        var response = await admin.GetAsync($"/api/projects/{projectId}/export?format=xml", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ReadJsonAsync(response))["field"]!.GetValue<string>().ShouldBe("format");
    }

    private static string Lines(IEnumerable<string> ids) => string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","text":"text of {{id}}"}"""));

    private async Task<HashSet<string>> HeldOutAsync(long projectId) =>
        (await server.Store.GetItemsAsync(projectId, Ct)).Where(i => i.HeldOut).Select(i => i.ExternalId).ToHashSet();

    private static async Task AssertImportProblemAsync(HttpResponseMessage response, long line, string? field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(text)!.AsObject();
        problem["line"]!.GetValue<long>().ShouldBe(line, text);
        if (field is null) problem.ContainsKey("field").ShouldBeFalse(text);
        else problem["field"]!.GetValue<string>().ShouldBe(field, text);
        problem["detail"]!.GetValue<string>().ShouldContain($"line {line}");
        text.ShouldNotContain("   at ");
    }

    private static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        return JsonNode.Parse(text)!.AsObject();
    }
}
