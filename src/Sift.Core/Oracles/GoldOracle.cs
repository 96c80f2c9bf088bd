namespace Sift.Oracles;

/// <summary>
/// The simulator's oracle: answers each question with the item's gold label, certain and free. Questions are looked
/// up by <see cref="OracleQuestion.PoolIndex"/> when set, else by item id. Immutable and thread-safe.
/// </summary>
public sealed class GoldOracle : IOracle
{
    /// <summary>The name recorded with its answers.</summary>
    public const string OracleName = "simulated-gold";

    private readonly IReadOnlyList<string> _labels;
    private readonly Dictionary<string, int> _index;
    private readonly Provenance _provenance = new() { Kind = OracleKind.Simulation, Name = OracleName, Confidence = 1, ConfidenceMethod = "gold" };

    /// <summary>Creates the oracle over pool items and their gold labels (aligned lists).</summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public GoldOracle(IReadOnlyList<string> itemIds, IReadOnlyList<string> goldLabels)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(goldLabels);
        if (itemIds.Count != goldLabels.Count) throw new ArgumentException("Item ids and gold labels differ in length.", nameof(goldLabels));
        _labels = goldLabels;
        _index = new Dictionary<string, int>(itemIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < itemIds.Count; i++) _index.TryAdd(itemIds[i], i);
    }

    /// <inheritdoc />
    public string Name => OracleName;

    /// <summary>The gold label of one question (synchronous, for the simulator's hot path).</summary>
    /// <exception cref="ArgumentException">The question's item is not in the pool.</exception>
    public string Answer(OracleQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var i = question.PoolIndex >= 0 ? question.PoolIndex
            : _index.TryGetValue(question.ItemId, out var j) ? j
            : throw new ArgumentException($"Item '{question.ItemId}' has no gold label.", nameof(question));
        return _labels[i];
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answers = new OracleAnswer[request.Questions.Count];
        for (var q = 0; q < answers.Length; q++)
        {
            var question = request.Questions[q];
            answers[q] = OracleAnswer.Given(question.ItemId, [Answer(question)], _provenance);
        }
        return ValueTask.FromResult<IReadOnlyList<OracleAnswer>>(answers);
    }
}
