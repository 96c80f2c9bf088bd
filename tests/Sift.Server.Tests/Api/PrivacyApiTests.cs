using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Api;

/// <summary>
/// Redaction before the queue over HTTP: annotators, reviewers and auditors see the redacted view through every API
/// they reach; the original is readable by admins only; every redaction and purge is evidence without the text; bad
/// patterns are 400s naming the field; exports record the chain head, which <c>verify?head=</c> checks.
/// </summary>
public sealed class PrivacyApiTests(QuietLoopServerFixture server) : IClassFixture<QuietLoopServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Email = "maria.gonzalez@example.org";
    private const string Card = "4111 1111 1111 1111";
    private static readonly string Hostile = $"Hi, write to {Email} or pay with {Card}. <img src=x onerror=alert(1)>";

    private static string Items(params (string Id, string Text)[] items) =>
        string.Join('\n', items.Select(i => new JsonObject { ["id"] = i.Id, ["text"] = i.Text }.ToJsonString()));

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonNode.Parse(text)!;
    }

    private async Task<List<JsonNode>> EvidenceAsync(long projectId, string kind)
    {
        using var auditor = server.Client("auditor");
        var all = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/evidence?limit=10000", Ct))!.AsArray();
        return [.. all.Where(e => e!["kind"]!.GetValue<string>() == kind).Select(e => e!)];
    }

    [Fact]
    public async Task NewProject_ByDefault_RedactsEveryKindAndKeepsOriginals()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");
        var privacy = (await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}", Ct)))["settings"]!["privacy"]!;
        privacy["redact"]!.GetValue<bool>().ShouldBeTrue();
        privacy["retention"]!.GetValue<string>().ShouldBe("keep");
        privacy["kinds"]!.AsArray().Count.ShouldBe(9);

        using var annotator = server.Client("annotator");
        var seen = (await JsonAsync(await annotator.GetAsync($"/api/projects/{projectId}", Ct)))["settings"]!.AsObject();
        seen.ContainsKey("privacy").ShouldBeFalse("annotators are not told what is being looked for");
    }

    [Fact]
    public async Task Import_WithPersonalData_AnnotatorsReviewersAndAuditorsSeeOnlyTheRedactedView()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(projectId, Items(("m1", Hostile), ("m2", "nothing personal here")))).EnsureSuccessStatusCode();

        using var annotator = server.Client("annotator");
        var tasks = (await JsonAsync(await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=2", null, Ct))).AsArray();
        var redacted = tasks.Single(t => t!["text"]!.GetValue<string>().Contains("[EMAIL]", StringComparison.Ordinal))!;
        redacted["text"]!.GetValue<string>().ShouldBe("Hi, write to [EMAIL] or pay with [CARD]. <img src=x onerror=alert(1)>");
        tasks.Single(t => t != redacted)!["text"]!.GetValue<string>().ShouldBe("nothing personal here");
        foreach (var t in tasks)
        {
            var body = new JsonObject { ["labels"] = new JsonArray("a"), ["client_request_id"] = "p-" + t!["task_id"] };
            (await annotator.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{t["task_id"]!.GetValue<long>()}/submit", body, Ct)).EnsureSuccessStatusCode();
        }
        var itemId = redacted["item_id"]!.GetValue<long>();

        using var reviewer = server.Client("reviewer");
        using var auditor = server.Client("auditor");
        var reads = new List<string>
        {
            await annotator.GetStringAsync($"/api/projects/{projectId}/my-answers", Ct),
            await reviewer.GetStringAsync($"/api/projects/{projectId}/review/items/{itemId}", Ct),
            await reviewer.GetStringAsync($"/api/projects/{projectId}/annotations", Ct),
            await auditor.GetStringAsync($"/api/projects/{projectId}/export?format=jsonl", Ct),
            await auditor.GetStringAsync($"/api/projects/{projectId}/export?format=csv", Ct),
            await auditor.GetStringAsync($"/api/projects/{projectId}/evidence?limit=10000", Ct),
            await auditor.GetStringAsync($"/api/projects/{projectId}/tasks", Ct),
        };
        reads[0].ShouldContain("[EMAIL]");
        reads[1].ShouldContain("[CARD]");
        foreach (var read in reads)
        {
            read.ShouldNotContain("maria.gonzalez");
            read.ShouldNotContain("4111");
        }
    }

    [Fact]
    public async Task Original_AdminOnly_AndNamesTheHashInTheRedactionEvent()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(projectId, Items(("m1", Hostile), ("m2", "plain")))).EnsureSuccessStatusCode();
        var item = (await server.Store.GetItemsAsync(projectId, Ct)).Single(i => i.ExternalId == "m1");
        var plain = (await server.Store.GetItemsAsync(projectId, Ct)).Single(i => i.ExternalId == "m2");
        item.Text.ShouldNotContain(Email, Case.Sensitive, "the store's item text is the redacted view the featurizer and model annotators read");

        using var admin = server.Client("admin");
        var original = await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/items/{item.Id}/original", Ct));
        original["text"]!.GetValue<string>().ShouldBe(Hostile);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Hostile)));
        original["sha256"]!.GetValue<string>().ShouldBe(hash);
        (await admin.GetAsync($"/api/projects/{projectId}/items/{plain.Id}/original", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "nothing was redacted in it");

        foreach (var who in new[] { "annotator", "reviewer", "auditor" })
        {
            using var client = server.Client(who);
            var response = await client.GetAsync($"/api/projects/{projectId}/items/{item.Id}/original", Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, who);
            (await response.Content.ReadAsStringAsync(Ct)).ShouldNotContain("maria");
        }

        var redaction = (await EvidenceAsync(projectId, "redaction")).ShouldHaveSingleItem()["event"]!;
        var entry = redaction["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["item_id"]!.GetValue<string>().ShouldBe("m1");
        entry["sha256"]!.GetValue<string>().ShouldBe(hash);
        entry["counts"]!["email"]!.GetValue<int>().ShouldBe(1);
        entry["counts"]!["payment_card"]!.GetValue<int>().ShouldBe(1);
        redaction["retention"]!.GetValue<string>().ShouldBe("keep");
        redaction["originals_kept"]!.GetValue<bool>().ShouldBeTrue();
        redaction.ToJsonString().ShouldNotContain("maria");
        redaction.ToJsonString().ShouldNotContain("4111");
    }

    [Fact]
    public async Task Import_RetentionDrop_StoresNoOriginalButRecordsItsHash()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], extraSettings: new { privacy = new { retention = "drop" } });
        (await server.ImportAsync(projectId, Items(("d1", Hostile)))).EnsureSuccessStatusCode();
        var item = (await server.Store.GetItemsAsync(projectId, Ct)).Single();
        using var admin = server.Client("admin");
        (await admin.GetAsync($"/api/projects/{projectId}/items/{item.Id}/original", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var redaction = (await EvidenceAsync(projectId, "redaction")).ShouldHaveSingleItem()["event"]!;
        redaction["originals_kept"]!.GetValue<bool>().ShouldBeFalse();
        redaction["items"]![0]!["sha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Hostile))));
        (await admin.GetStringAsync($"/api/projects/{projectId}/export", Ct)).ShouldNotContain("maria");
    }

    [Fact]
    public async Task Import_RedactionOff_StoresTheTextAsGiven()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], extraSettings: new { privacy = new { redact = false } });
        (await server.ImportAsync(projectId, Items(("o1", Hostile)))).EnsureSuccessStatusCode();
        (await server.Store.GetItemsAsync(projectId, Ct)).Single().Text.ShouldBe(Hostile);
        (await EvidenceAsync(projectId, "redaction")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Import_CustomPatternAndAllowList_AreApplied()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], extraSettings: new
        {
            privacy = new { kinds = new[] { "email" }, custom_patterns = new Dictionary<string, string> { ["ticket"] = @"\bTCK-\d{6}\b" }, allow_list = new[] { "help@sift.example" } },
        });
        (await server.ImportAsync(projectId, Items(("c1", $"Ticket TCK-123456 from {Email}, cc help@sift.example, card {Card}")))).EnsureSuccessStatusCode();
        (await server.Store.GetItemsAsync(projectId, Ct)).Single().Text
            .ShouldBe($"Ticket [TICKET] from [EMAIL], cc help@sift.example, card {Card}", "cards were not asked for; the allow-listed address stays");
        var counts = (await EvidenceAsync(projectId, "redaction")).Single()["event"]!["items"]![0]!["counts"]!;
        counts["custom:ticket"]!.GetValue<int>().ShouldBe(1);
        counts["email"]!.GetValue<int>().ShouldBe(1);
    }

    [Theory]
    [InlineData("{\"custom_patterns\":{\"order\":\"(unclosed\"}}", "settings.privacy.custom_patterns.order")]
    [InlineData("{\"custom_patterns\":{\"any\":\".*\"}}", "settings.privacy.custom_patterns.any")]
    [InlineData("{\"custom_patterns\":{\"bad name\":\"x\"}}", "settings.privacy.custom_patterns")]
    [InlineData("{\"kinds\":[\"email\",\"shoe_size\"]}", "settings.privacy.kinds")]
    [InlineData("{\"retention\":\"forever\"}", "settings.privacy.retention")]
    [InlineData("{\"allow_list\":[\"  \"]}", "settings.privacy.allow_list")]
    public async Task CreateProject_BadPrivacySetting_Is400NamingTheField(string privacy, string field)
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = "bad-" + Guid.NewGuid().ToString("N")[..8],
            ["settings"] = new JsonObject { ["labels"] = new JsonArray("a", "b"), ["privacy"] = JsonNode.Parse(privacy) },
        }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        JsonNode.Parse(text)!["field"]!.GetValue<string>().ShouldBe(field, text);
    }

    [Fact]
    public async Task UpdateSettings_CatastrophicPattern_IsAcceptedAndNeverHangsAnImport()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");
        var project = await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}", Ct));
        var settings = project["settings"]!.AsObject();
        settings["privacy"]!["custom_patterns"] = new JsonObject { ["evil"] = "^(a+)+$" };
        (await admin.PutAsJsonAsync($"/api/projects/{projectId}/settings", settings, Ct)).EnsureSuccessStatusCode();
        // Exponential backtracking on this text: the pattern's time-out stops it, the import completes, and the text the
        // check could not finish on is withheld whole (fail closed), its original kept for admins.
        var text = new string('a', 40) + "!";
        (await server.ImportAsync(projectId, Items(("e1", text), ("e2", "aaa")))).EnsureSuccessStatusCode();
        var stored = (await server.Store.GetItemsAsync(projectId, Ct)).ToDictionary(i => i.ExternalId);
        stored["e1"].Text.ShouldBe("[WITHHELD]");
        stored["e2"].Text.ShouldBe("[EVIL]");
        (await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/items/{stored["e1"].Id}/original", Ct)))["text"]!.GetValue<string>().ShouldBe(text);
        var counts = (await EvidenceAsync(projectId, "redaction")).Single()["event"]!["items"]!.AsArray().Single(i => i!["item_id"]!.GetValue<string>() == "e1")!["counts"]!;
        counts["withheld"]!.GetValue<int>().ShouldBe(1);

        settings["privacy"]!["custom_patterns"] = new JsonObject { ["x"] = "[z-a]" };
        var bad = await admin.PutAsJsonAsync($"/api/projects/{projectId}/settings", settings, Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await bad.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("privacy.custom_patterns.x");
    }

    [Fact]
    public async Task UpdateSettings_WithoutPrivacy_KeepsTheProjectsTreatment()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], extraSettings: new { privacy = new { redact = false, retention = "drop" } });
        using var admin = server.Client("admin");
        (await admin.PutAsJsonAsync($"/api/projects/{projectId}/settings", new JsonObject { ["labels"] = new JsonArray("a", "b", "c") }, Ct)).EnsureSuccessStatusCode();
        var privacy = (await server.Store.GetProjectAsync(projectId, Ct))!.Settings.Privacy;
        privacy.Redact.ShouldBeFalse("a PUT that leaves privacy out does not turn redaction on");
        privacy.Retention.ShouldBe("drop");
    }

    [Fact]
    public async Task Export_Admin_CarriesOriginalsAndTheChainHead()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(projectId, Items(("x1", Hostile), ("x2", "plain")))).EnsureSuccessStatusCode();
        using var admin = server.Client("admin");
        var response = await admin.GetAsync($"/api/projects/{projectId}/export?format=jsonl", Ct);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        lines.Single(l => l["id"]!.GetValue<string>() == "x1")["original_text"]!.GetValue<string>().ShouldBe(Hostile);
        lines.Single(l => l["id"]!.GetValue<string>() == "x2").AsObject().ContainsKey("original_text").ShouldBeFalse();

        var head = response.Headers.GetValues("X-Sift-Evidence-Head").ShouldHaveSingleItem();
        var export = (await EvidenceAsync(projectId, "export")).Last();
        head.ShouldBe($"{export["seq"]}:{await ChainHashAsync(projectId, export["seq"]!.GetValue<long>())}");
        var recorded = export["event"]!;
        recorded["head_seq"]!.GetValue<long>().ShouldBe(export["seq"]!.GetValue<long>() - 1);
        recorded["head_hash"]!.GetValue<string>().Length.ShouldBe(64);

        var csv = await admin.GetAsync($"/api/projects/{projectId}/export?format=csv", Ct);
        (await csv.Content.ReadAsStringAsync(Ct)).Split('\n')[0].ShouldEndWith(",original_text");
        csv.Headers.Contains("X-Sift-Evidence-Head").ShouldBeTrue();

        using var auditor = server.Client("auditor");
        var audited = await auditor.GetAsync($"/api/projects/{projectId}/export?format=csv", Ct);
        (await audited.Content.ReadAsStringAsync(Ct)).Split('\n')[0].ShouldNotContain("original_text");
    }

    private async Task<string> ChainHashAsync(long projectId, long seq) =>
        (await server.Store.ReadEvidenceAsync(projectId, seq - 1, 1, Ct)).Single().Hash;

    [Fact]
    public async Task Verify_WithAnExportsHead_IntactAndCatchesAForgedHead()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        (await server.ImportAsync(projectId, Items(("v1", Hostile)))).EnsureSuccessStatusCode();
        using var admin = server.Client("admin");
        var head = (await admin.GetAsync($"/api/projects/{projectId}/export", Ct)).Headers.GetValues("X-Sift-Evidence-Head").Single();
        using var auditor = server.Client("auditor");
        var ok = await JsonAsync(await auditor.GetAsync($"/api/projects/{projectId}/evidence/verify?head={head}", Ct));
        ok["intact"]!.GetValue<bool>().ShouldBeTrue(ok.ToJsonString());

        var seq = long.Parse(head.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        var forged = await JsonAsync(await auditor.GetAsync($"/api/projects/{projectId}/evidence/verify?head={seq}:{new string('a', 64)}", Ct));
        forged["intact"]!.GetValue<bool>().ShouldBeFalse();
        forged["problem"]!["kind"]!.GetValue<string>().ShouldBe("rewritten");
        var beyond = await JsonAsync(await auditor.GetAsync($"/api/projects/{projectId}/evidence/verify?head={seq + 50}:{new string('b', 64)}", Ct));
        beyond["problem"]!["kind"]!.GetValue<string>().ShouldBe("truncated");

        var bad = await auditor.GetAsync($"/api/projects/{projectId}/evidence/verify?head=nonsense", Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await bad.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("head");
    }

    [Fact]
    public async Task Export_PurgeAfterExport_PurgesOriginalsKeepsHashesAndTheChainVerifies()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], extraSettings: new { privacy = new { retention = "purge-after-export" } });
        (await server.ImportAsync(projectId, Items(("r1", Hostile), ("r2", $"call +44 20 7946 0958 or {Email}"), ("r3", "plain")))).EnsureSuccessStatusCode();
        var ids = (await server.Store.GetItemsAsync(projectId, Ct)).ToDictionary(i => i.ExternalId, i => i.Id);
        using var admin = server.Client("admin");
        (await admin.GetAsync($"/api/projects/{projectId}/items/{ids["r1"]}/original", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // An auditor's export purges nothing: only an admin's export carries the originals out.
        using var auditor = server.Client("auditor");
        (await auditor.GetAsync($"/api/projects/{projectId}/export", Ct)).EnsureSuccessStatusCode();
        (await admin.GetAsync($"/api/projects/{projectId}/items/{ids["r1"]}/original", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var export = await admin.GetStringAsync($"/api/projects/{projectId}/export", Ct);
        export.ShouldContain(Email, Case.Sensitive, "the admin's export carries the originals out before they are purged");
        (await admin.GetAsync($"/api/projects/{projectId}/items/{ids["r1"]}/original", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.GetAsync($"/api/projects/{projectId}/items/{ids["r2"]}/original", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await JsonAsync(await admin.GetAsync($"/api/projects/{projectId}/privacy", Ct)))["originals_kept"]!.GetValue<int>().ShouldBe(0);

        var retention = (await EvidenceAsync(projectId, "retention")).ShouldHaveSingleItem()["event"]!;
        retention["policy"]!.GetValue<string>().ShouldBe("purge-after-export");
        retention["items"]!.GetValue<int>().ShouldBe(2);
        var redacted = (await EvidenceAsync(projectId, "redaction")).Single()["event"]!["items"]!.AsArray();
        retention["purged"]!.AsArray().Select(p => p!["sha256"]!.GetValue<string>())
            .ShouldBe(redacted.Select(r => r!["sha256"]!.GetValue<string>()), ignoreOrder: true);

        var verdict = await JsonAsync(await auditor.GetAsync($"/api/projects/{projectId}/evidence/verify", Ct));
        verdict["intact"]!.GetValue<bool>().ShouldBeTrue(verdict.ToJsonString());
        (await admin.GetStringAsync($"/api/projects/{projectId}/export", Ct)).ShouldNotContain("maria");
        (await EvidenceAsync(projectId, "retention")).Count.ShouldBe(1, "nothing left to purge: no second event");
    }
}
