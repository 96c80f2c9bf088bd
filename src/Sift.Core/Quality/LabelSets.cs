namespace Sift.Quality;

/// <summary>
/// How a set of labels (a multi-label answer) becomes one nominal category for agreement measures, the convention of
/// <see cref="AnnotationFileReader"/> and of the server's agreement endpoint: one label is that label; zero or several
/// are sorted ordinally and joined with <c>;</c> (the empty set is the empty string). Two answers then agree only
/// when they chose exactly the same set. Pure and thread-safe.
/// </summary>
public static class LabelSets
{
    /// <summary>The separator of labels in a set's category name.</summary>
    public const char Separator = ';';

    /// <summary>The category of an answer with these labels.</summary>
    public static string Category(IReadOnlyCollection<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return labels.Count == 1 ? labels.First() : string.Join(Separator, labels.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The category of a multi-label gold label written as labels joined with <c>;</c> in any order (as the server
    /// imports and exports them): split, trimmed, empty parts dropped, then <see cref="Category"/>.
    /// </summary>
    public static string CategoryOfJoined(string joined)
    {
        ArgumentNullException.ThrowIfNull(joined);
        return Category(joined.Split(Separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
    }
}
