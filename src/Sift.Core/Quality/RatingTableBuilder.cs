namespace Sift.Quality;

/// <summary>
/// Collects named ratings (item, annotator, label) into a <see cref="RatingTable"/>. Items keep the order in which they
/// were first seen; annotators and categories are ordered by ordinal name, so the table (and everything computed from
/// it) does not depend on the order of the input lines. When an annotator rates the same item again, the later rating
/// replaces the earlier one (counted in <see cref="Replaced"/>). Not thread-safe.
/// </summary>
public sealed class RatingTableBuilder
{
    private readonly Dictionary<string, int> _items = new(StringComparer.Ordinal);
    private readonly List<string> _itemNames = [];
    private readonly Dictionary<string, int> _annotators = new(StringComparer.Ordinal);
    private readonly List<string> _annotatorNames = [];
    private readonly Dictionary<string, int> _categories = new(StringComparer.Ordinal);
    private readonly List<string> _categoryNames = [];
    private readonly Dictionary<(int Item, int Annotator), int> _ratings = [];

    /// <summary>Ratings that replaced an earlier rating of the same item by the same annotator.</summary>
    public int Replaced { get; private set; }

    /// <summary>Ratings held (after replacements).</summary>
    public int Count => _ratings.Count;

    /// <summary>Adds an item without ratings (or does nothing if it is known); returns its insertion index.</summary>
    public int AddItem(string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Index(_items, _itemNames, item);
    }

    /// <summary>Declares a category even if no rating uses it (e.g. a project's label schema).</summary>
    public void AddCategory(string category)
    {
        ArgumentNullException.ThrowIfNull(category);
        Index(_categories, _categoryNames, category);
    }

    /// <summary>Adds a rating; returns false when it replaced an earlier rating of the item by the same annotator.</summary>
    public bool Add(string item, string annotator, string label)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(annotator);
        ArgumentNullException.ThrowIfNull(label);
        var key = (Index(_items, _itemNames, item), Index(_annotators, _annotatorNames, annotator));
        var fresh = _ratings.TryAdd(key, Index(_categories, _categoryNames, label));
        if (!fresh)
        {
            _ratings[key] = _categories[label];
            Replaced++;
        }
        return fresh;
    }

    /// <summary>Builds the table; the builder can go on collecting afterwards.</summary>
    public RatingTable Build()
    {
        var annotatorOrder = Order(_annotatorNames);
        var categoryOrder = Order(_categoryNames);
        var ratings = _ratings.Select(r => (r.Key.Item, annotatorOrder[r.Key.Annotator], categoryOrder[r.Value]));
        return RatingTable.Create(_itemNames.Count, _annotatorNames.Count, _categoryNames.Count, ratings,
            _itemNames.ToArray(), _annotatorNames.Order(StringComparer.Ordinal).ToArray(), _categoryNames.Order(StringComparer.Ordinal).ToArray());
    }

    private static int Index(Dictionary<string, int> index, List<string> names, string name)
    {
        if (index.TryGetValue(name, out var i)) return i;
        index[name] = names.Count;
        names.Add(name);
        return names.Count - 1;
    }

    /// <summary>Maps insertion index → rank in ordinal name order.</summary>
    private static int[] Order(List<string> names)
    {
        var sorted = Enumerable.Range(0, names.Count).OrderBy(i => names[i], StringComparer.Ordinal).ToArray();
        var rank = new int[names.Count];
        for (var r = 0; r < sorted.Length; r++) rank[sorted[r]] = r;
        return rank;
    }
}
