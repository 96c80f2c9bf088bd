using System.Globalization;
using System.Text.Json;
using Sift.Evidence;
using Sift.Oracles;
using Sift.Projects;
using Sift.Server.Api;
using Sift.Server.Governance;
using Sift.Server.Models;
using Sift.Server.Training;
using Sift.Storage;

namespace Sift.Server.Report;

/// <summary>
/// Builds a server project's <see cref="Datasheet"/> from its store and evidence (reads only). The numbers come from
/// the views the API serves — <see cref="Training.Dashboard"/>, <see cref="AgreementReports"/>, <see cref="OracleReport"/>
/// and the evidence chain's verification — so the datasheet and the API agree.
/// </summary>
internal static partial class DatasheetBuilder
{
    /// <summary>A field with more distinct values than this (over the pool) is not treated as a subgroup.</summary>
    internal const int MaxSubgroupValues = 20;

    /// <summary>Blind-spot rule: a value is flagged when its share of the strategy's picks is below this fraction of its pool share…</summary>
    internal const double BlindSpotRatio = 0.5;

    /// <summary>…and it holds at least this share of the pool…</summary>
    internal const double BlindSpotMinPoolShare = 0.02;

    /// <summary>…and at least this many pool items…</summary>
    internal const int BlindSpotMinItems = 5;

    /// <summary>…once the strategy has picked at least this many items.</summary>
    internal const int BlindSpotMinPicks = 20;

    /// <summary>The blind-spot rule, in words.</summary>
    internal static readonly string BlindSpotRule = string.Create(CultureInfo.InvariantCulture,
        $"A subgroup is a value of the label class, of the item's group, or of any top-level metadata field with at most {MaxSubgroupValues} distinct values in the pool. It is flagged as a blind spot when it holds at least {BlindSpotMinPoolShare * 100:0.#}% of the candidate pool and at least {BlindSpotMinItems} items, the strategy has made at least {BlindSpotMinPicks} picks, and the subgroup's share of the strategy's picks is below {BlindSpotRatio:0.#} × its share of the pool.");

    /// <summary>The rule for a simulation, whose evidence holds only label classes.</summary>
    internal static readonly string SimulationBlindSpotRule = string.Create(CultureInfo.InvariantCulture,
        $"A subgroup is a label class (a simulation's evidence holds no item groups or metadata). Its pool share is estimated by the random control's picks (the \"pool items\" column counts them). A class is flagged as a blind spot for a strategy when that estimate is at least {BlindSpotMinPoolShare * 100:0.#}% and rests on at least {BlindSpotMinItems} picks, the strategy has made at least {BlindSpotMinPicks} picks, and the class's share of the strategy's picks is below {BlindSpotRatio:0.#} × its pool share.");

    /// <summary>Whether a subgroup is a blind spot by <see cref="BlindSpotRule"/>.</summary>
    internal static bool IsBlindSpot(int poolItems, double? poolShare, double? strategyShare, int strategyPicksTotal) =>
        poolShare is { } pool && strategyShare is { } picked && pool >= BlindSpotMinPoolShare && poolItems >= BlindSpotMinItems
        && strategyPicksTotal >= BlindSpotMinPicks && picked < BlindSpotRatio * pool;

    /// <summary>The datasheet of a server project.</summary>
    /// <param name="store">The store (read only).</param>
    /// <param name="models">The model-annotator role of the same store.</param>
    /// <param name="agreement">The agreement reports (the API's cache, or a fresh one).</param>
    /// <param name="projectId">The project.</param>
    /// <param name="checkpoints">The project's signed checkpoints (empty when none are kept).</param>
    /// <param name="anchored">Whether checkpoints are kept for the project at all.</param>
    /// <param name="now">When the datasheet is made.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="NotFoundException">No such project.</exception>
    public static async Task<Datasheet> FromProjectAsync(
        ISiftStore store, IModelAnnotatorStore models, AgreementReports agreement, long projectId, IReadOnlyList<Checkpoint> checkpoints, bool anchored,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        var project = await store.GetProjectAsync(projectId, ct).ConfigureAwait(false)
            ?? throw new NotFoundException(string.Create(CultureInfo.InvariantCulture, $"project: no project with id {projectId}."));
        var settings = project.Settings;
        var dashboard = await Training.Dashboard.BuildAsync(store, projectId, now, false, ct).ConfigureAwait(false);
        dashboard = dashboard with { Trainer = dashboard.Trainer with { Owner = null } };
        var agreementView = await agreement.GetAsync(project, ct).ConfigureAwait(false);
        var oracles = await OracleReport.BuildAsync(project, store, models, ct).ConfigureAwait(false);
        var versions = (await store.GetModelVersionsAsync(projectId, ct).ConfigureAwait(false)).OrderBy(m => m.Version).ToList();

        // The evidence, page by page: kinds, imports, privacy events.
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var imports = new List<ImportRow>();
        var privacy = new List<PrivacyRow>();
        for (long after = 0; ;)
        {
            var page = await store.ReadEvidenceAsync(projectId, after, Paging.MaxLimit, ct).ConfigureAwait(false);
            foreach (var e in page)
            {
                kinds[e.Kind] = kinds.GetValueOrDefault(e.Kind) + 1;
                if (e.Kind == "import") imports.Add(Import(e.At, e.Json));
                else if (IsPrivacy(e.Kind)) privacy.Add(new PrivacyRow(e.Seq, e.At, e.Kind, Summarize(e.Json)));
            }
            if (page.Count < Paging.MaxLimit) break;
            after = page[^1].Seq;
        }
        var verdict = await Task.Run(() => EvidenceChain.Verify(ServerCheckpoints.StoredChain(store, projectId, ct), checkpoints, null, ServerCheckpoints.Scope(projectId)), ct)
            .ConfigureAwait(false);

        // Items, tasks, answers, gold: what the subgroups and the acquisition table are counted from.
        var items = new List<Item>();
        for (long after = 0; ;)
        {
            var page = await store.GetItemsPageAsync(projectId, after, Paging.MaxLimit, ct).ConfigureAwait(false);
            items.AddRange(page);
            if (page.Count < Paging.MaxLimit) break;
            after = page[^1].Id;
        }
        var tasks = new List<TaskRecord>();
        for (long after = 0; ;)
        {
            var page = await store.GetTasksPageAsync(projectId, after, Paging.MaxLimit, ct).ConfigureAwait(false);
            tasks.AddRange(page);
            if (page.Count < Paging.MaxLimit) break;
            after = page[^1].Id;
        }
        var answers = new List<Annotation>();
        for (long after = 0; ;)
        {
            var page = await store.GetAnnotationsPageAsync(projectId, after, Paging.MaxLimit, includeUndone: false, ct).ConfigureAwait(false);
            answers.AddRange(page);
            if (page.Count < Paging.MaxLimit) break;
            after = page[^1].Id;
        }
        var gold = await store.GetGoldLabelsAsync(projectId, ct).ConfigureAwait(false);
        var modelAnswers = await models.GetModelAnswersAsync(projectId, cancellationToken: ct).ConfigureAwait(false);

        var pool = new List<Fact>
        {
            new("Items", N(dashboard.Counts.Items)),
            new("Held-out evaluation items (never routed by the learner)", N(dashboard.Counts.HeldOut)),
            new("Candidate pool (items not held out)", N(dashboard.Counts.Items - dashboard.Counts.HeldOut)),
            new("Content", settings.Content.ToString().ToLowerInvariant()),
            new("Label mode", settings.Mode.ToString().ToLowerInvariant()),
            new("Labels", string.Join(", ", settings.Labels)),
            new("Items with a gold label", N(gold.Count)),
            new("Answers (not withdrawn)", N(dashboard.Counts.Annotations)),
            new("Items with all their answers (overlap " + N(settings.Overlap) + ")", N(dashboard.Counts.CompletedItems)),
            new("Features (setting / latest model)", settings.Features + " / " + (dashboard.ModelFeatures ?? "no model yet")),
            new("Created", project.CreatedAt.ToString("u", CultureInfo.InvariantCulture)),
        };

        var acquisition = Acquisition(settings, versions, tasks);
        var shares = Shares(oracles);
        var instructions = await InstructionsAsync(store, projectId, answers, modelAnswers, ct).ConfigureAwait(false);

        var curve = dashboard.LearningCurve.Select(p => new CurveRow("model (all labels)", p.Labels, p.Accuracy, p.MacroF1, null)).ToList();
        var labelsSvg = versions.Count == 0 ? null : Training.Dashboard.RenderCurve(project.Name, versions, (720, 420));
        var moneySpent = oracles.Money > 0;
        var moneySvg = versions.Count == 0 || !moneySpent ? null : await OracleReport.MoneyCurveSvgAsync(project, store, models, ct, (720, 420)).ConfigureAwait(false);

        var lift = dashboard.Lift is { } l
            ? new List<LiftRow> { new(settings.Strategy, l.Labels, l.ActiveAccuracy, l.RandomAccuracy, l.Difference, l.Low, l.High,
                "live control: a model on the random-control labels vs one on as many strategy-chosen labels, on the held-out set; 95% paired bootstrap interval") }
            : [];

        var subgroups = Subgroups(settings, items, tasks, answers, gold, dashboard.LabelsPerClass);
        var stopping = new List<StopRow> { new("latest model", dashboard.Stop.Stop, dashboard.Stop.Rule, dashboard.Stop.Reason) };
        var chain = new ChainRow(verdict.Intact, verdict.Entries, verdict.Head, verdict.Problem?.Message, checkpoints.Count, verdict.CheckpointsMatched,
            [.. checkpoints.Select(c => c.KeyId).Distinct(StringComparer.Ordinal)], anchored);

        var gaps = new List<string>
        {
            "Held-out accuracy per subgroup is not recorded: each model version stores its overall held-out accuracy and macro-F1 only. The subgroup table's accuracy is people's and models' answers against gold labels, where the project has them.",
            "Whether the labeled items were later used for training, evaluation or deployment outside Sift is not recorded; the evidence shows only that they were exported (" + N(kinds.GetValueOrDefault("export")) + " export event(s)).",
            "Who the annotators are (background, training, pay beyond the project's person rate) is not recorded; the record names accounts, not people.",
            "The evidence names items by id and does not hold their text: what an annotator saw is only as trustworthy as the store's item table, which the chain does not cover.",
        };
        if (gold.Count == 0) gaps.Add("The project has no gold labels: the accuracy of answers cannot be measured, and the Dawid–Skene accuracies are estimates from agreement alone.");
        if (agreementView.Counts.PairableItems == 0) gaps.Add("No item has two or more answers: agreement between annotators cannot be measured.");
        if (lift.Count == 0) gaps.Add("The lift over random is not measured yet: " + dashboard.LiftStatus + ".");
        if (!anchored || checkpoints.Count == 0) gaps.Add("No signed checkpoint of this log is kept: a cut tail or a consistent rewrite of the whole chain cannot be ruled out.");
        if (privacy.Count == 0) gaps.Add("No redaction recorded: items reached annotators and models as imported.");
        if (!moneySpent) gaps.Add("No money was recorded for any answer, so there is no learning curve by money.");

        return new Datasheet
        {
            Title = project.Name,
            Source = "project",
            GeneratedAt = now,
            Pool = pool,
            Imports = imports,
            Acquisition = acquisition,
            OracleShares = shares,
            Instructions = instructions,
            LabelsCurveSvg = labelsSvg,
            MoneyCurveSvg = moneySvg,
            Curve = curve,
            Lift = lift,
            LiftNote = dashboard.LiftStatus,
            SubgroupRule = BlindSpotRule,
            Subgroups = subgroups,
            Stopping = stopping,
            Privacy = privacy,
            Verification = chain,
            Gaps = gaps,
            EventKinds = kinds,
            Dashboard = dashboard,
            Agreement = agreementView,
            Oracles = oracles,
        };
    }

    /// <summary>One row per model version (and the cold start): the strategy, the retrain interval, the model and the picks it ranked.</summary>
    private static List<AcquisitionRow> Acquisition(ProjectSettings settings, List<ModelVersion> versions, List<TaskRecord> tasks)
    {
        var byVersion = tasks.Where(t => !t.HeldOut).GroupBy(t => t.ModelVersion).ToDictionary(g => g.Key, g => g.ToList());
        var rows = new List<AcquisitionRow>();
        if (byVersion.TryGetValue(0, out var cold))
            rows.Add(new AcquisitionRow("cold start (no model)", cold.Min(t => t.LeasedAt).ToString("u", CultureInfo.InvariantCulture),
                string.Join(", ", cold.Select(t => t.Strategy).Distinct(StringComparer.Ordinal)), "—", "none",
                cold.Count(t => !t.Exploration), cold.Count(t => t.Exploration)));
        var previousLabels = 0;
        foreach (var version in versions)
        {
            var metrics = ModelMetrics.Parse(version.MetricsJson);
            var picked = byVersion.GetValueOrDefault(version.Version) ?? [];
            var strategies = picked.Select(t => t.Strategy).Distinct(StringComparer.Ordinal).ToList();
            var strategy = strategies.Count > 0 ? string.Join(", ", strategies) : metrics.Strategy;
            if (metrics.ExplorationShare > 0) strategy += string.Create(CultureInfo.InvariantCulture, $" ({metrics.ExplorationShare:P0} random control)");
            rows.Add(new AcquisitionRow(
                "model v" + N(version.Version), version.TrainedAt.ToString("u", CultureInfo.InvariantCulture), strategy,
                string.Create(CultureInfo.InvariantCulture, $"+{version.Labels - previousLabels:N0} labels (retrain every {settings.RetrainEvery:N0})"),
                $"{metrics.Learner} on {metrics.Features ?? "tfidf"}, {N(version.Labels)} labels",
                picked.Count(t => !t.Exploration), picked.Count(t => t.Exploration)));
            previousLabels = version.Labels;
        }
        return rows;
    }

    private static List<OracleShareRow> Shares(OraclesView oracles)
    {
        var total = oracles.People.Labels + oracles.Models.Sum(m => m.Answers);
        double Share(int n) => total == 0 ? 0 : (double)n / total;
        var rows = new List<OracleShareRow> { new("people", "annotators", oracles.People.Labels, Share(oracles.People.Labels), oracles.People.Money, 0) };
        rows.AddRange(oracles.Models.Select(m => new OracleShareRow("model", $"{m.Name} ({m.Model})", m.Answers, Share(m.Answers), m.Money, m.InputTokens + m.OutputTokens)));
        return rows;
    }

    private static async Task<List<InstructionRow>> InstructionsAsync(ISiftStore store, long projectId, List<Annotation> answers, IReadOnlyList<ModelAnswer> modelAnswers, CancellationToken ct)
    {
        var rows = new List<InstructionRow>();
        foreach (var group in answers.GroupBy(a => a.InstructionsVersion).OrderBy(g => g.Key))
        {
            var instructions = await store.GetInstructionsAsync(projectId, group.Key, ct).ConfigureAwait(false);
            rows.Add(new InstructionRow("instructions", "v" + N(group.Key), group.Count(), instructions?.CreatedAt));
        }
        var latest = await store.GetInstructionsAsync(projectId, null, ct).ConfigureAwait(false);
        if (latest is not null && rows.All(r => r.Version != "v" + N(latest.Version)))
            rows.Add(new InstructionRow("instructions", "v" + N(latest.Version) + " (current, no answers yet)", 0, latest.CreatedAt));
        foreach (var group in modelAnswers.GroupBy(a => a.Provenance.PromptTemplate ?? "(none recorded)", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            rows.Add(new InstructionRow("prompt template", group.Key, group.Count(), group.Min(a => a.CreatedAt)));
        return rows;
    }

    /// <summary>Label class, group and metadata subgroups (rule: <see cref="BlindSpotRule"/>).</summary>
    private static List<SubgroupRow> Subgroups(
        ProjectSettings settings, List<Item> items, List<TaskRecord> tasks, List<Annotation> answers, IReadOnlyDictionary<long, string> gold,
        IReadOnlyDictionary<string, int> labelsPerClass)
    {
        var pool = items.Where(i => !i.HeldOut).ToList();
        var picks = tasks.Where(t => !t.HeldOut).ToList();
        var strategyPicks = picks.Where(t => !t.Exploration).ToList();
        var taskById = tasks.ToDictionary(t => t.Id);
        var rows = new List<SubgroupRow>();

        // Label classes: pool share from gold labels when there are any; picks counted by the label answered.
        var goldPool = pool.Where(i => gold.ContainsKey(i.Id)).ToList();
        var strategyAnswers = answers.Where(a => taskById.TryGetValue(a.TaskId, out var t) && !t.HeldOut && !t.Exploration).ToList();
        var controlAnswers = answers.Where(a => taskById.TryGetValue(a.TaskId, out var t) && !t.HeldOut && t.Exploration).ToList();
        foreach (var label in settings.Labels)
        {
            var inPool = goldPool.Count(i => GoldLabels(gold[i.Id]).Contains(label));
            double? poolShare = goldPool.Count == 0 ? null : (double)inPool / goldPool.Count;
            var byStrategy = strategyAnswers.Count(a => a.Labels.Contains(label, StringComparer.Ordinal));
            double? strategyShare = strategyAnswers.Count == 0 ? null : (double)byStrategy / strategyAnswers.Count;
            var checkedAnswers = answers.Where(a => gold.TryGetValue(a.ItemId, out var g) && GoldLabels(g).Contains(label)).ToList();
            rows.Add(new SubgroupRow("label", label, inPool, poolShare, byStrategy, strategyShare,
                controlAnswers.Count(a => a.Labels.Contains(label, StringComparer.Ordinal)), labelsPerClass.GetValueOrDefault(label),
                checkedAnswers.Count, checkedAnswers.Count(a => SameLabels(a.Labels, gold[a.ItemId])),
                IsBlindSpot(inPool, poolShare, strategyShare, strategyAnswers.Count)));
        }

        // Item fields: the group, and each top-level metadata field with few distinct values.
        var fields = new Dictionary<string, Dictionary<long, string>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.Group is { Length: > 0 } group) Field(fields, "group", item.Id, group);
            if (item.MetaJson is not { Length: > 0 } meta) continue;
            try
            {
                using var document = JsonDocument.Parse(meta);
                if (document.RootElement.ValueKind != JsonValueKind.Object) continue;
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    var value = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                        _ => null,
                    };
                    if (value is not null) Field(fields, "meta." + property.Name, item.Id, value.Length > 80 ? value[..80] + "…" : value);
                }
            }
            catch (JsonException)
            {
                // Stored metadata is validated on import; a row that does not parse has no subgroups.
            }
        }
        var itemsById = pool.Select(i => i.Id).ToHashSet();
        foreach (var (field, values) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var poolValues = values.Where(v => itemsById.Contains(v.Key)).ToList();
            var distinct = poolValues.Select(v => v.Value).Distinct(StringComparer.Ordinal).ToList();
            if (distinct.Count > MaxSubgroupValues || distinct.Count == 0) continue;
            foreach (var value in distinct.Order(StringComparer.Ordinal))
            {
                var members = poolValues.Where(v => v.Value == value).Select(v => v.Key).ToHashSet();
                var poolShare = pool.Count == 0 ? (double?)null : (double)members.Count / pool.Count;
                var byStrategy = strategyPicks.Count(t => members.Contains(t.ItemId));
                double? strategyShare = strategyPicks.Count == 0 ? null : (double)byStrategy / strategyPicks.Count;
                var groupAnswers = answers.Where(a => members.Contains(a.ItemId)).ToList();
                var checkedAnswers = groupAnswers.Where(a => gold.ContainsKey(a.ItemId)).ToList();
                rows.Add(new SubgroupRow(field, value, members.Count, poolShare, byStrategy, strategyShare,
                    picks.Count(t => t.Exploration && members.Contains(t.ItemId)), groupAnswers.Count,
                    checkedAnswers.Count, checkedAnswers.Count(a => SameLabels(a.Labels, gold[a.ItemId])),
                    IsBlindSpot(members.Count, poolShare, strategyShare, strategyPicks.Count)));
            }
        }
        return rows;
    }

    private static void Field(Dictionary<string, Dictionary<long, string>> fields, string name, long itemId, string value)
    {
        if (!fields.TryGetValue(name, out var values)) fields[name] = values = [];
        values[itemId] = value;
    }

    /// <summary>Gold is stored as one label, or several joined with ';' (multi-label).</summary>
    private static string[] GoldLabels(string gold) => gold.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool SameLabels(IReadOnlyList<string> labels, string gold) =>
        labels.Order(StringComparer.Ordinal).SequenceEqual(GoldLabels(gold).Order(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Redaction and retention events (the privacy treatment).</summary>
    internal static bool IsPrivacy(string kind) => kind is "redaction" or "retention";

    internal static ImportRow Import(DateTimeOffset? at, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new ImportRow(at, Str(root, "source") ?? "", Int(root, "imported"), Int(root, "duplicates"), Int(root, "held_out"), Str(root, "sha256"));
    }

    /// <summary>An event's fields other than kind and time, as "name: value" pairs (an array as its length; values cut to 200 characters).</summary>
    internal static string Summarize(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) return "";
        var parts = new List<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name is "kind" or "at" or "chain") continue;
            var text = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString() ?? "",
                JsonValueKind.Array => property.Value.GetArrayLength().ToString("N0", CultureInfo.InvariantCulture) + " entries",
                _ => property.Value.GetRawText(),
            };
            parts.Add(property.Name + ": " + (text.Length > 200 ? text[..200] + "…" : text));
        }
        return string.Join("; ", parts);
    }

    internal static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static int Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : 0;

    internal static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
