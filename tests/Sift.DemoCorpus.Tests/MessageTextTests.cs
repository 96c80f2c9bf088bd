using System.Text;

namespace Sift.DemoCorpus.Tests;

public sealed class MessageTextTests
{
    [Fact]
    public void Convert_PlainMessage_SubjectBlankLineBodyAndNoOtherHeader()
    {
        var text = Mail.Convert("From someone@example.org  Thu Aug 22 12:36:23 2002\nReturn-Path: <a@b>\nFrom: Ann <a@b>\nTo: c@d\n" +
            "Subject: Hello there\nMessage-Id: <1@b>\n\nFirst line\nsecond line\n");

        text.ShouldBe("Hello there\n\nFirst line\nsecond line");
    }

    [Fact]
    public void Convert_QuotedPrintableLatin1_DecodedWithSoftBreaksJoined()
    {
        var text = Mail.Convert("Subject: s\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n" +
            "caf=E9 a=3Db, long li=\nne\n");

        text.ShouldBe("s\n\ncafé a=b, long line");
    }

    [Fact]
    public void Convert_Base64Utf8_Decoded()
    {
        var text = Mail.Convert("Subject: s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nR3LDvMOfZSDwn5iA\n");

        text.ShouldBe("s\n\nGrüße 😀");
    }

    [Fact]
    public void Convert_UsAsciiWithEightBitQuotes_ReadAsWindows1252()
    {
        var text = Mail.Convert("Subject: s\nContent-Type: text/plain; charset=us-ascii\n\n\x93quoted\x94 \x96 it\x92s \xE9t\xE9\n");

        text.ShouldBe("s\n\n“quoted” – it’s été");
    }

    [Fact]
    public void Convert_NoCharsetUtf8Bytes_ReadAsUtf8()
    {
        var body = Encoding.UTF8.GetBytes("Grüße, naïve café\n");

        Mail.Convert(Mail.WithBody("Subject: s\n\n", body)).ShouldBe("s\n\nGrüße, naïve café");
    }

    [Fact]
    public void Convert_Utf8BytesLabelledLatin1_ReadAsUtf8()
    {
        var body = Encoding.UTF8.GetBytes("naïve\n");

        var text = Mail.Convert(Mail.WithBody("Subject: s\nContent-Type: text/plain; charset=iso-8859-1\n\n", body), out var notes);

        text.ShouldBe("s\n\nnaïve");
        notes.Routes.ShouldContainKey(DecodeRoute.MislabelledUtf8);
    }

    [Fact]
    public void Convert_Koi8rBody_DecodedWithTheDeclaredCharset()
    {
        var body = System.Convert.FromHexString("f0d2c9d7c5d4");

        Mail.Convert(Mail.WithBody("Subject: s\nContent-Type: text/plain; charset=koi8-r\n\n", body)).ShouldBe("s\n\nПривет");
    }

    [Fact]
    public void Convert_InvalidBytesInGb2312_RepairedWithoutReplacementCharacter()
    {
        // 中文, then a lone lead byte and a byte GB2312 never uses.
        var body = System.Convert.FromHexString("d6d0cec4" + "20" + "b0" + "ff" + "0a");

        var text = Mail.Convert(Mail.WithBody("Subject: s\nContent-Type: text/plain; charset=gb2312\n\n", body), out var notes);

        text.ShouldStartWith("s\n\n中文");
        text.ShouldNotContain('\uFFFD');
        notes.Routes.ShouldContainKey(DecodeRoute.DeclaredWithRepairs);
    }

    [Fact]
    public void Convert_Big5EncodedWordSubject_Decoded()
    {
        Mail.Convert("Subject: =?big5?B?p0u2Tw==?=\n\nbody\n").ShouldBe("免費\n\nbody");
    }

    [Fact]
    public void Convert_RawEightBitSubject_ReadAsWindows1252()
    {
        Mail.Convert("Subject: Caf\xE9 \x93news\x94\n\nbody\n").ShouldBe("Café “news”\n\nbody");
    }

    [Fact]
    public void Convert_AlternativeWithPlainAndHtml_PlainWins()
    {
        var text = Mail.Convert("Subject: s\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b\"\n\n" +
            "--b\nContent-Type: text/html\n\n<p>Hello from <b>HTML</b>, with the same words as the plain part.</p>\n" +
            "--b\nContent-Type: text/plain\n\nHello from plain text, with the same words as the HTML part.\n--b--\n");

        text.ShouldBe("s\n\nHello from plain text, with the same words as the HTML part.");
    }

    [Fact]
    public void Convert_AlternativeWithPlainStub_HtmlWins()
    {
        var html = string.Concat(Enumerable.Repeat("<p>A real paragraph of the offer, long enough to matter.</p>", 5));
        var text = Mail.Convert("Subject: s\nContent-Type: multipart/alternative; boundary=\"b\"\n\n" +
            "--b\nContent-Type: text/plain\n\nThis is an HTML message.\n" +
            $"--b\nContent-Type: text/html\n\n{html}\n--b--\n", out var notes);

        text.ShouldStartWith("s\n\nA real paragraph of the offer, long enough to matter.\n\nA real paragraph");
        notes.PlainStub.ShouldBeTrue();
    }

    [Fact]
    public void Convert_HtmlPart_TagsScriptsStylesGoneEntitiesDecodedBlocksOnTheirOwnLines()
    {
        var text = Mail.Convert("Subject: s\nContent-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: quoted-printable\n\n" +
            "<html><head><title>Title</title><style>p {color: red}</style></head><body bgcolor=3D\"#fff\">\n" +
            "<script>document.write('x')</script><!-- a comment -->\n<p>Fish &amp; chips&nbsp;now &lt;today&gt; &#8220;hot&#8221;</p>\n" +
            "<div>Line<br>two</div><table><tr><td>a</td><td>b</td></tr></table><a href=3D\"http://x\">Click   here</a>\n</body></html>\n");

        text.ShouldBe("s\n\nFish & chips now <today> “hot”\n\nLine\ntwo\n\na b\n\nClick here");
    }

    [Fact]
    public void Convert_PlainPartHoldingAnHtmlDocument_ReadAsHtml()
    {
        var text = Mail.Convert("Subject: s\n\n<html><body><font size=3>Big <b>offer</b></font><br>Now</body></html>\n", out var notes);

        text.ShouldBe("s\n\nBig offer\nNow");
        notes.PlainHtmlParts.ShouldBe(1);
    }

    [Fact]
    public void Convert_PlainTextMentioningATag_KeptAsWritten()
    {
        Mail.Convert("Subject: s\n\nThe token \"<body>\" is a strong spam clue.\n").ShouldBe("s\n\nThe token \"<body>\" is a strong spam clue.");
    }

    [Fact]
    public void Convert_UndeclaredQuotedPrintable_Decoded()
    {
        var text = Mail.Convert("Subject: s\nContent-Type: text/html\n\n<a href=3D\"http://x\">Go</a> to the si=\nte\n", out var notes);

        text.ShouldBe("s\n\nGo to the site");
        notes.UndeclaredQuotedPrintable.ShouldBeTrue();
    }

    [Fact]
    public void Convert_SeparatorLinesAndHtmlAttributesAtLineEnds_NotTakenForQuotedPrintable()
    {
        const string Body = "Notes\n=====================\n-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=\nRow one=\n=====================\nend\n";

        var text = Mail.Convert("Subject: s\nContent-Type: text/plain\n\n" + Body, out var notes);

        text.ShouldBe("s\n\n" + Body.TrimEnd());
        notes.UndeclaredQuotedPrintable.ShouldBeFalse();
    }

    [Fact]
    public void Convert_UndeclaredSoftLineBreaks_JoinedAsQuotedPrintable()
    {
        var line = new string('w', 70);
        var text = Mail.Convert($"Subject: s\n\n{line}=\nA {line}=\nB {line}=\nC end\n", out var notes);

        text.ShouldBe($"s\n\n{line}A {line}B {line}C end");
        notes.UndeclaredQuotedPrintable.ShouldBeTrue();
    }

    [Fact]
    public void Convert_MixedWithAttachments_OnlyInlineTextParts()
    {
        var text = Mail.Convert("Subject: s\nContent-Type: multipart/mixed; boundary=\"b\"\n\n" +
            "--b\nContent-Type: text/plain\n\nSee the files.\n" +
            "--b\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Disposition: attachment; filename=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n" +
            "--b\nContent-Type: text/plain; name=\"log.txt\"\nContent-Disposition: attachment; filename=\"log.txt\"\n\nERROR 42\n" +
            "--b\nContent-Type: image/gif\n\nR0lGODlh\n--b--\n");

        text.ShouldBe("s\n\nSee the files.");
    }

    [Fact]
    public void Convert_SignedMessage_TextWithoutTheSignature()
    {
        var text = Mail.Convert("Subject: s\nContent-Type: multipart/signed; boundary=\"b\"; protocol=\"application/pgp-signature\"\n\n" +
            "--b\nContent-Type: text/plain; charset=us-ascii\n\nSigned words.\n" +
            "--b\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n--b--\n");

        text.ShouldBe("s\n\nSigned words.");
    }

    [Fact]
    public void Convert_ForwardedMessage_ItsSubjectAndBody()
    {
        var text = Mail.Convert("Subject: Fwd: news\nContent-Type: multipart/mixed; boundary=\"b\"\n\n" +
            "--b\nContent-Type: text/plain\n\nLook at this.\n" +
            "--b\nContent-Type: message/rfc822\n\nFrom: x@y\nSubject: The news\n\nInner body.\n--b--\n");

        text.ShouldBe("Fwd: news\n\nLook at this.\n\nThe news\n\nInner body.");
    }

    [Fact]
    public void Convert_BodyThatStartsWithABoundary_ParsedAsMultipart()
    {
        var text = Mail.Convert("Subject: s\n\nThis is a multipart MIME message.\n\n--= Multipart Boundary 0626\nContent-Type: text/plain; charset=\"iso-8859-1\"\n" +
            "Content-Transfer-Encoding: quoted-printable\n\nOrder now, caf=E9.\n\n--= Multipart Boundary 0626\nContent-Type: application/octet-stream\n" +
            "Content-Transfer-Encoding: base64\n\nPCEtLSBCdWxsc2V5ZSBjb2RlIC0tPg==\n\n--= Multipart Boundary 0626--\n", out var notes);

        text.ShouldBe("s\n\nOrder now, café.");
        notes.EmbeddedMime.ShouldBeTrue();
    }

    [Fact]
    public void Convert_BodyThatStartsWithAHeaderBlock_ParsedAsMessage()
    {
        var text = Mail.Convert("Subject: \n\n\nDATA\nMessage-ID: <x@y>\nSubject: Secrets revealed\nMIME-Version: 1.0\nContent-Type: TEXT/HTML; charset=\"US-ASCII\"\n\n" +
            "<HTML><BODY><B>For years</B>, investors...</BODY></HTML>\n");

        text.ShouldBe("Secrets revealed\n\nFor years, investors...");
    }

    [Fact]
    public void Convert_PostThatDiscussesAHeader_KeptAsWritten()
    {
        var text = Mail.Convert("Subject: Re: MIME\n\nNot sure what you're asking.\nContent-Type: message/rfc822 mails are handled like attachments\n\nbye\n");

        text.ShouldBe("Re: MIME\n\nNot sure what you're asking.\nContent-Type: message/rfc822 mails are handled like attachments\n\nbye");
    }

    [Fact]
    public void Convert_HtmlWithoutMimeCharset_UsesTheMetaCharset()
    {
        var body = System.Convert.FromHexString("f0d2c9d7c5d4");
        var html = Mail.WithBody("Subject: s\nContent-Type: text/html\n\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\"></head><body>", body)
            + "</body></html>\n";

        Mail.Convert(html).ShouldBe("s\n\nПривет");
    }

    [Fact]
    public void Convert_ImageOnlyHtml_SubjectOnlyAndNoted()
    {
        var text = Mail.Convert("Subject: Look\nContent-Type: text/html\n\n<html><body><img src=\"http://x/a.jpg\"></body></html>\n", out var notes);

        text.ShouldBe("Look");
        notes.NoBody.ShouldBeTrue();
    }
}
