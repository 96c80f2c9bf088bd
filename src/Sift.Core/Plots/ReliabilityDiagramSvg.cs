using System.Globalization;
using System.Text;
using Sift.Metrics;

namespace Sift.Plots;

/// <summary>One line of a reliability diagram: a model's (or strategy's) bins, and its expected calibration error.</summary>
/// <param name="Name">Legend name.</param>
/// <param name="Bins">Reliability bins (<see cref="Calibration.Reliability"/>); empty bins are skipped.</param>
/// <param name="Dashed">Draw the line dashed (e.g. before temperature scaling).</param>
public sealed record ReliabilitySeries(string Name, IReadOnlyList<ReliabilityBin> Bins, bool Dashed = false);

/// <summary>
/// Draws a reliability diagram (Guo et al. 2017, fig. 1; DeGroot &amp; Fienberg 1983) as a standalone SVG document:
/// accuracy against mean top-label confidence per bin, one line per series with a dot per non-empty bin (area ∝ its
/// share of items), the diagonal of perfect calibration, and a legend with each series' ECE. Every text is XML-escaped
/// and nothing is scriptable; the same input gives a byte-identical string. Thread-safe.
/// </summary>
public static class ReliabilityDiagramSvg
{
    private static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
    private const int Width = 640;
    private const int Height = 440;
    private const double Left = 60, Top = 40, Size = 340;

    /// <summary>Renders the diagram.</summary>
    /// <param name="series">Lines in legend order (at most 12 are drawn); may be empty.</param>
    /// <param name="title">Title text (escaped).</param>
    public static string Render(IReadOnlyList<ReliabilitySeries> series, string title)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(title);
        var svg = new StringBuilder();
        void Line(FormattableString s) => svg.Append(s.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Line($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"system-ui, sans-serif\" font-size=\"12\">");
        Line($"<title>{LearningCurveSvg.Escape(title)}</title>");
        Line($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#FFFFFF\"/>");
        Line($"<text x=\"{N(Left + Size / 2)}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\" fill=\"#222222\">{LearningCurveSvg.Escape(title)}</text>");
        for (var t = 0; t <= 10; t += 2)
        {
            var v = t / 10.0;
            Line($"<line x1=\"{N(X(v))}\" y1=\"{N(Top)}\" x2=\"{N(X(v))}\" y2=\"{N(Top + Size)}\" stroke=\"#EEEEEE\"/>");
            Line($"<line x1=\"{N(Left)}\" y1=\"{N(Y(v))}\" x2=\"{N(Left + Size)}\" y2=\"{N(Y(v))}\" stroke=\"#EEEEEE\"/>");
            Line($"<text x=\"{N(X(v))}\" y=\"{N(Top + Size + 16)}\" text-anchor=\"middle\" fill=\"#444444\">{v:0.0}</text>");
            Line($"<text x=\"{N(Left - 6)}\" y=\"{N(Y(v) + 4)}\" text-anchor=\"end\" fill=\"#444444\">{v:0.0}</text>");
        }
        Line($"<rect x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(Size)}\" height=\"{N(Size)}\" fill=\"none\" stroke=\"#888888\"/>");
        Line($"<line x1=\"{N(X(0))}\" y1=\"{N(Y(0))}\" x2=\"{N(X(1))}\" y2=\"{N(Y(1))}\" stroke=\"#999999\" stroke-dasharray=\"2 3\"/>");
        Line($"<text x=\"{N(Left + Size / 2)}\" y=\"{N(Top + Size + 34)}\" text-anchor=\"middle\" fill=\"#222222\">mean confidence of the predicted class</text>");
        Line($"<text transform=\"translate(16 {N(Top + Size / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"#222222\">accuracy</text>");

        var shown = series.Take(12).ToList();
        for (var s = 0; s < shown.Count; s++)
        {
            var line = shown[s] ?? throw new ArgumentException($"Series {s} is null.", nameof(series));
            var colour = Palette[s % Palette.Length];
            var bins = (line.Bins ?? []).Where(b => b.Count > 0 && double.IsFinite(b.Confidence) && double.IsFinite(b.Accuracy)).ToList();
            var total = Math.Max(1, bins.Sum(b => b.Count));
            if (bins.Count > 1)
            {
                var points = string.Join(' ', bins.Select(b => $"{N(X(b.Confidence))},{N(Y(b.Accuracy))}"));
                Line($"<polyline points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{(line.Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>");
            }
            foreach (var b in bins)
                Line($"<circle cx=\"{N(X(b.Confidence))}\" cy=\"{N(Y(b.Accuracy))}\" r=\"{N(2 + 8 * Math.Sqrt((double)b.Count / total))}\" fill=\"{colour}\" fill-opacity=\"{(line.Dashed ? "0.25" : "0.6")}\"/>");
            var ece = Calibration.ExpectedCalibrationError(line.Bins ?? []);
            var ly = Top + 8 + s * 20;
            var name = line.Name.Length > 34 ? line.Name[..33] + "…" : line.Name;
            Line($"<line x1=\"{N(Left + Size + 20)}\" y1=\"{N(ly)}\" x2=\"{N(Left + Size + 44)}\" y2=\"{N(ly)}\" stroke=\"{colour}\" stroke-width=\"2\"{(line.Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>");
            Line($"<text x=\"{N(Left + Size + 50)}\" y=\"{N(ly + 4)}\" fill=\"#222222\">{LearningCurveSvg.Escape(name)} (ECE {(double.IsNaN(ece) ? "—" : ece.ToString("0.000", CultureInfo.InvariantCulture))})</text>");
        }
        if (shown.Count == 0)
            Line($"<text x=\"{N(Left + Size / 2)}\" y=\"{N(Top + Size / 2)}\" text-anchor=\"middle\" fill=\"#777777\">no data</text>");
        Line($"<text x=\"{N(Left + Size + 20)}\" y=\"{N(Top + Size)}\" fill=\"#666666\">dotted: perfect calibration</text>");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static double X(double v) => Left + v * Size;

    private static double Y(double v) => Top + (1 - v) * Size;

    private static string N(double v)
    {
        var rounded = Math.Round(v, 2, MidpointRounding.AwayFromZero);
        return rounded == 0 ? "0" : rounded.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
