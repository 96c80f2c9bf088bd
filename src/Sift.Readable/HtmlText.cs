using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Sift.Readable;

/// <summary>
/// The readable text of an HTML document, parsed with AngleSharp's HTML5 parser (so entities are decoded and broken
/// markup is repaired the way a browser would): scripts, styles and the head are dropped, block elements start new
/// lines, and nothing of the markup itself remains.
/// </summary>
internal static class HtmlText
{
    private static readonly HtmlParser Parser = new(new HtmlParserOptions { IsScripting = false });

    // Elements whose content is never shown as text in a mail client.
    private static readonly HashSet<string> Hidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "head", "title", "script", "style", "template", "object", "embed", "applet", "iframe", "frame", "frameset",
        "select", "option", "map", "svg", "math",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "table", "tbody", "thead", "tfoot", "tr", "ul", "caption", "body", "html",
    };

    private static readonly HashSet<string> Paragraphs = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "dl", "pre", "hr",
    };

    /// <summary>The text of <paramref name="html"/>, with line breaks where the page would break lines; not yet normalised.</summary>
    public static string ToText(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        using var document = Parser.ParseDocument(html);
        var text = new StringBuilder(html.Length / 2);
        Append(document.Body ?? (INode?)document.DocumentElement ?? document, text, preformatted: false);
        return text.ToString();
    }

    private static void Append(INode node, StringBuilder text, bool preformatted)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText t:
                    // Outside <pre>, runs of white space (line breaks included) show as one space.
                    text.Append(preformatted ? t.Data : CollapseWhiteSpace(t.Data));
                    break;
                case IElement e when Hidden.Contains(e.LocalName):
                    break;
                case IElement e when e.LocalName is "noframes" or "noembed":
                    // HTML5 parses these as raw text; what they hold is markup for browsers without frames.
                    text.Append(ToText(e.TextContent));
                    break;
                case IElement e when e.LocalName == "br":
                    text.Append('\n');
                    break;
                case IElement e when e.LocalName is "td" or "th":
                    text.Append(' ');
                    Append(e, text, preformatted);
                    text.Append(' ');
                    break;
                case IElement e when Blocks.Contains(e.LocalName):
                    var gap = Paragraphs.Contains(e.LocalName) ? "\n\n" : "\n";
                    text.Append(gap);
                    Append(e, text, preformatted || e.LocalName == "pre");
                    text.Append(gap);
                    break;
                case IElement e:
                    Append(e, text, preformatted);
                    break;
                default:
                    // Comments, processing instructions and doctypes are not text.
                    break;
            }
        }
    }

    private static string CollapseWhiteSpace(string data)
    {
        var result = new StringBuilder(data.Length);
        var space = false;
        foreach (var c in data)
        {
            if (c is ' ' or '\t' or '\n' or '\r' or '\f')
            {
                space = true;
                continue;
            }

            if (space) result.Append(' ');
            space = false;
            result.Append(c);
        }

        if (space) result.Append(' ');
        return result.ToString();
    }
}
