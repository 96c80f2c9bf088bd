using Sift.Evidence;
using Sift.Oracles;
using Sift.Projects;

namespace Sift.Storage;

/// <summary>
/// A project's model annotators (language models that label items beside people) and everything they answered: the
/// routing decision per answer, its cost, and the suggestions shown to people (pre-annotation). Implemented by every
/// store backend next to <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable
/// transaction. A model annotator answers through its own user (role <see cref="Role.Model"/>, no token, never signs
/// in), so an accepted answer is an annotation like anyone's, handed out and submitted through the same queue.
/// No API key is ever stored: only the name of the environment variable holding it (<see cref="ModelAnnotatorConfig.KeyEnv"/>).
/// </summary>
public interface IModelAnnotatorStore
{
    /// <summary>
    /// Adds a model annotator to the project, enabled, with its user (role <see cref="Role.Model"/>, disabled, holding
    /// no token; named <c>"{name} (project {projectId})"</c>), and appends a <see cref="ModelAnnotatorEvent"/>
    /// (<c>added</c>) to the project's evidence, all in one transaction.
    /// </summary>
    /// <exception cref="NotFoundException">The project does not exist.</exception>
    /// <exception cref="ConflictException">The project already has a model annotator of that name.</exception>
    Task<ModelAnnotator> AddModelAnnotatorAsync(long projectId, string name, ModelAnnotatorConfig config, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The project's model annotators by id, or every project's when <paramref name="projectId"/> is null.</summary>
    Task<IReadOnlyList<ModelAnnotator>> ListModelAnnotatorsAsync(long? projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Enables or disables a model annotator and appends a <see cref="ModelAnnotatorEvent"/> (<c>enabled</c> or
    /// <c>disabled</c>) when that changes something. Disabling also gives back its live leases in the same transaction
    /// (their items go back to the queue at once); its answers stay. Null when the project has no such annotator.
    /// </summary>
    Task<ModelAnnotator?> SetModelAnnotatorEnabledAsync(long projectId, long annotatorId, bool enabled, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Records the annotator's last failure (one sentence, no key) and when, or clears it with null.</summary>
    Task SetModelAnnotatorErrorAsync(long annotatorId, string? error, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes or renews the lease on running the annotator for <paramref name="owner"/> until <paramref name="now"/> +
    /// <paramref name="lease"/>: true when the caller holds it afterwards (free, expired or already the caller's). At
    /// most one process runs a model annotator at a time, so its concurrency limit holds across processes.
    /// </summary>
    Task<bool> TryAcquireModelWorkerAsync(long annotatorId, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease back if <paramref name="owner"/> holds it.</summary>
    Task ReleaseModelWorkerAsync(long annotatorId, string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records what a model annotator answered on one of its tasks and what the router decided, in one transaction:
    /// the answer; then, when <see cref="ModelAnswerOutcome.Accepted"/>, the labels are submitted as the model user's
    /// annotation (with <see cref="NewModelAnswer.Provenance"/>, as <see cref="IAnnotationStore.SubmitAsync"/> does,
    /// appending its <see cref="AnswerEvent"/>); otherwise the task is skipped (its slot freed, so the item goes back to
    /// people, never to this model again) and an <see cref="AnswerEvent"/> with status deferred (sent to people) or
    /// declined is appended; and finally a <see cref="Sift.Routing.RoutingEvent"/> with the decision, its inputs and cost.
    /// </summary>
    /// <exception cref="NotFoundException">No such annotator in the project, or the task is not its user's.</exception>
    /// <exception cref="ConflictException">The task is no longer leased (answered, skipped, or expired with no free slot left).</exception>
    /// <exception cref="ArgumentException">An accepted answer without labels, or labels on a declined one.</exception>
    Task<ModelAnswer> RecordModelAnswerAsync(NewModelAnswer answer, CancellationToken cancellationToken = default);

    /// <summary>
    /// The project's model answers by id: of one annotator when <paramref name="annotatorId"/> is set, on the given
    /// items when <paramref name="itemIds"/> is set.
    /// </summary>
    Task<IReadOnlyList<ModelAnswer>> GetModelAnswersAsync(long projectId, long? annotatorId = null, IReadOnlyCollection<long>? itemIds = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The live (not undone) answers of people — users whose role is not <see cref="Role.Model"/> — on the items the
    /// model annotator answered, by id: what its calibration and audits are measured against.
    /// </summary>
    Task<IReadOnlyList<Annotation>> GetPeopleAnswersOnModelItemsAsync(long projectId, long annotatorId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the task was handed out showing <paramref name="modelAnswerId"/>'s labels as a suggestion. The first
    /// record of a task wins (a task shown again shows the same); false when it was already recorded.
    /// </summary>
    /// <exception cref="NotFoundException">The task or the model answer is not the project's.</exception>
    Task<bool> RecordSuggestionShownAsync(long projectId, long taskId, long modelAnswerId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The model answer whose labels were shown with the task, or null when none was.</summary>
    Task<ModelAnswer?> GetSuggestionShownAsync(long projectId, long taskId, CancellationToken cancellationToken = default);

    /// <summary>
    /// What the project's oracles did and cost, aggregated in the database: people's answers and money (from their
    /// answers' provenance) and each model annotator's answers by outcome, money, tokens and time.
    /// </summary>
    Task<OracleSpending> GetOracleSpendingAsync(long projectId, CancellationToken cancellationToken = default);
}

/// <summary>
/// How to reach a model and how hard to press it. No key: <see cref="KeyEnv"/> names the environment variable the
/// server reads the key from when it starts the model.
/// </summary>
public sealed record ModelAnnotatorConfig
{
    /// <summary>The model: <c>gguf:PATH</c> (run in-process) or <c>openai:MODEL@URL</c> (an OpenAI-compatible endpoint), without options.</summary>
    public required string Model { get; init; }

    /// <summary>The environment variable holding an endpoint's API key; null for none (and for GGUF files).</summary>
    public string? KeyEnv { get; init; }

    /// <summary>Items asked at the same time (default 1).</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Time allowed for one attempt at one item (default 60 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of an endpoint request after a time-out or a server error (default 2).</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Price of 1,000 prompt tokens in the project's currency (default 0).</summary>
    public double InputPricePer1K { get; init; }

    /// <summary>Price of 1,000 completion tokens in the project's currency (default 0).</summary>
    public double OutputPricePer1K { get; init; }
}

/// <summary>A model annotator of a project.</summary>
/// <param name="Id">Store-assigned id.</param>
/// <param name="ProjectId">The project.</param>
/// <param name="UserId">Its user (role <see cref="Role.Model"/>): the annotator of its tasks and answers.</param>
/// <param name="Name">Its name, unique in the project (recorded in its answers' provenance).</param>
/// <param name="Config">How to reach the model.</param>
/// <param name="Enabled">Whether it is asked; a disabled annotator keeps its answers.</param>
/// <param name="CreatedAt">When it was added.</param>
public sealed record ModelAnnotator(long Id, long ProjectId, long UserId, string Name, ModelAnnotatorConfig Config, bool Enabled, DateTimeOffset CreatedAt)
{
    /// <summary>Its last failure (the model unreachable, the key refused), one sentence; null when it last worked.</summary>
    public string? LastError { get; init; }

    /// <summary>When <see cref="LastError"/> happened.</summary>
    public DateTimeOffset? LastErrorAt { get; init; }
}

/// <summary>What became of a model's answer to one task.</summary>
public enum ModelAnswerOutcome
{
    /// <summary>The router accepted the label: it is the model user's annotation.</summary>
    Accepted,

    /// <summary>The router sent the item to people (warm-up, audit, confidence below the threshold).</summary>
    ToPeople,

    /// <summary>The model gave no valid answer (invalid output after a retry, a failure, a time-out): the item went to people.</summary>
    Declined,
}

/// <summary>A model's answer to record (<see cref="IModelAnnotatorStore.RecordModelAnswerAsync"/>).</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="AnnotatorId">The model annotator.</param>
/// <param name="TaskId">Its task (leased to its user).</param>
/// <param name="Outcome">What happens to the task.</param>
/// <param name="Labels">The model's labels (empty when declined); submitted when accepted, shown as a suggestion otherwise.</param>
/// <param name="Provenance">The model's provenance: model, template, confidence and its method, tokens, latency, cost.</param>
/// <param name="Decision">The router's decision in a word (<c>accept-model</c>, <c>warm-up</c>, <c>audit</c>, <c>below-threshold</c>, <c>declined</c>).</param>
/// <param name="Now">When (from the injected clock).</param>
public sealed record NewModelAnswer(long ProjectId, long AnnotatorId, long TaskId, ModelAnswerOutcome Outcome, IReadOnlyList<string> Labels,
    Provenance Provenance, string Decision, DateTimeOffset Now)
{
    /// <summary>The confidence the model stated, when it gave one.</summary>
    public double? StatedConfidence { get; init; }

    /// <summary>The calibrator's fitted probability that the label is right, at the decision (audits are scored against it).</summary>
    public double? Calibrated { get; init; }

    /// <summary>Why the model declined or the router sent the item to people, in words.</summary>
    public string? Reason { get; init; }

    /// <summary>What the router read to decide (threshold, acting value, audit draw, …), for the routing evidence event.</summary>
    public IReadOnlyDictionary<string, object?> Inputs { get; init; } = new Dictionary<string, object?>();
}

/// <summary>A stored model answer.</summary>
/// <param name="Id">Store-assigned id.</param>
/// <param name="ProjectId">The project.</param>
/// <param name="AnnotatorId">The model annotator.</param>
/// <param name="ItemId">The item.</param>
/// <param name="TaskId">The task it answered.</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="Labels">The model's labels (empty when declined).</param>
/// <param name="Decision">The router's decision.</param>
/// <param name="Provenance">The model's provenance.</param>
/// <param name="CreatedAt">When it was recorded.</param>
public sealed record ModelAnswer(long Id, long ProjectId, long AnnotatorId, long ItemId, long TaskId, ModelAnswerOutcome Outcome,
    IReadOnlyList<string> Labels, string Decision, Provenance Provenance, DateTimeOffset CreatedAt)
{
    /// <summary>The stated confidence, when the model gave one.</summary>
    public double? StatedConfidence { get; init; }

    /// <summary>The calibrated confidence at the decision.</summary>
    public double? Calibrated { get; init; }

    /// <summary>Why it was declined or sent to people.</summary>
    public string? Reason { get; init; }

    /// <summary>The annotation it became, when accepted.</summary>
    public long? AnnotationId { get; init; }
}

/// <summary>What a project's oracles did and cost (<see cref="IModelAnnotatorStore.GetOracleSpendingAsync"/>).</summary>
/// <param name="PeopleLabels">People's live answers.</param>
/// <param name="PeopleMoney">Money of every answer people gave (withdrawn ones too: the time was spent).</param>
/// <param name="PeopleSeconds">Time on task of every answer people gave.</param>
/// <param name="Models">Each model annotator of the project, by id.</param>
public sealed record OracleSpending(int PeopleLabels, double PeopleMoney, double PeopleSeconds, IReadOnlyList<ModelSpending> Models);

/// <summary>One model annotator's answers and what they cost.</summary>
/// <param name="AnnotatorId">The model annotator.</param>
/// <param name="Answers">Answers recorded (every outcome).</param>
/// <param name="Accepted">Accepted (its labels).</param>
/// <param name="ToPeople">Sent to people.</param>
/// <param name="Declined">Declined (no valid answer).</param>
/// <param name="Money">Money of every answer (tokens × prices).</param>
/// <param name="InputTokens">Prompt tokens.</param>
/// <param name="OutputTokens">Completion tokens.</param>
/// <param name="Seconds">Latency summed.</param>
public sealed record ModelSpending(long AnnotatorId, int Answers, int Accepted, int ToPeople, int Declined, double Money, long InputTokens, long OutputTokens, double Seconds);

/// <summary>A model annotator was added, enabled or disabled (server).</summary>
/// <param name="Change"><c>added</c>, <c>enabled</c> or <c>disabled</c>.</param>
/// <param name="Name">The annotator's name.</param>
/// <param name="Config">Its model, key variable's name (never the key), concurrency, time-out, retries and prices.</param>
public sealed record ModelAnnotatorEvent(string Change, string Name, ModelAnnotatorConfig Config) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "model_annotator";
}
