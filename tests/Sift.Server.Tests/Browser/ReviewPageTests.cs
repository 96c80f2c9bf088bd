using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Browser;

/// <summary>The review page (issue 14) and gold hand-out as the annotator sees it, in a real Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReviewPageTests(BrowserFixture fixture)
{
    private const string Hostile = "<img src=x onerror=alert(1)> Claim your prize now";

    [Fact]
    public async Task Review_KeyboardOnly_ShowsAnswersInert_AndRecordsADecisionWithRationale()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("review"),
            new { mode = "single", labels = new[] { "spam", "ham" }, overlap = 2, held_out_share = 0.0, retrain_every = 1000 });
        await fixture.Admin.ImportJsonlAsync(projectId, [new { id = "m1", text = Hostile }, new { id = "m2", text = "Lunch at noon?" }]);
        var (_, annaToken) = await fixture.Admin.CreateUserAsync(Unique("anna"), "annotator", projectId);
        var (_, benToken) = await fixture.Admin.CreateUserAsync(Unique("ben"), "annotator", projectId);
        foreach (var (token, answer) in new[] { (annaToken, "spam"), (benToken, "ham") })
        {
            using var api = fixture.ApiAs(token);
            while (await api.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=1") is { } tasks)
            {
                var task = tasks.AsArray()[0]!;
                var label = (string)task["text"]! == Hostile ? answer : "ham";
                await api.PostAsync($"/api/projects/{projectId}/tasks/{(long)task["task_id"]!}/submit", new { labels = new[] { label }, client_request_id = Guid.NewGuid().ToString() });
            }
        }
        var (_, reviewerToken) = await fixture.Admin.CreateUserAsync(Unique("rita"), "reviewer", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(reviewerToken);
        await page.GotoAsync($"/review/{projectId}");
        var text = page.Locator("#review-text");
        await page.Locator("#review-answers tr").Nth(1).WaitForAsync(new() { Timeout = 90_000 });
        (await text.TextContentAsync()).ShouldBe(Hostile);
        (await page.Locator("#review-text *").CountAsync()).ShouldBe(0, "the text never becomes elements");
        (await page.Locator("#review-queue li").CountAsync()).ShouldBe(1);
        (await page.Locator("#review-resolved").TextContentAsync())!.ShouldContain("not resolved");
        (await page.Locator("#review-answers").TextContentAsync())!.ShouldContain("spam");

        await page.Keyboard.PressAsync("1");
        await page.Keyboard.PressAsync("r");
        await page.Keyboard.TypeAsync("prize bait: spam");
        await page.Keyboard.PressAsync("Escape");
        await page.Locator("button.label[aria-pressed=true]").WaitForAsync();
        await Screenshots.SaveAsync(page, "review.png", fullPage: true);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.querySelector('#review-status').textContent.length > 0");
        (await page.Locator("#review-status").TextContentAsync())!.ShouldContain("overrides the resolved label");
        await page.Locator("#review-text").Filter(new() { HasText = "Nothing to review" }).WaitForAsync();
        await session.ShouldBeCleanAsync();

        var row = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/review/queue"))!.AsArray();
        row.ShouldBeEmpty();
        var evidence = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/evidence"))!.ToJsonString();
        evidence.ShouldContain("prize bait: spam");
    }

    [Fact]
    public async Task Annotate_GoldTasks_RenderExactlyLikeOrdinaryOnes()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("gold"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.0, retrain_every = 1000, gold = new { rate = 0.5 } });
        await fixture.Admin.ImportJsonlAsync(projectId, Enumerable.Range(0, 20).Select(i => new { id = $"n{i}", text = $"ordinary message {i}" }));
        var goldRows = string.Join('\n', Enumerable.Range(0, 10).Select(i => $$"""{"id":"g{{i}}","text":"gold message {{i}}","label":"spam"}"""));
        await ImportGoldAsync(projectId, goldRows);
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("gina"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(token);
        var page = session.Page;
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        // The page's structure (tags, ids, classes, attributes other than the task's ids) with the texts left out.
        const string Shape = """
            () => { const walk = el => el.tagName + '#' + el.id + '.' + el.className + '[' + [...el.attributes].map(a => a.name).filter(n => !n.startsWith('data-')).sort().join(',') + ']'
              + '(' + [...el.children].map(walk).join('') + ')'; return walk(document.querySelector('main')); }
            """;
        var shapes = new List<(long TaskId, string Text, string Shape)>();
        for (var i = 0; i < 12; i++)
        {
            var shown = await annotate.CurrentAsync();
            shapes.Add((shown.TaskId, shown.Text, await page.EvaluateAsync<string>(Shape)));
            await annotate.AnswerAsync("1");
        }
        await session.ShouldBeCleanAsync();

        var log = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/tasks"))!.AsArray()
            .ToDictionary(t => (long)t!["task_id"]!, t => (string)t!["reason"]!);
        var gold = shapes.Where(s => log[s.TaskId] == "gold item").ToList();
        var ordinary = shapes.Where(s => log[s.TaskId] != "gold item").ToList();
        gold.Count.ShouldBeGreaterThan(0);
        ordinary.Count.ShouldBeGreaterThan(0);
        gold.ShouldAllBe(s => s.Text.StartsWith("gold message", StringComparison.Ordinal));
        shapes.Select(s => s.Shape).Distinct().Count().ShouldBe(1, "gold and ordinary tasks render the same elements");
    }

    [Fact]
    public async Task Dashboard_AnnotatorBelowTheGoldThreshold_IsFlaggedOnTheAdminsCard_WithTheWeightTheirAnswersGet()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("flag"),
            new { mode = "single", labels = new[] { "spam", "ham" }, overlap = 2, held_out_share = 0.0, retrain_every = 1000, gold = new { rate = 0.5, min_answers = 5, min_accuracy = 0.7 } });
        await fixture.Admin.ImportJsonlAsync(projectId, Enumerable.Range(0, 10).Select(i => new { id = $"n{i}", text = $"ordinary message {i}" }));
        await ImportGoldAsync(projectId, string.Join('\n', Enumerable.Range(0, 20).Select(i => $$"""{"id":"g{{i}}","text":"gold message {{i}}","label":"spam"}""")));
        var careful = Unique("carol");
        var careless = Unique("<b>sam</b>");
        foreach (var (name, answer) in new[] { (careful, "spam"), (careless, "ham") })
        {
            var (_, token) = await fixture.Admin.CreateUserAsync(name, "annotator", projectId);
            using var api = fixture.ApiAs(token);
            while (await api.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=1") is { } tasks && tasks.AsArray().Count > 0)
                await api.PostAsync($"/api/projects/{projectId}/tasks/{(long)tasks[0]!["task_id"]!}/submit", new { labels = new[] { answer }, client_request_id = Guid.NewGuid().ToString() });
        }

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(fixture.Admin.Token);
        await page.GotoAsync($"/dashboard/{projectId}");
        var notice = page.Locator("#flagged-annotators");
        await notice.WaitForAsync(new() { Timeout = 90_000 });
        var text = (await notice.TextContentAsync())!;
        text.ShouldContain("1 flagged");
        text.ShouldContain(careless, Case.Sensitive, "the name goes in as text");
        text.ShouldNotContain(careful);
        text.ShouldContain("×0.25", customMessage: "majority rule: a flagged annotator's answers count a quarter");
        (await page.Locator("#annotator-stats-table b").CountAsync()).ShouldBe(0, "a name never becomes markup");
        var row = page.Locator("#annotator-stats-table tr.flagged");
        (await row.CountAsync()).ShouldBe(1);
        (await row.Locator("td.honeypot").TextContentAsync())!.ShouldStartWith("0%");
        (await notice.Locator("a").GetAttributeAsync("href")).ShouldBe($"/review/{projectId}");
        await Screenshots.SaveAsync(page, "dashboard-flagged.png", fullPage: true);
        await session.ShouldBeCleanAsync();
    }

    private async Task ImportGoldAsync(long projectId, string rows)
    {
        var (_, adminToken) = await fixture.Admin.CreateUserAsync(Unique("gold-admin"), "admin");
        using var http = new HttpClient { BaseAddress = fixture.Url };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminToken);
        using var content = new StringContent(rows, System.Text.Encoding.UTF8, "application/x-ndjson");
        using var response = await http.PostAsync($"/api/projects/{projectId}/items?format=jsonl&gold=true", content, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
