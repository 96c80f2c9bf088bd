using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Items;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Models;
using Sift.Storage;

namespace Sift.Server.Api;

/// <summary>
/// A project's model annotators (admins: list, add, enable or disable) and what every oracle of the project — people and
/// each model — did and cost (admins, reviewers, auditors). No response ever carries an API key: only the name of the
/// environment variable that holds it, and whether it is set in this server's environment.
/// </summary>
internal static class ModelAnnotatorsApi
{
    public static IEndpointRouteBuilder MapModelAnnotatorsApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("model annotators");
        project.MapGet("/model-annotators", List).RequireAuthorization(SiftPolicies.Admin);
        project.MapPost("/model-annotators", Add).RequireAuthorization(SiftPolicies.Admin);
        project.MapPut("/model-annotators/{annotatorId:long}/enabled", SetEnabled).RequireAuthorization(SiftPolicies.Admin);
        project.MapGet("/oracles", Oracles).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        return routes;
    }

    /// <summary>GET …/model-annotators: the project's model annotators, by id.</summary>
    internal static async Task<Ok<ModelAnnotatorView[]>> List(long projectId, ISiftStore store, IModelAnnotatorStore models, CancellationToken ct)
    {
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        return TypedResults.Ok((await models.ListModelAnnotatorsAsync(projectId, ct)).Select(ModelAnnotatorView.From).ToArray());
    }

    /// <summary>
    /// POST …/model-annotators: adds a model annotator, enabled (201). The model is <c>gguf:PATH</c> (a file on the
    /// server) or <c>openai:MODEL@URL</c>; an endpoint's key is read from the environment variable <c>key_env</c> names,
    /// which must be set in the server's environment. The background worker starts sending it items at once.
    /// </summary>
    internal static async Task<Created<ModelAnnotatorView>> Add(long projectId, AddModelAnnotatorRequest request, ISiftStore store, IModelAnnotatorStore models,
        ModelWorker worker, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        if (project.Settings.Mode != LabelMode.Single)
            throw new RequestValidationException("model", "model: model annotators label single-label projects only; this project is multi-label.");
        if (project.Settings.Content != ContentKind.Text)
            throw new RequestValidationException("model", "model: model annotators label text items only.");
        var (config, defaultName) = ModelSpecs.Check(request.Model, request.KeyEnv, request.Concurrency, request.TimeoutSeconds, request.Retries, request.PriceIn, request.PriceOut);
        var name = UsersApi.ValidateName(request.Name ?? defaultName);
        var annotator = await models.AddModelAnnotatorAsync(projectId, name, config, time.GetUtcNow(), ct);
        worker.Wake();
        return TypedResults.Created($"/api/projects/{projectId}/model-annotators/{annotator.Id}", ModelAnnotatorView.From(annotator));
    }

    /// <summary>
    /// PUT …/model-annotators/{annotatorId}/enabled: enables or disables it. Disabling gives its items in hand back to
    /// people at once; its answers stay.
    /// </summary>
    internal static async Task<Ok<ModelAnnotatorView>> SetEnabled(long projectId, long annotatorId, EnabledRequest request, ISiftStore store, IModelAnnotatorStore models,
        ModelWorker worker, TimeProvider time, CancellationToken ct)
    {
        var enabled = request.Enabled ?? throw new RequestValidationException("enabled", "'enabled' is required: true or false.");
        await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var annotator = await models.SetModelAnnotatorEnabledAsync(projectId, annotatorId, enabled, time.GetUtcNow(), ct)
            ?? throw new NotFoundException($"Model annotator {annotatorId} does not exist in project {projectId}.");
        worker.Wake();
        return TypedResults.Ok(ModelAnnotatorView.From(annotator));
    }

    /// <summary>
    /// GET …/oracles: people's and each model's answers, money, tokens, calibration against people and audits, and
    /// how often people agreed with a model's label with and without its suggestion shown (anchoring).
    /// </summary>
    internal static async Task<Ok<OraclesView>> Oracles(long projectId, ClaimsPrincipal principal, ISiftStore store, IModelAnnotatorStore models, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var view = await OracleReport.BuildAsync(project, store, models, ct);
        // The last error is operations detail (like the trainer's owner): for admins only.
        return TypedResults.Ok(principal.IsAdmin() ? view : view with { Models = [.. view.Models.Select(m => m with { LastError = null })] });
    }
}

/// <summary>POST …/model-annotators. <c>model</c> is required; every other field has a default (see the API docs).</summary>
/// <param name="Model"><c>gguf:PATH</c> or <c>openai:MODEL@URL</c>, without options.</param>
/// <param name="Name">Its name in the project (default: the model's id, <c>openai:MODEL</c> or <c>gguf:FILE</c>).</param>
/// <param name="KeyEnv">The environment variable holding an endpoint's API key (never the key); endpoints only.</param>
/// <param name="Concurrency">Items asked at the same time: 1–64 (default 4 for endpoints, 1 for GGUF files, which take no other).</param>
/// <param name="TimeoutSeconds">Time allowed for one attempt at one item: 0.1–3600 (default 60 for endpoints, 120 for GGUF files).</param>
/// <param name="Retries">Retries after a time-out or a server error: 0–10 (default 2; endpoints only).</param>
/// <param name="PriceIn">Price of 1,000 prompt tokens in the project's currency: 0–1000 (default 0).</param>
/// <param name="PriceOut">Price of 1,000 completion tokens: 0–1000 (default 0).</param>
internal sealed record AddModelAnnotatorRequest(
    string? Model = null, string? Name = null, string? KeyEnv = null, int? Concurrency = null, double? TimeoutSeconds = null, int? Retries = null,
    double? PriceIn = null, double? PriceOut = null);

/// <summary>PUT …/model-annotators/{annotatorId}/enabled.</summary>
internal sealed record EnabledRequest(bool? Enabled = null);

/// <summary>
/// A model annotator as the API shows it: its model, the name of its key's environment variable and whether that is set
/// here (never the key), its limits and prices, and its last failure.
/// </summary>
internal sealed record ModelAnnotatorView(
    long Id, long ProjectId, string Name, string Model, string? KeyEnv, bool KeyPresent, int Concurrency, double TimeoutSeconds, int Retries,
    double PriceIn, double PriceOut, bool Enabled, DateTimeOffset CreatedAt, long UserId, string? LastError, DateTimeOffset? LastErrorAt)
{
    public static ModelAnnotatorView From(ModelAnnotator a) => new(
        a.Id, a.ProjectId, a.Name, a.Config.Model, a.Config.KeyEnv, ModelSpecs.KeyPresent(a.Config), a.Config.Concurrency, a.Config.Timeout.TotalSeconds,
        a.Config.Retries, a.Config.InputPricePer1K, a.Config.OutputPricePer1K, a.Enabled, a.CreatedAt, a.UserId, a.LastError, a.LastErrorAt);
}

/// <summary>GET …/oracles: what each oracle of the project did and cost.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="TargetAccuracy">The routing target the models' accepted labels are held to.</param>
/// <param name="Money">All money spent: people and every model call.</param>
/// <param name="People">People's answers and cost.</param>
/// <param name="Models">Each model annotator.</param>
/// <param name="Anchoring">People's agreement with a model's label with and without its suggestion shown.</param>
internal sealed record OraclesView(long ProjectId, double TargetAccuracy, double Money, PeopleOracleView People, IReadOnlyList<ModelOracleView> Models, AnchoringView Anchoring);

/// <summary>People: live answers, money and time on task of every answer they gave, the rates money is counted at.</summary>
internal sealed record PeopleOracleView(int Labels, double Money, double Seconds, double PerLabel, double PerHour);

/// <summary>
/// One model annotator: answers by outcome (accepted as labels, sent to people, declined), money, tokens and latency,
/// its calibration against people and its audits.
/// </summary>
internal sealed record ModelOracleView(
    long Id, string Name, string Model, bool Enabled, int Answers, int Accepted, int ToPeople, int Declined, double Money, long InputTokens, long OutputTokens,
    double Seconds, CalibrationView Calibration, string? LastError);

/// <summary>
/// A model's calibration and routing: the calibrator fitted on its answers people resolved, their expected calibration
/// error (stated confidence), its audits (share confirmed, each audit weighted by 1/its inclusion probability, 95%
/// interval), and the acceptance threshold now (null: nothing is accepted yet); the router's estimated label accuracy
/// over the items it labeled (from the weighted audits, with its interval) to set beside the target.
/// </summary>
internal sealed record CalibrationView(
    string Calibrator, int Outcomes, double? Ece, int Audits, int AuditsConfirmed, double? AuditAccuracy, double? AuditLow, double? AuditHigh,
    double AuditScale, double? Threshold)
{
    /// <summary>The decision rule: <c>solve</c> or <c>stop</c>.</summary>
    public string Mode { get; init; } = "solve";

    /// <summary>How audits are drawn: <c>risk</c> or <c>uniform</c>.</summary>
    public string AuditDraw { get; init; } = "risk";

    /// <summary>People's pooled accuracy the router assumes.</summary>
    public double PersonAccuracy { get; init; }

    /// <summary>What identifies it: <c>gold+pairs</c>, <c>gold</c>, <c>pairs</c> or <c>prior</c>.</summary>
    public string PersonAccuracyFrom { get; init; } = "prior";

    /// <summary>The plan's goal for the items to come (solve mode).</summary>
    public double? PlanGoal { get; init; }

    /// <summary>The router's estimated label accuracy over the items it labeled; null before any.</summary>
    public double? EstimatedAccuracy { get; init; }

    /// <summary>Lower end of its 95% interval.</summary>
    public double? EstimateLow { get; init; }

    /// <summary>Upper end of its 95% interval.</summary>
    public double? EstimateHigh { get; init; }

    /// <summary>Items the estimate is over.</summary>
    public int EstimateItems { get; init; }
}

/// <summary>
/// Anchoring: people's answers on items a model answered, split by whether the model's suggestion was shown
/// (pre-annotation), and how many agreed with the model's label.
/// </summary>
internal sealed record AnchoringView(bool PreAnnotation, AgreementCountView Shown, AgreementCountView NotShown);

/// <summary>Answers, how many agreed with the model, and the share (null without answers).</summary>
internal sealed record AgreementCountView(int Answers, int AgreeWithModel, double? Rate);
