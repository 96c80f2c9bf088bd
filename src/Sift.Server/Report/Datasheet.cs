using Sift.Server.Api;
using Sift.Server.Training;

namespace Sift.Server.Report;

/// <summary>
/// A datasheet of one labeled data set (docs/governance.md, "sift report"): the sections of Datasheets for Datasets
/// (Gebru et al., 2021, "Collection process", "Preprocessing", "Uses") and of the Hugging Face dataset card's annotation
/// fields ("annotation process", "who are the annotators", "personal and sensitive information"), filled from a server
/// project or a <c>simulate</c> run. Built in one place (<see cref="DatasheetBuilder"/>) and rendered by
/// <see cref="DatasheetHtml"/>, so the CLI and the server show the same thing. Every count and rate in a server
/// project's datasheet comes from the API's own views (<see cref="Dashboard"/>, <see cref="Agreement"/>,
/// <see cref="Oracles"/>), which the page also carries as JSON.
/// </summary>
internal sealed record Datasheet
{
    /// <summary>The data set's name (a project's name, or the simulation's pool file).</summary>
    public required string Title { get; init; }

    /// <summary><c>project</c> or <c>simulation</c>.</summary>
    public required string Source { get; init; }

    /// <summary>When the datasheet was made.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>Candidate pool facts (items, held out, classes, features…), in display order.</summary>
    public required IReadOnlyList<Fact> Pool { get; init; }

    /// <summary>Every import recorded in the evidence.</summary>
    public required IReadOnlyList<ImportRow> Imports { get; init; }

    /// <summary>The acquisition rule over time: one row per model version (server) or per run (simulation).</summary>
    public required IReadOnlyList<AcquisitionRow> Acquisition { get; init; }

    /// <summary>Who answered: people, each model, the simulator's gold.</summary>
    public required IReadOnlyList<OracleShareRow> OracleShares { get; init; }

    /// <summary>Instruction versions and prompt templates the answers were given under.</summary>
    public required IReadOnlyList<InstructionRow> Instructions { get; init; }

    /// <summary>Learning curve by labels (inline SVG); null when there is no model yet.</summary>
    public string? LabelsCurveSvg { get; init; }

    /// <summary>Learning curve by money (inline SVG); null when no money was recorded.</summary>
    public string? MoneyCurveSvg { get; init; }

    /// <summary>The learning-curve points behind the charts.</summary>
    public required IReadOnlyList<CurveRow> Curve { get; init; }

    /// <summary>Lift over the random control, with its interval.</summary>
    public required IReadOnlyList<LiftRow> Lift { get; init; }

    /// <summary>What the lift rests on or waits for.</summary>
    public required string LiftNote { get; init; }

    /// <summary>The subgroup rule, in words.</summary>
    public required string SubgroupRule { get; init; }

    /// <summary>One row per subgroup value.</summary>
    public required IReadOnlyList<SubgroupRow> Subgroups { get; init; }

    /// <summary>The stopping rule's verdicts.</summary>
    public required IReadOnlyList<StopRow> Stopping { get; init; }

    /// <summary>Redaction and retention events.</summary>
    public required IReadOnlyList<PrivacyRow> Privacy { get; init; }

    /// <summary>The evidence chain's verification.</summary>
    public required ChainRow Verification { get; init; }

    /// <summary>What the record cannot show, plainly.</summary>
    public required IReadOnlyList<string> Gaps { get; init; }

    /// <summary>Evidence events by kind.</summary>
    public required IReadOnlyDictionary<string, int> EventKinds { get; init; }

    /// <summary>The dashboard as <c>GET …/dashboard</c> returns it (server projects; the trainer's owner left out).</summary>
    public DashboardView? Dashboard { get; init; }

    /// <summary>The agreement report as <c>GET …/agreement</c> returns it to an admin or auditor (server projects).</summary>
    public AgreementView? Agreement { get; init; }

    /// <summary>The oracle report as <c>GET …/oracles</c> returns it (server projects).</summary>
    public OraclesView? Oracles { get; init; }
}

/// <summary>A named fact.</summary>
internal sealed record Fact(string Name, string Value);

/// <summary>One import: when, from where, how many, and the hash of the bytes when recorded.</summary>
internal sealed record ImportRow(DateTimeOffset? At, string Source, int Imported, int Duplicates, int HeldOut, string? Sha256);

/// <summary>The acquisition rule in force for a stretch of the loop.</summary>
/// <param name="Period">Model version (server) or strategy and seed (simulation).</param>
/// <param name="From">When it started (server) or the first round's labels (simulation), as text.</param>
/// <param name="Strategy">The strategy.</param>
/// <param name="Batch">Labels per step (retrain interval or batch sizes).</param>
/// <param name="Model">The model: learner, features and version or fingerprint.</param>
/// <param name="Picks">Items chosen by the strategy.</param>
/// <param name="ControlPicks">Items chosen at random as the control.</param>
internal sealed record AcquisitionRow(string Period, string From, string Strategy, string Batch, string Model, int Picks, int ControlPicks);

/// <summary>One oracle's share of the answers.</summary>
internal sealed record OracleShareRow(string Kind, string Name, int Answers, double Share, double Money, long Tokens);

/// <summary>Answers given under one instructions version or prompt template.</summary>
internal sealed record InstructionRow(string What, string Version, int Answers, DateTimeOffset? Since);

/// <summary>A learning-curve point.</summary>
internal sealed record CurveRow(string Series, int Labels, double? Accuracy, double? MacroF1, double? Money);

/// <summary>Lift of a strategy over the random control at equal labels, with a 95% interval.</summary>
internal sealed record LiftRow(string Strategy, int Labels, double ActiveAccuracy, double RandomAccuracy, double Difference, double? Low, double? High, string Basis);

/// <summary>
/// One subgroup value: its pool items, the strategy's and the control's picks, its labels, answers checked against gold
/// and how many matched, and whether it is a blind spot.
/// </summary>
internal sealed record SubgroupRow(
    string Field, string Value, int PoolItems, double? PoolShare, int StrategyPicks, double? StrategyShare, int ControlPicks, int Labels,
    int GoldChecked, int GoldCorrect, bool BlindSpot);

/// <summary>A stopping verdict.</summary>
internal sealed record StopRow(string Scope, bool Stop, string Rule, string Reason);

/// <summary>A redaction or retention event, summarised.</summary>
internal sealed record PrivacyRow(long Seq, DateTimeOffset? At, string Kind, string Summary);

/// <summary>The chain's verdict.</summary>
internal sealed record ChainRow(bool Intact, long Entries, string Head, string? Problem, int Checkpoints, int CheckpointsMatched, IReadOnlyList<string> KeyIds, bool Anchored);
