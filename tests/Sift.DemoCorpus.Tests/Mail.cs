using System.Text;

namespace Sift.DemoCorpus.Tests;

/// <summary>Raw messages for the tests: text with <c>\xNN</c> escapes for the bytes that are not ASCII.</summary>
internal static class Mail
{
    /// <summary>The bytes of <paramref name="message"/>: each character is one byte (Latin-1), so "\x93" is byte 0x93.</summary>
    public static byte[] Bytes(string message) => Encoding.Latin1.GetBytes(message.Replace("\r\n", "\n", StringComparison.Ordinal));

    /// <summary>Converts <paramref name="message"/> (see <see cref="Bytes(string)"/>) and returns its text.</summary>
    public static string Convert(string message) => Convert(message, out _);

    public static string Convert(string message, out ConversionNotes notes)
    {
        notes = new ConversionNotes();
        return MessageText.Convert(Bytes(message), notes);
    }

    /// <summary>As <see cref="Bytes(string)"/> with <paramref name="body"/> appended as raw bytes.</summary>
    public static string WithBody(string headers, byte[] body) => headers + Encoding.Latin1.GetString(body);
}
