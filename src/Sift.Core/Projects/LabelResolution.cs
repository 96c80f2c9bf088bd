namespace Sift.Projects;

/// <summary>An item's resolved label: what the majority of its (non-undone) answers say.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Labels">Single-label: exactly one label. Multi-label: the labels a strict majority chose, in schema order (may be empty).</param>
/// <param name="Answers">Answers (annotations not undone) it was resolved from.</param>
/// <param name="ResolvedAt">Time of the latest of those answers: when the item got this resolution.</param>
public sealed record ResolvedLabel(long ItemId, IReadOnlyList<string> Labels, int Answers, DateTimeOffset ResolvedAt)
{
    /// <summary>
    /// How sure the resolution is, 0–1: Dawid–Skene's posterior probability of the label; for a majority, the (weighted)
    /// share of answers that chose it (multi-label: the least such agreement over the schema's labels); 1 for a gold
    /// item or a reviewer's decision. Default 1.
    /// </summary>
    public double Confidence { get; init; } = 1;

    /// <summary>Where the label came from: <c>majority</c>, <c>dawid-skene</c>, <c>gold</c> or <c>review</c> (a reviewer's override). Default <c>majority</c>.</summary>
    public string Source { get; init; } = LabelResolution.Majority;

    /// <summary>Whether the answers disagree (not every live answer is the same label set).</summary>
    public bool Disagreement { get; init; }

    /// <summary>The labels as one string: joined with <c>;</c> (single-label: the label itself; empty set: "").</summary>
    public string Text => string.Join(';', Labels);
}

/// <summary>
/// Majority resolution of annotators' answers (docs/server-design.md, "Live loop"). Undone annotations never count.
/// Single-label: the label with the most answers; a tie for the most leaves the item unresolved until another answer
/// breaks it. Multi-label: per label, chosen when more than half of the answers contain it, left out when fewer than
/// half do; an exact half on any label leaves the item unresolved. An item with one answer resolves to that answer.
/// Pure and thread-safe.
/// </summary>
public static class LabelResolution
{
    /// <summary>The majority rule's name (also a <see cref="ResolvedLabel.Source"/>).</summary>
    public const string Majority = "majority";

    /// <summary>The Dawid–Skene rule's name (also a <see cref="ResolvedLabel.Source"/>).</summary>
    public const string DawidSkene = "dawid-skene";

    /// <summary>The <see cref="ResolvedLabel.Source"/> of a gold item.</summary>
    public const string GoldSource = "gold";

    /// <summary>The <see cref="ResolvedLabel.Source"/> of a reviewer's override.</summary>
    public const string ReviewSource = "review";

    /// <summary>Resolves one item's answers; null when unresolved (no answers, or a tie).</summary>
    /// <param name="mode">Single- or multi-label.</param>
    /// <param name="schema">The project's labels; they order a multi-label result (labels outside the schema go last, ordinally).</param>
    /// <param name="answers">Each answer's labels (undone answers already left out).</param>
    public static IReadOnlyList<string>? Resolve(LabelMode mode, IReadOnlyList<string> schema, IReadOnlyList<IReadOnlyList<string>> answers)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(answers);
        if (answers.Count == 0) return null;
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var answer in answers)
        {
            // A label repeated within one answer counts once.
            foreach (var label in answer.Distinct(StringComparer.Ordinal))
                votes[label] = votes.GetValueOrDefault(label) + 1;
        }

        if (mode == LabelMode.Single)
        {
            if (votes.Count == 0) return null;
            var best = votes.Values.Max();
            var winners = votes.Where(v => v.Value == best).Select(v => v.Key).ToList();
            return winners.Count == 1 ? [winners[0]] : null;
        }

        var chosen = new List<string>();
        foreach (var (label, count) in votes)
        {
            if (2 * count == answers.Count) return null;
            if (2 * count > answers.Count) chosen.Add(label);
        }
        return Ordered(chosen, schema);
    }

    /// <summary>
    /// Resolves every item that has answers. Undone annotations are ignored; items whose answers tie are left out.
    /// </summary>
    /// <param name="mode">Single- or multi-label.</param>
    /// <param name="schema">The project's labels (order of multi-label results).</param>
    /// <param name="annotations">Annotations of one project, in any order.</param>
    /// <returns>Resolved labels by item id.</returns>
    public static IReadOnlyDictionary<long, ResolvedLabel> ResolveAll(LabelMode mode, IReadOnlyList<string> schema, IEnumerable<Annotation> annotations)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(annotations);
        var result = new Dictionary<long, ResolvedLabel>();
        foreach (var item in annotations.Where(a => !a.Undone).GroupBy(a => a.ItemId))
        {
            var answers = item.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToList();
            var labels = Resolve(mode, schema, answers.Select(a => a.Labels).ToList());
            if (labels is not null)
                result[item.Key] = new ResolvedLabel(item.Key, labels, answers.Count, answers[^1].CreatedAt);
        }
        return result;
    }

    /// <summary>
    /// Resolves every item that has live answers under <paramref name="context"/>'s rule, with each label's confidence.
    /// Majority: a vote weighted by <see cref="ResolutionContext.AnnotatorWeights"/> (ties stay unresolved). Dawid–Skene
    /// (single-label only; multi-label falls back to majority): one EM fit over the project's answers (Dawid &amp; Skene
    /// 1979) with gold items clamped to their gold label and each annotator's answers weighted — it resolves ties too. Then,
    /// under either rule, a gold item takes its gold label (confidence 1) and a reviewer's decision overrides everything
    /// (confidence 1, <see cref="ReviewSource"/>). Deterministic; pure.
    /// </summary>
    /// <exception cref="ConfigurationException">The rule is unknown.</exception>
    public static IReadOnlyDictionary<long, ResolvedLabel> ResolveAll(ResolutionContext context, IEnumerable<Annotation> annotations)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(annotations);
        if (context.Rule is not (Majority or DawidSkene)) throw new ConfigurationException($"resolution: must be 'majority' or 'dawid-skene', not '{context.Rule}'.");
        var byItem = annotations.Where(a => !a.Undone).GroupBy(a => a.ItemId)
            .Select(g => g.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToList())
            .OrderBy(g => g[0].ItemId)
            .ToList();
        var result = new Dictionary<long, ResolvedLabel>();
        var useDs = context.Rule == DawidSkene && context.Mode == LabelMode.Single && byItem.Count > 0;
        (int[] Label, double[] Confidence)? ds = useDs ? FitDawidSkene(context, byItem) : null;
        for (var i = 0; i < byItem.Count; i++)
        {
            var answers = byItem[i];
            var itemId = answers[0].ItemId;
            var disagreement = answers.Select(a => string.Join('\u001f', a.Labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))).Distinct(StringComparer.Ordinal).Count() > 1;
            ResolvedLabel? resolved;
            if (ds is not null && ds.Value.Label[i] >= 0)
                resolved = new ResolvedLabel(itemId, [context.Schema[ds.Value.Label[i]]], answers.Count, answers[^1].CreatedAt) { Confidence = ds.Value.Confidence[i], Source = DawidSkene };
            else
                resolved = WeightedMajority(context, answers);
            if (context.Gold is { } gold && gold.TryGetValue(itemId, out var known))
                resolved = new ResolvedLabel(itemId, Split(context.Mode, known, context.Schema), answers.Count, answers[^1].CreatedAt) { Source = GoldSource };
            if (context.Overrides is { } overrides && overrides.TryGetValue(itemId, out var decision))
                resolved = new ResolvedLabel(itemId, Ordered([.. decision], context.Schema), answers.Count, answers[^1].CreatedAt) { Source = ReviewSource };
            if (resolved is not null) result[itemId] = resolved with { Disagreement = disagreement };
        }
        return result;
    }

    /// <summary>A gold label as a label list: single-label the trimmed label; multi-label its <c>;</c>-separated set in schema order.</summary>
    public static IReadOnlyList<string> Split(LabelMode mode, string gold, IReadOnlyList<string> schema)
    {
        ArgumentNullException.ThrowIfNull(gold);
        return mode == LabelMode.Single
            ? [gold.Trim()]
            : Ordered([.. gold.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)], schema);
    }

    private static ResolvedLabel? WeightedMajority(ResolutionContext context, List<Annotation> answers)
    {
        var weights = answers.Select(a => Weight(context, a.AnnotatorId)).ToList();
        var total = weights.Sum();
        if (total <= 0) return null;
        var votes = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var a = 0; a < answers.Count; a++)
            foreach (var label in answers[a].Labels.Distinct(StringComparer.Ordinal)) votes[label] = votes.GetValueOrDefault(label) + weights[a];
        var last = answers[^1].CreatedAt;
        var itemId = answers[0].ItemId;
        if (context.Mode == LabelMode.Single)
        {
            if (votes.Count == 0) return null;
            var best = votes.Values.Max();
            var winners = votes.Where(v => v.Value == best).Select(v => v.Key).ToList();
            return winners.Count == 1 ? new ResolvedLabel(itemId, [winners[0]], answers.Count, last) { Confidence = best / total } : null;
        }
        var chosen = new List<string>();
        var confidence = 1.0;
        foreach (var label in context.Schema.Concat(votes.Keys).Distinct(StringComparer.Ordinal))
        {
            var share = votes.GetValueOrDefault(label) / total;
            if (share == 0.5) return null;
            if (share > 0.5) chosen.Add(label);
            confidence = Math.Min(confidence, Math.Max(share, 1 - share));
        }
        return new ResolvedLabel(itemId, Ordered(chosen, context.Schema), answers.Count, last) { Confidence = confidence };
    }

    private static double Weight(ResolutionContext context, long annotatorId) =>
        context.AnnotatorWeights is { } w && w.TryGetValue(annotatorId, out var weight) ? weight : 1.0;

    private static (int[] Label, double[] Confidence) FitDawidSkene(ResolutionContext context, List<List<Annotation>> byItem)
    {
        var classOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < context.Schema.Count; c++) classOf.TryAdd(context.Schema[c], c);
        var annotatorIndex = new Dictionary<long, int>();
        var ratings = new Dictionary<(int Item, int Annotator), int>();
        for (var i = 0; i < byItem.Count; i++)
        {
            // In time order, so an annotator's later answer to the same item (never two live ones in a store) wins.
            foreach (var answer in byItem[i])
            {
                if (answer.Labels.Count != 1 || !classOf.TryGetValue(answer.Labels[0], out var label)) continue;
                if (!annotatorIndex.TryGetValue(answer.AnnotatorId, out var a)) annotatorIndex[answer.AnnotatorId] = a = annotatorIndex.Count;
                ratings[(i, a)] = label;
            }
        }
        var table = Quality.RatingTable.FromRatings(byItem.Count, annotatorIndex.Count, context.Schema.Count, ratings.Select(r => (r.Key.Item, r.Key.Annotator, r.Value)));
        var known = new Dictionary<int, int>();
        if (context.Gold is { } gold)
            for (var i = 0; i < byItem.Count; i++)
                if (gold.TryGetValue(byItem[i][0].ItemId, out var g) && classOf.TryGetValue(g.Trim(), out var c)) known[i] = c;
        var weights = new double[annotatorIndex.Count];
        foreach (var (id, a) in annotatorIndex) weights[a] = Math.Clamp(Weight(context, id), 0, 1);
        var fit = Quality.DawidSkene.Fit(table, context.DawidSkeneOptions, new Quality.DawidSkeneEvidence { Known = known, AnnotatorWeights = weights });
        var labels = new int[byItem.Count];
        var confidence = new double[byItem.Count];
        for (var i = 0; i < byItem.Count; i++)
        {
            labels[i] = table.RatingsOf(i) == 0 && !known.ContainsKey(i) ? -1 : fit.Labels[i];
            confidence[i] = labels[i] >= 0 ? fit.Posterior(i)[labels[i]] : 0;
        }
        return (labels, confidence);
    }

    private static List<string> Ordered(List<string> labels, IReadOnlyList<string> schema)
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < schema.Count; i++) position.TryAdd(schema[i], i);
        return labels
            .OrderBy(l => position.TryGetValue(l, out var p) ? p : int.MaxValue)
            .ThenBy(l => l, StringComparer.Ordinal)
            .ToList();
    }
}

/// <summary>What <see cref="LabelResolution.ResolveAll(ResolutionContext, IEnumerable{Annotation})"/> resolves with.</summary>
/// <param name="Mode">Single- or multi-label.</param>
/// <param name="Schema">The project's labels (class order of Dawid–Skene; order of multi-label results).</param>
public sealed record ResolutionContext(LabelMode Mode, IReadOnlyList<string> Schema)
{
    /// <summary><see cref="LabelResolution.Majority"/> (default) or <see cref="LabelResolution.DawidSkene"/>.</summary>
    public string Rule { get; init; } = LabelResolution.Majority;

    /// <summary>Gold items' labels by item id (multi-label: <c>;</c>-separated); they clamp Dawid–Skene and resolve to themselves. Default none.</summary>
    public IReadOnlyDictionary<long, string>? Gold { get; init; }

    /// <summary>Per annotator id a weight in [0, 1] on their answers (missing: 1). Default none.</summary>
    public IReadOnlyDictionary<long, double>? AnnotatorWeights { get; init; }

    /// <summary>Reviewers' decisions by item id: they override the rule. Default none.</summary>
    public IReadOnlyDictionary<long, IReadOnlyList<string>>? Overrides { get; init; }

    /// <summary>Dawid–Skene settings; null for the defaults.</summary>
    public Quality.DawidSkeneOptions? DawidSkeneOptions { get; init; }

    /// <summary>The context of a project's settings: its mode, schema and rule.</summary>
    public static ResolutionContext For(ProjectSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new ResolutionContext(settings.Mode, settings.Labels) { Rule = settings.Resolution };
    }
}
