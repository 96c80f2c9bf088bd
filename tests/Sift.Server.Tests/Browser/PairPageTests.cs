using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Sift.Server.Tests.Browser;

/// <summary>The annotate page of a pair project, in real Chromium: keyboard-only judging, inert text, layout, differences.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PairPageTests(BrowserFixture fixture)
{
    private const string Hostile = "<img src=x onerror=alert(1)><script>window.__pwned = 1</script>";

    private static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>A pair project with <paramref name="rows"/> imported, and an annotator's token.</summary>
    private async Task<(long ProjectId, string Token)> ProjectAsync(IEnumerable<object> rows)
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("pairs"), new { content = "pair", held_out_share = 0.0 },
            "Choose the **more helpful** reply. Tie when they are equally good; N when both are bad.");
        await fixture.Admin.ImportJsonlAsync(projectId, rows);
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);
        return (projectId, token);
    }

    [Fact]
    public async Task PairPage_KeyboardOnly_AnswersRationaleAndUndoStoredInStoredSides()
    {
        var rows = Enumerable.Range(0, 6).Select(i => (object)new
        {
            id = $"k{i}",
            prompt = $"Question {i}: how do I water a cactus?",
            chosen = $"Water it sparingly, about every {i + 2} weeks.",
            rejected = $"Pour a bucket on it every day ({i}).",
        }).ToList();
        var (projectId, token) = await ProjectAsync(rows);

        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(token);
        var page = session.Page;
        await page.GotoAsync($"/annotate/{projectId}");
        var pair = new PairPage(page);

        // A: the response shown first; B: the second; T: tie; N: both bad; R opens the rationale, Esc leaves it.
        var expected = new Dictionary<long, (string Label, string? Rationale)>();
        var first = await pair.CurrentAsync();
        await pair.PressAndMoveOnAsync("a");
        expected[first.ItemId] = (first.Sides[0], null);

        var second = await pair.CurrentAsync();
        await pair.PressAndMoveOnAsync("b");
        expected[second.ItemId] = (second.Sides[1], null);

        var third = await pair.CurrentAsync();
        await page.Keyboard.PressAsync("r");
        (await page.EvaluateAsync<string>("() => document.activeElement.id")).ShouldBe("rationale");
        await page.Keyboard.TypeAsync("Both are fine, <b>really</b>. A b t n typed here do not answer.");
        await page.Keyboard.PressAsync("Escape");
        (await page.EvaluateAsync<string>("() => document.activeElement.id")).ShouldBe("pair");
        await pair.PressAndMoveOnAsync("t");
        expected[third.ItemId] = ("tie", "Both are fine, <b>really</b>. A b t n typed here do not answer.");

        var fourth = await pair.CurrentAsync();
        await pair.PressAndMoveOnAsync("n");
        (await pair.CurrentAsync()).TaskId.ShouldNotBe(fourth.TaskId);

        // U brings the "both bad" comparison back in the same order; answer it with the second response instead.
        await page.Keyboard.PressAsync("u");
        await page.Locator("#status").Filter(new() { HasText = "Undone" }).WaitForAsync();
        var back = await pair.CurrentAsync();
        back.ItemId.ShouldBe(fourth.ItemId);
        back.Sides.ShouldBe(fourth.Sides);
        (await page.Locator("#rationale").InputValueAsync()).ShouldBe("", "a new comparison starts with an empty rationale");
        await pair.PressAndMoveOnAsync("b");
        expected[fourth.ItemId] = (fourth.Sides[1], null);
        await session.ShouldBeCleanAsync();

        var annotations = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/annotations?include_undone=true"))!.AsArray();
        var live = annotations.Where(a => !(bool)a!["undone"]!).ToDictionary(a => (long)a!["item_id"]!, a => a!);
        live.Keys.ShouldBe(expected.Keys, ignoreOrder: true);
        foreach (var (itemId, (label, rationale)) in expected)
        {
            live[itemId]["labels"]!.AsArray().Select(l => (string)l!).ShouldBe([label]);
            ((string?)live[itemId]["provenance"]!["rationale"]).ShouldBe(rationale);
        }
        // The side order shown is recorded: swapped when the stored B was shown first.
        ((bool)live[first.ItemId]["provenance"]!["sides_swapped"]!).ShouldBe(first.Sides[0] == "B");
        annotations.Single(a => (bool)a!["undone"]!)!["labels"]!.AsArray().Select(l => (string)l!).ShouldBe(["both_bad"]);
    }

    [Fact]
    public async Task PairPage_HostileHtmlInPromptAndResponses_ShownAsTextAndNothingRuns()
    {
        var (projectId, token) = await ProjectAsync([
            new
            {
                id = "hostile",
                prompt = new object[] { new { role = "system", content = Hostile }, new { role = "user", content = "Compare: " + Hostile } },
                chosen = "**Bold** reply with a [link](javascript:alert(2)) and " + Hostile,
                rejected = "Another reply <iframe src=/evil></iframe> with <a href=javascript:alert(3)>a link</a>",
            },
        ]);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{projectId}");
        await new PairPage(page).CurrentAsync();

        var box = page.Locator("#pair");
        (await box.InnerTextAsync()).ShouldContain("Compare: " + Hostile);
        (await box.InnerTextAsync()).ShouldContain("<iframe src=/evil></iframe>");
        (await page.Locator("#pair img, #pair script, #pair iframe, #pair a[href^='javascript']").CountAsync()).ShouldBe(0);
        (await page.Locator("#pair strong").CountAsync()).ShouldBeGreaterThanOrEqualTo(0); // Markdown may render **Bold**, as nodes
        // Differences marked (D) still only text.
        await page.Keyboard.PressAsync("d");
        (await page.Locator("#pair img, #pair script, #pair iframe").CountAsync()).ShouldBe(0);
        await page.Keyboard.PressAsync("a");
        await page.Locator("#empty").WaitForAsync();

        session.Dialogs.ShouldBeEmpty();
        session.RequestedPaths.ShouldNotContain("/x");
        session.RequestedPaths.ShouldNotContain("/evil");
        (await page.EvaluateAsync<bool>("() => window.__pwned === undefined")).ShouldBeTrue();
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task PairPage_Layout_PromptOnTopSideBySideWideStackedNarrow_DifferencesMarked()
    {
        var (projectId, token) = await ProjectAsync([
            new
            {
                id = "similar",
                prompt = "Summarise the plan.",
                chosen = "We ship the beta on Monday and fix the login bug first.",
                rejected = "We ship the beta on Friday and fix the login bug later.",
            },
        ]);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{projectId}");
        await new PairPage(page).CurrentAsync();

        var prompt = (await page.Locator(".pair-prompt").BoundingBoxAsync())!;
        var a = (await page.Locator("#response-a").BoundingBoxAsync())!;
        var b = (await page.Locator("#response-b").BoundingBoxAsync())!;
        prompt.Y.ShouldBeLessThan(a.Y);
        Math.Abs(a.Y - b.Y).ShouldBeLessThan(1, "side by side on a wide screen");
        b.X.ShouldBeGreaterThan(a.X + a.Width - 1);

        // The replies overlap, so the words that differ are marked by default, and only those.
        var marked = (await page.Locator("#pair mark").AllTextContentsAsync()).ToHashSet();
        marked.ShouldBe(["Monday", "first.", "Friday", "later."], ignoreOrder: true);
        (await page.Locator("#diff-toggle").IsCheckedAsync()).ShouldBeTrue();
        await page.Keyboard.PressAsync("d");
        (await page.Locator("#pair mark").CountAsync()).ShouldBe(0);
        (await page.Locator("#diff-toggle").IsCheckedAsync()).ShouldBeFalse();

        await page.SetViewportSizeAsync(600, 900);
        a = (await page.Locator("#response-a").BoundingBoxAsync())!;
        b = (await page.Locator("#response-b").BoundingBoxAsync())!;
        b.Y.ShouldBeGreaterThanOrEqualTo(a.Y + a.Height - 1, "stacked on a narrow screen");
        Math.Abs(a.X - b.X).ShouldBeLessThan(1);
        await Screenshots.SaveAsync(page, "annotate-pair-narrow.png");
        await page.SetViewportSizeAsync(1280, 800);
        await page.Keyboard.PressAsync("d");
        await Screenshots.SaveAsync(page, "annotate-pair.png");
        await session.ShouldBeCleanAsync();
    }
}

/// <summary>The pair annotate page, read and driven as a person with a keyboard would.</summary>
internal sealed class PairPage(IPage page)
{
    /// <summary>The comparison on screen: its task and item, and the stored side of the response shown first and second.</summary>
    internal sealed record Shown(long TaskId, long ItemId, string[] Sides);

    public async Task<Shown> CurrentAsync()
    {
        await page.Locator("#pair .response").First.WaitForAsync();
        var item = page.Locator("#item-text[data-task-id]");
        await item.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var taskId = long.Parse((await item.GetAttributeAsync("data-task-id"))!);
        var itemId = long.Parse((await item.GetAttributeAsync("data-item-id"))!);
        // Each response carries the stored side it shows (data-side), first on screen first.
        var sides = (await page.Locator("#pair .response").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.side)"));
        return new Shown(taskId, itemId, sides);
    }

    /// <summary>Presses an answer key and waits until another comparison (or the empty notice) is on screen.</summary>
    public async Task PressAndMoveOnAsync(string key)
    {
        var before = await CurrentAsync();
        await page.Keyboard.PressAsync(key);
        await page.WaitForFunctionAsync(
            "taskId => { const el = document.querySelector('#item-text'); return el.dataset.taskId !== String(taskId) && (el.dataset.taskId !== undefined || !document.querySelector('#empty').hidden); }",
            before.TaskId);
    }
}
