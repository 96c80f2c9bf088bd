using Sift.Data;
using Sift.Items;
using Sift.Projects;
using Sift.Server.Hosting;

namespace Sift.Server.Api;

/// <summary>
/// How a pairwise comparison is handed out and answered: the side order each annotator sees (a seeded coin per
/// project, annotator and item, so a reload shows the same order and the answer can record it) and the checks on an
/// optional rationale.
/// </summary>
internal static class PairTasks
{
    /// <summary>
    /// Whether <paramref name="annotatorId"/> is shown the stored response B first for <paramref name="itemId"/>: a
    /// uniform draw seeded by the project's seed, the annotator and the item, below ½. Deterministic, so the server
    /// recomputes it when the answer comes back rather than trusting the page.
    /// </summary>
    public static bool Swapped(ProjectSettings settings, long annotatorId, long itemId) =>
        Seeds.Uniform(Seeds.Mix(settings.Seed, FormattableString.Invariant($"pair-sides:{annotatorId}:{itemId}")), 0) < 0.5;

    /// <summary>The task's view of a pair: prompt, conversation, and the responses in the annotator's order.</summary>
    public static PairTaskView View(PairContent pair, bool swapped)
    {
        PairResponseView a = new(PairLabels.A, pair.ResponseA), b = new(PairLabels.B, pair.ResponseB);
        return new PairTaskView(pair.Prompt, pair.Conversation, swapped ? [b, a] : [a, b]);
    }

    /// <summary>
    /// The rationale as sent: null when absent or only white space; otherwise at most
    /// <see cref="SubmitRequest.MaxRationaleLength"/> characters of free text (no NUL, no unpaired surrogate), trimmed.
    /// </summary>
    public static string? ValidateRationale(string? rationale)
    {
        if (string.IsNullOrWhiteSpace(rationale)) return null;
        var text = rationale.Trim();
        if (text.Length > SubmitRequest.MaxRationaleLength)
            throw new RequestValidationException("rationale", FormattableString.Invariant($"rationale: is {text.Length:N0} characters long; at most {SubmitRequest.MaxRationaleLength:N0} are accepted."));
        var at = TextRules.IndexOfForbiddenInText(text);
        if (at >= 0) throw new RequestValidationException("rationale", $"rationale: {TextRules.Describe(text, at)}; it may hold any character but NUL.");
        return text;
    }
}
