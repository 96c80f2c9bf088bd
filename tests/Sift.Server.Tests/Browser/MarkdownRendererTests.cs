namespace Sift.Server.Tests.Browser;

/// <summary>The instructions renderer (wwwroot/js/markdown.js), run in the real browser it ships to.</summary>
[Collection(BrowserCollection.Name)]
public sealed class MarkdownRendererTests(BrowserFixture fixture)
{
    private const string Render = """
        async source => {
          const { renderMarkdown } = await import('/js/markdown.js');
          const box = document.createElement('div');
          box.append(renderMarkdown(source));
          return box.innerHTML;
        }
        """;

    [Theory]
    [InlineData("# Title", "<h3>Title</h3>")]
    [InlineData("**bold**, *italic*, _also_ and `x < y`", "<p><strong>bold</strong>, <em>italic</em>, <em>also</em> and <code>x &lt; y</code></p>")]
    [InlineData("- one\n- **two**", "<ul><li>one</li><li><strong>two</strong></li></ul>")]
    [InlineData("3. three\n4. four", "<ol start=\"3\"><li>three</li><li>four</li></ol>")]
    [InlineData("first\nsecond\n\nthird", "<p>first second</p><p>third</p>")]
    [InlineData("> quoted", "<blockquote><p>quoted</p></blockquote>")]
    [InlineData("```\n<script>alert(1)</script>\n```", "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>")]
    [InlineData("<b onclick=alert(1)>raw</b>", "<p>&lt;b onclick=alert(1)&gt;raw&lt;/b&gt;</p>")]
    [InlineData("[guide](https://example.org/a?b=1)", "<p><a href=\"https://example.org/a?b=1\" rel=\"noopener noreferrer\" target=\"_blank\">guide</a></p>")]
    [InlineData("[here](/dashboard/1)", "<p><a href=\"/dashboard/1\" rel=\"noopener noreferrer\" target=\"_blank\">here</a></p>")]
    [InlineData("[run](javascript:alert(1))", "<p>run</p>")]
    [InlineData("[run](JavaScript:alert(1))", "<p>run</p>")]
    [InlineData("[run](data:text/html,x)", "<p>run</p>")]
    [InlineData("[run](//elsewhere.example)", "<p>run</p>")]
    [InlineData("[a \"quote\"](https://e.example/\"onmouseover=\"x)", "<p><a href=\"https://e.example/&quot;onmouseover=&quot;x\" rel=\"noopener noreferrer\" target=\"_blank\">a \"quote\"</a></p>")]
    public async Task RenderMarkdown_Source_GivesTheseElements(string source, string expected)
    {
        await using var session = await fixture.OpenAsync();
        await session.Page.GotoAsync("/");
        (await session.Page.EvaluateAsync<string>(Render, source)).ShouldBe(expected);
    }

    [Fact]
    public async Task RenderMarkdown_RandomMarkupSoup_OnlyAllowedElementsAndSafeLinks()
    {
        await using var session = await fixture.OpenAsync();
        await session.Page.GotoAsync("/");
        // 2,000 seeded random sources from Markdown and HTML fragments: every element is one the renderer makes,
        // no element has an attribute other than href/rel/target/start, and every href is http(s), mailto or same-site
        // (and enough links are made for that to mean something).
        var problems = await session.Page.EvaluateAsync<string[]>("""
            async () => {
              const { renderMarkdown } = await import('/js/markdown.js');
              const parts = ['<script>', '</script>', '<img src=x onerror=alert(1)>', '"', "'", '&', '&lt;', '*', '**', '_', '`', '```\n',
                '#', '## ', '- ', '1. ', '> ', '\n', '\n\n', '[', ']', '(', ')', 'javascript:', 'JAVAscript:', 'data:', 'https://a.example/',
                '/ok', '//evil', 'mailto:x@y', ' ', 'text', '\t', '<a href="javascript:x">', 'onload=', '---',
                '[x](javascript:alert(1))', '[y](https://a.example/(b))', '[z](/ok)', '[w](JAVAscript:x)', '[v](//evil)', '[u](#top)'];
              const allowed = new Set(['P', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'PRE', 'CODE', 'STRONG', 'EM', 'A', 'HR']);
              let seed = 20240601;
              const next = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
              const problems = [];
              let links = 0;
              for (let i = 0; i < 2000; i++) {
                let source = '';
                for (let k = next(25); k > 0; k--) source += parts[next(parts.length)];
                const box = document.createElement('div');
                box.append(renderMarkdown(source));
                for (const el of box.querySelectorAll('*')) {
                  if (!allowed.has(el.tagName)) problems.push(`${el.tagName} from ${JSON.stringify(source)}`);
                  for (const attr of el.getAttributeNames()) {
                    if (!['href', 'rel', 'target', 'start'].includes(attr)) problems.push(`@${attr} from ${JSON.stringify(source)}`);
                  }
                  const href = el.getAttribute('href');
                  if (href !== null) links++;
                  if (href !== null && !/^(https?:\/\/|mailto:|\/(?!\/)|#)/i.test(href)) problems.push(`href ${href} from ${JSON.stringify(source)}`);
                }
              }
              return links > 100 ? problems.slice(0, 10) : [`only ${links} links were made: the soup does not test links`];
            }
            """);
        problems.ShouldBeEmpty();
        await session.ShouldBeCleanAsync();
    }

    // The two tests below come from fuzzing the renderer (fuzz/markdown, docs/fuzzing.md). Their sources are built in
    // the page; the timeout is a hang guard (the inputs took minutes before the fix), not a measure of speed.
    private const string Measure = """
        async ([piece, times]) => {
          const { renderMarkdown } = await import('/js/markdown.js');
          const box = document.createElement('div');
          box.append(renderMarkdown(piece.repeat(times)));
          let depth = 0;
          for (let el = box.querySelector('blockquote'); el !== null; el = el.querySelector(':scope > blockquote')) depth++;
          return { depth, em: box.querySelectorAll('em').length, text: box.textContent.length };
        }
        """;

    [Fact(Timeout = 60_000)]
    public async Task RenderMarkdown_QuoteNestedHundredThousandDeep_StopsNestingInsteadOfOverflowingTheStack()
    {
        await using var session = await fixture.OpenAsync();
        await session.Page.GotoAsync("/");
        var result = await MeasureAsync(session, ">", 100_000);
        result.Depth.ShouldBe(16);
        result.Text.ShouldBe(100_000 - 16); // the '>' past the sixteenth level stay as text
        await session.ShouldBeCleanAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task RenderMarkdown_TwoHundredThousandEmphasesInOneParagraph_RendersEveryOne()
    {
        await using var session = await fixture.OpenAsync();
        await session.Page.GotoAsync("/");
        var result = await MeasureAsync(session, "*a* xxxxx ", 200_000);
        result.Em.ShouldBe(200_000);
        result.Text.ShouldBe((200_000 * "a xxxxx ".Length) - 1); // the paragraph's last space is trimmed
        await session.ShouldBeCleanAsync();
    }

    // Link text no longer holds '[' (each '[' of a long line without ']' made the old pattern rescan the line: seconds
    // per 100,000 characters in Node; Chromium's fallback regex engine hides it), so the innermost brackets make the link.
    [Theory]
    [InlineData("[[x](/a)", "<p>[<a href=\"/a\" rel=\"noopener noreferrer\" target=\"_blank\">x</a></p>")]
    [InlineData("[a [b](/c) d](/e)", "<p>[a <a href=\"/c\" rel=\"noopener noreferrer\" target=\"_blank\">b</a> d](/e)</p>")]
    public async Task RenderMarkdown_BracketInsideLinkText_InnermostBracketsMakeTheLink(string source, string expected)
    {
        await using var session = await fixture.OpenAsync();
        await session.Page.GotoAsync("/");
        (await session.Page.EvaluateAsync<string>(Render, source)).ShouldBe(expected);
    }

    private sealed record Rendered(int Depth, int Em, int Text);

    private static async Task<Rendered> MeasureAsync(BrowserSession session, string piece, int times)
    {
        var r = await session.Page.EvaluateAsync<System.Text.Json.JsonElement>(Measure, new object[] { piece, times });
        return new(r.GetProperty("depth").GetInt32(), r.GetProperty("em").GetInt32(), r.GetProperty("text").GetInt32());
    }

    [Fact]
    public async Task InertSvg_HostileDocument_KeepsOnlyTheDrawing()
    {
        await using var session = await fixture.OpenAsync();
        await session.Page.GotoAsync("/");
        const string Hostile = """
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" onload="alert(1)">
              <script>window.__pwned = 1</script>
              <rect width="5" height="5" fill="#123456" onclick="alert(2)" style="fill:red"/>
              <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
              <a href="javascript:alert(3)"><text>link</text></a>
              <image xlink:href="https://elsewhere.example/x.png"/>
              <g fill="url(https://elsewhere.example/p#x)"><text x="1" y="2">kept</text></g>
            </svg>
            """;
        var markup = await session.Page.EvaluateAsync<string?>("""
            async text => {
              const { inertSvg } = await import('/js/pages/dashboard.js');
              const svg = inertSvg(text);
              return svg === null ? null : svg.outerHTML.replace(/\s+/g, ' ');
            }
            """, Hostile);
        markup.ShouldBe("""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"> <rect width="5" height="5" fill="#123456"></rect> <g><text x="1" y="2">kept</text></g> </svg>""");
        (await session.Page.EvaluateAsync<string?>("async () => (await import('/js/pages/dashboard.js')).inertSvg('<html>not svg</html>')")).ShouldBeNull();
        (await session.Page.EvaluateAsync<bool>("() => window.__pwned === undefined")).ShouldBeTrue();
        // Parsing the hostile document reports its inline handlers and style to the CSP (which blocks them): expected here.
        session.PageErrors.ShouldBeEmpty();
    }
}
