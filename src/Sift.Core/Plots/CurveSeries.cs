namespace Sift.Plots;

/// <summary>
/// One learning curve: the mean over repeated runs at each x (number of labels), with the min–max spread.
/// The four lists are aligned and drawn in the order given (normally ascending x); a point whose value is
/// NaN or infinite is left out.
/// </summary>
/// <param name="Name">Legend name, e.g. the strategy; a name starting with "random" is drawn grey.</param>
/// <param name="X">x of each point (e.g. labels used).</param>
/// <param name="Mean">Mean y at each point (e.g. test accuracy).</param>
/// <param name="Min">Lowest y at each point, the lower edge of the band.</param>
/// <param name="Max">Highest y at each point, the upper edge of the band.</param>
public sealed record CurveSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Mean, IReadOnlyList<double> Min, IReadOnlyList<double> Max);
