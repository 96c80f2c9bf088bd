using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Sift.Cli;
using Sift.Cli.Demo;

namespace Sift.Server.Tests.Browser;

/// <summary>
/// The datasheet in real Chromium: the server's page for a sample of the demo project after some labels, the CLI's page
/// for a real <c>simulate</c> run opened as a file, and the dashboard's Datasheet button. No script error, no console
/// error, no request beyond the page itself.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReportPageTests(BrowserFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every tenth message of the demo corpus (about 600, ham and spam), as the demo project imports them.</summary>
    private static List<JsonObject> DemoSample()
    {
        using var reader = new StreamReader(SpamAssassinCorpus.OpenJsonl());
        var rows = new List<JsonObject>();
        var n = 0;
        while (reader.ReadLine() is { } line)
            if (n++ % 10 == 0) rows.Add(JsonNode.Parse(line)!.AsObject());
        return rows;
    }

    private async Task<long> DemoProjectAfterLabelsAsync()
    {
        var rows = DemoSample();
        var projectId = await fixture.Admin.CreateProjectAsync($"spam-assassin-demo {Guid.NewGuid():N}"[..27],
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.1, retrain_every = 100_000, exploration_share = 0.25, seed = 1 },
            "Is this e-mail **spam** (unsolicited bulk mail) or **ham**?");
        await fixture.Admin.ImportJsonlAsync(projectId, rows);
        // New projects redact at import, so a task's text is not the file's: find each item's label by its id.
        var labels = rows.ToDictionary(r => (string)r["id"]!, r => (string)r["label"]!);
        using var export = await fixture.Admin.SendAsync(HttpMethod.Get, $"/api/projects/{projectId}/export?format=jsonl");
        var truth = (await export.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)
            .ToDictionary(n => (long)n["item_id"]!, n => labels[(string)n["id"]!]);
        var (_, annotatorToken) = await fixture.Admin.CreateUserAsync($"annotator-{Guid.NewGuid():N}"[..18], "annotator", projectId);
        using var annotator = fixture.ApiAs(annotatorToken);
        for (var round = 1; round <= 4; round++)
        {
            for (var i = 0; i < 20; i++)
            {
                var task = (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next"))!.AsArray()[0]!;
                await annotator.PostAsync($"/api/projects/{projectId}/tasks/{(long)task["task_id"]!}/submit",
                    new { labels = new[] { truth[(long)task["item_id"]!] }, client_request_id = Guid.NewGuid().ToString(), seconds = 6 });
            }
            await fixture.Admin.PostAsync($"/api/projects/{projectId}/train");
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                var view = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/dashboard"))!;
                if ((int)view["model_version"]! >= round && (string?)view["trainer"]!["state"] == "done") break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"no model {round}: {view}");
                await Task.Delay(250, Ct);
            }
        }
        return projectId;
    }

    /// <summary>Console errors and warnings of a page.</summary>
    private static List<string> WatchConsole(IPage page)
    {
        var messages = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") messages.Add($"{message.Type}: {message.Text}");
        };
        return messages;
    }

    [Fact]
    public async Task Report_DemoProjectAfterLabels_RendersOfflineWithoutErrors()
    {
        var projectId = await DemoProjectAfterLabelsAsync();
        var (_, auditorToken) = await fixture.Admin.CreateUserAsync($"auditor-{Guid.NewGuid():N}"[..16], "auditor");
        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        var console = WatchConsole(page);
        await page.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["Authorization"] = "Bearer " + auditorToken });

        var response = await page.GotoAsync($"/api/projects/{projectId}/report");

        response!.Status.ShouldBe(200);
        (await page.TitleAsync()).ShouldStartWith("Datasheet: spam-assassin-demo");
        (await page.Locator("#chain-badge").TextContentAsync())!.ShouldContain("intact");
        (await page.Locator("#curves svg.chart").CountAsync()).ShouldBeGreaterThanOrEqualTo(1);
        (await page.Locator("#acquisition tbody tr").CountAsync()).ShouldBeGreaterThanOrEqualTo(4);
        (await page.Locator("#subgroups-table tbody tr").CountAsync()).ShouldBeGreaterThanOrEqualTo(2);
        (await page.Locator("#no-redaction").CountAsync()).ShouldBe(0, "the demo's e-mails are redacted at import");
        (await page.Locator("#privacy-table").TextContentAsync())!.ShouldContain("redaction");
        (await page.Locator("#gaps-list li").CountAsync()).ShouldBeGreaterThanOrEqualTo(3);
        // Laid out: the charts are drawn at a real size, nothing runs wider than the page.
        (await page.Locator("#curves svg.chart").First.BoundingBoxAsync())!.Width.ShouldBeGreaterThan(300);
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")).ShouldBeTrue();
        await Screenshots.SaveAsync(page, "report.png", fullPage: true);

        // Printable: the print layout renders too.
        var pdf = await page.PdfAsync(new PagePdfOptions { Format = "A4", PrintBackground = true });
        pdf.Length.ShouldBeGreaterThan(10_000);

        session.RequestedPaths.ShouldBe([$"/api/projects/{projectId}/report"], "the page loads nothing but itself");
        console.ShouldBeEmpty();
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Report_SimulateRunAsFile_RendersOfflineWithoutErrors()
    {
        var folder = Directory.CreateTempSubdirectory("sift-report-").FullName;
        try
        {
            var train = Path.Combine(folder, "train.jsonl");
            var test = Path.Combine(folder, "test.jsonl");
            var mail = Mail.GenerateMixed(360, seed: 4, noise: 0.2);
            File.WriteAllLines(train, mail.Take(300).Select(m => new JsonObject { ["id"] = m.Id, ["text"] = m.Text, ["label"] = m.Label }.ToJsonString()));
            File.WriteAllLines(test, mail.Skip(300).Select(m => new JsonObject { ["id"] = m.Id, ["text"] = m.Text, ["label"] = m.Label }.ToJsonString()));
            var error = new StringWriter();
            SiftApp.Run(["simulate", "--train", train, "--test", test, "--features", "tfidf", "--strategy", "margin", "--seeds", "3", "--seed-size", "10",
                "--batch", "10", "--budget", "80", "--out", Path.Combine(folder, "out"), "--quiet", "--checkpoint-key", Path.Combine(folder, "key.pem")], error).ShouldBe(0, error.ToString());
            var html = Path.Combine(folder, "report.html");
            SiftApp.Run(["report", Path.Combine(folder, "out"), "--out", html], error).ShouldBe(0, error.ToString());

            await using var session = await fixture.OpenAsync();
            var page = session.Page;
            var console = WatchConsole(page);
            await page.GotoAsync(new Uri(html).AbsoluteUri);

            (await page.Locator("#chain-badge").TextContentAsync())!.ShouldContain("intact · 48");
            (await page.Locator("#lift-table tbody tr").CountAsync()).ShouldBe(1);
            (await page.Locator("#curves svg.chart").CountAsync()).ShouldBe(1);
            (await page.Locator("#stopping-table tbody tr").CountAsync()).ShouldBe(6);
            await Screenshots.SaveAsync(page, "report-simulate.png", fullPage: true);
            session.RequestedPaths.Count.ShouldBe(1, "the file loads nothing but itself");
            console.ShouldBeEmpty();
            await session.ShouldBeCleanAsync();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Dashboard_DatasheetButton_DownloadsThePage()
    {
        var projectId = await fixture.Admin.CreateProjectAsync($"report-button {Guid.NewGuid():N}"[..22], new { mode = "single", labels = new[] { "spam", "ham" } });
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.GenerateMixed(20, seed: 2, noise: 0).Select(m => new { id = m.Id, text = m.Text }));
        var (_, auditorToken) = await fixture.Admin.CreateUserAsync($"auditor-{Guid.NewGuid():N}"[..16], "auditor");
        var (_, reviewerToken) = await fixture.Admin.CreateUserAsync($"reviewer-{Guid.NewGuid():N}"[..17], "reviewer", projectId);

        await using (var session = await fixture.OpenAsync())
        {
            await session.LoginAsync(auditorToken);
            await session.Page.GotoAsync($"/dashboard/{projectId}");
            var download = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Locator("#report-download").ClickAsync());
            download.SuggestedFilename.ShouldEndWith("-datasheet.html");
            var text = await File.ReadAllTextAsync((await download.PathAsync())!, Ct);
            text.ShouldStartWith("<!DOCTYPE html>");
            text.ShouldContain("<section id=\"gaps\">");
            await session.ShouldBeCleanAsync();
        }

        // A reviewer may not read the datasheet, so the dashboard offers no button.
        await using (var session = await fixture.OpenAsync())
        {
            await session.LoginAsync(reviewerToken);
            await session.Page.GotoAsync($"/dashboard/{projectId}");
            await session.Page.Locator("#review-link").WaitForAsync();
            (await session.Page.Locator("#report-download").CountAsync()).ShouldBe(0);
        }
    }
}
