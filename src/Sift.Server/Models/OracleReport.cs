using Sift.Oracles;
using Sift.Plots;
using Sift.Projects;
using Sift.Quality;
using Sift.Routing;
using Sift.Server.Api;
using Sift.Storage;

namespace Sift.Server.Models;

/// <summary>What a project's oracles did and cost, read from the store (reads only).</summary>
internal static class OracleReport
{
    /// <summary>The per-oracle counts and money, each model's calibration and audits, and the anchoring measure.</summary>
    public static async Task<OraclesView> BuildAsync(Project project, ISiftStore store, IModelAnnotatorStore models, CancellationToken ct)
    {
        var settings = project.Settings;
        var spending = await models.GetOracleSpendingAsync(project.Id, ct).ConfigureAwait(false);
        var annotators = await models.ListModelAnnotatorsAsync(project.Id, ct).ConfigureAwait(false);
        var byId = spending.Models.ToDictionary(m => m.AnnotatorId);
        var views = new List<ModelOracleView>();
        var people = new Dictionary<long, Annotation>();
        var modelLabel = new Dictionary<long, string>();
        var gold = annotators.Count == 0 ? default : await ModelRouting.GoldAsync(store, project.Id, ct).ConfigureAwait(false);
        Dictionary<(long Annotator, string Item), double>? recorded = null;
        foreach (var annotator in annotators)
        {
            var answers = await models.GetModelAnswersAsync(project.Id, annotator.Id, cancellationToken: ct).ConfigureAwait(false);
            var theirs = await models.GetPeopleAnswersOnModelItemsAsync(project.Id, annotator.Id, ct).ConfigureAwait(false);
            foreach (var answer in theirs) people.TryAdd(answer.Id, answer);
            foreach (var answer in answers.Where(a => a.Labels.Count > 0)) modelLabel.TryAdd(answer.ItemId, Key(answer.Labels));
            var routing = ModelRouting.From(settings, ModelWorker.AuditSeed(settings, annotator.Id), answers, theirs, gold);
            var spent = byId.GetValueOrDefault(annotator.Id) ?? new ModelSpending(annotator.Id, 0, 0, 0, 0, 0, 0, 0, 0);
            var externalIds = new Dictionary<long, string>();
            if (routing.AuditOutcomes.Count > 0)
            {
                recorded ??= await AuditProbabilitiesAsync(store, project.Id, ct).ConfigureAwait(false);
                externalIds = new Dictionary<long, string>(await store.GetExternalIdsAsync(project.Id, [.. routing.AuditOutcomes.Select(a => a.Answer.ItemId)], ct).ConfigureAwait(false));
            }
            // An audit recorded before its probability was (or by the stop rule) was drawn uniformly at the audit share.
            var estimate = routing.Estimate(a => externalIds.TryGetValue(a.ItemId, out var item) && recorded!.TryGetValue((annotator.Id, item), out var p) ? p : settings.Routing.AuditShare);
            var audit = estimate.Audits;
            var accuracy = estimate.Accuracy;
            var threshold = routing.Threshold;
            var calibration = new CalibrationView(
                routing.Calibrator.Describe(), routing.Outcomes.Count, Finite(ConfidenceCalibration.ExpectedCalibrationError(routing.Outcomes)),
                routing.Audits, routing.AuditsRight, routing.Audits > 0 ? audit.Estimate : null, routing.Audits > 0 ? audit.Low : null,
                routing.Audits > 0 ? audit.High : null, routing.AuditScale, double.IsFinite(threshold) ? threshold : null)
            {
                Mode = routing.Solving ? RoutingSettings.Solve : RoutingSettings.Stop,
                AuditDraw = routing.RiskAudits ? RoutingSettings.RiskAudits : RoutingSettings.UniformAudits,
                PersonAccuracy = routing.PersonAccuracy,
                PersonAccuracyFrom = routing.PersonAccuracyFrom,
                PlanGoal = routing.Solving ? routing.Goal : null,
                EstimatedAccuracy = Finite(accuracy.Estimate),
                EstimateLow = double.IsNaN(accuracy.Estimate) ? null : accuracy.Low,
                EstimateHigh = double.IsNaN(accuracy.Estimate) ? null : accuracy.High,
                EstimateItems = estimate.Items,
            };
            views.Add(new ModelOracleView(annotator.Id, annotator.Name, annotator.Config.Model, annotator.Enabled, spent.Answers, spent.Accepted, spent.ToPeople,
                spent.Declined, spent.Money, spent.InputTokens, spent.OutputTokens, spent.Seconds, calibration, annotator.LastError));
        }

        // Anchoring: people's single answers on items a model labeled, with the suggestion shown or not.
        int shown = 0, shownAgree = 0, blind = 0, blindAgree = 0;
        foreach (var answer in people.Values)
        {
            if (answer.Provenance?.SuggestionShown is { } suggestion)
            {
                shown++;
                if (Key(answer.Labels) == suggestion) shownAgree++;
            }
            else if (modelLabel.TryGetValue(answer.ItemId, out var label))
            {
                blind++;
                if (Key(answer.Labels) == label) blindAgree++;
            }
        }

        var money = spending.PeopleMoney + spending.Models.Sum(m => m.Money);
        return new OraclesView(project.Id, settings.Routing.TargetAccuracy, money,
            new PeopleOracleView(spending.PeopleLabels, spending.PeopleMoney, spending.PeopleSeconds, settings.PersonRate.PerLabel, settings.PersonRate.PerHour),
            views, new AnchoringView(settings.PreAnnotation, Count(shown, shownAgree), Count(blind, blindAgree)));
    }

    /// <summary>
    /// The held-out accuracy of each model version against the money spent when it was trained: people's answers (their
    /// provenance's money, withdrawn ones too) and every model call, up to the version's training time.
    /// </summary>
    public static async Task<string> MoneyCurveSvgAsync(Project project, ISiftStore store, IModelAnnotatorStore models, CancellationToken ct, (int Width, int Height)? size = null)
    {
        var versions = (await store.GetModelVersionsAsync(project.Id, ct).ConfigureAwait(false)).OrderBy(m => m.Version).ToList();
        var spent = new List<(DateTimeOffset At, double Money)>();
        foreach (var answer in await store.GetAnnotationsAsync(project.Id, null, includeUndone: true, ct).ConfigureAwait(false))
            if (answer.Provenance is { Kind: OracleKind.Person } p) spent.Add((answer.CreatedAt, p.Cost.Money));
        foreach (var answer in await models.GetModelAnswersAsync(project.Id, cancellationToken: ct).ConfigureAwait(false))
            spent.Add((answer.CreatedAt, answer.Provenance.Cost.Money));
        spent.Sort((a, b) => a.At.CompareTo(b.At));
        var x = new List<double>();
        var y = new List<double>();
        var total = 0.0;
        var next = 0;
        foreach (var version in versions)
        {
            while (next < spent.Count && spent[next].At <= version.TrainedAt) total += spent[next++].Money;
            x.Add(total);
            y.Add(version.Accuracy ?? double.NaN);
        }
        var series = versions.Count == 0 ? [] : new List<CurveSeries> { new("model (all labels)", x, y, y, y) };
        return LearningCurveSvg.Render(series, null, options: new ChartOptions
        {
            Title = $"{project.Name}: held-out accuracy vs money",
            XLabel = "money spent (people and models)",
            YLabel = "held-out accuracy",
            Markers = true,
            Width = size?.Width ?? 820,
            Height = size?.Height ?? 520,
        });
    }

    /// <summary>
    /// The inclusion probability recorded with every audit decision of the project's model annotators
    /// (<c>audit_probability</c> in the inputs of its <c>routing</c> evidence event), by annotator and item id. Reads the
    /// project's evidence whole, page by page; only when some model label was audited.
    /// </summary>
    internal static async Task<Dictionary<(long Annotator, string Item), double>> AuditProbabilitiesAsync(ISiftStore store, long projectId, CancellationToken ct)
    {
        var found = new Dictionary<(long, string), double>();
        long after = 0;
        while (true)
        {
            var page = await store.ReadEvidenceAsync(projectId, after, Paging.MaxLimit, ct).ConfigureAwait(false);
            if (page.Count == 0) return found;
            after = page[^1].Seq;
            foreach (var entry in page)
            {
                if (entry.Kind != "routing" || !entry.Json.Contains("\"audit_probability\"", StringComparison.Ordinal)) continue;
                var node = System.Text.Json.Nodes.JsonNode.Parse(entry.Json);
                if (node?["decision"]?.GetValue<string>() != ModelRouting.Audit || node["inputs"] is not System.Text.Json.Nodes.JsonObject inputs) continue;
                if (inputs["model_annotator"] is not System.Text.Json.Nodes.JsonValue annotator || !annotator.TryGetValue<long>(out var id)) continue;
                if (inputs["audit_probability"] is not System.Text.Json.Nodes.JsonValue p || !p.TryGetValue<double>(out var probability)) continue;
                if (node["item_id"]?.GetValue<string>() is { } item) found[(id, item)] = probability;
            }
        }
    }

    private static AgreementCountView Count(int answers, int agree) => new(answers, agree, answers == 0 ? null : (double)agree / answers);

    private static string Key(IReadOnlyList<string> labels) => string.Join(LabelSets.Separator, labels);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
