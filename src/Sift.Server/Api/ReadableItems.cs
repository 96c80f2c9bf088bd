using Sift.Readable;

namespace Sift.Server.Api;

/// <summary>
/// An item's text as people read it: e-mail and HTML-ish text decoded to clean text (<see cref="ReadableText"/>, the
/// demo corpus's own code), and whether the text was cut. The stored text is never changed: the page shows the
/// readable text, with a switch to the source.
/// </summary>
internal static class ReadableItems
{
    /// <summary>The readable view of <paramref name="text"/>, or null when it is plain text that was not cut.</summary>
    public static ReadableView? Of(string text)
    {
        var readable = ReadableText.Make(text);
        var cut = ReadableText.WasCut(text);
        if (readable is null && !cut) return null;
        return new ReadableView(readable?.Text, readable is null ? null : Source(readable.Source), cut, ReadableText.CutLength);
    }

    private static string Source(TextSource source) => source switch
    {
        TextSource.Email => "email",
        TextSource.Html => "html",
        _ => "quoted-printable",
    };
}
