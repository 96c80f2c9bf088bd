using Sift.Preferences;

namespace Sift.Projects;

/// <summary>One annotator's accuracy on a project's gold items.</summary>
/// <param name="AnnotatorId">The annotator.</param>
/// <param name="Accuracy">Correct gold answers out of their gold answers, with its 95% Wilson interval.</param>
/// <param name="Flagged">Whether they are below the project's threshold (see <see cref="GoldStandings.Score"/>).</param>
public sealed record AnnotatorGold(long AnnotatorId, ShareInterval Accuracy, bool Flagged);

/// <summary>
/// Scores annotators on gold (honeypot) items and decides who is flagged: an annotator with at least
/// <see cref="GoldSettings.MinAnswers"/> gold answers whose 95% Wilson interval (Wilson 1927) lies wholly below
/// <see cref="GoldSettings.MinAccuracy"/> — so a flag is evidence, not bad luck on a few items. Pure and thread-safe.
/// </summary>
public static class GoldStandings
{
    /// <summary>Each annotator who answered a gold item, by annotator id, with their accuracy and flag.</summary>
    /// <param name="annotations">The project's annotations (undone ones are ignored).</param>
    /// <param name="gold">Gold labels by item id (multi-label: <c>;</c>-separated).</param>
    /// <param name="mode">Single- or multi-label: an answer is correct when its label set equals the gold set.</param>
    /// <param name="settings">The threshold and minimum number of answers.</param>
    public static IReadOnlyList<AnnotatorGold> Score(IEnumerable<Annotation> annotations, IReadOnlyDictionary<long, string> gold, LabelMode mode, GoldSettings settings)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(settings);
        var counts = new SortedDictionary<long, (int Count, int Correct)>();
        var sets = new Dictionary<long, HashSet<string>>();
        foreach (var answer in annotations)
        {
            if (answer.Undone || !gold.TryGetValue(answer.ItemId, out var label)) continue;
            if (!sets.TryGetValue(answer.ItemId, out var truth))
                sets[answer.ItemId] = truth = new HashSet<string>(LabelResolution.Split(mode, label, []), StringComparer.Ordinal);
            var right = truth.SetEquals(answer.Labels);
            var (n, k) = counts.GetValueOrDefault(answer.AnnotatorId);
            counts[answer.AnnotatorId] = (n + 1, k + (right ? 1 : 0));
        }
        return counts.Select(c =>
        {
            var interval = ShareInterval.Wilson(c.Value.Count, c.Value.Correct);
            return new AnnotatorGold(c.Key, interval, c.Value.Count >= settings.MinAnswers && interval.High < settings.MinAccuracy);
        }).ToList();
    }

    /// <summary>Resolution weights: <see cref="GoldSettings.DownWeight"/> for each flagged annotator (everyone else counts 1).</summary>
    public static IReadOnlyDictionary<long, double> Weights(IEnumerable<AnnotatorGold> standings, GoldSettings settings)
    {
        ArgumentNullException.ThrowIfNull(standings);
        ArgumentNullException.ThrowIfNull(settings);
        return standings.Where(s => s.Flagged).ToDictionary(s => s.AnnotatorId, _ => settings.DownWeight);
    }
}
