using System.Globalization;
using Microsoft.Playwright;

namespace Sift.Server.Tests.Browser;

/// <summary>Redaction on the pages: the annotate page shows the placeholders marked and never the original; the admin page edits the privacy settings.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PrivacyPageTests(BrowserFixture fixture)
{
    private const string Email = "maria.gonzalez@example.org";
    private const string Phone = "+44 20 7946 0958";

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public async Task Annotate_RedactedHostileItem_ShowsMarkedPlaceholdersAndNeverTheOriginal()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("privacy"), new { labels = new[] { "spam", "ham" }, held_out_share = 0.0 });
        var hostile = $"<img src=x onerror=\"document.title='pwned'\"> Reply to {Email} [URGENT] or call {Phone}. <script>alert(1)</script> [EMAIL]";
        await fixture.Admin.ImportJsonlAsync(projectId, [new { id = "h1", text = hostile }]);
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(token);
        var page = session.Page;
        await page.GotoAsync($"/annotate/{projectId}");
        var text = page.Locator("#item-text");
        await text.Locator("span.pii").First.WaitForAsync();

        (await text.TextContentAsync()).ShouldBe(
            "<img src=x onerror=\"document.title='pwned'\"> Reply to [EMAIL] [URGENT] or call [PHONE]. <script>alert(1)</script> [EMAIL]");
        (await text.Locator("span.pii").AllTextContentsAsync()).ShouldBe(["[EMAIL]", "[PHONE]", "[EMAIL]"], "[URGENT] is the author's text, not a placeholder");
        (await text.Locator("span.pii").First.GetAttributeAsync("title")).ShouldBe("Redacted: an e-mail address");
        (await text.Locator("img, script").CountAsync()).ShouldBe(0, "item text is text, never HTML");
        var html = await page.ContentAsync();
        html.ShouldNotContain("maria.gonzalez");
        html.ShouldNotContain("7946");
        (await page.TitleAsync()).ShouldNotBe("pwned");
        session.RequestedPaths.ShouldNotContain(p => p.EndsWith("/x", StringComparison.Ordinal));
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Admin_PrivacyCard_SavesSettingsAndSaysWhatIsWrongWithABadPattern()
    {
        var name = Unique("privacy-admin");
        var projectId = await fixture.Admin.CreateProjectAsync(name, new { labels = new[] { "a", "b" } });
        await using var session = await fixture.OpenAsync();
        await session.LoginAsync(fixture.Admin.Token);
        var page = session.Page;
        await page.GotoAsync($"/admin?project={projectId.ToString(CultureInfo.InvariantCulture)}");
        var card = page.Locator("#privacy-form");
        await card.Locator("#privacy-status").Filter(new() { HasText = "Originals kept: 0" }).WaitForAsync();
        (await card.Locator("#privacy-redact").IsCheckedAsync()).ShouldBeTrue("a new project redacts");

        await card.Locator("#privacy-patterns").FillAsync("ticket = (TCK-");
        await card.GetByRole(AriaRole.Button, new() { Name = "Save privacy settings" }).ClickAsync();
        await card.Locator(".form-error").Filter(new() { HasText = "privacy.custom_patterns.ticket: not a valid regular expression" }).WaitForAsync();

        await card.Locator("#privacy-patterns").FillAsync("ticket = TCK-\\d{6}");
        await card.Locator("#privacy-kind-phone").UncheckAsync();
        await card.Locator("#privacy-retention").SelectOptionAsync("purge-after-export");
        await card.GetByRole(AriaRole.Button, new() { Name = "Save privacy settings" }).ClickAsync();
        await page.Locator("#admin-status").Filter(new() { HasText = $"Privacy settings of {name} saved." }).WaitForAsync();

        var privacy = (await fixture.Admin.GetAsync($"/api/projects/{projectId}"))!["settings"]!["privacy"]!;
        privacy["retention"]!.GetValue<string>().ShouldBe("purge-after-export");
        privacy["custom_patterns"]!["ticket"]!.GetValue<string>().ShouldBe("TCK-\\d{6}");
        privacy["kinds"]!.AsArray().Select(k => k!.GetValue<string>()).ShouldNotContain("phone");
        await session.ShouldBeCleanAsync();
    }
}
