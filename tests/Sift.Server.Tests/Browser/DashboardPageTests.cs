using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Sift.Projects;

namespace Sift.Server.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class DashboardPageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Dashboard_AfterLabelsAndRetrains_RendersEveryPart()
    {
        var mail = Mail.GenerateMixed(200, seed: 11, noise: 0.3);
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("Spam filter"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.25, retrain_every = 1000, exploration_share = 0.3, seed = 7 },
            "Label **spam** or **ham**.");
        await fixture.Admin.ImportJsonlAsync(projectId, mail.Select(m => new { id = m.Id, text = m.Text, label = m.Label }));

        // An annotator answers through the API with the true labels (a perfect oracle), in rounds with a retrain
        // after each, so the learning curve has several points and the random control arm gets labels.
        var truth = mail.ToDictionary(m => m.Text, m => m.Label);
        var (_, annotatorToken) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);
        using var annotator = fixture.ApiAs(annotatorToken);
        const int Rounds = 5, PerRound = 16;
        for (var round = 1; round <= Rounds; round++)
        {
            for (var answered = 0; answered < PerRound; answered++)
            {
                var task = (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=1"))!.AsArray()[0]!;
                await annotator.PostAsync($"/api/projects/{projectId}/tasks/{(long)task["task_id"]!}/submit",
                    new { labels = new[] { truth[(string)task["text"]!] }, client_request_id = Guid.NewGuid().ToString() });
            }

            await fixture.Admin.PostAsync($"/api/projects/{projectId}/train");
            await WaitForModelAsync(projectId, round);
        }

        var (_, reviewerToken) = await fixture.Admin.CreateUserAsync(Unique("reviewer"), "reviewer", projectId);
        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(reviewerToken);
        await page.GotoAsync($"/dashboard/{projectId}");

        await page.Locator("#model-version .value").Filter(new() { HasTextRegex = new("^v[1-9]") }).WaitForAsync();
        (await page.Locator("#tiles").TextContentAsync())!.ShouldContain($"{Rounds * PerRound}");
        (await page.Locator("#labels-over-time svg path.line").CountAsync()).ShouldBe(1);
        (await page.Locator("#labels-per-class svg rect.bar").CountAsync()).ShouldBe(2);
        await page.Locator("#learning-curve svg .series").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        (await page.Locator("#trainer .badge").TextContentAsync()).ShouldBe("done");
        (await page.Locator("#stop .verdict").TextContentAsync()).ShouldNotBeNullOrWhiteSpace();
        (await page.Locator("#lift").TextContentAsync()).ShouldNotBeNullOrWhiteSpace();
        (await page.Locator("#queue-depth .value").TextContentAsync())!.ShouldMatch("^[0-9,]+$");
        await Screenshots.SaveAsync(page, "dashboard.png", fullPage: true);
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Dashboard_ProjectStoredWithSpecsOverTheLimits_ShowsTheTrainerFailureReadably()
    {
        // Issue 9: a row an older version could have written; the trainer refuses it and the dashboard says why.
        var settings = new ProjectSettings
        {
            Labels = ["spam", "ham"],
            Strategy = "margin" + string.Concat(Enumerable.Repeat("+explore(0.1)", 70_000)),
            StopRule = string.Concat(Enumerable.Repeat("any(", 20_000)) + "labels(5)" + new string(')', 20_000),
        };
        var admin = (await fixture.Store.ListUsersAsync()).First(u => u.Role == Role.Admin);
        var project = await fixture.Store.CreateProjectAsync(Unique("Old settings"), settings, "", admin.Id, DateTimeOffset.UtcNow);
        await fixture.Admin.ImportJsonlAsync(project.Id, Mail.GenerateMixed(20, seed: 3, noise: 0).Select(m => new { id = m.Id, text = m.Text }));
        await fixture.Admin.PostAsync($"/api/projects/{project.Id}/train");

        var (_, reviewerToken) = await fixture.Admin.CreateUserAsync(Unique("reviewer"), "reviewer", project.Id);
        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(reviewerToken);
        await page.GotoAsync($"/dashboard/{project.Id}");

        await page.Locator("#trainer .badge").Filter(new() { HasText = "failed" }).WaitForAsync(new() { Timeout = 60_000 });
        var error = await page.Locator("#trainer .form-error").TextContentAsync();
        error.ShouldStartWith("Not trained until the settings are fixed: strategy: Strategy 'margin+explore(0.1)");
        error.ShouldContain("is 910,006 characters long; at most 1,000 are accepted.");
        (await page.Locator("#stop code").TextContentAsync())!.ShouldEndWith("… (100,009 characters)");
        // Readable: nothing in the trainer or stop cards runs wider than its card.
        foreach (var card in new[] { "#trainer", "#stop" })
            (await page.Locator(card).EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth")).ShouldBeTrue(card);
        await session.ShouldBeCleanAsync();
    }

    /// <summary>Polls the dashboard API until model <paramref name="version"/> exists and the trainer is done (it runs in the background).</summary>
    private async Task WaitForModelAsync(long projectId, int version)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonNode? view = null;
        while (DateTime.UtcNow < deadline)
        {
            view = await fixture.Admin.GetAsync($"/api/projects/{projectId}/dashboard");
            var state = ((string?)view!["trainer"]?["state"])?.ToLowerInvariant();
            if ((int)view["model_version"]! >= version && state is "done") return;
            if (state is "failed") throw new InvalidOperationException($"The trainer failed: {view["trainer"]}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No model version {version} after 90 s; last dashboard: {view}");
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
