using System.Globalization;
using System.Text;

namespace Sift.Plots;

/// <summary>
/// Draws learning curves as a standalone SVG document: per series a mean line over a translucent min–max
/// band, an optional dashed ceiling (e.g. accuracy with all labels), axes with 1-2-5 ticks, gridlines and
/// a legend. Colours follow the Okabe–Ito colour-blind-safe palette; a series named "random…" is grey.
/// </summary>
/// <remarks>
/// The output depends only on the input: numbers are formatted culture-invariantly and the same input gives
/// a byte-identical string. Every text is XML-escaped. Thread-safe (no shared state).
/// </remarks>
public static class LearningCurveSvg
{
    // Okabe & Ito (2008) without yellow, which is too light on white; grey is kept for "random".
    private static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
    private const string RandomColour = "#8C8C8C";
    private const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
    private const int LegendNameLength = 32;

    /// <summary>Renders the chart.</summary>
    /// <param name="series">Curves in legend order; may be empty (axes and a "no data" note are drawn).</param>
    /// <param name="ceiling">y of a dashed reference line, e.g. accuracy with every label; null (or NaN) for none.</param>
    /// <param name="ceilingLabel">Text next to the ceiling line; its value is appended.</param>
    /// <param name="options">Size and labels; null for the defaults.</param>
    /// <returns>An SVG document (UTF-8 text without an XML declaration).</returns>
    /// <exception cref="ArgumentException">A series is null or its lists differ in length, or the size is out of range.</exception>
    public static string Render(IReadOnlyList<CurveSeries> series, double? ceiling, string ceilingLabel = "full data", ChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(ceilingLabel);
        options ??= new ChartOptions();
        if (options.Width is < 240 or > 10_000) throw new ArgumentOutOfRangeException(nameof(options), options.Width, "Width must be between 240 and 10000.");
        if (options.Height is < 180 or > 10_000) throw new ArgumentOutOfRangeException(nameof(options), options.Height, "Height must be between 180 and 10000.");
        for (var s = 0; s < series.Count; s++) Check(series[s], s);
        var ceilingValue = ceiling is { } c && double.IsFinite(c) ? c : (double?)null;

        var layout = Layout.Create(series, options);
        var (xAxis, yAxis, hasData) = FitAxes(series, ceilingValue, layout);
        var svg = new SvgWriter();

        svg.Line($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{options.Width}\" height=\"{options.Height}\" viewBox=\"0 0 {options.Width} {options.Height}\" font-family=\"{FontFamily}\" font-size=\"12\">");
        svg.Line($"<title>{Escape(options.Title.Length > 0 ? options.Title : "Learning curves")}</title>");
        svg.Line($"<rect width=\"{options.Width}\" height=\"{options.Height}\" fill=\"#FFFFFF\"/>");
        if (options.Title.Length > 0)
            svg.Line($"<text x=\"{N((layout.Left + layout.Right) / 2)}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\" fill=\"#222222\">{Escape(options.Title)}</text>");

        WriteGridAndAxes(svg, layout, xAxis, yAxis, options);
        WriteBands(svg, series, layout, xAxis, yAxis);
        if (ceilingValue is { } value) WriteCeiling(svg, value, ceilingLabel, layout, yAxis);
        WriteLines(svg, series, layout, xAxis, yAxis);
        if (options.Markers) WriteMarkers(svg, series, layout, xAxis, yAxis);
        WriteLegend(svg, series, layout, options.Markers);
        if (!hasData)
            svg.Line($"<text class=\"no-data\" x=\"{N((layout.Left + layout.Right) / 2)}\" y=\"{N(layout.Top + (layout.Bottom - layout.Top) / 4)}\" text-anchor=\"middle\" font-size=\"14\" fill=\"#777777\">no data</text>");
        svg.Line("</svg>");
        return svg.ToString();
    }

    private static void Check(CurveSeries? curve, int index)
    {
        if (curve is null) throw new ArgumentException($"Series {index} is null.", "series");
        if (curve.Name is null || curve.X is null || curve.Mean is null || curve.Min is null || curve.Max is null)
            throw new ArgumentException($"Series {index} has a null name or list.", "series");
        var n = curve.X.Count;
        if (curve.Mean.Count != n || curve.Min.Count != n || curve.Max.Count != n)
        {
            throw new ArgumentException(
                $"Series '{curve.Name}' has lists of different lengths (x {n}, mean {curve.Mean.Count}, min {curve.Min.Count}, max {curve.Max.Count}).", "series");
        }
    }

    /// <summary>Pixel box of the plot area; the legend sits to its right, or under it on a narrow chart.</summary>
    private sealed record Layout(double Left, double Right, double Top, double Bottom, int Width, int Height, bool LegendBelow = false)
    {
        public static Layout Create(IReadOnlyList<CurveSeries> series, ChartOptions options)
        {
            var top = options.Title.Length > 0 ? 40 : 16;
            if (options.Width < ChartOptions.NarrowWidth && series.Count > 0)
            {
                // One legend row per series under the x-axis label; the plot keeps the full width.
                var rows = Math.Min(series.Count * 20, (options.Height - top - 50) / 2);
                return new Layout(56, options.Width - 16, top, options.Height - 50 - rows, options.Width, options.Height, LegendBelow: true);
            }
            // About 7.2 px per character at 12 px (generous for common sans fonts); the legend reserves room for the longest shown name.
            var longest = series.Count == 0 ? 0 : series.Max(s => LegendName(s.Name).Length);
            var legend = series.Count == 0 ? 0 : Math.Min(40 + longest * 7.2, options.Width * 0.35);
            return new Layout(64, options.Width - legend - 20, top, options.Height - 50, options.Width, options.Height);
        }

        public double X(Axis axis, double v) => Left + (v - axis.Low) / (axis.High - axis.Low) * (Right - Left);

        public double Y(Axis axis, double v) => Bottom - (v - axis.Low) / (axis.High - axis.Low) * (Bottom - Top);
    }

    /// <summary>A linear axis from Low to High with ticks every Step.</summary>
    private sealed record Axis(double Low, double High, double Step)
    {
        public IEnumerable<double> Ticks()
        {
            var first = Math.Ceiling(Low / Step - 1e-9);
            var last = Math.Floor(High / Step + 1e-9);
            for (var k = first; k <= last; k++)
            {
                var v = k * Step;
                yield return Math.Abs(v) < Step * 1e-9 ? 0 : v;
            }
        }

        public string Label(double v)
        {
            var decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(Step) + 1e-9));
            return v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }
    }

    private static (Axis X, Axis Y, bool HasData) FitAxes(IReadOnlyList<CurveSeries> series, double? ceiling, Layout layout)
    {
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        foreach (var curve in series)
        {
            for (var i = 0; i < curve.X.Count; i++)
            {
                var x = curve.X[i];
                if (!double.IsFinite(x)) continue;
                var any = false;
                foreach (var y in (ReadOnlySpan<double>)[curve.Mean[i], curve.Min[i], curve.Max[i]])
                {
                    if (!double.IsFinite(y)) continue;
                    yMin = Math.Min(yMin, y);
                    yMax = Math.Max(yMax, y);
                    any = true;
                }
                if (!any) continue;
                xMin = Math.Min(xMin, x);
                xMax = Math.Max(xMax, x);
            }
        }
        var hasData = xMin <= xMax;
        if (ceiling is { } c)
        {
            yMin = Math.Min(yMin, c);
            yMax = Math.Max(yMax, c);
        }

        if (!hasData) (xMin, xMax) = (0, 1);
        else if (xMin == xMax) (xMin, xMax) = (xMin - Math.Max(Math.Abs(xMin) * 0.1, 1), xMax + Math.Max(Math.Abs(xMax) * 0.1, 1));
        var xStep = NiceStep(xMax - xMin, Math.Max(2, (layout.Right - layout.Left) / 110));
        // Extend x to whole steps, so a curve starting at 10 labels gets an axis from 0.
        var xAxis = new Axis(Math.Floor(xMin / xStep + 1e-9) * xStep, Math.Ceiling(xMax / xStep - 1e-9) * xStep, xStep);

        if (yMin > yMax) (yMin, yMax) = (0, 1);
        var probabilities = yMin >= 0 && yMax <= 1;
        var pad = yMax > yMin ? 0.05 * (yMax - yMin) : Math.Max(Math.Abs(yMax) * 0.05, 0.05);
        double yLow = yMin - pad, yHigh = yMax + pad;
        if (probabilities)
        {
            yLow = Math.Max(yLow, 0);
            yHigh = Math.Min(yHigh, 1);
        }
        var yStep = NiceStep(yHigh - yLow, Math.Max(2, (layout.Bottom - layout.Top) / 55));
        return (xAxis, new Axis(yLow, yHigh, yStep), hasData);
    }

    /// <summary>The 1-2-5 step (times a power of ten) closest to range / target (Heckbert 1990, "Nice numbers for graph labels").</summary>
    private static double NiceStep(double range, double target)
    {
        var raw = range / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        var nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return nice * magnitude;
    }

    private static void WriteGridAndAxes(SvgWriter svg, Layout layout, Axis xAxis, Axis yAxis, ChartOptions options)
    {
        var xTicks = xAxis.Ticks().ToArray();
        var yTicks = yAxis.Ticks().ToArray();

        svg.Line("<g class=\"grid\" stroke=\"#E6E6E6\" stroke-width=\"1\">");
        foreach (var t in xTicks)
        {
            var x = N(layout.X(xAxis, t));
            svg.Line($"<line x1=\"{x}\" y1=\"{N(layout.Top)}\" x2=\"{x}\" y2=\"{N(layout.Bottom)}\"/>");
        }
        foreach (var t in yTicks)
        {
            var y = N(layout.Y(yAxis, t));
            svg.Line($"<line x1=\"{N(layout.Left)}\" y1=\"{y}\" x2=\"{N(layout.Right)}\" y2=\"{y}\"/>");
        }
        svg.Line("</g>");

        svg.Line("<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">");
        svg.Line($"<line x1=\"{N(layout.Left)}\" y1=\"{N(layout.Bottom)}\" x2=\"{N(layout.Right)}\" y2=\"{N(layout.Bottom)}\"/>");
        svg.Line($"<line x1=\"{N(layout.Left)}\" y1=\"{N(layout.Top)}\" x2=\"{N(layout.Left)}\" y2=\"{N(layout.Bottom)}\"/>");
        foreach (var t in xTicks)
        {
            var x = N(layout.X(xAxis, t));
            svg.Line($"<line x1=\"{x}\" y1=\"{N(layout.Bottom)}\" x2=\"{x}\" y2=\"{N(layout.Bottom + 5)}\"/>");
        }
        foreach (var t in yTicks)
        {
            var y = N(layout.Y(yAxis, t));
            svg.Line($"<line x1=\"{N(layout.Left - 5)}\" y1=\"{y}\" x2=\"{N(layout.Left)}\" y2=\"{y}\"/>");
        }
        svg.Line("</g>");

        svg.Line("<g class=\"tick-labels\" fill=\"#333333\" font-size=\"11\">");
        foreach (var t in xTicks)
            svg.Line($"<text x=\"{N(layout.X(xAxis, t))}\" y=\"{N(layout.Bottom + 18)}\" text-anchor=\"middle\">{xAxis.Label(t)}</text>");
        foreach (var t in yTicks)
            svg.Line($"<text x=\"{N(layout.Left - 8)}\" y=\"{N(layout.Y(yAxis, t) + 4)}\" text-anchor=\"end\">{yAxis.Label(t)}</text>");
        svg.Line("</g>");

        svg.Line($"<text class=\"x-label\" x=\"{N((layout.Left + layout.Right) / 2)}\" y=\"{N(layout.LegendBelow ? layout.Bottom + 36 : layout.Height - 12)}\" text-anchor=\"middle\" fill=\"#222222\">{Escape(options.XLabel)}</text>");
        svg.Line($"<text class=\"y-label\" transform=\"translate(16 {N((layout.Top + layout.Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"#222222\">{Escape(options.YLabel)}</text>");
    }

    private static void WriteBands(SvgWriter svg, IReadOnlyList<CurveSeries> series, Layout layout, Axis xAxis, Axis yAxis)
    {
        svg.Line("<g class=\"bands\">");
        for (var s = 0; s < series.Count; s++)
        {
            var curve = series[s];
            var upper = new List<string>();
            var lower = new List<string>();
            for (var i = 0; i < curve.X.Count; i++)
            {
                if (!double.IsFinite(curve.X[i]) || !double.IsFinite(curve.Min[i]) || !double.IsFinite(curve.Max[i])) continue;
                var x = N(layout.X(xAxis, curve.X[i]));
                upper.Add($"{x},{N(layout.Y(yAxis, curve.Max[i]))}");
                lower.Add($"{x},{N(layout.Y(yAxis, curve.Min[i]))}");
            }
            if (upper.Count == 0) continue;
            lower.Reverse();
            var colour = Colour(series, s);
            // A band of one point has no area; its outline then shows as an error bar.
            var stroke = upper.Count == 1 ? $" stroke=\"{colour}\" stroke-width=\"1.5\"" : "";
            svg.Line($"<polygon points=\"{string.Join(' ', upper.Concat(lower))}\" fill=\"{colour}\" fill-opacity=\"0.18\"{stroke}/>");
        }
        svg.Line("</g>");
    }

    private static void WriteCeiling(SvgWriter svg, double value, string label, Layout layout, Axis yAxis)
    {
        var y = layout.Y(yAxis, value);
        var text = $"{label} ({value.ToString("0.###", CultureInfo.InvariantCulture)})".TrimStart();
        svg.Line("<g class=\"ceiling\">");
        svg.Line($"<line x1=\"{N(layout.Left)}\" y1=\"{N(y)}\" x2=\"{N(layout.Right)}\" y2=\"{N(y)}\" stroke=\"#444444\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
        // Above the line unless that leaves the plot area.
        var textY = y - 6 < layout.Top + 10 ? y + 15 : y - 6;
        svg.Line($"<text x=\"{N(layout.Right - 4)}\" y=\"{N(textY)}\" text-anchor=\"end\" fill=\"#444444\" font-size=\"11\">{Escape(text)}</text>");
        svg.Line("</g>");
    }

    private static void WriteLines(SvgWriter svg, IReadOnlyList<CurveSeries> series, Layout layout, Axis xAxis, Axis yAxis)
    {
        svg.Line("<g class=\"series\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\">");
        for (var s = 0; s < series.Count; s++)
        {
            var curve = series[s];
            var points = new List<(string X, string Y)>();
            for (var i = 0; i < curve.X.Count; i++)
            {
                if (double.IsFinite(curve.X[i]) && double.IsFinite(curve.Mean[i]))
                    points.Add((N(layout.X(xAxis, curve.X[i])), N(layout.Y(yAxis, curve.Mean[i]))));
            }
            if (points.Count == 0) continue;
            var colour = Colour(series, s);
            var data = string.Join(' ', points.Select((p, i) => $"{(i == 0 ? 'M' : 'L')}{p.X},{p.Y}"));
            svg.Line($"<path d=\"{data}\" stroke=\"{colour}\"{Dash(series, s)}><title>{Escape(curve.Name)}</title></path>");
            if (points.Count == 1)
                svg.Line($"<circle cx=\"{points[0].X}\" cy=\"{points[0].Y}\" r=\"3.5\" fill=\"{colour}\" stroke=\"none\"/>");
        }
        svg.Line("</g>");
    }

    private static void WriteLegend(SvgWriter svg, IReadOnlyList<CurveSeries> series, Layout layout, bool markers)
    {
        if (series.Count == 0) return;
        var x = layout.LegendBelow ? layout.Left : layout.Right + 16;
        svg.Line("<g class=\"legend\">");
        for (var s = 0; s < series.Count; s++)
        {
            var y = (layout.LegendBelow ? layout.Bottom + 56 : layout.Top + 8) + s * 20;
            var colour = Colour(series, s);
            svg.Line($"<rect x=\"{N(x)}\" y=\"{N(y - 6)}\" width=\"24\" height=\"12\" fill=\"{colour}\" fill-opacity=\"0.18\"/>");
            svg.Line($"<line x1=\"{N(x)}\" y1=\"{N(y)}\" x2=\"{N(x + 24)}\" y2=\"{N(y)}\" stroke=\"{colour}\" stroke-width=\"2\"{Dash(series, s)}/>");
            if (markers) svg.Line(Marker(series, s, x + 12, y));
            svg.Line($"<text x=\"{N(x + 30)}\" y=\"{N(y + 4)}\" fill=\"#222222\">{Escape(LegendName(series[s].Name))}<title>{Escape(series[s].Name)}</title></text>");
        }
        svg.Line("</g>");
    }

    /// <summary>A marker on every finite point, over the lines: a circle, or a square for a "random…" series, outlined in white.</summary>
    private static void WriteMarkers(SvgWriter svg, IReadOnlyList<CurveSeries> series, Layout layout, Axis xAxis, Axis yAxis)
    {
        svg.Line("<g class=\"markers\" stroke=\"#FFFFFF\" stroke-width=\"1.5\">");
        for (var s = 0; s < series.Count; s++)
        {
            var curve = series[s];
            for (var i = 0; i < curve.X.Count; i++)
            {
                if (!double.IsFinite(curve.X[i]) || !double.IsFinite(curve.Mean[i])) continue;
                svg.Line(Marker(series, s, layout.X(xAxis, curve.X[i]), layout.Y(yAxis, curve.Mean[i])));
            }
        }
        svg.Line("</g>");
    }

    private static string Marker(IReadOnlyList<CurveSeries> series, int index, double x, double y)
    {
        var colour = Colour(series, index);
        return IsRandom(series[index].Name)
            ? $"<rect class=\"marker\" x=\"{N(x - 5)}\" y=\"{N(y - 5)}\" width=\"10\" height=\"10\" fill=\"{colour}\" stroke=\"#FFFFFF\" stroke-width=\"1.5\"/>"
            : $"<circle class=\"marker\" cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"5.5\" fill=\"{colour}\" stroke=\"#FFFFFF\" stroke-width=\"1.5\"/>";
    }

    private static bool IsRandom(string name)
    {
        var trimmed = name.Trim();
        return trimmed.StartsWith("random", StringComparison.OrdinalIgnoreCase)
            && (trimmed.Length == 6 || !char.IsLetterOrDigit(trimmed[6]));
    }

    /// <summary>Palette colour of a series: "random…" is grey; the others take the palette in order.</summary>
    private static string Colour(IReadOnlyList<CurveSeries> series, int index)
    {
        if (IsRandom(series[index].Name)) return RandomColour;
        return Palette[PaletteIndex(series, index) % Palette.Length];
    }

    /// <summary>Once the palette is used up, colours repeat with a dashed line.</summary>
    private static string Dash(IReadOnlyList<CurveSeries> series, int index) =>
        !IsRandom(series[index].Name) && PaletteIndex(series, index) >= Palette.Length ? " stroke-dasharray=\"7 3\"" : "";

    private static int PaletteIndex(IReadOnlyList<CurveSeries> series, int index)
    {
        var k = 0;
        for (var s = 0; s < index; s++)
            if (!IsRandom(series[s].Name)) k++;
        return k;
    }

    private static string LegendName(string name) =>
        name.Length <= LegendNameLength ? name : string.Concat(name.AsSpan(0, LegendNameLength - 1), "\u2026");

    /// <summary>A coordinate with at most two decimals, culture-invariant, never "-0".</summary>
    private static string N(double v)
    {
        var rounded = Math.Round(v, 2, MidpointRounding.AwayFromZero);
        return rounded == 0 ? "0" : rounded.ToString("0.##", CultureInfo.InvariantCulture);
    }

    /// <summary>Escapes text for XML content and attributes; characters XML 1.0 forbids become U+FFFD, line breaks spaces.</summary>
    internal static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#39;"); break;
                case '\n' or '\r' or '\t': builder.Append(' '); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[++i]);
                    }
                    else if (c < 0x20 || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
                    {
                        builder.Append('\uFFFD');
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.ToString();
    }

    /// <summary>Accumulates lines joined by "\n", whatever the platform.</summary>
    private sealed class SvgWriter
    {
        private readonly StringBuilder _builder = new();

        public void Line(string text) => _builder.Append(text).Append('\n');

        public override string ToString() => _builder.ToString();
    }
}
