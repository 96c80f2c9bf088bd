using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Sift.Items;
using Sift.Projects;

namespace Sift.Server.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class AnnotatePageTests(BrowserFixture fixture)
{
    private const string Instructions = """
        # Is this message spam?

        Label **spam** when the message *tries to sell, trick or phish*; **ham** when it is ordinary mail between people.

        - Unsolicited prizes and "click the link": `spam`
        - Colleagues arranging work: `ham`
        - When you cannot tell, choose **unsure** (or skip with S).
        """;

    [Fact]
    public async Task Annotate_KeyboardOnly_AnswersPersistAcrossReload()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("Inbox triage"),
            new { mode = "single", labels = new[] { "spam", "ham", "unsure" }, held_out_share = 0.0 }, Instructions);
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.Generate(12, seed: 3).Select(m => new { id = m.Id, text = m.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(token);
        var page = session.Page;
        var firstTopUp = page.WaitForResponseAsync(r => r.Url.Contains("/tasks/next", StringComparison.Ordinal));
        await page.GotoAsync($"/annotate/{projectId}");
        var handedOut = JsonNode.Parse(await (await firstTopUp).TextAsync())!.AsArray();
        handedOut.Count.ShouldBe(2, "the page prefetches: the next task is loaded before it is needed");

        var annotate = new AnnotatePage(page);
        var expected = new Dictionary<long, string>();
        expected[(await annotate.AnswerAsync("1")).ItemId] = "spam";
        expected[(await annotate.AnswerAsync("2")).ItemId] = "ham";
        var skipped = await annotate.SkipAsync();
        var undone = await annotate.AnswerAsync("1");
        (await annotate.UndoAsync()).ItemId.ShouldBe(undone.ItemId, "U brings the last answered item back");
        expected[(await annotate.AnswerAsync("3")).ItemId] = "unsure";
        expected[(await annotate.AnswerAsync("2")).ItemId] = "ham";
        await session.ShouldBeCleanAsync();

        await page.ReloadAsync();
        await page.Locator("#progress").Filter(new() { HasText = "You: 4 answered" }).WaitForAsync();
        var afterReload = await annotate.CurrentAsync();
        expected.Keys.ShouldNotContain(afterReload.ItemId);
        afterReload.ItemId.ShouldNotBe(skipped.ItemId);

        // What the server stored, read back as an admin: exactly the final answers, the undone one withdrawn.
        var annotations = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/annotations"))!.AsArray();
        var stored = annotations.Where(a => !(bool)a!["undone"]!)
            .ToDictionary(a => (long)a!["item_id"]!, a => string.Join(",", a!["labels"]!.AsArray().Select(l => (string)l!)));
        stored.ShouldBe(expected, ignoreOrder: true);

        await page.Keyboard.PressAsync("1");
        await page.Locator("button.label[aria-pressed=true]").WaitForAsync();
        await Screenshots.SaveAsync(page, "annotate.png");
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Annotate_MultiLabel_KeysToggleAndEnterSubmitsTheSet()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("multi"),
            new { mode = "multi", labels = new[] { "urgent", "billing", "personal" }, held_out_share = 0.0 });
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.Generate(4, seed: 5).Select(m => new { id = m.Id, text = m.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(token);
        await session.Page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(session.Page);
        var first = await annotate.AnswerAsync("1", "3", "2", "2"); // urgent, personal, billing on and off again
        var second = await annotate.AnswerAsync("0");               // none apply: chosen with 0, never by Enter alone

        var stored = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/annotations"))!.AsArray()
            .ToDictionary(a => (long)a!["item_id"]!, a => a!["labels"]!.AsArray().Select(l => (string)l!).Order().ToArray());
        stored[first.ItemId].ShouldBe(["personal", "urgent"]);
        stored[second.ItemId].ShouldBeEmpty();
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Annotate_ItemWithMarkup_ShowsLiteralTextAndRunsNothing()
    {
        const string Hostile = "<img src=x onerror=alert(1)>";
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("inert"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.0 },
            "Read <script>window.__pwned = 1</script> carefully.\n\n[help](javascript:alert(2)) and <img src=y onerror=alert(3)>");
        await fixture.Admin.ImportJsonlAsync(projectId, [new { id = "hostile", text = Hostile }]);
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        var document = await page.GotoAsync($"/annotate/{projectId}");
        (await document!.HeaderValueAsync("content-security-policy") ?? "").ShouldContain("default-src 'self'");

        var annotate = new AnnotatePage(page);
        (await annotate.CurrentAsync()).Text.ShouldBe(Hostile);
        (await page.Locator("img").CountAsync()).ShouldBe(0, "the item's text must not become an element");
        var instructions = page.Locator("#instructions");
        (await instructions.TextContentAsync())!.ShouldContain("<script>window.__pwned = 1</script>");
        (await instructions.Locator("script, img, a").CountAsync()).ShouldBe(0, "no raw HTML and no javascript: link");

        // Answer it, so the page goes through a whole round trip (and re-renders) after showing the text.
        await page.Keyboard.PressAsync("1");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#empty").WaitForAsync();

        session.Dialogs.ShouldBeEmpty();
        session.RequestedPaths.ShouldNotContain("/x");
        session.RequestedPaths.ShouldNotContain("/y");
        (await page.EvaluateAsync<bool>("() => window.__pwned === undefined")).ShouldBeTrue();
        (await page.Locator("img").CountAsync()).ShouldBe(0);
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Annotate_DemoCorpusItems_ShownAsTheirExactTextWithNoElements()
    {
        // Real items of the shipped demo corpus: one quoting a raw HTML spam, one discussing "<body>", one in Chinese,
        // one in Latin-1 with curly quotes, and one cut at the cap.
        var (train, test) = Sift.Cli.Demo.SpamAssassinCorpus.Load(TestContext.Current.CancellationToken);
        var corpus = train.Items.Concat(test.Items).ToList();
        var cut = corpus.First(i => i.Text.EndsWith(Sift.Cli.Demo.SpamAssassinCorpus.CutMarker, StringComparison.Ordinal));
        var chosen = corpus.Where(i => i.Id is "easy-ham-1/01423" or "easy-ham-1/01715" or "spam-1/00307" or "easy-ham-1/00247").Append(cut).ToList();
        chosen.Count.ShouldBe(5);
        chosen.Count(c => c.Text.Contains("<html>", StringComparison.Ordinal)).ShouldBe(1);
        // Redaction off: this test is about showing a text exactly as imported (PrivacyPageTests covers redacted items).
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("demo-texts"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.0, privacy = new { redact = false } }, "Spam or ham?");
        await fixture.Admin.ImportJsonlAsync(projectId, chosen.Select(i => new { id = i.Id, text = i.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        var seen = new List<string>();
        for (var i = 0; i < chosen.Count; i++)
        {
            var shown = await annotate.CurrentAsync();
            chosen.Select(c => c.Text).ShouldContain(shown.Text, "the page shows an item's text exactly, line breaks included");
            (await page.Locator("#item-text *").CountAsync()).ShouldBe(0, "the text never becomes elements");
            (await page.Locator("img, iframe, object, embed").CountAsync()).ShouldBe(0);
            seen.Add(shown.Text);
            if (shown.Text == cut.Text) await Screenshots.SaveAsync(page, "annotate-demo-item.png");
            await annotate.AnswerAsync("2");
        }

        seen.ShouldBe(chosen.Select(c => c.Text), ignoreOrder: true);
        session.Dialogs.ShouldBeEmpty();
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Annotate_TimeOnTask_CountsOnlyVisibleTimeAndSendsItWithTheAnswer()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("timed"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.0 });
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.Generate(4, seed: 11).Select(m => new { id = m.Id, text = m.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(token);
        var page = session.Page;
        // The page's clock stands still unless the test moves it, so the times below are exact.
        await page.Clock.InstallAsync(new() { TimeDate = new DateTime(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc) });
        await page.Clock.PauseAtAsync(new DateTime(2025, 3, 1, 9, 0, 1, DateTimeKind.Utc));
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        var first = await annotate.CurrentAsync();

        await page.Clock.FastForwardAsync(30_000);
        await SetVisibilityAsync(page, hidden: true);
        await page.Clock.FastForwardAsync(600_000); // ten minutes in another tab: not time on task
        await SetVisibilityAsync(page, hidden: false);
        await page.Clock.FastForwardAsync(5_000);
        var sent = await SubmitAndReadBodyAsync(page, annotate, "1");
        ((double)sent["seconds"]!).ShouldBe(35.0);
        ((long)sent["labels"]!.AsArray().Count).ShouldBe(1);

        // The next item starts from zero.
        var second = await annotate.CurrentAsync();
        second.TaskId.ShouldNotBe(first.TaskId);
        await page.Clock.FastForwardAsync(2_500);
        ((double)(await SubmitAndReadBodyAsync(page, annotate, "2"))["seconds"]!).ShouldBe(2.5);

        // A tab hidden when the item arrives counts nothing until it is shown.
        await annotate.CurrentAsync();
        await SetVisibilityAsync(page, hidden: true);
        await page.Keyboard.PressAsync("u"); // the undone item comes back while the tab is hidden
        await page.Locator("#status").Filter(new() { HasText = "Undone" }).WaitForAsync();
        await page.Clock.FastForwardAsync(60_000);
        await SetVisibilityAsync(page, hidden: false);
        await page.Clock.FastForwardAsync(4_000);
        ((double)(await SubmitAndReadBodyAsync(page, annotate, "1"))["seconds"]!).ShouldBe(4.0);
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Annotate_ItemOfAnotherKind_SaysThePageCannotShowItYetShowsNothingOfItAndOnlySkips()
    {
        // The API makes text projects only; a task of another kind (as a pair project will hand out) is played to the
        // page, which must refuse it plainly rather than show its text as if it were a text item.
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("kinds"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.0 });
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);
        const string Hostile = "<img src=x onerror=alert(1)>";
        var tasks = new Queue<object[]>([
            [new { task_id = 901, item_id = 41, content_kind = "pair", text = Hostile, instructions_version = 1, expires_at = "2099-01-01T00:00:00Z" }],
            [new { task_id = 902, item_id = 42, content_kind = "<b>video</b>", text = Hostile, instructions_version = 1, expires_at = "2099-01-01T00:00:00Z" }],
        ]);
        var skipped = new List<string>();
        var submitted = 0;

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.RouteAsync("**/api/projects/*/tasks/**", async route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            if (path.EndsWith("/tasks/next", StringComparison.Ordinal))
                await route.FulfillAsync(tasks.Count > 0 ? new() { Status = 200, Json = tasks.Dequeue() } : new() { Status = 204 });
            else if (path.EndsWith("/skip", StringComparison.Ordinal))
            {
                skipped.Add(path);
                await route.FulfillAsync(new() { Status = 204 });
            }
            else
            {
                if (path.EndsWith("/submit", StringComparison.Ordinal)) submitted++;
                await route.ContinueAsync();
            }
        });
        await page.GotoAsync($"/annotate/{projectId}");

        var notice = page.Locator("#unsupported");
        await notice.Filter(new() { HasText = "pairwise comparison" }).WaitForAsync();
        (await notice.TextContentAsync())!.ShouldContain("this item kind is not supported by this page yet");
        (await page.Locator("#item-text").IsHiddenAsync()).ShouldBeTrue();
        (await page.Locator("#item-text").TextContentAsync()).ShouldBe("");
        (await page.Locator("#item-text").GetAttributeAsync("data-kind")).ShouldBe("pair");
        (await page.Locator("button.label").First.IsDisabledAsync()).ShouldBeTrue();
        (await page.Locator("#submit").IsDisabledAsync()).ShouldBeTrue();

        await page.Keyboard.PressAsync("1");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#error").Filter(new() { HasText = "cannot be answered on this page" }).WaitForAsync();
        (await page.Locator("button.label[aria-pressed=true]").CountAsync()).ShouldBe(0);

        await page.Keyboard.PressAsync("s");
        await notice.Filter(new() { HasText = "an item of kind “<b>video</b>”" }).WaitForAsync();
        (await notice.Locator("b").CountAsync()).ShouldBe(0, "the kind's name is text, not markup");
        await page.Keyboard.PressAsync("s");
        await page.Locator("#empty").WaitForAsync();

        skipped.ShouldBe([$"/api/projects/{projectId}/tasks/901/skip", $"/api/projects/{projectId}/tasks/902/skip"]);
        submitted.ShouldBe(0);
        (await page.Locator("img").CountAsync()).ShouldBe(0);
        session.Dialogs.ShouldBeEmpty();
        session.RequestedPaths.ShouldNotContain("/x");
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Annotate_PairItemInATextProject_GetsTheNoticeAndNothingOfItsTextIsShown()
    {
        // A pair item where the project says text (a hand-edited database): shown as nothing, only skippable.
        var now = DateTimeOffset.UtcNow;
        var adminId = (long)(await fixture.Admin.GetAsync("/api/me"))!["id"]!;
        var project = await fixture.Store.CreateProjectAsync(Unique("mixed"),
            new ProjectSettings { Labels = ["spam", "ham"], HeldOutShare = 0 }, "", adminId, now);
        var pair = new PairContent("Which colour is the sky?", "SECRET-RESPONSE-A blue", "SECRET-RESPONSE-B green");
        await fixture.Store.ImportItemsAsync(project.Id, [new NewItem("p1", pair.FeatureText, null, 1, null, null, false) { Content = pair }],
            new ImportOrigin("test", now));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", project.Id);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{project.Id}");

        await page.Locator("#unsupported").Filter(new() { HasText = "this item kind is not supported by this page yet" }).WaitForAsync();
        var shown = await page.Locator("main").InnerTextAsync();
        shown.ShouldNotContain("SECRET-RESPONSE");
        shown.ShouldNotContain("sky");
        (await page.Locator("#submit").IsDisabledAsync()).ShouldBeTrue();
        await page.Keyboard.PressAsync("s");
        await page.Locator("#empty").WaitForAsync();
        await session.ShouldBeCleanAsync();
    }

    /// <summary>Makes the page believe its tab was hidden or shown again, as switching tabs does.</summary>
    private static Task SetVisibilityAsync(IPage page, bool hidden) => page.EvaluateAsync("""
        hidden => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' });
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
          document.dispatchEvent(new Event('visibilitychange'));
        }
        """, hidden);

    /// <summary>Answers the task on screen with <paramref name="key"/> and Enter; returns the submit's JSON body.</summary>
    private static async Task<JsonNode> SubmitAndReadBodyAsync(IPage page, AnnotatePage annotate, string key)
    {
        var before = await annotate.CurrentAsync();
        var request = await page.RunAndWaitForRequestAsync(async () =>
        {
            await page.Keyboard.PressAsync(key);
            await page.Keyboard.PressAsync("Enter");
        }, r => r.Url.EndsWith("/submit", StringComparison.Ordinal));
        await page.WaitForFunctionAsync("id => document.querySelector('#item-text').dataset.taskId !== String(id)", before.TaskId);
        return JsonNode.Parse(request.PostData!)!;
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}

/// <summary>The annotate page as a user sees it, driven with the keyboard only.</summary>
internal sealed class AnnotatePage(IPage page)
{
    internal sealed record Shown(long TaskId, long ItemId, string Text);

    /// <summary>The task on screen (waits for one).</summary>
    public async Task<Shown> CurrentAsync()
    {
        var item = page.Locator("#item-text[data-task-id]");
        await item.WaitForAsync();
        return new Shown(
            long.Parse((await item.GetAttributeAsync("data-task-id"))!),
            long.Parse((await item.GetAttributeAsync("data-item-id"))!),
            (await item.TextContentAsync())!);
    }

    /// <summary>Presses the label keys, then Enter; returns the task answered once the next one is on screen.</summary>
    public async Task<Shown> AnswerAsync(params string[] keys)
    {
        var before = await CurrentAsync();
        foreach (var key in keys) await page.Keyboard.PressAsync(key);
        await page.Keyboard.PressAsync("Enter");
        await MovedOnAsync(before);
        return before;
    }

    public async Task<Shown> SkipAsync()
    {
        var before = await CurrentAsync();
        await page.Keyboard.PressAsync("s");
        await MovedOnAsync(before);
        return before;
    }

    /// <summary>Presses U; returns the task that came back.</summary>
    public async Task<Shown> UndoAsync()
    {
        await page.Keyboard.PressAsync("u");
        await page.Locator("#status").Filter(new() { HasText = "Undone" }).WaitForAsync();
        return await CurrentAsync();
    }

    private Task MovedOnAsync(Shown before) => page.WaitForFunctionAsync(
        "taskId => { const el = document.querySelector('#item-text'); return el.dataset.taskId !== String(taskId) && (el.dataset.taskId !== undefined || !document.querySelector('#empty').hidden); }",
        before.TaskId);
}
