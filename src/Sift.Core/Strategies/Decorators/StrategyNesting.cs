using System.Globalization;

namespace Sift.Strategies;

/// <summary>A strategy that wraps others; <see cref="Depth"/> counts the wrappers down to the innermost strategy.</summary>
internal interface INestedStrategy
{
    /// <summary>1 for a wrapper around plain strategies, one more per wrapper around it.</summary>
    int Depth { get; }
}

/// <summary>
/// Keeps compositions shallow: every selection, name and parameter list recurses through each wrapper, so a chain
/// deeper than <see cref="StrategyCatalog.MaxNesting"/> is refused when it is built rather than overflowing the stack
/// when it runs.
/// </summary>
internal static class StrategyNesting
{
    /// <summary>The depth of a new wrapper around <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentException">The composition would be deeper than <see cref="StrategyCatalog.MaxNesting"/>.</exception>
    public static int Wrap(IQueryStrategy inner, string paramName, IQueryStrategy? other = null)
    {
        var depth = Math.Max(DepthOf(inner), other is null ? 0 : DepthOf(other)) + 1;
        if (depth > StrategyCatalog.MaxNesting)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Strategies may be nested at most {StrategyCatalog.MaxNesting} wrappers deep; this one would be {depth}."), paramName);
        }
        return depth;
    }

    private static int DepthOf(IQueryStrategy strategy) => strategy is INestedStrategy nested ? nested.Depth : 0;
}
