namespace Sift.Strategies;

/// <summary>Helpers for decorators that hand a wrapped strategy a narrower view of the same round.</summary>
internal static class QueryContexts
{
    /// <summary>
    /// A copy of <paramref name="context"/> over <paramref name="candidates"/> (a subset of its candidates) with
    /// <paramref name="seed"/>; every other input is shared. Cached probabilities are not carried over, since they
    /// are aligned with the original candidates.
    /// </summary>
    public static QueryContext WithCandidates(QueryContext context, int[] candidates, ulong seed) =>
        new(context.Features, candidates, seed)
        {
            Round = context.Round,
            ClassCount = context.ClassCount,
            Model = context.Model,
            Committee = context.Committee,
            Embeddings = context.Embeddings,
            LabeledIndices = context.LabeledIndices,
            LabeledClasses = context.LabeledClasses,
            Costs = context.Costs,
            Groups = context.Groups,
            ClassNames = context.ClassNames,
            Pairs = context.Pairs,
        };
}
