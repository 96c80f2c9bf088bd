using System.Globalization;

namespace Sift.Data;

/// <summary>
/// Which characters Sift accepts where: one rule for every entry point (data files, the REST API, the command line).
/// <list type="bullet">
/// <item><b>Free text</b> (item text, instructions, metadata strings and keys) may hold any character except NUL
/// (U+0000): PostgreSQL cannot store it and many tools end a string there. Other control characters are kept as
/// they are: real corpora carry them (20 Newsgroups has backspaces, form feeds and escapes), and the UI shows text
/// through <c>textContent</c>, so they are inert.</item>
/// <item><b>Names</b> (item ids, groups, labels, user and project names, client request ids) may hold no control
/// character at all (Unicode category Cc: U+0000–U+001F, U+007F–U+009F), tab and line breaks included: a name is
/// one line, shown in buttons, lists, file names and CSV cells.</item>
/// </list>
/// Unpaired surrogates are rejected wherever text is parsed (JSON, JSON Lines); valid UTF-8 cannot hold them.
/// </summary>
/// <remarks>Thread-safe: stateless.</remarks>
public static class TextRules
{
    /// <summary>The index of the first NUL in <paramref name="text"/>, or -1 when it holds none (free-text rule).</summary>
    public static int IndexOfForbiddenInText(ReadOnlySpan<char> text) => text.IndexOf('\0');

    /// <summary>The index of the first control character in <paramref name="name"/>, or -1 when it holds none (name rule).</summary>
    public static int IndexOfForbiddenInName(ReadOnlySpan<char> name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsControl(name[i])) return i;
        }

        return -1;
    }

    /// <summary>
    /// What is wrong with the character at <paramref name="index"/>, for an error message:
    /// <c>holds a control character (U+0000) at position 3</c> (1-based).
    /// </summary>
    public static string Describe(ReadOnlySpan<char> value, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, value.Length);
        var what = value[index] == '\0' ? "a NUL character" : "a control character";
        return string.Create(CultureInfo.InvariantCulture, $"holds {what} (U+{(int)value[index]:X4}) at position {index + 1}");
    }
}
