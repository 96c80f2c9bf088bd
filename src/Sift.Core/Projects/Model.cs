using Sift.Items;
using Sift.Oracles;
using Sift.Routing;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Projects;

/// <summary>
/// What a user may do. Roles are global; which projects annotators and reviewers may reach is their project
/// membership (<see cref="ProjectMember"/>), while admins and auditors reach every project.
/// </summary>
public enum Role
{
    /// <summary>Everything: projects, settings, import/export, users, labeling.</summary>
    Admin,

    /// <summary>Labels the tasks handed to them; sees only their own tasks and answers.</summary>
    Annotator,

    /// <summary>Reads dashboards and every annotation (to review disagreements); cannot change settings or users.</summary>
    Reviewer,

    /// <summary>Read-only: dashboards, hand-out log, annotations, export.</summary>
    Auditor,

    /// <summary>
    /// A model annotator's user: made by the server when an admin adds a model annotator to a project, so its answers
    /// are annotations like anyone's. It never signs in (it holds no token) and no endpoint accepts its role.
    /// </summary>
    Model,
}

/// <summary>Single-label (exactly one class per item) or multi-label (any subset of the classes).</summary>
public enum LabelMode
{
    /// <summary>Exactly one class per annotation.</summary>
    Single,

    /// <summary>A set of zero or more classes per annotation.</summary>
    Multi,
}

/// <summary>A person (or, later, a model) that uses the server.</summary>
/// <param name="Id">Store-assigned id.</param>
/// <param name="Name">Unique display name.</param>
/// <param name="Role">What they may do.</param>
/// <param name="CreatedAt">When the user was created.</param>
/// <param name="Disabled">A disabled user's token no longer authenticates.</param>
public sealed record User(long Id, string Name, Role Role, DateTimeOffset CreatedAt, bool Disabled);

/// <summary>
/// Settings of one project. Defaults are what a new project gets. Validate with <see cref="Validate"/> at the edge.
/// </summary>
public sealed record ProjectSettings
{
    /// <summary>Single- or multi-label.</summary>
    public LabelMode Mode { get; init; } = LabelMode.Single;

    /// <summary>
    /// What the project's items are: <see cref="Items.ContentKind.Text"/> (default; also what a project stored before
    /// this setting existed reads as) or <see cref="Items.ContentKind.Pair"/> (pairwise comparisons). Fixed when the
    /// project is made.
    /// </summary>
    public Items.ContentKind Content { get; init; } = Items.ContentKind.Text;

    /// <summary>The label schema, in button order (keys 1–9 map to the first nine). At least two for single-label.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>
    /// Query strategy spec, as accepted by <see cref="StrategyCatalog.Get"/>: at most
    /// <see cref="StrategyCatalog.MaxSpecLength"/> characters and
    /// <see cref="StrategyCatalog.MaxDecorators"/> decorators. Default <c>margin-kmeans</c>.
    /// </summary>
    public string Strategy { get; init; } = "margin-kmeans";

    /// <summary>
    /// Stopping rule spec, as accepted by <see cref="StoppingRuleParser.Parse"/> (at most
    /// <see cref="StoppingRuleParser.MaxSpecLength"/> characters, <c>any</c>/<c>all</c> nested at most
    /// <see cref="StoppingRuleParser.MaxDepth"/> deep); drives the stop recommendation.
    /// </summary>
    public string StopRule { get; init; } = "any(plateau(delta=0.005,window=3),kappa(0.99,window=3))";

    /// <summary>Annotators per item (k). Never more than k live holders or answers per item. Default 1.</summary>
    public int Overlap { get; init; } = 1;

    /// <summary>How long a handed-out task stays reserved for its annotator. Default 10 minutes.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Retrain after this many new labels. Default 20.</summary>
    public int RetrainEvery { get; init; } = 20;

    /// <summary>Share of each ranking filled with uniformly random items (the live "random" control). Default 0.1.</summary>
    public double ExplorationShare { get; init; } = 0.1;

    /// <summary>Share of imported items put into the held-out evaluation set, at random. Default 0.1.</summary>
    public double HeldOutShare { get; init; } = 0.1;

    /// <summary>Seed of every random choice the project makes (held-out sampling, exploration, tie-breaks).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The <see cref="Features"/> a new project gets (and a project stored before the setting existed reads as): <c>tfidf+minilm</c>.</summary>
    public const string DefaultFeatures = "tfidf+minilm";

    /// <summary>The values <see cref="Features"/> may take.</summary>
    public static IReadOnlyList<string> KnownFeatures { get; } = ["tfidf", "minilm", "tfidf+minilm"];

    /// <summary>
    /// What the learner sees: <c>tfidf</c> (TF-IDF of the item text), <c>minilm</c> (the server's sentence encoder's
    /// vectors) or <c>tfidf+minilm</c> (both side by side; default <see cref="DefaultFeatures"/>). With an encoder in the
    /// mix the server embeds the items in the background and trains on TF-IDF until every item has its vector, then
    /// switches; the diversity strategies then use the encoder's vectors.
    /// </summary>
    public string Features { get; init; } = DefaultFeatures;

    /// <summary>
    /// Whether annotators are shown a model annotator's label for an item the router sent to people (pre-annotation).
    /// Default off: annotators see no model suggestion. When on, the suggestion shown is recorded with the answer
    /// (<see cref="Provenance.SuggestionShown"/>), so anchoring can be measured; audited and warm-up items are never
    /// pre-annotated, so the calibration stays blind.
    /// </summary>
    public bool PreAnnotation { get; init; }

    /// <summary>How items are routed between the project's model annotators and people (server). Defaults: see <see cref="RoutingSettings"/>.</summary>
    public RoutingSettings Routing { get; init; } = new();

    /// <summary>
    /// What a person's answer costs, in the project's currency: per label and per hour of time on task (measured by the
    /// annotate page). Recorded in each answer's provenance. Default 0 and 0 (not counted).
    /// </summary>
    public PersonRate PersonRate { get; init; } = new(0, 0);

    /// <summary>The values <see cref="Resolution"/> may take: <c>majority</c> and <c>dawid-skene</c>.</summary>
    public static IReadOnlyList<string> KnownResolutions { get; } = [LabelResolution.Majority, LabelResolution.DawidSkene];

    /// <summary>
    /// How an item's answers become its resolved (training and export) label: <c>majority</c> (default; also what a
    /// project stored before the setting existed reads as) or <c>dawid-skene</c> (Dawid–Skene EM over every answer of
    /// the project, gold items clamped, low-gold annotators down-weighted; single-label only — a multi-label project
    /// resolves by majority whatever this says). Either way gold items resolve to their gold label and a reviewer's
    /// decision overrides both. See <see cref="LabelResolution"/>.
    /// </summary>
    public string Resolution { get; init; } = LabelResolution.Majority;

    /// <summary>
    /// Whether each retrain looks for likely-mislabeled training items (confident learning on cross-validated
    /// probabilities; single-label text projects with at least 20 labels) and the hand-out weighs relabeling the most
    /// likely wrong one against a new label by expected value. Default false.
    /// </summary>
    public bool Relabel { get; init; }

    /// <summary>Whether the trainer weighs each resolved label by its confidence (default false: every label counts 1).</summary>
    public bool WeightByConfidence { get; init; }

    /// <summary>Gold (honeypot) items: hand-out rate and the accuracy threshold below which an annotator is flagged. Defaults: see <see cref="GoldSettings"/>.</summary>
    public GoldSettings Gold { get; init; } = new();

    /// <summary>
    /// Items whose resolved label's confidence is below this go to the review queue (as do items whose answers
    /// disagree), 0–1. Default 0.8.
    /// </summary>
    public double ReviewBelow { get; init; } = 0.8;

    /// <summary>
    /// Redaction before the queue and retention of originals. Default <see cref="Sift.Privacy.PrivacySettings.Off"/> (what a
    /// project stored before the setting existed reads as); the server gives a new project
    /// <see cref="Sift.Privacy.PrivacySettings.ForNewProjects"/> unless told otherwise.
    /// </summary>
    public Sift.Privacy.PrivacySettings Privacy { get; init; } = Sift.Privacy.PrivacySettings.Off;

    /// <summary>
    /// Checks ranges, the schema and that the strategy and stopping rule parse (within their length and nesting
    /// limits). Run it at the edge, and before anything uses settings read back from a store: a row written by an
    /// older version or edited by hand may hold anything.
    /// </summary>
    /// <exception cref="ConfigurationException">
    /// A setting is invalid; the message starts with the field's JSON name (<c>"strategy: …"</c>).
    /// </exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ConfigurationException("mode: must be 'single' or 'multi'.");
        if (!Enum.IsDefined(Content)) throw new ConfigurationException("content: must be 'text' or 'pair'.");
        if (Labels is null || Labels.Count < (Mode == LabelMode.Single ? 2 : 1))
            throw new ConfigurationException(Mode == LabelMode.Single ? "labels: a single-label project needs at least two labels." : "labels: a multi-label project needs at least one label.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in Labels)
        {
            if (string.IsNullOrWhiteSpace(label)) throw new ConfigurationException("labels: a label may not be empty.");
            var control = Sift.Data.TextRules.IndexOfForbiddenInName(label);
            if (control >= 0) throw new ConfigurationException($"labels: a label {Sift.Data.TextRules.Describe(label, control)}; labels may not hold control characters.");
            if (Mode == LabelMode.Multi && label.Contains(Sift.Quality.LabelSets.Separator, StringComparison.Ordinal))
                throw new ConfigurationException($"labels: '{label}' holds '{Sift.Quality.LabelSets.Separator}', which separates the labels of a multi-label answer in imports and exports.");
            if (label.Length > 100) throw new ConfigurationException($"labels: '{label[..20]}…' is longer than 100 characters.");
            if (!seen.Add(label)) throw new ConfigurationException($"labels: '{label}' appears twice.");
        }
        if (Overlap is < 1 or > 50) throw new ConfigurationException($"overlap: must be between 1 and 50, not {Overlap}.");
        if (LeaseDuration < TimeSpan.FromSeconds(5) || LeaseDuration > TimeSpan.FromDays(7)) throw new ConfigurationException("lease: must be between 5 seconds and 7 days.");
        if (RetrainEvery is < 1 or > 100_000) throw new ConfigurationException($"retrain_every: must be between 1 and 100000, not {RetrainEvery}.");
        if (!(ExplorationShare is >= 0 and <= 1)) throw new ConfigurationException($"exploration: must be between 0 and 1, not {ExplorationShare}.");
        if (!(HeldOutShare is >= 0 and < 1)) throw new ConfigurationException($"held_out: must be at least 0 and below 1, not {HeldOutShare}.");
        if (Features is null || !KnownFeatures.Contains(Features, StringComparer.Ordinal))
        {
            var shown = Features is null ? "nothing" : Features.Length > 40 ? $"'{Features[..40]}…'" : $"'{Features}'";
            throw new ConfigurationException($"features: must be 'tfidf', 'minilm' or 'tfidf+minilm', not {shown}.");
        }
        Spec("strategy", () => StrategyCatalog.Default.Get(Strategy ?? ""));
        Spec("stop_rule", () => StoppingRuleParser.Parse(StopRule ?? ""));
        (Routing ?? throw new ConfigurationException("routing: may not be null.")).Validate();
        if (PersonRate is null) throw new ConfigurationException("person_rate: may not be null.");
        if (!(PersonRate.PerLabel is >= 0 and <= 1e6) || double.IsNaN(PersonRate.PerLabel))
            throw new ConfigurationException($"person_rate.per_label: must be between 0 and 1000000, not {PersonRate.PerLabel}.");
        if (!(PersonRate.PerHour is >= 0 and <= 1e6) || double.IsNaN(PersonRate.PerHour))
            throw new ConfigurationException($"person_rate.per_hour: must be between 0 and 1000000, not {PersonRate.PerHour}.");
        if (Resolution is null || !KnownResolutions.Contains(Resolution, StringComparer.Ordinal))
            throw new ConfigurationException($"resolution: must be 'majority' or 'dawid-skene', not {(Resolution is null ? "nothing" : $"'{(Resolution.Length > 40 ? Resolution[..40] + "…" : Resolution)}'")}.");
        (Gold ?? throw new ConfigurationException("gold: may not be null.")).Validate();
        if (!(ReviewBelow is >= 0 and <= 1)) throw new ConfigurationException($"review_below: must be between 0 and 1, not {ReviewBelow}.");
        (Privacy ?? throw new ConfigurationException("privacy: may not be null.")).Validate();
        CheckContent();
    }

    /// <summary>A pair project answers A, B, tie or both_bad, one per comparison, and is ranked by strategies that can read pairs.</summary>
    private void CheckContent()
    {
        var needs = StrategyCatalog.Default.Get(Strategy).Needs;
        if (Content != Items.ContentKind.Pair)
        {
            if (needs.HasFlag(StrategyNeeds.Pairs)) throw new ConfigurationException($"strategy: '{Strategy}' chooses pairwise comparisons; this project's items are texts.");
            return;
        }
        if (Mode != LabelMode.Single) throw new ConfigurationException("mode: a pair project takes one answer per comparison ('single').");
        if (!Labels.SequenceEqual(Items.PairLabels.All, StringComparer.Ordinal))
            throw new ConfigurationException($"labels: a pair project's answers are {string.Join(", ", Items.PairLabels.All)}, in that order.");
        if (needs.HasFlag(StrategyNeeds.Embeddings) || needs.HasFlag(StrategyNeeds.Committee))
            throw new ConfigurationException($"strategy: '{Strategy}' needs item vectors or a committee, which pair projects do not compute; use pair-uncertainty, pair-dopt, pair-uncertainty-dopt, margin or random.");
    }

    private static void Spec(string field, Action parse)
    {
        try
        {
            parse();
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException($"{field}: {e.Message}");
        }
    }
}

/// <summary>
/// How a project's items are routed between its model annotators and people (server). In <see cref="Solve"/> mode (the
/// default) the engine's solve-mode rule: a model's label is accepted when its noise-corrected calibrated confidence
/// clears the threshold of the one plan (<see cref="RoutingPlan"/>) that reaches <see cref="TargetAccuracy"/> over all
/// items at least cost; in <see cref="Stop"/> mode the earlier rule, one threshold that keeps accepted labels at the
/// target on average (<see cref="RoutingRules.AcceptanceThreshold"/>). Either way the rest, a random share
/// (<see cref="AuditShare"/>, drawn by <see cref="Audits"/>) of the accepted ones and the first <see cref="WarmUp"/> items
/// go to people.
/// </summary>
public sealed record RoutingSettings
{
    /// <summary>The value of <see cref="Mode"/> for the engine's solve-mode rule (the default).</summary>
    public const string Solve = "solve";

    /// <summary>The value of <see cref="Mode"/> for the earlier rule (calibration against people's majority, one threshold by the ledger), kept for comparison.</summary>
    public const string Stop = "stop";

    /// <summary>The value of <see cref="Audits"/> for audits drawn with probability proportional to an accepted label's expected error (the default).</summary>
    public const string RiskAudits = "risk";

    /// <summary>The value of <see cref="Audits"/> for audits drawn uniformly.</summary>
    public const string UniformAudits = "uniform";

    /// <summary>
    /// The decision rule: <c>solve</c> (default; also what settings stored before the field existed read as) or
    /// <c>stop</c> (the earlier rule, for comparison).
    /// </summary>
    public string Mode { get; init; } = Solve;

    /// <summary>
    /// How audits are drawn in <c>solve</c> mode: <c>risk</c> (default: probability ∝ 1 − the calibrated value, the same
    /// share on average, the estimate weighted by 1/probability) or <c>uniform</c>. <c>stop</c> mode always draws uniformly.
    /// </summary>
    public string Audits { get; init; } = RiskAudits;

    /// <summary>The label accuracy accepted model labels must reach on average, above 0 and below 1. Default 0.95.</summary>
    public double TargetAccuracy { get; init; } = 0.95;

    /// <summary>Share of accepted-looking model labels that go to people anyway (a seeded draw per item), 0–1. Default 0.05.</summary>
    public double AuditShare { get; init; } = 0.05;

    /// <summary>A model's first this-many answers all go to people, before any label of it is accepted, 0–100,000. Default 100.</summary>
    public int WarmUp { get; init; } = 100;

    /// <summary>Throws a <see cref="ConfigurationException"/> whose message starts with the field (<c>routing.audit_share: …</c>).</summary>
    public void Validate()
    {
        if (!(TargetAccuracy is > 0 and < 1)) throw new ConfigurationException($"routing.target_accuracy: must be above 0 and below 1, not {TargetAccuracy}.");
        if (!(AuditShare is >= 0 and <= 1)) throw new ConfigurationException($"routing.audit_share: must be between 0 and 1, not {AuditShare}.");
        if (WarmUp is < 0 or > 100_000) throw new ConfigurationException($"routing.warm_up: must be between 0 and 100000, not {WarmUp}.");
        if (Mode is not (Solve or Stop)) throw new ConfigurationException($"routing.mode: must be 'solve' or 'stop', not {Shown(Mode)}.");
        if (Audits is not (RiskAudits or UniformAudits)) throw new ConfigurationException($"routing.audits: must be 'risk' or 'uniform', not {Shown(Audits)}.");
    }

    private static string Shown(string? value) => value is null ? "nothing" : value.Length > 40 ? $"'{value[..40]}…'" : $"'{value}'";
}

/// <summary>
/// Gold (honeypot) items of a project: items an admin marked with a known label, handed out blind among ordinary tasks.
/// An annotator's answers on them measure their accuracy (with a 95% Wilson interval); one whose interval lies wholly
/// below <see cref="MinAccuracy"/> after at least <see cref="MinAnswers"/> gold answers is flagged, and their answers
/// count <see cref="DownWeight"/> in resolution.
/// </summary>
public sealed record GoldSettings
{
    /// <summary>Share of hand-outs that are gold items (while the annotator has gold items left to see), 0–0.5. Default 0 (none).</summary>
    public double Rate { get; init; }

    /// <summary>The gold accuracy an annotator should reach, above 0 and at most 1. Default 0.7.</summary>
    public double MinAccuracy { get; init; } = 0.7;

    /// <summary>Gold answers needed before an annotator can be flagged, 1–1,000. Default 5.</summary>
    public int MinAnswers { get; init; } = 5;

    /// <summary>The weight of a flagged annotator's answers in resolution, 0–1. Default 0.25.</summary>
    public double DownWeight { get; init; } = 0.25;

    /// <summary>Throws a <see cref="ConfigurationException"/> whose message starts with the field (<c>gold.rate: …</c>).</summary>
    public void Validate()
    {
        if (!(Rate is >= 0 and <= 0.5)) throw new ConfigurationException($"gold.rate: must be between 0 and 0.5, not {Rate}.");
        if (!(MinAccuracy is > 0 and <= 1)) throw new ConfigurationException($"gold.min_accuracy: must be above 0 and at most 1, not {MinAccuracy}.");
        if (MinAnswers is < 1 or > 1000) throw new ConfigurationException($"gold.min_answers: must be between 1 and 1000, not {MinAnswers}.");
        if (!(DownWeight is >= 0 and <= 1)) throw new ConfigurationException($"gold.down_weight: must be between 0 and 1, not {DownWeight}.");
    }
}

/// <summary>A labeling project.</summary>
/// <param name="Id">Store-assigned id.</param>
/// <param name="Name">Unique name.</param>
/// <param name="Settings">Current settings.</param>
/// <param name="InstructionsVersion">Current instructions version (1 = the first).</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record Project(long Id, string Name, ProjectSettings Settings, int InstructionsVersion, DateTimeOffset CreatedAt);

/// <summary>
/// A user's membership of a project. Annotators and reviewers reach only the projects they are members of (a
/// non-member is told the project does not exist); admins and auditors reach every project and need no membership.
/// </summary>
/// <param name="ProjectId">The project.</param>
/// <param name="UserId">The member.</param>
/// <param name="AddedAt">When the membership began.</param>
public sealed record ProjectMember(long ProjectId, long UserId, DateTimeOffset AddedAt);

/// <summary>One version of a project's Markdown instructions. Versions start at 1 and only grow.</summary>
public sealed record Instructions(long ProjectId, int Version, string Markdown, long AuthorId, DateTimeOffset CreatedAt);

/// <summary>An item to import. The caller decides <paramref name="HeldOut"/> (random, seeded) before storing.</summary>
/// <param name="ExternalId">The user's id; unique within a project (duplicates are skipped, not errors).</param>
/// <param name="Text">The untrusted item text: for a text item the text itself, for other kinds the feature and display text (<see cref="ItemContent.FeatureText"/>).</param>
/// <param name="Group">Optional subgroup.</param>
/// <param name="Cost">Labeling cost (default 1).</param>
/// <param name="MetaJson">Optional JSON object kept verbatim.</param>
/// <param name="GoldLabel">A label that came with the import; never shown to annotators (used to evaluate held-out items).</param>
/// <param name="HeldOut">In the evaluation set: never chosen by the learner, never used for training.</param>
public sealed record NewItem(string ExternalId, string Text, string? Group, double Cost, string? MetaJson, string? GoldLabel, bool HeldOut)
{
    /// <summary>What the item is. Default: a <see cref="TextContent"/> of <see cref="Text"/> (which it must then equal).</summary>
    public ItemContent Content { get; init; } = new TextContent(Text);

    /// <summary>
    /// Set when <see cref="Text"/> is a redacted view: the original (kept admin-only, or null when dropped), its hash and
    /// what was found. The store writes it and a <see cref="Evidence.RedactionEvent"/> in the import's transaction.
    /// </summary>
    public Sift.Privacy.ItemOriginal? Original { get; init; }
}

/// <summary>
/// A stored item, without its gold label (read gold labels separately, never for annotators). <c>Text</c> is the feature
/// and display text; <see cref="Content"/> is what the item is.
/// </summary>
public sealed record Item(long Id, long ProjectId, string ExternalId, string Text, string? Group, double Cost, string? MetaJson, bool HeldOut)
{
    /// <summary>What the item is (text, or a prompt with two responses). Default: a <see cref="TextContent"/> of <see cref="Text"/>.</summary>
    public ItemContent Content { get; init; } = new TextContent(Text);
}

/// <summary>Outcome of an all-or-nothing import.</summary>
/// <param name="Imported">Items added.</param>
/// <param name="Duplicates">Items skipped because their external id was already in the project (or earlier in the batch).</param>
/// <param name="HeldOut">Of the added items, how many are held out.</param>
public sealed record ImportResult(int Imported, int Duplicates, int HeldOut);

/// <summary>One position of the hand-out queue, with why it is there.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Rank">0 = hand out first. Distinct within a ranking.</param>
/// <param name="Score">The strategy's score (or 0 for random positions).</param>
/// <param name="Reason">Short human-readable reason, recorded on every task handed out from this position.</param>
/// <param name="Exploration">Chosen uniformly at random (the live control arm), not by the strategy.</param>
public sealed record RankedItem(long ItemId, int Rank, double Score, string Reason, bool Exploration);

/// <summary>The queue order produced by one model version.</summary>
/// <param name="ProjectId">Project.</param>
/// <param name="ModelVersion">0 = cold start (no model yet).</param>
/// <param name="Strategy">Strategy spec that produced it.</param>
/// <param name="Items">Positions; held-out items may appear (evaluation sampling), labeled-to-k items need not.</param>
public sealed record Ranking(long ProjectId, int ModelVersion, string Strategy, IReadOnlyList<RankedItem> Items);

/// <summary>Life of a handed-out task.</summary>
public enum TaskState
{
    /// <summary>Reserved for its annotator until it expires.</summary>
    Leased,

    /// <summary>Answered (the annotation may later be undone, which re-leases the task).</summary>
    Submitted,

    /// <summary>The annotator skipped it; it will not come back to them.</summary>
    Skipped,

    /// <summary>The lease ran out and was reclaimed; the slot went back to the pool.</summary>
    Expired,
}

/// <summary>A task: one item handed to one annotator, with the provenance of that choice.</summary>
public sealed record TaskRecord(
    long Id, long ProjectId, long ItemId, long AnnotatorId, TaskState State,
    DateTimeOffset LeasedAt, DateTimeOffset ExpiresAt,
    int ModelVersion, string Strategy, double Score, string Reason, bool Exploration, bool HeldOut);

/// <summary>
/// One annotator's answer to one task. <c>Labels</c>: one label (single-label) or a set (multi-label), all from the
/// schema. <c>InstructionsVersion</c>: the instructions current when it was submitted. <c>ClientRequestId</c>: the
/// client's id for the submit (a retried submit with the same id counts once). <c>Undone</c>: withdrawn with undo;
/// kept for the record, not counted.
/// </summary>
public sealed record Annotation(
    long Id, long ProjectId, long ItemId, long AnnotatorId, long TaskId, IReadOnlyList<string> Labels,
    int InstructionsVersion, string ClientRequestId, DateTimeOffset CreatedAt, bool Undone)
{
    /// <summary>
    /// Who answered, under which instructions, at what cost (<see cref="IAnnotationStore.SubmitAsync"/>). Always set on
    /// annotations read from a store (answers stored before provenance existed get a person's, built from the
    /// annotator's name, the instructions version and the time); null only on one built in memory without it.
    /// </summary>
    public Provenance? Provenance { get; init; }
}

/// <summary>Result of a submit: the stored annotation, and whether it was a retry of an earlier one.</summary>
public sealed record SubmitResult(Annotation Annotation, bool Duplicate);

/// <summary>State of a project's background trainer.</summary>
public enum TrainerState
{
    /// <summary>Never ran.</summary>
    Idle,

    /// <summary>Waiting to run.</summary>
    Queued,

    /// <summary>Fitting and re-ranking.</summary>
    Running,

    /// <summary>Last run finished.</summary>
    Done,

    /// <summary>Last run failed (see error).</summary>
    Failed,
}

/// <summary>Trainer status shown on the dashboard.</summary>
public sealed record TrainerStatus(
    long ProjectId, TrainerState State, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    double? LastDurationSeconds, string? Error, string? Owner);

/// <summary>
/// One trained model version and what was measured on it. <c>Labels</c>: resolved training labels it was fitted on.
/// <c>HeldOutLabeled</c>: held-out items with a label (gold or resolved) it was evaluated on; <c>Accuracy</c> and
/// <c>MacroF1</c> are null when there were none. <c>MetricsJson</c>: everything else measured (active-vs-random lift
/// and its interval, κ with the previous model, the stop decision's state) as a JSON object.
/// </summary>
public sealed record ModelVersion(
    long ProjectId, int Version, DateTimeOffset TrainedAt, int Labels, int HeldOutLabeled,
    double? Accuracy, double? MacroF1, double DurationSeconds,
    bool StopRecommended, string StopReason, string MetricsJson);

/// <summary>Counts for the dashboard.</summary>
/// <param name="Items">All items.</param>
/// <param name="HeldOut">Held-out items.</param>
/// <param name="Annotations">Annotations not undone.</param>
/// <param name="CompletedItems">Items with at least <c>Overlap</c> annotations not undone.</param>
/// <param name="LiveLeases">Leased tasks not yet expired.</param>
/// <param name="QueueDepth">Positions of the stored ranking whose item still has a free slot at <c>now</c>.</param>
/// <param name="Unranked">
/// Items still to hand out that are not in the stored ranking: a free slot (a lease counts until it is reclaimed, which
/// every hand-out does first) and not a held-out item with a gold label. They are handed out after the stored ranking,
/// in the cold-start order (<see cref="ColdStartOrder"/>), until the live loop tops the ranking up or retrains. Before the
/// first model every item that needs answers is here. <c>QueueDepth + Unranked</c> is what is left to hand out.
/// </param>
public sealed record ProjectCounts(int Items, int HeldOut, int Annotations, int CompletedItems, int LiveLeases, int QueueDepth, int Unranked = 0);

/// <summary>The stored ranking as the live loop sees it when deciding whether to top it up.</summary>
/// <param name="ModelVersion">The ranking's model version (0 = cold start).</param>
/// <param name="Strategy">The strategy that produced it.</param>
/// <param name="Positions">Stored positions.</param>
/// <param name="OpenPositions">Stored positions whose item has a free slot (leases count until reclaimed).</param>
/// <param name="AnyUnranked">Whether some item still to hand out is outside the stored ranking (<see cref="ProjectCounts.Unranked"/> &gt; 0, found without counting them).</param>
public sealed record QueueState(int ModelVersion, string Strategy, int Positions, int OpenPositions, bool AnyUnranked);

/// <summary>Page sizes of the store's keyset-paged reads (<c>Get…PageAsync</c>).</summary>
public static class Paging
{
    /// <summary>The page size the server uses when a client names none: 1,000.</summary>
    public const int DefaultLimit = 1_000;

    /// <summary>The largest page a paged read returns: 10,000. A larger limit is an error.</summary>
    public const int MaxLimit = 10_000;
}

/// <summary>How many live (not undone) annotations carry one distinct set of labels.</summary>
/// <param name="Labels">The labels as submitted (multi-label: in the annotator's order; single-label: one).</param>
/// <param name="Count">Live annotations with exactly this list.</param>
public sealed record LabelSetCount(IReadOnlyList<string> Labels, int Count);

/// <summary>The live (not undone) annotations of a project, aggregated by the store instead of listed.</summary>
/// <param name="Count">Live annotations.</param>
/// <param name="LabelSets">Live annotations per distinct label list, in no particular order.</param>
/// <param name="First">Earliest <c>CreatedAt</c> of a live annotation; null when there is none.</param>
/// <param name="Last">Latest <c>CreatedAt</c> of a live annotation; null when there is none.</param>
public sealed record AnnotationSummary(int Count, IReadOnlyList<LabelSetCount> LabelSets, DateTimeOffset? First, DateTimeOffset? Last);

/// <summary>Live annotations made in one time bucket.</summary>
/// <param name="Start">The bucket's start (UTC), a whole multiple of the bucket size counted from <see cref="DateTimeOffset.MinValue"/>.</param>
/// <param name="Count">Live annotations with <c>Start ≤ CreatedAt &lt; Start + size</c>.</param>
public sealed record TimeBucketCount(DateTimeOffset Start, int Count);
