namespace Sift.DemoCorpus.Tests;

/// <summary>The server's readable view of imported text: the demo converter's own code on a string.</summary>
public sealed class ReadableTextTests
{
    [Fact]
    public void Make_RawMimeMessageWithQuotedPrintable_GivesSubjectAndDecodedBody()
    {
        const string Raw = "From: a@example.com\nSubject: =?iso-8859-1?q?Caf=E9_menu?=\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n" +
            "Content-Transfer-Encoding: quoted-printable\n\nSoup of the day: cr=E8me br=FBl=E9e =3D dessert.\n";

        var result = ReadableText.Make(Raw)!;

        result.Source.ShouldBe(TextSource.Email);
        result.Text.ShouldBe("Café menu\n\nSoup of the day: crème brûlée = dessert.");
    }

    [Fact]
    public void Make_HtmlDocument_GivesTheTextWithoutScriptsOrMarkup()
    {
        var result = ReadableText.Make("<html><head><title>x</title><script>alert(1)</script></head><body><p>Hello &amp; welcome</p><div>Second<br>line</div></body></html>")!;

        result.Source.ShouldBe(TextSource.Html);
        result.Text.ShouldBe("Hello & welcome\n\nSecond\nline");
    }

    [Fact]
    public void Make_UndeclaredQuotedPrintable_IsDecoded()
    {
        var result = ReadableText.Make("Click <a href=3D\"http://x\">here</a> =E2=80=94 now")!;

        result.Source.ShouldBe(TextSource.QuotedPrintable);
        result.Text.ShouldBe("Click <a href=\"http://x\">here</a> — now");
    }

    [Theory]
    [InlineData("Meeting at 10, bring the slides.")]
    [InlineData("Re: new sequences\n\nWhy does <p> in a post about <b>tags</b> and <i>markup</i> count? It is a long mailing-list post discussing HTML, not HTML itself, so it stays as it is.")]
    [InlineData("Subject: only one header line\n\nbody")]
    public void Make_PlainTextOrAPostAboutTags_IsLeftAlone(string text) => ReadableText.Make(text).ShouldBeNull();

    [Fact]
    public void WasCut_OnlyAtTheCapWithTheMarker()
    {
        var cut = new string('a', 3990) + ReadableText.CutMarker;
        ReadableText.WasCut(cut).ShouldBeTrue();
        ReadableText.WasCut("short text" + ReadableText.CutMarker).ShouldBeFalse("a short text ending in the marker was not cut");
        ReadableText.WasCut(new string('a', 3996)).ShouldBeFalse();
    }
}
