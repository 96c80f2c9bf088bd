using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Sift.Server.Tests.Browser;

/// <summary>What a new user tripped on (issue 14's list of findings), each checked in a real browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FindingsTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AdminCreate_EmptyLabels_SaysSoAndCreatesNothing_ThenConfirmsTheCreateAndKeepsTheProjectAcrossReload()
    {
        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(fixture.Admin.Token);
        await page.GotoAsync("/admin");
        var create = page.Locator("#create-project");
        if (!await create.IsVisibleAsync()) await page.GetByText("Create a project").ClickAsync();

        var name = Unique("findings");
        await create.GetByLabel("Name").FillAsync(name);
        (await create.GetByLabel("Labels").InputValueAsync()).ShouldBe("", "no example text that looks like a value");
        var posts = 0;
        page.Request += (_, r) => { if (r.Method == "POST" && r.Url.EndsWith("/api/projects", StringComparison.Ordinal)) posts++; };
        await create.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        var error = create.Locator(".form-error");
        await error.Filter(new() { HasText = "Labels: enter at least one label" }).WaitForAsync();
        (await error.IsVisibleAsync()).ShouldBeTrue();
        posts.ShouldBe(0);

        await create.GetByLabel("Labels").FillAsync("spam\nham");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        var status = page.Locator("#admin-status");
        await status.Filter(new() { HasText = $"Created project {name}" }).WaitForAsync();
        (await status.IsVisibleAsync()).ShouldBeTrue("the confirmation outlives the redraw of the sections");
        await page.Locator("#project-h").GetByText(name).WaitForAsync();
        var created = new Uri(page.Url).Query;
        created.ShouldContain("project=", customMessage: "the selected project is in the address");

        // Select another project, reload: the page still manages that one, and the import names it.
        var otherName = Unique("other");
        var other = await fixture.Admin.CreateProjectAsync(otherName, new { labels = new[] { "a", "b" } });
        await page.ReloadAsync();
        await page.Locator("#project-picker").SelectOptionAsync(other.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#project-h").GetByText(otherName).WaitForAsync();
        await page.ReloadAsync();
        await page.Locator("#project-h").GetByText(otherName).WaitForAsync();
        (await page.Locator("#project-picker").InputValueAsync()).ShouldBe(other.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await page.Locator("#import-h").TextContentAsync()).ShouldBe($"Import items into {otherName}");

        // Saving settings says so, and the message stays after the redraw.
        await page.Locator("#settings-form").GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await status.Filter(new() { HasText = $"Settings of {otherName} saved." }).WaitForAsync();
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task MultiLabel_EnterWithNothingChosen_SavesNothing_AndTabToALabelThenEnter_ChoosesWithoutSubmitting()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("multi-keys"),
            new { mode = "multi", labels = new[] { "urgent", "billing", "personal" }, held_out_share = 0.0 });
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.Generate(3, seed: 21).Select(m => new { id = m.Id, text = m.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        var submits = 0;
        page.Request += (_, r) => { if (r.Url.EndsWith("/submit", StringComparison.Ordinal)) submits++; };
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        var first = await annotate.CurrentAsync();

        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#error").Filter(new() { HasText = "Choose at least one label first" }).WaitForAsync();
        (await page.Locator("#submit").IsDisabledAsync()).ShouldBeTrue();

        // Tab to the second label's button and press Enter: it is chosen, nothing is sent.
        await page.Locator("button.label[data-index='1']").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("button.label[data-index='1'][aria-pressed=true]").WaitForAsync();
        await page.WaitForTimeoutAsync(300);
        submits.ShouldBe(0);
        (await annotate.CurrentAsync()).TaskId.ShouldBe(first.TaskId);

        // Enter on the Submit button (or away from the buttons) submits the chosen set.
        await page.Locator("#item-text").FocusAsync();
        await annotate.AnswerAsync();
        submits.ShouldBe(1);
        var stored = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/annotations"))!.AsArray();
        stored.Count.ShouldBe(1);
        stored[0]!["labels"]!.AsArray().Select(l => (string)l!).ShouldBe(["billing"]);
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Undo_BringsTheItemBackWithTheEarlierAnswerSelected_AndNothingToUndoClearsOnTheNextAction()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("undo"),
            new { mode = "multi", labels = new[] { "urgent", "billing", "personal" }, held_out_share = 0.0 });
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.Generate(4, seed: 23).Select(m => new { id = m.Id, text = m.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        await annotate.CurrentAsync();

        await page.Keyboard.PressAsync("u");
        var status = page.Locator("#status");
        await status.Filter(new() { HasText = "Nothing to undo." }).WaitForAsync();
        await page.Keyboard.PressAsync("1");
        await page.WaitForFunctionAsync("() => document.querySelector('#status').textContent === ''");

        var answered = await annotate.AnswerAsync("3"); // urgent was chosen above; personal added
        (await annotate.UndoAsync()).ItemId.ShouldBe(answered.ItemId);
        var pressed = await page.Locator("button.label[aria-pressed=true] span").AllTextContentsAsync();
        pressed.ShouldBe(["urgent", "personal"], ignoreOrder: true);
        (await status.TextContentAsync())!.ShouldContain("earlier answer selected");

        // Enter keeps it: the same answer is stored again.
        await annotate.AnswerAsync();
        var live = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/annotations"))!.AsArray();
        live.Single()!["labels"]!.AsArray().Select(l => (string)l!).ShouldBe(["urgent", "personal"], ignoreOrder: true);
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Counters_StayTheSameOnReload_NeverSayZeroWhileAnItemIsLeft_AndCountTheLatestAnswer()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("counters"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.0 });
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.Generate(3, seed: 29).Select(m => new { id = m.Id, text = m.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        var progress = page.Locator("#progress");
        await annotate.CurrentAsync();
        await progress.Filter(new() { HasText = "You: 0 answered · 3 in the queue" }).WaitForAsync();
        await page.ReloadAsync();
        await annotate.CurrentAsync();
        await progress.Filter(new() { HasText = "You: 0 answered · 3 in the queue" }).WaitForAsync();

        await annotate.AnswerAsync("1");
        await progress.Filter(new() { HasText = "You: 1 answered · 2 in the queue" }).WaitForAsync();
        await annotate.AnswerAsync("2");
        await progress.Filter(new() { HasText = "You: 2 answered · 1 in the queue" }).WaitForAsync();
        await annotate.CurrentAsync(); // the last item is on screen: the queue is not "0"
        await page.ReloadAsync();
        await progress.Filter(new() { HasText = "You: 2 answered · 1 in the queue" }).WaitForAsync();
        await annotate.AnswerAsync("2");
        await progress.Filter(new() { HasText = "You: 3 answered · 0 in the queue" }).WaitForAsync();
        await page.Locator("#empty").WaitForAsync();
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Login_AfterTheSavedTokenWasRotated_SaysWhyItStoppedWorking()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("rotated"), new { labels = new[] { "a", "b" } });
        var (userId, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync("/projects");
        await page.Locator("nav").WaitForAsync();
        // As a restart of `sift serve --demo` does: the user's token is replaced.
        await fixture.Admin.PostAsync($"/api/users/{userId}/token");

        await page.GotoAsync($"/annotate/{projectId}");
        var why = page.Locator("#token-rejected");
        await why.WaitForAsync();
        new Uri(page.Url).AbsolutePath.ShouldBe("/");
        var text = (await why.TextContentAsync())!;
        text.ShouldContain("Your saved token stopped working.");
        text.ShouldContain("an admin rotated it, or the server issued new tokens when it started");
        text.ShouldContain("sift serve --demo");
        await Screenshots.SaveAsync(page, "login-token-rejected.png");

        // Shown once: a later visit to the login page is a plain one.
        await page.ReloadAsync();
        await page.Locator("#token").WaitForAsync();
        (await page.Locator("#token-rejected").CountAsync()).ShouldBe(0);
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
