using System.Globalization;

namespace Sift.Data;

/// <summary>
/// Writes CSV cells that are safe to open in a spreadsheet: RFC 4180 quoting, and OWASP's rule against formula
/// injection (CSV injection): a text cell that begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage
/// return gets a leading single quote, so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it
/// (<c>=HYPERLINK(…)</c>, <c>=cmd|' /C calc'!A0</c>). A plain number (<c>-3</c>, <c>+1.5e3</c>) is left alone.
/// </summary>
/// <remarks>
/// Neutralising changes the cell: a CSV export read back does not give <c>=x</c> but <c>'=x</c>. JSON Lines exports are
/// the lossless format. Reference: https://owasp.org/www-community/attacks/CSV_Injection. Thread-safe: stateless.
/// </remarks>
public static class CsvCells
{
    /// <summary>The characters that make a spreadsheet read a cell as a formula (or DDE command) when they come first.</summary>
    public const string FormulaTriggers = "=+-@\t\r";

    /// <summary>One cell: neutralised (<see cref="Neutralise"/>), then quoted when it holds a comma, quote or line break.</summary>
    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var cell = Neutralise(value);
        return cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary><paramref name="value"/> with a single quote in front when it begins with a formula trigger and is not a plain number.</summary>
    public static string Neutralise(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || !FormulaTriggers.Contains(value[0], StringComparison.Ordinal)) return value;
        return IsPlainNumber(value) ? value : "'" + value;
    }

    /// <summary>A signed decimal number and nothing else (no spaces, no operators): a spreadsheet reads it as a number.</summary>
    private static bool IsPlainNumber(string value)
    {
        if (value[0] is not ('+' or '-') || value.Length < 2) return false;

        // A digit or a point next: not "-Infinity" or "-NaN", which double.TryParse would take.
        if (!char.IsAsciiDigit(value[1]) && value[1] != '.') return false;
        return double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out _);
    }
}
