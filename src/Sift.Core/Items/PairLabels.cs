namespace Sift.Items;

/// <summary>
/// The answers to a pairwise comparison (<see cref="PairContent"/>), as stored labels: which side is better, a tie,
/// or both bad. Sides name the responses as stored (<see cref="PairContent.ResponseA"/>, <see cref="PairContent.ResponseB"/>),
/// whatever side a page showed them on. Ties and "both bad" are kept distinct.
/// </summary>
public static class PairLabels
{
    /// <summary>Response A is better.</summary>
    public const string A = "A";

    /// <summary>Response B is better.</summary>
    public const string B = "B";

    /// <summary>Equally good.</summary>
    public const string Tie = "tie";

    /// <summary>Neither is acceptable.</summary>
    public const string BothBad = "both_bad";

    /// <summary>Every answer, in button order.</summary>
    public static IReadOnlyList<string> All { get; } = [A, B, Tie, BothBad];

    /// <summary>The canonical answer for <paramref name="value"/> (ASCII case ignored: <c>a</c>, <c>TIE</c>); null when it is none of them.</summary>
    public static string? Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        foreach (var label in All)
        {
            if (string.Equals(label, value, StringComparison.OrdinalIgnoreCase)) return label;
        }

        return null;
    }
}
