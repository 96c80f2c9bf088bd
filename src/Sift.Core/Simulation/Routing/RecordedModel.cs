using Sift.Oracles;

namespace Sift.Simulation.Routing;

/// <summary>
/// A model in the routing comparison: an oracle whose answer to every routed item is fixed before the policies run, so
/// that every policy (all-llm, threshold, the hindsight bound, the router) sees the same answers.
/// </summary>
public interface IRoutedModel : IOracle
{
    /// <summary>Whether the model's answer to pool item <paramref name="item"/> is its gold label.</summary>
    bool IsRight(int item);

    /// <summary>The confidence the model stated for pool item <paramref name="item"/>; 0 when it gave none or no valid label.</summary>
    double StatedConfidence(int item);

    /// <summary>What the model's answer to pool item <paramref name="item"/> cost.</summary>
    double Cost(int item);
}

/// <summary>Progress of recording a real model's answers: <paramref name="Done"/> of <paramref name="Total"/> items.</summary>
public readonly record struct RecordingProgress(string Model, int Done, int Total);

/// <summary>
/// A real model oracle (an LLM behind <see cref="IOracle"/>) asked once about every routed item, its answers kept and
/// replayed to the policies. Invalid output, a refusal or an answer without a confidence count as "no usable answer":
/// never right, stated confidence 0 (the threshold policies send the item to a person, as the router does).
/// </summary>
public sealed class RecordedModel : IRoutedModel, Sift.Routing.IPricedOracle
{
    private readonly Dictionary<string, OracleAnswer> _answers;
    private readonly bool[] _right;
    private readonly double[] _stated;
    private readonly double[] _cost;

    private RecordedModel(string name, Dictionary<string, OracleAnswer> answers, bool[] right, double[] stated, double[] cost)
    {
        Name = name;
        _answers = answers;
        _right = right;
        _stated = stated;
        _cost = cost;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Items whose answer was unusable (invalid, declined, deferred or without a confidence).</summary>
    public int Unusable { get; private init; }

    /// <summary>Asks <paramref name="oracle"/> about the pool items <paramref name="items"/> in batches and keeps the answers.</summary>
    /// <param name="oracle">The model.</param>
    /// <param name="data">The pool (contents, gold labels for scoring only — never shown to the model).</param>
    /// <param name="items">Pool indices to ask about.</param>
    /// <param name="examples">Labeled examples the model may take few-shot examples from (none of them among <paramref name="items"/>).</param>
    /// <param name="batchSize">Questions per request.</param>
    /// <param name="seed">Seed of the requests.</param>
    /// <param name="progress">Receives progress after every batch.</param>
    /// <param name="cancellationToken">Cancels the recording.</param>
    /// <exception cref="SiftException">The oracle broke its contract (answer count or order).</exception>
    public static async Task<RecordedModel> RecordAsync(IOracle oracle, SimulationData data, IReadOnlyList<int> items, IReadOnlyList<LabeledExample> examples,
        int batchSize, ulong seed, IProgress<RecordingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var n = data.PoolIds.Count;
        var right = new bool[n];
        var stated = new double[n];
        var cost = new double[n];
        var answers = new Dictionary<string, OracleAnswer>(StringComparer.Ordinal);
        var unusable = 0;
        for (var start = 0; start < items.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = items.Skip(start).Take(batchSize).ToList();
            var questions = batch.Select(i => new OracleQuestion(data.PoolIds[i], data.PoolContent[i]) { PoolIndex = i, Cost = data.Costs[i] }).ToList();
            var request = new OracleRequest(questions, data.ClassNames) { Examples = examples, Seed = Seeds.Mix(seed, (ulong)start), Round = start / batchSize };
            var replies = await oracle.AskAsync(request, cancellationToken).ConfigureAwait(false);
            OracleReplies.CheckCount(oracle, questions.Count, replies.Count);
            for (var q = 0; q < replies.Count; q++)
            {
                var answer = replies[q];
                OracleReplies.CheckItem(oracle, questions[q], answer);
                var i = batch[q];
                answers[data.PoolIds[i]] = answer;
                cost[i] = answer.Provenance.Cost.Money;
                var usable = answer.Status == AnswerStatus.Answered && answer.Labels.Count == 1 && answer.Provenance.Confidence is { } c && c >= 0 && c <= 1;
                if (!usable)
                {
                    unusable++;
                    continue;
                }
                stated[i] = answer.Provenance.Confidence!.Value;
                right[i] = string.Equals(answer.Labels[0], data.ClassNames[data.PoolLabels[i]], StringComparison.Ordinal);
            }
            progress?.Report(new RecordingProgress(oracle.Name, Math.Min(items.Count, start + batch.Count), items.Count));
        }
        return new RecordedModel(oracle.Name, answers, right, stated, cost) { Unusable = unusable };
    }

    /// <inheritdoc />
    public bool IsRight(int item) => _right[item];

    /// <inheritdoc />
    public double StatedConfidence(int item) => _stated[item];

    /// <inheritdoc />
    public double Cost(int item) => _cost[item];

    /// <summary>
    /// What the recorded answer about <paramref name="question"/> cost (its tokens at the model's price), so a router can
    /// weigh asking this model as a second one; NaN for an item that was not recorded.
    /// </summary>
    public double ExpectedCost(OracleQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var i = question.PoolIndex;
        return i >= 0 && i < _cost.Length && _answers.ContainsKey(question.ItemId) ? _cost[i] : double.NaN;
    }

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">A question is about an item that was not recorded.</exception>
    public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = new OracleAnswer[request.Questions.Count];
        for (var q = 0; q < result.Length; q++)
        {
            var id = request.Questions[q].ItemId;
            result[q] = _answers.TryGetValue(id, out var answer) ? answer
                : throw new ConfigurationException($"The recorded model '{Name}' was not asked about item '{id}'.");
        }
        return ValueTask.FromResult<IReadOnlyList<OracleAnswer>>(result);
    }
}
