using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sift.Server.Tests.Browser;

/// <summary>
/// The dashboard as issue 14 found it: the majority-class baseline, chart text of a readable size, visible markers on
/// the curve's points, the lift's real reason, ISO dates, dark mode and phone width.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class DashboardLayoutTests(BrowserFixture fixture)
{
    /// <summary>The smallest text any chart may show, in CSS pixels as drawn on screen.</summary>
    private const double MinTextPixels = 11;

    [Fact]
    public async Task Dashboard_WithAModel_ShowsBaselineMarkersReasonIsoDates_AtDesktopPhoneAndDark()
    {
        var mail = Mail.GenerateMixed(80, seed: 31, noise: 0.2);
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("Layout"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.25, retrain_every = 1000, exploration_share = 0.0, seed = 5 });
        await fixture.Admin.ImportJsonlAsync(projectId, mail.Select(m => new { id = m.Id, text = m.Text, label = m.Label }));
        var truth = mail.ToDictionary(m => m.Text, m => m.Label);
        var (_, annotatorToken) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);
        using (var annotator = fixture.ApiAs(annotatorToken))
        {
            for (var i = 0; i < 24; i++)
            {
                var task = (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=1"))!.AsArray()[0]!;
                await annotator.PostAsync($"/api/projects/{projectId}/tasks/{(long)task["task_id"]!}/submit",
                    new { labels = new[] { truth[(string)task["text"]!] }, client_request_id = Guid.NewGuid().ToString() });
            }
        }
        await fixture.Admin.PostAsync($"/api/projects/{projectId}/train");
        var view = await WaitForModelAsync(projectId);
        var baseline = view["baseline"]!;
        ((string)baseline["label"]!).ShouldBeOneOf("spam", "ham");
        ((int)baseline["held_out"]!).ShouldBeGreaterThan(0);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(fixture.Admin.Token);
        await page.GotoAsync($"/dashboard/{projectId}");
        await page.Locator("#learning-curve svg .series").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        // The baseline, in words and as the curve's dashed line; the points have markers.
        var baselineText = await page.Locator("#baseline").TextContentAsync();
        baselineText.ShouldStartWith($"Majority-class baseline: always answering “{(string)baseline["label"]!}” scores ");
        baselineText.ShouldContain("points above it.", Case.Sensitive, "the model is compared with the baseline");
        (await page.Locator("#learning-curve svg .ceiling text").TextContentAsync())!.ShouldStartWith($"always '{(string)baseline["label"]!}'");
        (await page.Locator("#learning-curve svg .markers .marker").CountAsync()).ShouldBeGreaterThanOrEqualTo(1);
        var markerSize = await page.Locator("#learning-curve svg .markers .marker").First.EvaluateAsync<double>("e => e.getBoundingClientRect().width");
        markerSize.ShouldBeGreaterThanOrEqualTo(9, "a marker is a visible dot, not a tiny cross");

        // The lift says what it waits for.
        (await page.Locator("#lift-status").TextContentAsync())!.ShouldMatch(@"^Not measurable yet: waiting for \d+ labels from random-control positions \(0 so far\)\.$");

        // ISO dates.
        (await page.Locator("#updated").TextContentAsync())!.ShouldMatch(@"^Updated \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ");
        (await page.Locator("#trainer dd").Nth(2).TextContentAsync())!.ShouldMatch(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$");

        await ShouldHaveReadableChartTextAsync(page, "desktop");
        await Screenshots.SaveAsync(page, "dashboard-light.png", fullPage: true);

        // Phone width: nothing wider than the screen, chart text still readable.
        await page.SetViewportSizeAsync(375, 812);
        await page.ReloadAsync();
        await page.Locator("#learning-curve svg .series").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
        await ShouldHaveReadableChartTextAsync(page, "phone");
        await Screenshots.SaveAsync(page, "dashboard-phone.png", fullPage: true);

        // Dark mode from the system setting, then the switch overrides it, and the choice is kept.
        await page.SetViewportSizeAsync(1280, 800);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.ReloadAsync();
        await page.Locator("#learning-curve svg .series").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Luminance(await BackgroundAsync(page)).ShouldBeLessThan(0.1, "dark background with prefers-color-scheme: dark");
        Luminance(await page.EvaluateAsync<string>("() => getComputedStyle(document.body).color")).ShouldBeGreaterThan(0.6);
        await Screenshots.SaveAsync(page, "dashboard-dark.png", fullPage: true);
        var toggle = page.Locator("#theme-toggle");
        (await toggle.TextContentAsync()).ShouldBe("Theme: auto");
        await toggle.ClickAsync();
        (await toggle.TextContentAsync()).ShouldBe("Theme: light");
        Luminance(await BackgroundAsync(page)).ShouldBeGreaterThan(0.8, "the switch chose light over the system's dark");
        await page.ReloadAsync();
        await page.Locator("#theme-toggle").Filter(new() { HasText = "Theme: light" }).WaitForAsync();
        Luminance(await BackgroundAsync(page)).ShouldBeGreaterThan(0.8);
        await page.Locator("#theme-toggle").ClickAsync();
        Luminance(await BackgroundAsync(page)).ShouldBeLessThan(0.1, "Theme: dark");
        await session.ShouldBeCleanAsync();
    }

    /// <summary>Every text in every chart on the page is drawn at least <see cref="MinTextPixels"/> tall on screen.</summary>
    private static async Task ShouldHaveReadableChartTextAsync(IPage page, string where)
    {
        var found = await page.EvaluateAsync<System.Text.Json.JsonElement>("""
            () => [...document.querySelectorAll('main svg text')].filter(t => t.textContent.trim() !== '' && t.getClientRects().length > 0)
              .map(t => ({ text: t.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b) }))
            """);
        var sizes = found.EnumerateArray().Select(e => (Text: e.GetProperty("text").GetString()!, Px: e.GetProperty("px").GetDouble())).ToList();
        sizes.Count.ShouldBeGreaterThan(10);
        var small = sizes.Where(s => s.Px < MinTextPixels - 0.01).Select(s => $"'{s.Text}' {s.Px:0.0}px").ToList();
        small.ShouldBeEmpty($"chart text below {MinTextPixels}px at {where}");
    }

    private static Task<string> BackgroundAsync(IPage page) => page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    /// <summary>Relative luminance (WCAG) of an rgb() colour, 0 black to 1 white.</summary>
    private static double Luminance(string rgb)
    {
        var parts = RgbPattern().Matches(rgb).Take(3).Select(m => double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) / 255).ToArray();
        static double Linear(double c) => c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        return 0.2126 * Linear(parts[0]) + 0.7152 * Linear(parts[1]) + 0.0722 * Linear(parts[2]);
    }

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex RgbPattern();

    private async Task<JsonNode> WaitForModelAsync(long projectId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonNode? view = null;
        while (DateTime.UtcNow < deadline)
        {
            view = await fixture.Admin.GetAsync($"/api/projects/{projectId}/dashboard");
            var state = ((string?)view!["trainer"]?["state"])?.ToLowerInvariant();
            if ((int)view["model_version"]! >= 1 && state is "done") return view;
            if (state is "failed") throw new InvalidOperationException($"The trainer failed: {view["trainer"]}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No model after 90 s; last dashboard: {view}");
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
