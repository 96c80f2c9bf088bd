using Sift.Projects;

namespace Sift.Oracles;

/// <summary>
/// Checks an oracle's answers against its questions and the label schema, for the drivers that ask oracles (the
/// simulator, <see cref="Loop.ActiveLearningLoop.RunAsync"/>): the contract of <see cref="IOracle"/>, enforced where
/// the answers are used, with one sentence naming the oracle and the item.
/// </summary>
internal static class OracleReplies
{
    /// <exception cref="SiftException">The oracle gave more or fewer answers than it was asked questions.</exception>
    public static void CheckCount(IOracle oracle, int questions, int answers)
    {
        if (answers != questions)
            throw new SiftException($"Oracle '{oracle.Name}' gave {answers} answers to {questions} questions.");
    }

    /// <exception cref="SiftException">The answer is for another item than the question.</exception>
    public static void CheckItem(IOracle oracle, OracleQuestion question, OracleAnswer answer)
    {
        if (!string.Equals(answer.ItemId, question.ItemId, StringComparison.Ordinal))
            throw new SiftException($"Oracle '{oracle.Name}' answered item '{answer.ItemId}' where item '{question.ItemId}' was asked.");
    }

    /// <summary>An answered answer's labels as sorted schema indices: exactly one for single-label, a set of distinct labels for multi-label.</summary>
    /// <exception cref="SiftException">A label is not in the schema, repeats, or a single-label answer does not hold exactly one.</exception>
    public static int[] LabelSet(IOracle oracle, OracleAnswer answer, IReadOnlyDictionary<string, int> labelIndex, LabelMode mode)
    {
        var set = new int[answer.Labels.Count];
        var valid = mode == LabelMode.Multi || set.Length == 1;
        for (var i = 0; i < set.Length && valid; i++) valid = labelIndex.TryGetValue(answer.Labels[i], out set[i]);
        Array.Sort(set);
        for (var i = 1; i < set.Length && valid; i++) valid = set[i] != set[i - 1];
        if (!valid)
            throw new SiftException($"Oracle '{oracle.Name}' answered item '{answer.ItemId}' with [{string.Join(", ", answer.Labels)}], "
                + (mode == LabelMode.Multi ? "not a set of labels of the schema." : "not one label of the schema."));
        return set;
    }
}
