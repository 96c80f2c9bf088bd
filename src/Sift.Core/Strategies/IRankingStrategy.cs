namespace Sift.Strategies;

/// <summary>
/// A strategy that ranks: it scores candidates one by one, so choosing <c>k</c> items gives the first <c>k</c> of the
/// order it gives for all of them (choosing every candidate is a meaningful order of the whole pool). The server orders
/// its queue by such a strategy alone; a strategy that chooses its batch as a set (diversity, BADGE, decorators that
/// reshape a batch) is not one, and the server orders its batch first and the rest by margin.
/// </summary>
/// <remarks>
/// A capability, not a different API: <see cref="IQueryStrategy.Select"/> is all there is. The strategy contract suite
/// checks the prefix property of every implementation.
/// </remarks>
public interface IRankingStrategy : IQueryStrategy;
