namespace Sift.Preferences;

/// <summary>
/// A judgment on a pair (prompt, response A, response B), in stored side order. The numeric values are the class
/// indices of the preference label schema (<see cref="PreferenceOutcomes.Names"/>), so a <c>TrainingSet</c> of pairs
/// carries outcomes as labels. A tie and "both bad" are different answers and stay different everywhere.
/// </summary>
public enum PreferenceOutcome
{
    /// <summary>Response A is better.</summary>
    A = 0,

    /// <summary>Response B is better.</summary>
    B = 1,

    /// <summary>The two are equally good: no preference.</summary>
    Tie = 2,

    /// <summary>Both responses are bad (unacceptable); says nothing about which is better.</summary>
    BothBad = 3,
}

/// <summary>Names and side handling of <see cref="PreferenceOutcome"/>.</summary>
public static class PreferenceOutcomes
{
    /// <summary>
    /// The label schema of preference data, in class-index order: <c>A</c>, <c>B</c>, <c>tie</c>, <c>both_bad</c> — the
    /// stored answers of <see cref="Items.PairLabels"/>, so a stored label's position in this list is its outcome.
    /// </summary>
    public static IReadOnlyList<string> Names => Items.PairLabels.All;

    /// <summary>The outcome's name in <see cref="Names"/>.</summary>
    public static string Name(PreferenceOutcome outcome) => outcome switch
    {
        PreferenceOutcome.A or PreferenceOutcome.B or PreferenceOutcome.Tie or PreferenceOutcome.BothBad => Names[(int)outcome],
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>Parses a name of <see cref="Names"/> (case-insensitive; <c>both-bad</c> and <c>bothbad</c> also accepted).</summary>
    /// <exception cref="FormatException">Not an outcome name.</exception>
    public static PreferenceOutcome Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "a" => PreferenceOutcome.A,
            "b" => PreferenceOutcome.B,
            "tie" => PreferenceOutcome.Tie,
            "both-bad" or "both_bad" or "bothbad" => PreferenceOutcome.BothBad,
            _ => throw new FormatException($"'{name}' is not a preference outcome; expected one of {string.Join(", ", Names)}."),
        };
    }

    /// <summary>The same judgment with the sides swapped (A ↔ B); a tie and "both bad" are unchanged. Undoes side randomisation.</summary>
    public static PreferenceOutcome Swap(PreferenceOutcome outcome) => outcome switch
    {
        PreferenceOutcome.A => PreferenceOutcome.B,
        PreferenceOutcome.B => PreferenceOutcome.A,
        PreferenceOutcome.Tie or PreferenceOutcome.BothBad => outcome,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
