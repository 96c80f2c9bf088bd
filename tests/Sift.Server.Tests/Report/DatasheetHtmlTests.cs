using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sift.Server.Report;

namespace Sift.Server.Tests.Report;

public sealed partial class DatasheetHtmlTests
{
    private const string Hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>\"'&";

    /// <summary>A datasheet with hostile text in every string it holds.</summary>
    private static Datasheet Everywhere(string x) => new()
    {
        Title = x, Source = "project", GeneratedAt = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero),
        Pool = [new Fact(x, x)],
        Imports = [new ImportRow(null, x, 1, 0, 0, x)],
        Acquisition = [new AcquisitionRow(x, x, x, x, x, 1, 1)],
        OracleShares = [new OracleShareRow(x, x, 1, 1, 0, 0)],
        Instructions = [new InstructionRow(x, x, 1, null)],
        LabelsCurveSvg = Sift.Plots.LearningCurveSvg.Render([new Sift.Plots.CurveSeries(x, [1, 2], [0.5, 0.6], [0.5, 0.6], [0.5, 0.6])], null, x,
            new Sift.Plots.ChartOptions { Title = x, XLabel = x, YLabel = x }),
        Curve = [new CurveRow(x, 1, 0.5, 0.5, null)],
        Lift = [new LiftRow(x, 1, 0.5, 0.4, 0.1, 0, 0.2, x)],
        LiftNote = x,
        SubgroupRule = x,
        Subgroups = [new SubgroupRow(x, x, 10, 0.5, 0, 0, 0, 0, 0, 0, true)],
        Stopping = [new StopRow(x, false, x, x)],
        Privacy = [new PrivacyRow(1, null, x, x)],
        Verification = new ChainRow(false, 1, x, x, 0, 0, [x], false),
        Gaps = [x],
        EventKinds = new Dictionary<string, int> { [x] = 1 },
    };

    [Fact]
    public void Render_HostileTextEverywhere_NoMarkupEscapes()
    {
        var html = DatasheetHtml.Render(Everywhere(Hostile));

        // Exactly the page's own tags: one script (the JSON block), no img, no event handler attribute.
        Regex.Matches(html, "<script").Count.ShouldBe(1);
        Regex.Matches(html, "</script>").Count.ShouldBe(1);
        html.ShouldNotContain("<img");
        Regex.IsMatch(html, "<[a-zA-Z][^>]*\\son[a-z]+\\s*=", RegexOptions.IgnoreCase).ShouldBeFalse();
        html.ShouldContain("&lt;/script&gt;&lt;script&gt;alert(1)");

        // The JSON block parses back to the same text (the encoder escaped what could close the block).
        var json = Regex.Match(html, "<script type=\"application/json\" id=\"datasheet-data\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        JsonNode.Parse(json)!["title"]!.GetValue<string>().ShouldBe(Hostile);
    }

    [Theory]
    [InlineData(100, 0.10, 0.04, 40, true)]   // a tenth of the pool, 4% of the picks: below half its share
    [InlineData(100, 0.10, 0.05, 40, false)]  // exactly half: not below
    [InlineData(100, 0.10, 0.00, 19, false)]  // too few picks to tell
    [InlineData(4, 0.10, 0.00, 40, false)]    // too few items
    [InlineData(100, 0.01, 0.00, 40, false)]  // too small a share of the pool
    public void IsBlindSpot_Rule_FlagsOnlyRarelyPickedSubgroups(int poolItems, double poolShare, double pickShare, int picks, bool expected) =>
        DatasheetBuilder.IsBlindSpot(poolItems, poolShare, pickShare, picks).ShouldBe(expected);

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(10, 2.228)]
    [InlineData(30, 2.042)]
    public void StudentT975_KnownQuantiles_WithinOneHundredth(int df, double expected) =>
        DatasheetBuilder.StudentT975(df).ShouldBe(expected, 0.01);
}
