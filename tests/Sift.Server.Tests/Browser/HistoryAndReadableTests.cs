using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Sift.Server.Tests.Browser;

/// <summary>Issue 14 items 5 and 7: an annotator's history (look back, change an answer) and e-mail shown as readable text.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HistoryAndReadableTests(BrowserFixture fixture)
{
    /// <summary>A raw message as a user's import may hold it: headers, MIME, quoted-printable, HTML.</summary>
    private const string RawEmail = """
        From: "Prize Desk" <win@example.com>
        To: you@example.org
        Subject: =?utf-8?q?You_have_won_=E2=82=AC1000?=
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b1"

        --b1
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Claim your prize =E2=80=94 reply with your bank details.
        Offer ends soon, see https://example.com/?a=3D1

        --b1
        Content-Type: text/html; charset=utf-8

        <html><body><p>Claim your prize</p><script>alert(1)</script></body></html>
        --b1--
        """;

    [Fact]
    public async Task History_AnnotatorPagesBackChangesAnAnswerByKeyboard_TheOldOneIsKeptAndTheEvidenceRecordsIt()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("history"),
            new { mode = "single", labels = new[] { "spam", "ham", "unsure" }, held_out_share = 0.0 });
        await fixture.Admin.ImportJsonlAsync(projectId, Mail.Generate(5, seed: 41).Select(m => new { id = m.Id, text = m.Text }));
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);
        var (_, otherToken) = await fixture.Admin.CreateUserAsync(Unique("other"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        var first = await annotate.AnswerAsync("1");   // spam
        var second = await annotate.AnswerAsync("2");  // ham
        var third = await annotate.AnswerAsync("1");   // spam

        // H opens the history at the newest answer; J goes back.
        await page.Keyboard.PressAsync("h");
        var position = page.Locator("#history-position");
        await position.WaitForAsync();
        new Uri(page.Url).AbsolutePath.ShouldBe($"/history/{projectId}");
        await position.Filter(new() { HasText = "Answer 1 of 3" }).WaitForAsync();
        (await page.Locator("#history-text").TextContentAsync()).ShouldBe(third.Text);
        (await page.Locator("#history-given").TextContentAsync()).ShouldBe("Your answer: spam");
        await page.Keyboard.PressAsync("j");
        await position.Filter(new() { HasText = "Answer 2 of 3" }).WaitForAsync();
        (await page.Locator("#history-text").TextContentAsync()).ShouldBe(second.Text);
        (await page.Locator("#history-given").TextContentAsync()).ShouldBe("Your answer: ham");
        (await page.Locator("button.label[aria-pressed=true] span").TextContentAsync()).ShouldBe("ham");
        (await page.Locator("#history-save").IsDisabledAsync()).ShouldBeTrue("nothing changed yet");

        // 3 then Enter: the answer becomes "unsure".
        await page.Keyboard.PressAsync("3");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#history-status").Filter(new() { HasText = "Changed." }).WaitForAsync();
        (await page.Locator("#history-given").TextContentAsync()).ShouldBe("Your answer: unsure");
        (await page.Locator("#history-meta").TextContentAsync())!.ShouldContain("changed from an earlier answer");
        await page.Keyboard.PressAsync("j");
        await position.Filter(new() { HasText = "Answer 3 of 3" }).WaitForAsync();
        (await page.Locator("#history-text").TextContentAsync()).ShouldBe(first.Text);
        await Screenshots.SaveAsync(page, "history.png");
        await page.Keyboard.PressAsync("k");
        await position.Filter(new() { HasText = "Answer 2 of 3" }).WaitForAsync();
        (await page.Locator("#history-given").TextContentAsync()).ShouldBe("Your answer: unsure");

        // Stored: the new answer live, the old one kept (undone); the evidence stream has the withdrawal and the change.
        var all = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/annotations?include_undone=true"))!.AsArray()
            .Where(a => (long)a!["item_id"]! == second.ItemId).ToList();
        all.Select(a => ((bool)a!["undone"]!, (string)a["labels"]![0]!)).ShouldBe([(true, "ham"), (false, "unsure")]);
        ((long)all[1]!["provenance"]!["supersedes"]!).ShouldBe((long)all[0]!["id"]!);
        var evidence = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/evidence"))!.AsArray()
            .Where(e => (string)e!["kind"]! == "answer").Select(e => e!["event"]!).ToList();
        evidence[^2]!["undo"]!.GetValue<bool>().ShouldBeTrue();
        ((string)evidence[^1]!["labels"]![0]!).ShouldBe("unsure");
        ((long)evidence[^1]!["provenance"]!["supersedes"]!).ShouldBe((long)all[0]!["id"]!);

        // Another annotator's history holds none of these answers, and they cannot change them.
        using var other = fixture.ApiAs(otherToken);
        (await other.GetAsync($"/api/projects/{projectId}/my-answers"))!.AsArray().Count.ShouldBe(0);
        using var refused = await other.SendAsync(HttpMethod.Post, $"/api/projects/{projectId}/my-answers/{(long)all[1]!["id"]!}",
            new { labels = new[] { "spam" }, client_request_id = Guid.NewGuid().ToString() });
        ((int)refused.StatusCode).ShouldBe(404);

        // Esc goes back to labeling.
        await page.Keyboard.PressAsync("Escape");
        await annotate.CurrentAsync();
        new Uri(page.Url).AbsolutePath.ShouldBe($"/annotate/{projectId}");
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Annotate_RawEmail_ShowsDecodedTextWithTheSourceOnRequest_AndACutTextIsMarked()
    {
        var cutText = string.Concat(Enumerable.Repeat("word ", 798)) + "end" + Sift.Cli.Demo.SpamAssassinCorpus.CutMarker;
        cutText.Length.ShouldBeLessThanOrEqualTo(4000);
        // Redaction off: the raw mail's addresses are part of what this test reads back exactly.
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("readable"),
            new { mode = "single", labels = new[] { "spam", "ham" }, held_out_share = 0.0, privacy = new { redact = false } });
        await fixture.Admin.ImportJsonlAsync(projectId, [new { id = "mail", text = RawEmail.ReplaceLineEndings("\n") }]);
        var (_, token) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(token);
        await page.GotoAsync($"/annotate/{projectId}");
        var annotate = new AnnotatePage(page);
        var shown = await annotate.CurrentAsync();
        shown.Text.ShouldBe("You have won €1000\n\nClaim your prize — reply with your bank details.\nOffer ends soon, see https://example.com/?a=1");
        (await page.Locator("#item-text").GetAttributeAsync("data-view")).ShouldBe("readable");
        (await page.Locator("#decoded-from").TextContentAsync())!.ShouldContain("decoded from an e-mail");
        (await page.Locator("#item-text *").CountAsync()).ShouldBe(0);
        await Screenshots.SaveAsync(page, "annotate-decoded-email.png");

        await page.Keyboard.PressAsync("v");
        await page.Locator("#item-text[data-view=source]").WaitForAsync();
        (await page.Locator("#item-text").TextContentAsync()).ShouldBe(RawEmail.ReplaceLineEndings("\n"));
        (await page.Locator("#item-text *").CountAsync()).ShouldBe(0, "the source is text too");
        (await page.Locator("main script, main img").CountAsync()).ShouldBe(0);
        await page.Keyboard.PressAsync("v");
        await page.Locator("#item-text[data-view=readable]").WaitForAsync();
        (await page.Locator("#cut-mark").IsHiddenAsync()).ShouldBeTrue();
        await annotate.AnswerAsync("1");

        // A text that was cut says so where it ends.
        await fixture.Admin.ImportJsonlAsync(projectId, [new { id = "long", text = cutText }]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Check again" }).ClickAsync();
        (await annotate.CurrentAsync()).Text.ShouldBe(cutText);
        var mark = page.Locator("#cut-mark");
        await mark.WaitForAsync();
        (await mark.TextContentAsync())!.ShouldContain("Cut here: the original text was longer than 4,000 characters");
        (await page.Locator("#source-bar").IsHiddenAsync()).ShouldBeTrue("plain text has no source switch");
        session.Dialogs.ShouldBeEmpty();
        await session.ShouldBeCleanAsync();
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
