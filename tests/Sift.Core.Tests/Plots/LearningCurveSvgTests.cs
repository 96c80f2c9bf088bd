using System.Globalization;
using System.Xml.Linq;
using Sift.Plots;

namespace Sift.Core.Tests.Plots;

public class LearningCurveSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Render_ThreeSeries_OnePathAndOneBandEach()
    {
        var svg = LearningCurveSvg.Render(ThreeSeries(), ceiling: 0.91);

        var document = XDocument.Parse(svg);
        document.Root!.Name.ShouldBe(Svg + "svg");
        document.Descendants(Svg + "path").Count().ShouldBe(3);
        document.Descendants(Svg + "polygon").Count().ShouldBe(3);
    }

    [Fact]
    public void Render_Ceiling_DashedLineWithLabel()
    {
        var svg = LearningCurveSvg.Render(ThreeSeries(), ceiling: 0.91, ceilingLabel: "all labels");

        var ceiling = XDocument.Parse(svg).Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "ceiling");
        ceiling.Element(Svg + "line")!.Attribute("stroke-dasharray").ShouldNotBeNull();
        ceiling.Element(Svg + "text")!.Value.ShouldBe("all labels (0.91)");
    }

    [Fact]
    public void Render_NoCeiling_NoDashedLine()
    {
        var svg = LearningCurveSvg.Render(ThreeSeries(), ceiling: null);

        XDocument.Parse(svg).Descendants().ShouldNotContain(e => (string?)e.Attribute("class") == "ceiling");
    }

    [Fact]
    public void Render_HostileNames_Escaped()
    {
        var series = new[] { Series("<script>alert('x')</script> & co", 0.5) };
        var options = new ChartOptions { Title = "A & B <c>", XLabel = "\"x\"", YLabel = "y\u0001" };

        var svg = LearningCurveSvg.Render(series, 0.9, ceilingLabel: "<b>", options);

        svg.ShouldNotContain("<script>");
        svg.ShouldNotContain("<b>");
        svg.ShouldContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co");
        var document = XDocument.Parse(svg);
        document.Descendants(Svg + "title").Select(t => t.Value).ShouldContain("<script>alert('x')</script> & co");
        document.Descendants(Svg + "title").First().Value.ShouldBe("A & B <c>");
    }

    [Fact]
    public void Render_SameInput_ByteIdenticalOutput()
    {
        var first = LearningCurveSvg.Render(ThreeSeries(), 0.91, options: new ChartOptions { Title = "ag_news" });
        var second = LearningCurveSvg.Render(ThreeSeries(), 0.91, options: new ChartOptions { Title = "ag_news" });

        second.ShouldBe(first);
    }

    [Fact]
    public void Render_OtherCulture_SameOutput()
    {
        var invariant = LearningCurveSvg.Render(ThreeSeries(), 0.91);
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // Globalization-invariant mode allows no named cultures, so build one with a decimal comma.
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.NumberGroupSeparator = ".";
            comma.NumberFormat.NegativeSign = "\u2212";
            CultureInfo.CurrentCulture = comma;
            LearningCurveSvg.Render(ThreeSeries(), 0.91).ShouldBe(invariant);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Render_EmptySeriesList_AxesAndNoDataNote()
    {
        var svg = LearningCurveSvg.Render([], ceiling: null);

        var document = XDocument.Parse(svg);
        document.Descendants(Svg + "path").ShouldBeEmpty();
        document.Descendants(Svg + "text").ShouldContain(t => t.Value == "no data");
        document.Descendants(Svg + "g").ShouldContain(g => (string?)g.Attribute("class") == "axes");
    }

    [Fact]
    public void Render_SinglePointSeries_PathMarkerAndBand()
    {
        var series = new[] { new CurveSeries("margin", [50], [0.7], [0.65], [0.74]) };

        var document = XDocument.Parse(LearningCurveSvg.Render(series, null));

        document.Descendants(Svg + "path").Count().ShouldBe(1);
        document.Descendants(Svg + "circle").Count().ShouldBe(1);
        document.Descendants(Svg + "polygon").Count().ShouldBe(1);
        document.Descendants(Svg + "text").ShouldNotContain(t => t.Value == "no data");
    }

    [Fact]
    public void Render_NaNValues_Skipped()
    {
        var series = new[] { new CurveSeries("margin", [10, 20, 30, 40], [0.5, double.NaN, 0.7, 0.8], [0.4, 0.5, double.NaN, 0.75], [0.6, 0.7, 0.8, double.PositiveInfinity]) };

        var svg = LearningCurveSvg.Render(series, double.NaN);

        svg.ShouldNotContain("NaN");
        svg.ShouldNotContain("Infinity");
        var document = XDocument.Parse(svg);
        var path = (string)document.Descendants(Svg + "path").Single().Attribute("d")!;
        path.Count(c => c == 'L').ShouldBe(2);
        var polygon = (string)document.Descendants(Svg + "polygon").Single().Attribute("points")!;
        polygon.Split(' ').Length.ShouldBe(4);
        document.Descendants().ShouldNotContain(e => (string?)e.Attribute("class") == "ceiling");
    }

    [Fact]
    public void Render_AllNaN_NoDataNote()
    {
        var series = new[] { new CurveSeries("margin", [10], [double.NaN], [double.NaN], [double.NaN]) };

        var document = XDocument.Parse(LearningCurveSvg.Render(series, null));

        document.Descendants(Svg + "path").ShouldBeEmpty();
        document.Descendants(Svg + "text").ShouldContain(t => t.Value == "no data");
    }

    [Fact]
    public void Render_Probabilities_YTicksWithinUnitInterval()
    {
        var series = new[] { new CurveSeries("margin", [10, 100], [0.02, 0.99], [0.0, 0.97], [0.05, 1.0]) };

        var document = XDocument.Parse(LearningCurveSvg.Render(series, 1.0));

        var labels = document.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "tick-labels")
            .Elements(Svg + "text").Where(t => (string?)t.Attribute("text-anchor") == "end")
            .Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture)).ToArray();
        labels.ShouldNotBeEmpty();
        labels.ShouldAllBe(v => v >= 0 && v <= 1);
        labels.ShouldContain(0);
        labels.ShouldContain(1);
    }

    [Fact]
    public void Render_Ticks_NiceSteps()
    {
        var series = new[] { new CurveSeries("margin", [10, 130, 490], [0.61, 0.8, 0.88], [0.6, 0.78, 0.87], [0.63, 0.82, 0.9]) };

        var document = XDocument.Parse(LearningCurveSvg.Render(series, null));

        var texts = document.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "tick-labels").Elements(Svg + "text").ToArray();
        var x = texts.Where(t => (string?)t.Attribute("text-anchor") == "middle").Select(t => t.Value).ToArray();
        x.ShouldBe(["0", "100", "200", "300", "400", "500"]);
        var y = texts.Where(t => (string?)t.Attribute("text-anchor") == "end").Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture)).ToArray();
        var steps = y.Zip(y.Skip(1), (a, b) => Math.Round(b - a, 6)).Distinct().ToArray();
        steps.Length.ShouldBe(1);
        new[] { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5 }.ShouldContain(steps[0]);
    }

    [Fact]
    public void Render_RandomSeries_GreyAndDoesNotTakeAPaletteColour()
    {
        var series = new[] { Series("random", 0.5), Series("margin", 0.6) };

        var document = XDocument.Parse(LearningCurveSvg.Render(series, null));

        var strokes = document.Descendants(Svg + "path").Select(p => (string)p.Attribute("stroke")!).ToArray();
        strokes[0].ShouldBe("#8C8C8C");
        strokes[1].ShouldBe("#0072B2");
    }

    [Fact]
    public void Render_MoreSeriesThanColours_DistinctStyles()
    {
        var series = Enumerable.Range(0, 9).Select(i => Series($"s{i}", 0.5 + i * 0.01)).ToArray();

        var document = XDocument.Parse(LearningCurveSvg.Render(series, null));

        var styles = document.Descendants(Svg + "path").Select(p => $"{p.Attribute("stroke")}{p.Attribute("stroke-dasharray")}").ToArray();
        styles.Distinct().Count().ShouldBe(9);
        document.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Elements(Svg + "text").Count().ShouldBe(9);
    }

    [Fact]
    public void Render_ListsOfDifferentLength_Throws() =>
        Should.Throw<ArgumentException>(() => LearningCurveSvg.Render([new CurveSeries("a", [1, 2], [0.5], [0.4], [0.6])], null));

    [Fact]
    public void Render_TooSmall_Throws() =>
        Should.Throw<ArgumentOutOfRangeException>(() => LearningCurveSvg.Render([], null, options: new ChartOptions { Width = 10 }));

    private static CurveSeries Series(string name, double level) =>
        new(name, [10, 20, 40, 80], [level, level + 0.05, level + 0.08, level + 0.1], [level - 0.03, level + 0.02, level + 0.06, level + 0.09], [level + 0.02, level + 0.07, level + 0.1, level + 0.11]);

    private static CurveSeries[] ThreeSeries() => [Series("random", 0.55), Series("margin", 0.6), Series("badge", 0.62)];
}
