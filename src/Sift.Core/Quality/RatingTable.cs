namespace Sift.Quality;

/// <summary>
/// Nominal ratings of items by annotators: for each item, which annotators rated it and which category each chose.
/// Missing ratings are allowed (an annotator need not rate every item; an item may have no ratings at all). Stored
/// sparsely by item (ratings of one item are contiguous and ordered by annotator), so a crowd of many annotators who
/// each rate a few items costs memory in proportion to the ratings, not to items × annotators. Immutable and
/// thread-safe.
/// </summary>
/// <remarks>Each annotator has at most one rating per item. Categories are indices 0 … <see cref="Categories"/> − 1.</remarks>
public sealed class RatingTable
{
    /// <summary>The value that marks a missing rating in dense input (<see cref="FromDense"/>) and in <see cref="Get"/>.</summary>
    public const int Missing = -1;

    private readonly int[] _itemStart;
    private readonly int[] _annotator;
    private readonly int[] _label;

    private RatingTable(int[] itemStart, int[] annotator, int[] label, IReadOnlyList<string> items, IReadOnlyList<string> annotators, IReadOnlyList<string> categories)
    {
        _itemStart = itemStart;
        _annotator = annotator;
        _label = label;
        ItemIds = items;
        AnnotatorNames = annotators;
        CategoryNames = categories;
    }

    /// <summary>Number of items (rows), rated or not.</summary>
    public int Items => ItemIds.Count;

    /// <summary>Number of annotators (columns).</summary>
    public int Annotators => AnnotatorNames.Count;

    /// <summary>Number of categories, used or not.</summary>
    public int Categories => CategoryNames.Count;

    /// <summary>Number of ratings (non-missing cells).</summary>
    public int Ratings => _label.Length;

    /// <summary>Item names by index (for tables made with <see cref="FromDense"/>: "0", "1", …).</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>Annotator names by index.</summary>
    public IReadOnlyList<string> AnnotatorNames { get; }

    /// <summary>Category names by index.</summary>
    public IReadOnlyList<string> CategoryNames { get; }

    /// <summary>Number of ratings of <paramref name="item"/>.</summary>
    public int RatingsOf(int item) => _itemStart[item + 1] - _itemStart[item];

    /// <summary>The annotators who rated <paramref name="item"/>, in increasing order.</summary>
    public ReadOnlySpan<int> AnnotatorsOf(int item) => _annotator.AsSpan(_itemStart[item], RatingsOf(item));

    /// <summary>The categories chosen for <paramref name="item"/>, aligned with <see cref="AnnotatorsOf"/>.</summary>
    public ReadOnlySpan<int> LabelsOf(int item) => _label.AsSpan(_itemStart[item], RatingsOf(item));

    /// <summary>The category <paramref name="annotator"/> chose for <paramref name="item"/>, or <see cref="Missing"/>.</summary>
    public int Get(int item, int annotator)
    {
        var at = AnnotatorsOf(item).BinarySearch(annotator);
        return at >= 0 ? LabelsOf(item)[at] : Missing;
    }

    /// <summary>Offset of <paramref name="item"/>'s first rating in the flat rating arrays (internal fast paths).</summary>
    internal int Start(int item) => _itemStart[item];

    /// <summary>Flat per-rating annotator indices, grouped by item (internal fast paths).</summary>
    internal ReadOnlySpan<int> AllAnnotators => _annotator;

    /// <summary>Flat per-rating categories, grouped by item (internal fast paths).</summary>
    internal ReadOnlySpan<int> AllLabels => _label;

    /// <summary>
    /// A table from a dense items × annotators matrix in which <see cref="Missing"/> (−1) marks a missing rating.
    /// Items, annotators and categories are named by their indices.
    /// </summary>
    /// <param name="ratings">Row i, column a: the category annotator a chose for item i, or −1.</param>
    /// <param name="categories">Number of categories; every rating must be below it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A rating is outside −1 … <paramref name="categories"/> − 1.</exception>
    public static RatingTable FromDense(int[,] ratings, int categories)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        ArgumentOutOfRangeException.ThrowIfNegative(categories);
        int items = ratings.GetLength(0), annotators = ratings.GetLength(1);
        var start = new int[items + 1];
        var who = new List<int>();
        var what = new List<int>();
        for (var i = 0; i < items; i++)
        {
            for (var a = 0; a < annotators; a++)
            {
                var label = ratings[i, a];
                if (label == Missing) continue;
                if (label < 0 || label >= categories)
                    throw new ArgumentOutOfRangeException(nameof(ratings), label, $"Rating ({i}, {a}) must be −1 (missing) or a category below {categories}.");
                who.Add(a);
                what.Add(label);
            }
            start[i + 1] = who.Count;
        }
        return new RatingTable(start, [.. who], [.. what], Names(items), Names(annotators), Names(categories));
    }

    /// <summary>
    /// A table from (item, annotator, category) triples; unnamed, like <see cref="FromDense"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    /// <exception cref="ArgumentException">An annotator rates the same item twice.</exception>
    public static RatingTable FromRatings(int items, int annotators, int categories, IEnumerable<(int Item, int Annotator, int Label)> ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        return Create(items, annotators, categories, ratings, Names(items), Names(annotators), Names(categories));
    }

    /// <summary>Builds the sparse form; names are taken as given (one per index).</summary>
    internal static RatingTable Create(int items, int annotators, int categories, IEnumerable<(int Item, int Annotator, int Label)> ratings,
        IReadOnlyList<string> itemNames, IReadOnlyList<string> annotatorNames, IReadOnlyList<string> categoryNames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfNegative(annotators);
        ArgumentOutOfRangeException.ThrowIfNegative(categories);
        var list = ratings.ToList();
        foreach (var (i, a, l) in list)
        {
            if ((uint)i >= (uint)items) throw new ArgumentOutOfRangeException(nameof(ratings), i, $"Item index must be below {items}.");
            if ((uint)a >= (uint)annotators) throw new ArgumentOutOfRangeException(nameof(ratings), a, $"Annotator index must be below {annotators}.");
            if ((uint)l >= (uint)categories) throw new ArgumentOutOfRangeException(nameof(ratings), l, $"Category must be below {categories}.");
        }
        list.Sort((x, y) => x.Item != y.Item ? x.Item.CompareTo(y.Item) : x.Annotator.CompareTo(y.Annotator));
        var start = new int[items + 1];
        var who = new int[list.Count];
        var what = new int[list.Count];
        for (var r = 0; r < list.Count; r++)
        {
            var (i, a, l) = list[r];
            if (r > 0 && list[r - 1].Item == i && list[r - 1].Annotator == a)
                throw new ArgumentException($"Annotator {a} rates item {i} more than once.", nameof(ratings));
            start[i + 1]++;
            who[r] = a;
            what[r] = l;
        }
        for (var i = 0; i < items; i++) start[i + 1] += start[i];
        return new RatingTable(start, who, what, itemNames, annotatorNames, categoryNames);
    }

    /// <summary>
    /// Per-item category counts n_ic as a flat items × categories array (row i: how many annotators chose each category
    /// for item i). Most agreement measures need only these.
    /// </summary>
    public int[] CategoryCounts()
    {
        var counts = new int[Items * Categories];
        for (var i = 0; i < Items; i++)
            foreach (var label in LabelsOf(i)) counts[i * Categories + label]++;
        return counts;
    }

    private static string[] Names(int count)
    {
        var names = new string[count];
        for (var i = 0; i < count; i++) names[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return names;
    }
}
