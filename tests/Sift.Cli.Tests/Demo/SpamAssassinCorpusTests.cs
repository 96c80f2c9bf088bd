using System.Text.Json;
using System.Text.RegularExpressions;
using Sift.Cli.Demo;
using Sift.Data;

namespace Sift.Cli.Tests.Demo;

/// <summary>The demo corpus that ships inside the CLI: loaded from the assembly, checked item by item.</summary>
public sealed partial class SpamAssassinCorpusTests
{
    // Loaded once: every test reads the same shipped file, and none changes it.
    private static readonly Lazy<(TextDataset Train, TextDataset Test)> Corpus = new(() => SpamAssassinCorpus.Load(CancellationToken.None));

    private static List<TextItem> All => [.. Corpus.Value.Train.Items, .. Corpus.Value.Test.Items];

    [Theory]
    [InlineData("spam-1/00001", true)]
    [InlineData("a", true)]
    [InlineData("easy-ham-1/00001", false)]
    [InlineData("hard-ham-1/00003", false)]
    public void IsTest_KnownIds_MatchFnv1aModulo5(string id, bool expected)
    {
        SpamAssassinCorpus.IsTest(id).ShouldBe(expected);
    }

    [Fact]
    public void IsTest_ManyIds_PutsAboutAFifthInTest()
    {
        var test = Enumerable.Range(0, 10_000).Count(i => SpamAssassinCorpus.IsTest($"easy-ham-1/{i:D5}"));
        test.ShouldBeInRange(1_800, 2_200);
    }

    [Fact]
    public void Split_ShippedCorpus_EveryMessageOnceSplitByTheIdHash()
    {
        var split = SpamAssassinCorpus.Split(TestContext.Current.CancellationToken);

        (split.TrainCount + split.TestCount).ShouldBe(SpamAssassinCorpus.MessageCount);
        split.TestCount.ShouldBeInRange(1_000, 1_400);
        var train = Corpus.Value.Train;
        var test = Corpus.Value.Test;
        train.Count.ShouldBe(split.TrainCount);
        test.Count.ShouldBe(split.TestCount);
        train.Items.ShouldAllBe(i => !SpamAssassinCorpus.IsTest(i.Id));
        test.Items.ShouldAllBe(i => SpamAssassinCorpus.IsTest(i.Id));
        All.Select(i => i.Id).Distinct().Count().ShouldBe(SpamAssassinCorpus.MessageCount);
    }

    [Fact]
    public void Load_ShippedCorpus_LabelsAndGroupsOfThePublicCorpus()
    {
        var all = All;

        Corpus.Value.Train.Labels.ShouldBe(["ham", "spam"]);
        Corpus.Value.Test.Labels.ShouldBe(["ham", "spam"]);
        all.Count(i => i.Label == "spam").ShouldBe(1_896);
        all.Count(i => i.Label == "ham").ShouldBe(4_150);
        all.GroupBy(i => i.Group!).ToDictionary(g => g.Key, g => g.Count()).ShouldBe(new Dictionary<string, int>
        {
            ["easy-ham-1"] = 2_500, ["easy-ham-2"] = 1_400, ["hard-ham-1"] = 250, ["spam-1"] = 500, ["spam-2"] = 1_396,
        }, ignoreOrder: true);
        all.ShouldAllBe(i => i.Label == (i.Group!.StartsWith("spam", StringComparison.Ordinal) ? "spam" : "ham"));
        all.ShouldAllBe(i => ItemId().IsMatch(i.Id) && i.Id.StartsWith(i.Group + "/", StringComparison.Ordinal));
        // Both splits keep roughly the corpus's share of spam (31%).
        foreach (var set in new[] { Corpus.Value.Train, Corpus.Value.Test })
            ((double)set.Items.Count(i => i.Label == "spam") / set.Count).ShouldBeInRange(0.27, 0.35);
    }

    [Fact]
    public void Load_EveryItem_NoReplacementCharacterNoQuotedPrintableNoControlCharacters()
    {
        foreach (var item in All)
        {
            item.Text.ShouldNotContain('\uFFFD', item.Id);
            item.Text.ShouldNotContain("=3D", Case.Sensitive, item.Id);
            item.Text.Any(c => char.IsControl(c) && c != '\n').ShouldBeFalse(item.Id);
        }
    }

    [Fact]
    public void Load_EveryItem_WhiteSpaceNormalised()
    {
        foreach (var item in All)
        {
            item.Text.ShouldBe(item.Text.Trim(), item.Id);
            item.Text.ShouldNotContain("\n\n\n", Case.Sensitive, item.Id);
            item.Text.ShouldNotContain("  ", Case.Sensitive, item.Id);
            item.Text.ShouldNotContain(" \n", Case.Sensitive, item.Id);
            item.Text.ShouldNotContain('\u00A0', item.Id);
            item.Text.Length.ShouldBeGreaterThan(0, item.Id);
        }
    }

    [Fact]
    public void Load_EveryItem_NoMimeHeadersButInMailsThatQuoteThem()
    {
        // Mailing-list posts whose own words quote raw messages or discuss MIME headers: their text, not a decoding
        // failure (checked by hand against the original messages).
        string[] quoting =
        [
            "easy-ham-1/01005", "easy-ham-1/01423", "easy-ham-1/01463", "easy-ham-1/01750", "easy-ham-1/01751",
            "easy-ham-2/00548", "easy-ham-2/00549", "easy-ham-2/00971",
        ];

        var found = All.Where(i => MimeHeader().IsMatch(i.Text)).Select(i => i.Id).ToList();

        found.ShouldBe(quoting, ignoreOrder: true);
    }

    [Fact]
    public void Load_EveryItem_NoHtmlMarkupButInMailsAboutIt()
    {
        // easy-ham-1/01423 quotes a raw HTML spam; easy-ham-1/01715 discusses how often "<body>" appears in spam.
        string[] aboutHtml = ["easy-ham-1/01423", "easy-ham-1/01715"];

        var found = All.Where(i => HtmlDocumentTag().IsMatch(i.Text)).Select(i => i.Id).ToList();

        found.ShouldBe(aboutHtml, ignoreOrder: true);
        All.Where(i => HtmlEntity().IsMatch(i.Text) && i.Label == "spam").Select(i => i.Id).ShouldBeEmpty();
    }

    [Fact]
    public void Load_LongItems_CutAtAWordAndMarked()
    {
        var all = All;
        var cut = all.Where(i => i.Text.EndsWith(SpamAssassinCorpus.CutMarker, StringComparison.Ordinal)).ToList();

        all.ShouldAllBe(i => i.Text.Length <= SpamAssassinCorpus.MaxTextLength);
        cut.Count.ShouldBe(483);
        foreach (var item in cut)
        {
            // Cut at the last space or line break within 200 characters of the cap.
            item.Text.Length.ShouldBeGreaterThan(SpamAssassinCorpus.MaxTextLength - 210, item.Id);
            char.IsWhiteSpace(item.Text[^(SpamAssassinCorpus.CutMarker.Length + 1)]).ShouldBeFalse(item.Id);
        }

        // The marker appears nowhere else, so a reader can trust it.
        all.Count(i => i.Text.Contains("[…]", StringComparison.Ordinal)).ShouldBe(cut.Count);
    }

    [Fact]
    public void Load_KnownMessages_DecodedWithTheirCharsetAndTransferEncoding()
    {
        var items = All.ToDictionary(i => i.Id);

        // The subject first, then the body; no header but the subject.
        items["easy-ham-1/00001"].Text.ShouldStartWith("Re: New Sequences Window\n\nDate: Wed, 21 Aug 2002");
        // ISO-8859-1 with 8-bit windows-1252 quotes (the npm package's copy had 32 U+FFFD here).
        items["easy-ham-1/00247"].Text.ShouldContain("those of the Führer.\n\n“Edmund Stoiber");
        items["easy-ham-1/00057"].Text.ShouldContain("Martin Whelan | Déise Design");
        // An RFC 2047 subject in big5.
        items["spam-1/00307"].Text.ShouldBe("免費無限次任打中港長途電話");
        // A quoted-printable HTML message reduced to its words.
        items["spam-1/00001"].Text.ShouldStartWith("Life Insurance - Why Pay More?\n\nSave up to 70% on Life Insurance.\n\nWhy Spend More Than You Have To?");
    }

    [Fact]
    public void OpenJsonl_EveryLine_TheFourFieldsOfAnImport()
    {
        using var reader = new StreamReader(SpamAssassinCorpus.OpenJsonl());
        var lines = 0;
        while (reader.ReadLine() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            json.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "text", "label", "group"]);
            lines++;
        }

        lines.ShouldBe(SpamAssassinCorpus.MessageCount);
    }

    [GeneratedRegex(@"^(easy-ham-1|easy-ham-2|hard-ham-1|spam-1|spam-2)/\d{5}$")]
    private static partial Regex ItemId();

    // A MIME header line as a part or message has it: "Content-Type: type/subtype" at the start of a line.
    [GeneratedRegex(@"^Content-Type:[ \t]*[\w.+-]+/[\w.+-]+", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex MimeHeader();

    // Tags that only an HTML document has (a mention of "<a href>" in a plain-text mail is not one).
    [GeneratedRegex(@"<\s*/?\s*(html|head|body|table|tr|td|font|div|center|style|script|meta|img|!doctype)(?=[\s/>])[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlDocumentTag();

    [GeneratedRegex(@"&(amp|nbsp|lt|gt|quot|#\d+|#x[0-9a-f]+);", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlEntity();
}
