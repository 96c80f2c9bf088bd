using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Sift.Projects;
using Sift.Server.Auth;

namespace Sift.Server.Tests.Browser;

/// <summary>The browser tests share one server and one browser; each test makes its own project and users.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>
/// A real server (Kestrel on a free loopback port, a temporary SQLite file) with one admin, and headless Debian
/// Chromium driven by Playwright. Everything else is made through the REST API over HTTP, as a user would.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("sift-ui-");
    private WebApplication? app;
    private IPlaywright? playwright;
    private IBrowser? browser;

    public Uri Url { get; private set; } = null!;

    internal SiftApi Admin { get; private set; } = null!;

    /// <summary>The server's store, for writing what the API would refuse (a row from an older version, say).</summary>
    internal ISiftStore Store => app!.Services.GetRequiredService<ISiftStore>();

    public async ValueTask InitializeAsync()
    {
        // Before anything starts: a missing browser fails every test here with the fix in the message.
        Chromium.FindExecutable();

        app = SiftServerApp.Build(new SiftServerOptions { Port = 0 }, s => s.AddSiftSqlite(Path.Combine(folder.FullName, "sift.db")));
        await app.StartAsync();
        Url = SiftServerApp.GetUrl(app);

        // The first admin comes from the store, as `sift users add` makes it; everyone else is made over the API.
        var token = UserTokens.NewToken();
        var store = app.Services.GetRequiredService<ISiftStore>();
        await store.CreateUserAsync("admin", Role.Admin, UserTokens.Hash(token), TimeProvider.System.GetUtcNow());
        Admin = new SiftApi(Url, token);

        playwright = await Playwright.CreateAsync();
        browser = await Chromium.LaunchAsync(playwright);
    }

    /// <summary>A fresh browser context (no storage shared with other tests) at 1280×800, on this fixture's server or on <paramref name="server"/>.</summary>
    internal async Task<BrowserSession> OpenAsync(Uri? server = null)
    {
        var context = await browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (server ?? Url).ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(20_000);
        await context.AddInitScriptAsync(BrowserSession.WatchScript);
        return new BrowserSession(context, await context.NewPageAsync());
    }

    internal SiftApi ApiAs(string token) => new(Url, token);

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        Admin?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>One browser context and its page, with what went wrong in it: uncaught script errors and CSP violations.</summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    /// <summary>Runs before any page script (through the DevTools protocol, so the page's CSP does not apply to it).</summary>
    public const string WatchScript = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
        """;

    private readonly IBrowserContext context;

    public BrowserSession(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.PageError += (_, error) => PageErrors.Add(error);
        page.Dialog += async (_, dialog) =>
        {
            Dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        page.Request += (_, request) => RequestedPaths.Add(new Uri(request.Url).AbsolutePath);
    }

    public IPage Page { get; }

    public List<string> PageErrors { get; } = [];

    /// <summary>Messages of every alert/confirm/prompt the page opened (each dismissed).</summary>
    public List<string> Dialogs { get; } = [];

    /// <summary>The path of every request the page made (e.g. to check an injected <c>&lt;img src=x&gt;</c> never loaded).</summary>
    public List<string> RequestedPaths { get; } = [];

    /// <summary>Logs in through the login page, as a person would: paste the token, press Enter.</summary>
    public async Task LoginAsync(string token)
    {
        await Page.GotoAsync("/");
        await Page.Locator("#token").FillAsync(token);
        await Page.Keyboard.PressAsync("Enter");
        try
        {
            // A locator wait (polled in the page), not WaitForURL: the navigation event can race the waiter.
            await Page.Locator("main h1").Filter(new() { HasText = "Projects" }).WaitForAsync();
        }
        catch (TimeoutException e)
        {
            var said = await Page.Locator("main").TextContentAsync(new() { Timeout = 1000 });
            throw new TimeoutException($"Login did not reach /projects: at {Page.Url}, the page says '{said}'.", e);
        }

        new Uri(Page.Url).AbsolutePath.ShouldBe("/projects");
    }

    /// <summary>No script error so far, and no CSP violation on the current page.</summary>
    public async Task ShouldBeCleanAsync()
    {
        PageErrors.ShouldBeEmpty();
        var violations = await Page.EvaluateAsync<string[]>("() => window.__cspViolations ?? []");
        violations.ShouldBeEmpty();
    }

    public ValueTask DisposeAsync() => context.DisposeAsync();
}

/// <summary>Writes screenshots for docs/ when <c>SIFT_SCREENSHOTS</c> names a folder (so CI leaves the tree clean).</summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name, bool fullPage = false)
    {
        var folder = Environment.GetEnvironmentVariable("SIFT_SCREENSHOTS");
        if (string.IsNullOrWhiteSpace(folder)) return;
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = fullPage });
    }
}
