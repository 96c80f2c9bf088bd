using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Server.Hosting;

namespace Sift.Server.Report;

/// <summary>
/// Renders a <see cref="Datasheet"/> as one self-contained HTML page: inline CSS (with print rules), inline SVG charts,
/// no script, no external resource (its Content-Security-Policy forbids any), every name and value HTML-encoded. The
/// datasheet itself rides along as JSON in a non-executable <c>application/json</c> block, so a reader (or a test) can
/// check the page's numbers against the API's.
/// </summary>
internal static class DatasheetHtml
{
    /// <summary>The policy the page carries (and the server sends, with <c>frame-ancestors</c>, which a meta tag cannot carry): nothing may load, nothing may run.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'";

    private static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions
        {
            // The default encoder escapes <, > and & too, so the JSON cannot close its script block.
            Encoder = JavaScriptEncoder.Default,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            WriteIndented = false,
        };
        SiftServerServices.ConfigureJson(options);
        return options;
    }

    /// <summary>The datasheet as the JSON the page embeds (the API's conventions: snake_case).</summary>
    public static string ToJson(Datasheet sheet) => JsonSerializer.Serialize(sheet, Json);

    /// <summary>The page.</summary>
    public static string Render(Datasheet sheet)
    {
        ArgumentNullException.ThrowIfNull(sheet);
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ContentSecurityPolicy).Append("\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Datasheet: ").Append(E(sheet.Title)).Append("</title>\n<style>").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");

        html.Append("<header><p class=\"kicker\">Sift datasheet · ").Append(sheet.Source == "project" ? "server project" : "simulation").Append("</p><h1>")
            .Append(E(sheet.Title)).Append("</h1><p class=\"muted\">Made ").Append(E(sheet.GeneratedAt.ToString("u", CultureInfo.InvariantCulture)))
            .Append(" from the evidence log and the ").Append(sheet.Source == "project" ? "project's store" : "run's results")
            .Append(". Sections follow Datasheets for Datasets (Gebru et al.) and the Hugging Face dataset card's annotation fields.</p>");
        var v = sheet.Verification;
        html.Append("<p id=\"chain-badge\" class=\"badge ").Append(v.Intact ? "ok" : "bad").Append("\">Evidence chain: ")
            .Append(v.Intact ? "intact" : "NOT intact").Append(" · ").Append(N(v.Entries)).Append(" entries</p></header>\n");

        Section(html, "provenance", "1. Provenance and candidate pool", () =>
        {
            Facts(html, sheet.Pool);
            html.Append("<h3>Imports</h3>");
            Table(html, "imports", ["When", "Source", "Items", "Duplicates skipped", "Held out", "SHA-256"],
                sheet.Imports.Select(i => new[] { Time(i.At), i.Source, N(i.Imported), N(i.Duplicates), N(i.HeldOut), i.Sha256 ?? "not recorded" }), "No import recorded.", hashColumn: 5);
            html.Append("<p class=\"muted\">Evidence events: ").Append(E(string.Join(", ", sheet.EventKinds.Select(k => $"{k.Key} {N(k.Value)}")))).Append("</p>");
        });

        Section(html, "acquisition", "2. Acquisition rules over time", () =>
            Table(html, "acquisition", ["Period", "From", "Strategy", "Batch", "Model", "Strategy picks", "Random-control picks"],
                sheet.Acquisition.Select(a => new[] { a.Period, a.From, a.Strategy, a.Batch, a.Model, N(a.Picks), N(a.ControlPicks) }), "Nothing was selected yet."));

        Section(html, "oracles", "3. Who labeled: oracle shares", () =>
        {
            Table(html, "oracle-shares", ["Kind", "Oracle", "Answers", "Share", "Money", "Tokens"],
                sheet.OracleShares.Select(o => new[] { o.Kind, o.Name, N(o.Answers), Pct(o.Share), Money(o.Money), N(o.Tokens) }), "No answers yet.");
            if (sheet.Oracles is { } oracles)
                html.Append("<p class=\"muted\">Target accuracy for model labels ").Append(Pct(oracles.TargetAccuracy)).Append("; pre-annotation ")
                    .Append(oracles.Anchoring.PreAnnotation ? "on (annotators see the model's label; recorded with each answer)" : "off").Append(".</p>");
        });

        Section(html, "instructions", "4. Instructions and prompt templates", () =>
            Table(html, "instructions-table", ["What", "Version", "Answers", "Since"],
                sheet.Instructions.Select(i => new[] { i.What, i.Version, N(i.Answers), Time(i.Since) }), "No instructions or prompt template recorded."));

        Section(html, "agreement", "5. Agreement and Dawid–Skene accuracies", () =>
        {
            if (sheet.Agreement is not { } a)
            {
                html.Append("<p>Not applicable: a simulation replays gold labels, one answer per item.</p>");
                return;
            }
            Facts(html, [
                new("Items with 2+ answers", N(a.Counts.PairableItems)),
                new("Annotators", N(a.Counts.Annotators)),
                new("Krippendorff's α (nominal)", Num(a.Agreement.KrippendorffAlpha)),
                new("Fleiss' κ", Num(a.Agreement.FleissKappa)),
                new("Observed agreement", Pct(a.Agreement.PercentAgreement)),
                new("Dawid–Skene", $"{a.DawidSkene.Model}, {N(a.DawidSkene.Iterations)} iterations, {(a.DawidSkene.Converged ? "converged" : "not converged")}; differs from the majority on {N(a.DawidSkene.DiffersFromMajority)} of {N(a.DawidSkene.ItemsWithMajority)} items"),
            ]);
            Table(html, "annotators", ["Annotator", "Answers", "Agreement with majority", "Dawid–Skene accuracy", "Accuracy on gold"],
                a.Annotators.Select(x =>
                {
                    var g = a.Gold?.Annotators.FirstOrDefault(y => y.Name == x.Name);
                    return new[] { x.Name, N(x.Answers), Pct(x.AgreementWithMajority), Pct(x.EstimatedAccuracy), g is null || g.Items == 0 ? "—" : $"{Pct(g.Accuracy)} of {N(g.Items)}" };
                }), "No answers yet.");
        });

        Section(html, "curves", "6. Learning curves", () =>
        {
            // Two charts side by side; one alone takes the width.
            var both = sheet.LabelsCurveSvg is not null && sheet.MoneyCurveSvg is not null;
            html.Append(both ? "<div class=\"charts\">" : "<div class=\"charts single\">");
            html.Append("<figure><figcaption>Accuracy by labels</figcaption>")
                .Append(sheet.LabelsCurveSvg is { } labels ? InlineSvg(labels) : "<p>No model yet.</p>").Append("</figure>");
            if (sheet.MoneyCurveSvg is { } money) html.Append("<figure><figcaption>Accuracy by money</figcaption>").Append(InlineSvg(money)).Append("</figure>");
            html.Append("</div>");
            if (sheet.MoneyCurveSvg is null) html.Append("<p class=\"muted\" id=\"no-money\">Accuracy by money: no money recorded for any answer.</p>");
            html.Append("<details open><summary>The numbers</summary>");
            Table(html, "curve", ["Series", "Labels", "Accuracy", "Macro-F1"],
                sheet.Curve.Select(c => new[] { c.Series, N(c.Labels), Num(c.Accuracy), Num(c.MacroF1) }), "No model yet.");
            html.Append("</details>");
        });

        Section(html, "lift", "7. Lift over the random control", () =>
        {
            Table(html, "lift-table", ["Strategy", "Labels", "Strategy accuracy", "Random accuracy", "Difference", "95% interval", "Basis"],
                sheet.Lift.Select(l => new[] { l.Strategy, N(l.Labels), Num(l.ActiveAccuracy), Num(l.RandomAccuracy), Signed(l.Difference),
                    l.Low is { } lo && l.High is { } hi ? $"[{Signed(lo)}, {Signed(hi)}]" : "— (one seed)", l.Basis }), "Not measured yet.");
            html.Append("<p class=\"muted\">").Append(E(sheet.LiftNote)).Append("</p>");
        });

        Section(html, "subgroups", "8. Subgroups and blind spots", () =>
        {
            html.Append("<p class=\"rule\">").Append(E(sheet.SubgroupRule)).Append("</p>");
            Table(html, "subgroups-table", ["Field", "Value", "Pool items", "Pool share", "Strategy picks", "Share of picks", "Control picks", "Labels", "Answers matching gold", "Blind spot"],
                sheet.Subgroups.Select(s => new[] { s.Field, s.Value, N(s.PoolItems), Pct(s.PoolShare), N(s.StrategyPicks), Pct(s.StrategyShare), N(s.ControlPicks), N(s.Labels),
                    s.GoldChecked == 0 ? "—" : $"{Pct((double)s.GoldCorrect / s.GoldChecked)} of {N(s.GoldChecked)}", s.BlindSpot ? "BLIND SPOT" : "" }),
                "No subgroups.", flagColumn: 9);
        });

        Section(html, "stopping", "9. Stopping rationale", () =>
            Table(html, "stopping-table", ["Scope", "Stop?", "Rule", "Reason"],
                sheet.Stopping.Select(s => new[] { s.Scope, s.Stop ? "stop" : "continue", s.Rule, s.Reason }), "No stopping decision yet."));

        Section(html, "privacy", "10. Privacy treatment", () =>
        {
            if (sheet.Privacy.Count == 0) html.Append("<p id=\"no-redaction\"><strong>No redaction recorded.</strong> The evidence holds no redaction or retention event.</p>");
            else
                Table(html, "privacy-table", ["Entry", "When", "Kind", "What"],
                    sheet.Privacy.Select(p => new[] { N(p.Seq), Time(p.At), p.Kind, p.Summary }), "");
        });

        Section(html, "verification", "11. Evidence-chain verification", () =>
        {
            Facts(html, [
                new("Result", v.Intact ? "intact" : "NOT intact"),
                new("Entries", N(v.Entries)),
                new("Head (SHA-256 of the last entry)", v.Head),
                new("Problem", v.Problem ?? "none"),
                new("Signed checkpoints", v.Anchored ? $"{N(v.Checkpoints)} kept, {N(v.CheckpointsMatched)} matched" : "none kept"),
                new("Signing key(s)", v.KeyIds.Count == 0 ? "—" : string.Join(", ", v.KeyIds)),
            ]);
        });

        Section(html, "gaps", "12. Open gaps: what this record cannot show", () =>
        {
            html.Append("<ul id=\"gaps-list\">");
            foreach (var gap in sheet.Gaps) html.Append("<li>").Append(E(gap)).Append("</li>");
            html.Append("</ul>");
        });

        html.Append("</main>\n<script type=\"application/json\" id=\"datasheet-data\">").Append(ToJson(sheet)).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Section(StringBuilder html, string id, string title, Action body)
    {
        html.Append("<section id=\"").Append(id).Append("\"><h2>").Append(E(title)).Append("</h2>");
        body();
        html.Append("</section>\n");
    }

    private static void Facts(StringBuilder html, IEnumerable<Fact> facts)
    {
        html.Append("<dl class=\"facts\">");
        foreach (var fact in facts) html.Append("<dt>").Append(E(fact.Name)).Append("</dt><dd>").Append(E(fact.Value)).Append("</dd>");
        html.Append("</dl>");
    }

    private static void Table(StringBuilder html, string id, string[] headers, IEnumerable<string[]> rows, string empty, int hashColumn = -1, int flagColumn = -1)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            if (empty.Length > 0) html.Append("<p class=\"empty\" id=\"").Append(id).Append("-empty\">").Append(E(empty)).Append("</p>");
            return;
        }
        html.Append("<table id=\"").Append(id).Append("\"><thead><tr>");
        foreach (var header in headers) html.Append("<th scope=\"col\">").Append(E(header)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in list)
        {
            html.Append("<tr").Append(flagColumn >= 0 && row[flagColumn].Length > 0 ? " class=\"flag\"" : "").Append('>');
            for (var i = 0; i < row.Length; i++) html.Append(i == hashColumn ? "<td class=\"hash\">" : "<td>").Append(E(row[i])).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
    }

    /// <summary>
    /// A chart drawn by <c>LearningCurveSvg</c> (which escapes its text) placed inline: its fixed size becomes a
    /// viewBox-scaled one so it fits the column and the printed page.
    /// </summary>
    private static string InlineSvg(string svg)
    {
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start < 0 ? "" : svg[start..].Replace("<svg ", "<svg class=\"chart\" role=\"img\" ", StringComparison.Ordinal);
    }

    private static string E(string text) => HtmlEncoder.Default.Encode(text);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Num(double? x) => x is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "—";

    private static string Signed(double x) => x.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);

    private static string Pct(double? x) => x is { } v && double.IsFinite(v) ? v.ToString("0.0%", CultureInfo.InvariantCulture) : "—";

    private static string Money(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? t) => t?.ToString("u", CultureInfo.InvariantCulture) ?? "—";

    private const string Css = """
        :root { color-scheme: light; --ink: #1d1d1f; --muted: #5f6368; --line: #d9dce1; --ok: #1b7a3a; --bad: #b3261e; --flag: #fff4e5; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px; background: #fff; }
        header { border-bottom: 2px solid var(--ink); margin-bottom: 16px; }
        h1 { font-size: 26px; margin: 4px 0 8px; overflow-wrap: anywhere; }
        h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 16px 0 6px; }
        .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); margin: 0; }
        .muted { color: var(--muted); }
        .badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; }
        .badge.ok { background: #e6f4ea; color: var(--ok); }
        .badge.bad { background: #fce8e6; color: var(--bad); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
        th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
        th { background: #f1f3f4; font-weight: 600; }
        td.hash { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 11px; word-break: break-all; }
        tr.flag td { background: var(--flag); font-weight: 600; }
        .rule { font-size: 13px; color: var(--muted); }
        .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .charts.single { grid-template-columns: minmax(0, 760px); }
        figure { margin: 0; }
        figcaption { font-weight: 600; margin-bottom: 4px; }
        svg.chart { width: 100%; height: auto; border: 1px solid var(--line); }
        details summary { cursor: pointer; color: var(--muted); }
        #gaps-list li { margin: 4px 0; }
        @media (max-width: 760px) { .charts { grid-template-columns: 1fr; } main { padding: 12px; } }
        @media print {
          body { background: #fff; font-size: 11px; }
          main { max-width: none; padding: 0; }
          section { break-inside: avoid-page; }
          table { break-inside: auto; }
          tr { break-inside: avoid; }
          h2 { break-after: avoid; }
          .charts { grid-template-columns: 1fr 1fr; }
          .charts.single { grid-template-columns: minmax(0, 560px); }
          details > summary { display: none; }
          .badge { border: 1px solid currentColor; }
        }
        """;
}
