using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Items;
using Sift.Oracles;
using Sift.Projects;
using Sift.Routing;
using Sift.Server.Hosting;

namespace Sift.Server.Api;

// The JSON shapes of the REST API (snake_case on the wire). Requests are validated where they are turned into
// domain values; responses never carry gold labels (only the agreement view's accuracies against gold, for admins and
// auditors), and the task shapes handed to annotators carry no scores.

/// <summary>A user as the API shows it.</summary>
internal sealed record UserView(long Id, string Name, Role Role, DateTimeOffset CreatedAt, bool Disabled)
{
    public static UserView From(User user) => new(user.Id, user.Name, user.Role, user.CreatedAt, user.Disabled);
}

/// <summary>POST /api/users.</summary>
internal sealed record CreateUserRequest(string Name, Role Role);

/// <summary>A new user and its token (shown once).</summary>
internal sealed record CreatedUser(UserView User, string Token);

/// <summary>A new token (shown once).</summary>
internal sealed record TokenView(string Token);

/// <summary>PUT /api/users/{id}/disabled.</summary>
internal sealed record DisabledRequest(bool? Disabled = null);

/// <summary>A project in the list.</summary>
internal sealed record ProjectSummary(long Id, string Name, LabelMode Mode, IReadOnlyList<string> Labels, int InstructionsVersion, DateTimeOffset CreatedAt);

/// <summary>A project with its settings and current instructions.</summary>
internal sealed record ProjectView(long Id, string Name, SettingsView Settings, InstructionsView Instructions, DateTimeOffset CreatedAt);

/// <summary>A member of a project, with the user's name, role and status.</summary>
internal sealed record MemberView(long UserId, string Name, Role Role, bool Disabled, DateTimeOffset AddedAt);

/// <summary>One version of the instructions.</summary>
internal sealed record InstructionsView(int Version, string Markdown, DateTimeOffset CreatedAt);

/// <summary>PUT /api/projects/{id}/instructions.</summary>
internal sealed record InstructionsRequest(string Markdown);

/// <summary>POST /api/projects.</summary>
internal sealed record CreateProjectRequest(string Name, SettingsInput Settings, string? Instructions = null);

/// <summary>Project settings as stored and shown.</summary>
internal sealed record SettingsView(
    LabelMode Mode, IReadOnlyList<string> Labels, string Strategy, string StopRule, int Overlap, double LeaseSeconds,
    int RetrainEvery, double ExplorationShare, double HeldOutShare, ulong Seed, ContentKind Content, string Features)
{
    /// <summary>Whether annotators see a model's suggestion on items the router sent to people (default false).</summary>
    public bool PreAnnotation { get; init; }

    /// <summary>Routing between model annotators and people.</summary>
    public RoutingView Routing { get; init; } = RoutingView.From(new RoutingSettings());

    /// <summary>What a person's answer costs.</summary>
    public PersonRateView PersonRate { get; init; } = new(0, 0);

    /// <summary>How answers become the resolved label: <c>majority</c> or <c>dawid-skene</c>.</summary>
    public string Resolution { get; init; } = LabelResolution.Majority;

    /// <summary>Whether the trainer weighs each resolved label by its confidence.</summary>
    public bool WeightByConfidence { get; init; }

    /// <summary>Whether likely-mislabeled items are found and relabeled when that is worth more than a new label.</summary>
    public bool Relabel { get; init; }

    /// <summary>Gold items: hand-out rate, the accuracy threshold and the weight of flagged annotators. Left out for annotators and reviewers (null), so nothing tells an annotator that gold items exist.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GoldSettingsView? Gold { get; init; } = GoldSettingsView.From(new GoldSettings());

    /// <summary>Items resolved with less confidence than this go to the review queue.</summary>
    public double ReviewBelow { get; init; } = 0.8;

    /// <summary>Redaction and retention. Left out for annotators and reviewers (null): the custom patterns and allow-list are the admins'.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PrivacyView? Privacy { get; init; }

    public static SettingsView From(ProjectSettings s) => new(
        s.Mode, s.Labels, s.Strategy, s.StopRule, s.Overlap, s.LeaseDuration.TotalSeconds,
        s.RetrainEvery, s.ExplorationShare, s.HeldOutShare, s.Seed, s.Content, s.Features)
    {
        PreAnnotation = s.PreAnnotation,
        Routing = RoutingView.From(s.Routing),
        PersonRate = new PersonRateView(s.PersonRate.PerLabel, s.PersonRate.PerHour),
        Resolution = s.Resolution,
        WeightByConfidence = s.WeightByConfidence,
        Relabel = s.Relabel,
        Gold = GoldSettingsView.From(s.Gold),
        ReviewBelow = s.ReviewBelow,
        Privacy = PrivacyView.From(s.Privacy),
    };
}

/// <summary>Privacy settings as shown: <c>kinds</c> lists the kinds looked for (every built-in kind when the project did not narrow them).</summary>
internal sealed record PrivacyView(bool Redact, IReadOnlyList<string> Kinds, IReadOnlyDictionary<string, string> CustomPatterns, IReadOnlyList<string> AllowList, string Retention)
{
    public static PrivacyView From(Sift.Privacy.PrivacySettings p) =>
        new(p.Redact, p.Kinds ?? Sift.Privacy.PrivacySettings.KindNames, p.CustomPatterns, p.AllowList, p.Retention);
}

/// <summary>
/// Privacy settings as sent. Each field left out takes its value from the base: a new project's default
/// (<see cref="Sift.Privacy.PrivacySettings.ForNewProjects"/>) on create, the project's current value on update.
/// <c>kinds</c> naming every built-in kind is stored as "all" (so kinds added later are included).
/// </summary>
internal sealed record PrivacyInput(bool? Redact = null, IReadOnlyList<string>? Kinds = null, IReadOnlyDictionary<string, string>? CustomPatterns = null,
    IReadOnlyList<string>? AllowList = null, string? Retention = null)
{
    public Sift.Privacy.PrivacySettings ToSettings(Sift.Privacy.PrivacySettings basis)
    {
        var kinds = Kinds is null ? basis.Kinds
            : Sift.Privacy.PrivacySettings.KindNames.All(k => Kinds.Contains(k, StringComparer.Ordinal)) && Kinds.Count == Sift.Privacy.PrivacySettings.KindNames.Count ? null
            : Kinds.ToArray();
        return new Sift.Privacy.PrivacySettings
        {
            Redact = Redact ?? basis.Redact,
            Kinds = kinds,
            CustomPatterns = CustomPatterns is null ? basis.CustomPatterns : new Dictionary<string, string>(CustomPatterns, StringComparer.Ordinal),
            AllowList = AllowList?.ToArray() ?? basis.AllowList,
            Retention = Retention ?? basis.Retention,
        };
    }
}

/// <summary>Gold settings as shown and sent (each field left out of a request takes its default: rate 0, min_accuracy 0.7, min_answers 5, down_weight 0.25).</summary>
internal sealed record GoldSettingsView(double? Rate = null, double? MinAccuracy = null, int? MinAnswers = null, double? DownWeight = null)
{
    public static GoldSettingsView From(GoldSettings g) => new(g.Rate, g.MinAccuracy, g.MinAnswers, g.DownWeight);

    public GoldSettings ToSettings()
    {
        var d = new GoldSettings();
        return new GoldSettings { Rate = Rate ?? d.Rate, MinAccuracy = MinAccuracy ?? d.MinAccuracy, MinAnswers = MinAnswers ?? d.MinAnswers, DownWeight = DownWeight ?? d.DownWeight };
    }
}

/// <summary>Routing settings as shown: the target accuracy, the audit share, the warm-up, the decision rule (solve or stop) and how audits are drawn (risk or uniform).</summary>
internal sealed record RoutingView(double TargetAccuracy, double AuditShare, int WarmUp, string Mode = RoutingSettings.Solve, string Audits = RoutingSettings.RiskAudits)
{
    public static RoutingView From(RoutingSettings r) => new(r.TargetAccuracy, r.AuditShare, r.WarmUp, r.Mode, r.Audits);
}

/// <summary>Routing settings as sent; each field left out takes its default (mode solve, audits risk).</summary>
internal sealed record RoutingInput(double? TargetAccuracy = null, double? AuditShare = null, int? WarmUp = null, string? Mode = null, string? Audits = null)
{
    public RoutingSettings ToSettings()
    {
        var defaults = new RoutingSettings();
        return new RoutingSettings
        {
            TargetAccuracy = TargetAccuracy ?? defaults.TargetAccuracy,
            AuditShare = AuditShare ?? defaults.AuditShare,
            WarmUp = WarmUp ?? defaults.WarmUp,
            Mode = Mode ?? defaults.Mode,
            Audits = Audits ?? defaults.Audits,
        };
    }
}

/// <summary>A person's cost in the project's currency: per label and per hour of time on task (both default 0).</summary>
internal sealed record PersonRateView(double PerLabel = 0, double PerHour = 0);

/// <summary>Project settings as sent: <c>labels</c> is required; every other field left out takes its default.</summary>
internal sealed record SettingsInput(
    LabelMode? Mode = null, IReadOnlyList<string>? Labels = null, string? Strategy = null, string? StopRule = null,
    int? Overlap = null, double? LeaseSeconds = null, int? RetrainEvery = null, double? ExplorationShare = null,
    double? HeldOutShare = null, ulong? Seed = null, ContentKind? Content = null, string? Features = null)
{
    /// <summary>Pre-annotation (default false): annotators see a model's suggestion on items the router sent to people.</summary>
    public bool? PreAnnotation { get; init; }

    /// <summary>Routing between model annotators and people (defaults: target 0.95, audit share 0.05, warm-up 100).</summary>
    public RoutingInput? Routing { get; init; }

    /// <summary>A person's cost (default 0 per label and 0 per hour).</summary>
    public PersonRateView? PersonRate { get; init; }

    /// <summary>Resolution rule (default <c>majority</c>; or <c>dawid-skene</c>).</summary>
    public string? Resolution { get; init; }

    /// <summary>Train on labels weighted by their confidence (default false).</summary>
    public bool? WeightByConfidence { get; init; }

    /// <summary>Find likely-mislabeled items and relabel them by expected value (default false).</summary>
    public bool? Relabel { get; init; }

    /// <summary>Gold items (defaults: rate 0, min_accuracy 0.7, min_answers 5, down_weight 0.25).</summary>
    public GoldSettingsView? Gold { get; init; }

    /// <summary>Review-queue confidence threshold (default 0.8).</summary>
    public double? ReviewBelow { get; init; }

    /// <summary>Redaction before the queue and retention of originals (a new project: redaction on, every kind, originals kept admin-only).</summary>
    public PrivacyInput? Privacy { get; init; }

    /// <summary>What the API answers to pair rows imported into a text project.</summary>
    public const string PairsInTextProject =
        "Pair rows (pairwise preference comparisons: a prompt with two or more responses) go into a pair project; make one with \"content\": \"pair\".";

    /// <summary>Validated settings; errors name the field under <paramref name="prefix"/>.</summary>
    /// <param name="prefix">What field names are prefixed with in errors (<c>settings.</c> on create).</param>
    /// <param name="privacyBasis">What privacy fields left out take: a new project's default, or the project's current settings.</param>
    public ProjectSettings ToSettings(string prefix, Sift.Privacy.PrivacySettings? privacyBasis = null)
    {
        var defaults = new ProjectSettings();
        var pairs = Content == ContentKind.Pair;
        // A pair project's answers are fixed (A, B, tie, both_bad); labels may be left out, or given as those.
        if (Labels is null && !pairs) throw new RequestValidationException(prefix + "labels", $"'{prefix}labels' is required: the label schema, in button order.");
        if (LeaseSeconds is { } lease && !(lease is >= 5 and <= 7 * 24 * 3600))
            throw new RequestValidationException(prefix + "lease_seconds", "lease_seconds: must be between 5 seconds and 7 days.");
        var settings = new ProjectSettings
        {
            Mode = Mode ?? defaults.Mode,
            Labels = Labels?.ToArray() ?? [.. PairLabels.All],
            Strategy = Strategy ?? (pairs ? "pair-uncertainty" : defaults.Strategy),
            StopRule = StopRule ?? defaults.StopRule,
            Overlap = Overlap ?? defaults.Overlap,
            LeaseDuration = LeaseSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.LeaseDuration,
            RetrainEvery = RetrainEvery ?? defaults.RetrainEvery,
            ExplorationShare = ExplorationShare ?? defaults.ExplorationShare,
            HeldOutShare = HeldOutShare ?? defaults.HeldOutShare,
            Seed = Seed ?? defaults.Seed,
            Content = Content ?? defaults.Content,
            Features = Features ?? defaults.Features,
            PreAnnotation = PreAnnotation ?? defaults.PreAnnotation,
            Routing = Routing?.ToSettings() ?? defaults.Routing,
            PersonRate = PersonRate is { } rate ? new Sift.Routing.PersonRate(rate.PerLabel, rate.PerHour) : defaults.PersonRate,
            Resolution = Resolution ?? defaults.Resolution,
            WeightByConfidence = WeightByConfidence ?? defaults.WeightByConfidence,
            Relabel = Relabel ?? defaults.Relabel,
            Gold = Gold?.ToSettings() ?? defaults.Gold,
            ReviewBelow = ReviewBelow ?? defaults.ReviewBelow,
            Privacy = Privacy?.ToSettings(privacyBasis ?? Sift.Privacy.PrivacySettings.ForNewProjects) ?? privacyBasis ?? Sift.Privacy.PrivacySettings.ForNewProjects,
        };
        if (!Enum.IsDefined(settings.Mode)) throw new RequestValidationException(prefix + "mode", "mode: must be 'single' or 'multi'.");
        // Validate also parses the strategy and the stopping rule, within their length and nesting limits.
        try
        {
            settings.Validate();
        }
        catch (ConfigurationException e)
        {
            throw new RequestValidationException(prefix + SettingsField(e.Message), e.Message);
        }
        return settings;
    }

    /// <summary>The JSON field that a <see cref="ProjectSettings.Validate"/> message (<c>"overlap: …"</c>) is about.</summary>
    private static string SettingsField(string message)
    {
        var colon = message.IndexOf(':', StringComparison.Ordinal);
        var name = colon > 0 ? message[..colon] : "settings";
        return name switch
        {
            "lease" => "lease_seconds",
            "exploration" => "exploration_share",
            "held_out" => "held_out_share",
            _ => name,
        };
    }
}

/// <summary>
/// A task as handed to its annotator: the item's kind and text and the instructions version, nothing about why it was
/// chosen. A page shows the kinds it knows and says plainly that it cannot show the others. <c>Suggestion</c>: only when
/// the project turned pre-annotation on and a model's label was sent to people — the labels alone, never a confidence;
/// left out of the JSON otherwise. The suggestion shown is recorded with the answer.
/// </summary>
internal sealed record TaskView(long TaskId, long ItemId, ContentKind ContentKind, string Text, int InstructionsVersion, DateTimeOffset ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Suggestion = null)
{
    /// <summary>A pairwise comparison's prompt and responses, in the order this annotator is shown them; null for text items.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PairTaskView? Pair { get; init; }

    /// <summary>The text made readable (e-mail and HTML decoded) or marked as cut; null for plain text that was not cut.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReadableView? Readable { get; init; }

    /// <summary>On an undo only: the caller's own answer that was withdrawn, so the page can show it selected again.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Labels { get; init; }
}

/// <summary>
/// A comparison as one annotator sees it: the prompt (a conversation's last user turn, with the whole conversation
/// when there is one) and the two responses in the order to show them — the order is a seeded coin per annotator and
/// item, recorded with the answer. Each response names its stored side; an answer names the side it prefers.
/// </summary>
internal sealed record PairTaskView(string Prompt, IReadOnlyList<ChatTurn>? Conversation, IReadOnlyList<PairResponseView> Responses);

/// <summary>One response of a comparison: its stored side (<c>A</c> or <c>B</c>) and its text (untrusted).</summary>
internal sealed record PairResponseView(string Side, string Text);

/// <summary>
/// POST …/tasks/{taskId}/submit. <c>Seconds</c>: the time the item was on screen in a visible tab before this answer
/// (time on task, recorded in the answer's provenance); optional, 0 to <see cref="MaxSeconds"/>. <c>Rationale</c>: the
/// annotator's optional reason, recorded in the provenance; at most <see cref="MaxRationaleLength"/> characters.
/// </summary>
internal sealed record SubmitRequest(IReadOnlyList<string> Labels, string ClientRequestId, double? Seconds = null, string? Rationale = null)
{
    /// <summary>The most time on task one answer may report: 7 days, the longest lease.</summary>
    public const double MaxSeconds = 7 * 24 * 3600;

    /// <summary>The longest rationale accepted, in characters.</summary>
    public const int MaxRationaleLength = 2_000;
}

/// <summary>
/// An item's text made readable for people: the clean text (null when the text is plain already) and what it was
/// decoded from (<c>email</c>, <c>html</c>, <c>quoted-printable</c>), and whether the stored text was cut (it then ends
/// with " […]" at <paramref name="CutAt"/> characters). Shown as text, never as HTML.
/// </summary>
internal sealed record ReadableView(string? Text, string? Source, bool Cut, int CutAt);

/// <summary>A change of one of the caller's earlier answers (from their history): the new labels, a fresh id per change, and the time spent on it.</summary>
internal sealed record ChangeRequest(IReadOnlyList<string> Labels, string ClientRequestId, double? Seconds = null);

/// <summary>
/// One of the caller's own answers as their history shows it: the item as the annotate page shows it (text, or a
/// comparison in the order this annotator saw it), the labels they gave, when, whether it was a change of an earlier
/// answer, and their time on task. Nothing of anyone else's.
/// </summary>
internal sealed record HistoryEntryView(long AnnotationId, long ItemId, long TaskId, ContentKind ContentKind, string Text, IReadOnlyList<string> Labels,
    DateTimeOffset AnsweredAt, bool Changed, double? Seconds)
{
    /// <summary>A comparison's prompt and responses in this annotator's order; null for text items.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PairTaskView? Pair { get; init; }

    /// <summary>The text made readable (e-mail and HTML decoded), when that changes it; null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReadableView? Readable { get; init; }
}

/// <summary>The stored answer, and whether this request was a retry of an earlier one.</summary>
internal sealed record SubmitResponse(long AnnotationId, bool Duplicate);

/// <summary>The caller's own counts in a project.</summary>
internal sealed record ProgressView(int Submitted, int LiveTasks, int QueueDepth, int Items);

/// <summary>An annotation with its annotator's name and its provenance (reviewers, auditors, admins; never annotators).</summary>
internal sealed record AnnotationView(
    long Id, long ItemId, string ItemExternalId, long TaskId, long AnnotatorId, string Annotator, IReadOnlyList<string> Labels,
    int InstructionsVersion, DateTimeOffset CreatedAt, bool Undone, Provenance? Provenance);

/// <summary>
/// One event of a project's evidence stream (admins, auditors): its sequence number (1, 2, 3, … without gaps), kind,
/// time, and the event itself as the store recorded it.
/// </summary>
internal sealed record EvidenceView(long Seq, string Kind, DateTimeOffset At, JsonElement Event);

/// <summary>The verdict on a project's evidence chain (auditors): intact, or the first problem found.</summary>
/// <param name="Intact">True when no problem was found.</param>
/// <param name="Entries">Entries verified (before the problem, if any).</param>
/// <param name="Head">The hash of the last verified entry.</param>
/// <param name="Problem">The first problem; null when intact.</param>
/// <param name="Anchored">Whether this server keeps signed checkpoints (without them a cut tail or a full rewrite cannot be seen).</param>
/// <param name="Checkpoints">Checkpoints on file for the project.</param>
/// <param name="CheckpointsMatched">Checkpoints the chain was checked against.</param>
/// <param name="KeyIds">The ids of the keys that signed them (pin one with <c>sift verify --key-id</c>).</param>
internal sealed record VerificationView(bool Intact, long Entries, string Head, ChainProblemView? Problem, bool Anchored, int Checkpoints, int CheckpointsMatched, string[] KeyIds);

/// <summary>What a verification found: <c>edited</c>, <c>deleted</c>, <c>inserted</c>, <c>reordered</c>, <c>truncated</c>, <c>rewritten</c>, <c>badcheckpoint</c> or <c>malformed</c>, at which entry, in one sentence.</summary>
internal sealed record ChainProblemView(string Kind, long Seq, string Message);

/// <summary>One row of the hand-out log: which item went to whom, and why (admins, auditors).</summary>
internal sealed record HandoutView(
    long TaskId, long ItemId, long AnnotatorId, string Annotator, TaskState State, DateTimeOffset LeasedAt, DateTimeOffset ExpiresAt,
    int ModelVersion, string Strategy, double Score, string Reason, bool Exploration, bool HeldOut);

/// <summary>The answer of POST …/train.</summary>
internal sealed record TrainQueued(long ProjectId, string Status);

/// <summary>GET /healthz.</summary>
internal sealed record Health(string Status);

/// <summary>
/// GET …/agreement: annotator agreement over the project's answers (admins, reviewers, auditors). <c>Gold</c> (accuracy
/// against gold labels) only for admins and auditors, left out of the JSON for everyone else.
/// </summary>
internal sealed record AgreementView(
    long ProjectId, LabelMode Mode, string? MultiLabelNote, AgreementCounts Counts, IReadOnlyList<string> Labels,
    AgreementMeasuresView Agreement, IReadOnlyList<AnnotatorAgreementView> Annotators, DawidSkeneView DawidSkene,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GoldView? Gold)
{
    /// <summary>When the data the report was computed from was read (the report is cached between changes).</summary>
    public DateTimeOffset? ComputedAt { get; init; }

    /// <summary>
    /// True when no answer or item changed since <see cref="ComputedAt"/>; false while a large project's report waits
    /// for its next recomputation (at most a few times its computing time).
    /// </summary>
    public bool UpToDate { get; init; } = true;
}

/// <summary>What the agreement was computed from: items (rated, with 2+ answers), annotators, answers, answers replaced by the same annotator's later one.</summary>
internal sealed record AgreementCounts(int Items, int RatedItems, int PairableItems, int Annotators, int Annotations, int ReplacedAnnotations);

/// <summary>Agreement measures over the items with 2+ answers (null: undefined, e.g. a single category used).</summary>
internal sealed record AgreementMeasuresView(double? PercentAgreement, double? FleissKappa, double? KrippendorffAlpha, IReadOnlyList<AnnotatorPairView> Pairs);

/// <summary>Cohen's κ of two annotators on the items both answered.</summary>
internal sealed record AnnotatorPairView(string First, string Second, int SharedItems, double? PercentAgreement, double? CohenKappa);

/// <summary>One annotator: answers, agreement with the others' majority, Dawid–Skene's estimated accuracy (no gold involved).</summary>
internal sealed record AnnotatorAgreementView(string Name, int Answers, int ComparedWithMajority, double? AgreementWithMajority, double EstimatedAccuracy);

/// <summary>The Dawid–Skene fit, and how often its label differs from the majority's (ties: items the majority cannot label).</summary>
internal sealed record DawidSkeneView(string Model, int Iterations, bool Converged, int ItemsWithMajority, int DiffersFromMajority, int MajorityTies);

/// <summary>Accuracy against gold labels (admins and auditors only).</summary>
internal sealed record GoldView(
    int Items, int RatedItems, IReadOnlyList<AnnotatorGoldView> Annotators, GoldScoreView Majority, int MajorityTies,
    GoldScoreView DawidSkene, GoldScoreView DawidSkeneOnMajorityItems);

/// <summary>One annotator on the gold items they answered.</summary>
internal sealed record AnnotatorGoldView(string Name, int Items, int Correct, double? Accuracy);

/// <summary>Correct out of the gold items measured.</summary>
internal sealed record GoldScoreView(int Items, int Correct, double? Accuracy)
{
    public static GoldScoreView From(Sift.Quality.GoldScore score) => new(score.Items, score.Correct, score.Accuracy);
}
