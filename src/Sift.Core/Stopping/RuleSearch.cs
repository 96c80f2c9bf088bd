namespace Sift.Stopping;

/// <summary>Finds rules of a kind inside a (possibly combined) stopping rule.</summary>
internal static class RuleSearch
{
    /// <summary>Every rule of type <typeparamref name="T"/> in <paramref name="rule"/>, depth first.</summary>
    public static IEnumerable<T> Find<T>(IStoppingRule rule) where T : IStoppingRule
    {
        if (rule is T t) yield return t;
        if (rule is CombinedRule c)
            foreach (var inner in c.Rules)
                foreach (var x in Find<T>(inner)) yield return x;
    }
}
