using Sift.Oracles;

namespace Sift.Routing;

/// <summary>
/// An oracle that can say what one answer will cost before it is asked (a model with a known price per token and a
/// known prompt). <see cref="RoutingOracle"/> reads it to decide whether a second model is worth asking about an item;
/// a second model that does not implement it is priced by its past answers (the first one asked alone, as a probe).
/// </summary>
public interface IPricedOracle : IOracle
{
    /// <summary>The money one answer about <paramref name="question"/> is expected to cost; NaN when it cannot say.</summary>
    double ExpectedCost(OracleQuestion question);
}
