using Microsoft.Playwright;

namespace Sift.Server.Tests.Browser;

/// <summary>
/// The login page's <c>?next=</c> goes only to a path on this site, in a real browser (which strips tabs and line
/// breaks from URLs and reads a backslash as a slash, so a check on the raw string is not enough).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LoginRedirectTests(BrowserFixture fixture)
{
    private const string Evil = "evil.example";

    [Theory]
    [InlineData("/\t/evil.example/")]
    [InlineData("/\n/evil.example/")]
    [InlineData("/\r\n/evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("\\/evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("javascript:alert(document.domain)")]
    [InlineData("/\t/evil.example/%2F..")]
    public async Task Login_NextElsewhere_GoesToProjectsInstead(string next)
    {
        await using var session = await fixture.OpenAsync();
        var left = await WatchForEvilAsync(session.Page);

        await session.Page.GotoAsync("/?next=" + Uri.EscapeDataString(next));
        await session.Page.Locator("#token").FillAsync(fixture.Admin.Token);
        await session.Page.Keyboard.PressAsync("Enter");
        await ArriveAsync(session.Page, session.Page.Locator("main h1").Filter(new() { HasText = "Projects" }), left);

        new Uri(session.Page.Url).AbsolutePath.ShouldBe("/projects");
        new Uri(session.Page.Url).Authority.ShouldBe(fixture.Url.Authority);
        session.Dialogs.ShouldBeEmpty();
        await session.ShouldBeCleanAsync();
    }

    [Theory]
    [InlineData("/\t/evil.example/")]
    [InlineData("//evil.example/")]
    public async Task AlreadySignedIn_NextElsewhere_GoesToProjectsInstead(string next)
    {
        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(fixture.Admin.Token);
        var left = await WatchForEvilAsync(session.Page);

        await session.Page.GotoAsync("/?next=" + Uri.EscapeDataString(next));
        await ArriveAsync(session.Page, session.Page.Locator("main h1").Filter(new() { HasText = "Projects" }), left);

        new Uri(session.Page.Url).Authority.ShouldBe(fixture.Url.Authority);
        new Uri(session.Page.Url).AbsolutePath.ShouldBe("/projects");
    }

    [Fact]
    public async Task Login_NextOnThisSite_GoesThere()
    {
        await using var session = await fixture.OpenAsync();
        var left = await WatchForEvilAsync(session.Page);

        await session.Page.GotoAsync("/?next=" + Uri.EscapeDataString("/admin?from=login"));
        await session.Page.Locator("#token").FillAsync(fixture.Admin.Token);
        await session.Page.Keyboard.PressAsync("Enter");
        await ArriveAsync(session.Page, session.Page.Locator("#user-table"), left);

        var url = new Uri(session.Page.Url);
        url.Authority.ShouldBe(fixture.Url.Authority);
        // The admin page adds the project it manages (?project=) to the address it arrived at.
        url.AbsolutePath.ShouldBe("/admin");
        url.Query.ShouldStartWith("?from=login");
        await session.ShouldBeCleanAsync();
    }

    /// <summary>Answers any request to evil.example in place (there is no network) and reports its URL.</summary>
    private static async Task<Task<string>> WatchForEvilAsync(IPage page)
    {
        var left = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(url => new Uri(url).Host == Evil, async route =>
        {
            left.TrySetResult(route.Request.Url);
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/html", Body = "<h1>elsewhere</h1>" });
        });
        return left.Task;
    }

    /// <summary>Waits for <paramref name="arrived"/> to show; fails at once, naming the URL, if the page went to evil.example.</summary>
    private static async Task ArriveAsync(IPage page, ILocator arrived, Task<string> left)
    {
        var shown = arrived.WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        var first = await Task.WhenAny(shown, left);
        if (first == left) throw new ShouldAssertException($"The page left the site for {await left} (now at {page.Url}).");
        await shown;
        left.IsCompleted.ShouldBeFalse(left.IsCompleted ? $"left for {left.Result}" : "");
    }
}
