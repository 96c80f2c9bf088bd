using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Sift.Server.Tests.Api;

/// <summary>
/// GET …/report on a real SQLite project that was labeled by two annotators and trained: the page's numbers are the
/// API's (dashboard, agreement, oracles, verification), its text is inert, and nothing in it loads anything.
/// </summary>
public sealed partial class ReportApiTests(QuietLoopServerFixture server) : IClassFixture<QuietLoopServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";

    [GeneratedRegex("<script type=\"application/json\" id=\"datasheet-data\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex DataBlock();

    /// <summary>A labeled, trained project: 48 items (a quarter held out, all with gold), overlap 2, two annotators (one careless).</summary>
    internal static async Task<long> LabeledProjectAsync(ServerFixture server, string name)
    {
        using var admin = server.Client("admin");
        var created = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = name,
            ["settings"] = new JsonObject
            {
                ["mode"] = "single", ["labels"] = new JsonArray("spam", "ham"), ["overlap"] = 2, ["held_out_share"] = 0.25,
                ["retrain_every"] = 100_000, ["exploration_share"] = 0.3, ["seed"] = 5,
            },
            ["instructions"] = "Spam is **unsolicited**.",
        }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        var projectId = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<long>();
        foreach (var member in ServerFixture.MemberRoles) await server.AddMemberAsync(projectId, member);
        var rows = Enumerable.Range(0, 48).Select(i => new JsonObject
        {
            ["id"] = $"m{i}",
            ["text"] = i % 2 == 0 ? $"win cash prize offer now {i}" : $"meeting agenda notes attached {i}",
            ["label"] = i % 2 == 0 ? "spam" : "ham",
            ["group"] = i % 4 == 0 ? "g" + Hostile : "inbox",
            ["meta"] = new JsonObject { ["lang"] = i % 3 == 0 ? "de" : "en" },
        }.ToJsonString());
        (await server.ImportAsync(projectId, string.Join('\n', rows))).EnsureSuccessStatusCode();

        foreach (var who in new[] { "annotator", "annotator2" })
        {
            using var client = server.Client(who);
            for (var n = 0; n < 60; n++)
            {
                using var answer = await client.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct);
                var text = await answer.Content.ReadAsStringAsync(Ct);
                if (answer.StatusCode == HttpStatusCode.NoContent || text.Length == 0) break;
                var next = JsonNode.Parse(text)!.AsArray();
                if (next.Count == 0) break;
                var task = next[0]!;
                var spam = task["text"]!.GetValue<string>().StartsWith("win", StringComparison.Ordinal);
                // annotator2 gets every fifth answer wrong.
                var label = who == "annotator2" && n % 5 == 0 ? (spam ? "ham" : "spam") : (spam ? "spam" : "ham");
                var body = new JsonObject { ["labels"] = new JsonArray(label), ["client_request_id"] = $"{who}-{n}", ["seconds"] = 4 };
                (await client.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{task["task_id"]!.GetValue<long>()}/submit", body, Ct)).EnsureSuccessStatusCode();
            }
        }

        (await admin.PostAsync($"/api/projects/{projectId}/train", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var view = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/dashboard", Ct))!;
            if (view["model_version"]!.GetValue<int>() >= 1 && view["trainer"]!["state"]!.GetValue<string>() == "done") break;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no model after 90 s: {view}");
            await Task.Delay(200, Ct);
        }
        return projectId;
    }

    private static JsonNode Data(string html)
    {
        var match = DataBlock().Match(html);
        match.Success.ShouldBeTrue();
        return JsonNode.Parse(match.Groups[1].Value)!;
    }

    [Fact]
    public async Task Report_LabeledProject_EveryNumberMatchesTheApi()
    {
        var projectId = await LabeledProjectAsync(server, "Inbox " + Hostile + " " + Guid.NewGuid().ToString("N")[..6]);
        using var auditor = server.Client("auditor");

        using var response = await auditor.GetAsync($"/api/projects/{projectId}/report", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldStartWith("default-src 'none'");
        var html = await response.Content.ReadAsStringAsync(Ct);
        var data = Data(html);

        // Dashboard: the same counts, curve, lift, baseline, stop verdict as GET …/dashboard.
        var dashboard = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/dashboard", Ct))!;
        var inReport = data["dashboard"]!;
        foreach (var field in new[] { "counts", "labels_per_class", "learning_curve", "lift", "lift_status", "baseline", "model_version", "stop", "model_features" })
            JsonNode.DeepEquals(inReport[field], dashboard[field]).ShouldBeTrue($"{field}: report {inReport[field]?.ToJsonString()} vs API {dashboard[field]?.ToJsonString()}");
        dashboard["learning_curve"]!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(1);

        // Agreement (with the gold section, which auditors see): the same report as GET …/agreement.
        var agreement = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/agreement", Ct))!.AsObject();
        var agreementInReport = data["agreement"]!.AsObject();
        foreach (var field in new[] { "counts", "labels", "agreement", "annotators", "dawid_skene", "gold" })
            JsonNode.DeepEquals(agreementInReport[field], agreement[field]).ShouldBeTrue($"{field}: report {agreementInReport[field]?.ToJsonString()} vs API {agreement[field]?.ToJsonString()}");
        agreement["counts"]!["pairable_items"]!.GetValue<int>().ShouldBeGreaterThan(0);

        // Oracles: the same people / model shares and money as GET …/oracles.
        var oracles = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/oracles", Ct))!;
        JsonNode.DeepEquals(data["oracles"], oracles).ShouldBeTrue($"report {data["oracles"]?.ToJsonString()} vs API {oracles.ToJsonString()}");
        var people = data["oracle_shares"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "people")!;
        people["answers"]!.GetValue<int>().ShouldBe(oracles["people"]!["labels"]!.GetValue<int>());

        // Verification: the same verdict as GET …/evidence/verify.
        var verify = JsonNode.Parse(await auditor.GetStringAsync($"/api/projects/{projectId}/evidence/verify", Ct))!;
        var chain = data["verification"]!;
        (chain["intact"]!.GetValue<bool>(), chain["entries"]!.GetValue<long>(), chain["head"]!.GetValue<string>())
            .ShouldBe((verify["intact"]!.GetValue<bool>(), verify["entries"]!.GetValue<long>(), verify["head"]!.GetValue<string>()));

        // The page shows those numbers, as the API's values formatted.
        var alpha = agreement["agreement"]!["krippendorff_alpha"]!.GetValue<double>();
        html.ShouldContain(alpha.ToString("0.000", CultureInfo.InvariantCulture));
        foreach (var point in dashboard["learning_curve"]!.AsArray())
            html.ShouldContain(point!["accuracy"]!.GetValue<double>().ToString("0.000", CultureInfo.InvariantCulture));
        if (dashboard["lift"] is JsonObject lift)
            html.ShouldContain(lift["difference"]!.GetValue<double>().ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture));
        html.ShouldContain(">" + verify["head"]!.GetValue<string>() + "<");

        // Subgroups: label classes, the group field and the metadata field, over the pool (the items not held out).
        var poolItems = dashboard["counts"]!["items"]!.GetValue<int>() - dashboard["counts"]!["held_out"]!.GetValue<int>();
        var subgroups = data["subgroups"]!.AsArray();
        subgroups.Select(s => s!["field"]!.GetValue<string>()).Distinct().ShouldBe(["label", "group", "meta.lang"]);
        subgroups.Where(s => s!["field"]!.GetValue<string>() == "group").Sum(s => s!["pool_items"]!.GetValue<int>()).ShouldBe(poolItems);
        subgroups.Where(s => s!["field"]!.GetValue<string>() == "meta.lang").Sum(s => s!["pool_items"]!.GetValue<int>()).ShouldBe(poolItems);
        subgroups.Where(s => s!["field"]!.GetValue<string>() == "label").Sum(s => s!["labels"]!.GetValue<int>())
            .ShouldBe(dashboard["labels_per_class"]!.AsObject().Sum(p => p.Value!.GetValue<int>()));

        // Hostile names are text.
        html.ShouldNotContain("<script>alert");
        html.ShouldNotContain("<img");
        html.ShouldContain("Inbox &lt;script&gt;alert(1)&lt;/script&gt;");
        html.ShouldContain("No redaction recorded.");
    }

    [Fact]
    public async Task Report_ProjectThatDoesNotExist_NotFoundProblem()
    {
        using var admin = server.Client("admin");

        using var response = await admin.GetAsync("/api/projects/987654/report", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }
}
