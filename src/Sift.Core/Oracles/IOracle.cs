using System.Text.Json.Serialization;
using Sift.Evidence;
using Sift.Items;

namespace Sift.Oracles;

/// <summary>What answered: a person, a model, a simulation, or a router that chose among several.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<OracleKind>))]
public enum OracleKind
{
    /// <summary>A person in the annotation UI (or a simulated person in <c>simulate</c>, named as such).</summary>
    Person,

    /// <summary>A language model (embedded GGUF or an endpoint).</summary>
    Model,

    /// <summary>Gold labels replayed by the simulator.</summary>
    Simulation,

    /// <summary>A router that decided who answers; its <see cref="Provenance.Sources"/> hold the answers it used.</summary>
    Router,
}

/// <summary>What an answer cost. Every part is optional; money is in the project's currency unit.</summary>
/// <param name="Money">Cost in currency (a person's rate per label or per hour × time, or tokens × price).</param>
/// <param name="InputTokens">Prompt tokens, for models.</param>
/// <param name="OutputTokens">Completion tokens, for models.</param>
/// <param name="Seconds">Time on task (a person) or latency (a model).</param>
public sealed record AnswerCost(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double Money = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int InputTokens = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int OutputTokens = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double Seconds = 0)
{
    /// <summary>No cost recorded.</summary>
    public static AnswerCost None { get; } = new();

    /// <summary>The sum of two costs.</summary>
    public static AnswerCost operator +(AnswerCost a, AnswerCost b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Money + b.Money, a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens, a.Seconds + b.Seconds);
    }

    /// <summary>Same as <c>+</c>.</summary>
    public static AnswerCost Add(AnswerCost a, AnswerCost b) => a + b;
}

/// <summary>
/// Where a label came from: who or what answered, under which instructions or prompt template, how sure, at what
/// cost, when, and (for a router) from which underlying answers. Recorded with every label and in the evidence stream.
/// </summary>
public sealed record Provenance
{
    /// <summary>Person, model, simulation or router.</summary>
    public required OracleKind Kind { get; init; }

    /// <summary>Who or what: a user name, a model id such as <c>gguf:model.gguf</c> or <c>openai:gpt-4o-mini</c>, <c>simulated-gold</c>, <c>router</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The project instructions version the answer was given under, when there are instructions.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? InstructionsVersion { get; init; }

    /// <summary>The prompt template and its version (<c>label@3</c>), for model answers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PromptTemplate { get; init; }

    /// <summary>Confidence in the answer, 0–1 (calibrated when <see cref="ConfidenceMethod"/> says so); null when unknown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Confidence { get; init; }

    /// <summary>How the confidence was obtained: <c>token-probabilities</c>, <c>logprobs</c>, <c>self-consistency(n=5)</c>, <c>gold</c>, <c>profile</c>, with <c>+calibrated</c> when mapped through a calibrator.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConfidenceMethod { get; init; }

    /// <summary>Probability of every label, when the oracle gives a distribution (models); sums to 1 over the label set.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, double>? Distribution { get; init; }

    /// <summary>What the answer cost.</summary>
    public AnswerCost Cost { get; init; } = AnswerCost.None;

    /// <summary>When the answer was given (from an injected clock); null in simulation, where time plays no part.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? At { get; init; }

    /// <summary>A router's decision (<c>accept-model</c>, <c>second-model</c>, <c>one-person</c>, <c>k-people</c>, <c>audit</c>) and why, in words.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Decision { get; init; }

    /// <summary>The answers a router combined or passed on; empty for a direct answer.</summary>
    public IReadOnlyList<Provenance> Sources { get; init; } = [];

    /// <summary>The model suggestion shown to a person before they answered (pre-annotation), so anchoring can be measured; null when none was shown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SuggestionShown { get; init; }

    /// <summary>The item ids of the labeled examples a model was shown (few-shot), in prompt order; null when none were.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Examples { get; init; }

    /// <summary>
    /// For a pairwise comparison: whether the page showed the stored response B first (on the left or on top) and A
    /// second. The answer itself always names the stored sides; this records the order it was given in, for the
    /// position-bias report. Null for other items.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? SidesSwapped { get; init; }

    /// <summary>The annotator's optional reason for the answer, in their words (untrusted text); null when none was given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rationale { get; init; }

    /// <summary>
    /// When the annotator changed an earlier answer of theirs (from their history): the id of the annotation this one
    /// replaces, which is kept, marked undone. Null for a first answer.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Supersedes { get; init; }

    /// <summary>Value equality, including the contents of <see cref="Sources"/> and <see cref="Distribution"/> (so a provenance read back from storage equals the one written).</summary>
    public bool Equals(Provenance? other) =>
        other is not null && (ReferenceEquals(this, other) ||
            (Kind == other.Kind && Name == other.Name && InstructionsVersion == other.InstructionsVersion && PromptTemplate == other.PromptTemplate
             && Nullable.Equals(Confidence, other.Confidence) && ConfidenceMethod == other.ConfidenceMethod && Equals(Cost, other.Cost) && Nullable.Equals(At, other.At)
             && Decision == other.Decision && SuggestionShown == other.SuggestionShown && Sources.SequenceEqual(other.Sources)
             && SidesSwapped == other.SidesSwapped && Rationale == other.Rationale && Supersedes == other.Supersedes
             && (Examples is null ? other.Examples is null : other.Examples is not null && Examples.SequenceEqual(other.Examples))
             && (Distribution is null ? other.Distribution is null
                 : other.Distribution is not null && Distribution.Count == other.Distribution.Count
                   && Distribution.All(p => other.Distribution.TryGetValue(p.Key, out var q) && p.Value.Equals(q)))));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Name, InstructionsVersion, PromptTemplate, Confidence, At, Sources.Count);
}

/// <summary>The state of an oracle's answer to one question.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<AnswerStatus>))]
public enum AnswerStatus
{
    /// <summary>Labels are given.</summary>
    Answered,

    /// <summary>The oracle could not answer validly (invalid output after a retry, time-out, refusal): a person must.</summary>
    Declined,

    /// <summary>The question went to people; the answer arrives later through the annotation queue (server only).</summary>
    Deferred,
}

/// <summary>One item put to an oracle.</summary>
/// <param name="ItemId">The item's id (external id in a project, pool id in simulation).</param>
/// <param name="Content">What the item is.</param>
public sealed record OracleQuestion(string ItemId, ItemContent Content)
{
    /// <summary>Pool index in simulation (for oracles that read precomputed per-item facts); -1 in the server.</summary>
    public int PoolIndex { get; init; } = -1;

    /// <summary>The current learner's probability of each label on this item (row of the label schema), when a model exists; a router reads it.</summary>
    public IReadOnlyList<float>? LearnerProbabilities { get; init; }

    /// <summary>The item's labeling cost as imported (default 1), for cost-aware routing.</summary>
    public double Cost { get; init; } = 1;
}

/// <summary>A labeled example a model oracle may show as a few-shot example.</summary>
/// <param name="ItemId">The example item's id.</param>
/// <param name="Content">Its content.</param>
/// <param name="Labels">Its (human) labels.</param>
public sealed record LabeledExample(string ItemId, ItemContent Content, IReadOnlyList<string> Labels);

/// <summary>
/// A batch of questions and everything an oracle may need to answer them. New inputs are added here, not to
/// <see cref="IOracle.AskAsync"/>'s signature.
/// </summary>
public sealed class OracleRequest
{
    /// <summary>Creates a request.</summary>
    public OracleRequest(IReadOnlyList<OracleQuestion> questions, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentNullException.ThrowIfNull(labels);
        Questions = questions;
        Labels = labels;
    }

    /// <summary>The items to answer.</summary>
    public IReadOnlyList<OracleQuestion> Questions { get; }

    /// <summary>The label schema, in order. Every answer's labels come from it.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>True for multi-label projects (an answer is any subset of <see cref="Labels"/>).</summary>
    public bool MultiLabel { get; init; }

    /// <summary>The current instructions (Markdown) and their version, when the project has them.</summary>
    public (int Version, string Markdown)? Instructions { get; init; }

    /// <summary>Labeled examples a model oracle may choose few-shot examples from (people's labels only).</summary>
    public IReadOnlyList<LabeledExample> Examples { get; init; } = [];

    /// <summary>Seed for every random choice made answering this request.</summary>
    public ulong Seed { get; init; }

    /// <summary>Loop round, for the record.</summary>
    public int Round { get; init; }
}

/// <summary>An oracle's answer to one question, with its provenance.</summary>
/// <param name="ItemId">The question's item id.</param>
/// <param name="Status">Answered, declined or deferred.</param>
/// <param name="Labels">The labels (one for single-label; a subset for multi-label); empty unless answered.</param>
/// <param name="Provenance">Who or what answered, how sure, at what cost.</param>
public sealed record OracleAnswer(string ItemId, AnswerStatus Status, IReadOnlyList<string> Labels, Provenance Provenance)
{
    /// <summary>Why the oracle declined or deferred, in words; null when answered.</summary>
    public string? Reason { get; init; }

    /// <summary>An answered result.</summary>
    public static OracleAnswer Given(string itemId, IReadOnlyList<string> labels, Provenance provenance) => new(itemId, AnswerStatus.Answered, labels, provenance);

    /// <summary>A declined result: a person must answer instead.</summary>
    public static OracleAnswer Declined(string itemId, Provenance provenance, string reason) => new(itemId, AnswerStatus.Declined, [], provenance) { Reason = reason };
}

/// <summary>
/// Something that labels items: a person, an LLM, gold labels in simulation, or a decorator over several (a router).
/// Implementations answer every question of a request (in order), constrain answers to the label set (anything else
/// is <see cref="AnswerStatus.Declined"/>, never a silent default), and are safe to call from one loop at a time.
/// </summary>
public interface IOracle
{
    /// <summary>A short stable name for the record (<c>simulated-gold</c>, <c>openai:gpt-4o-mini</c>, <c>router</c>).</summary>
    string Name { get; }

    /// <summary>Answers the questions of <paramref name="request"/>, one answer per question, in order.</summary>
    ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default);
}
