using System.Text.Json.Nodes;
using Sift.Items;

namespace Sift.Data;

/// <summary>
/// One example as read from a file: its text, optional gold label and the optional fields that
/// strategies and reports use. Items are immutable. A preference pair read from a file is an item too: its
/// <see cref="Content"/> is the <see cref="PairContent"/> and its <see cref="Text"/> the pair's
/// <see cref="ItemContent.FeatureText"/>.
/// </summary>
/// <param name="Id">Stable identifier (from the file, or the 1-based line/row number when absent).</param>
/// <param name="Text">The text shown to annotators and featurised by the learner (a pair's feature text).</param>
/// <param name="Label">Gold or known label, when the file has one (for a pair, one of <see cref="PairLabels"/>).</param>
/// <param name="Group">Subgroup for coverage quotas and per-group reports.</param>
/// <param name="Cost">Cost of labeling this item (money or effort); 1 when absent.</param>
/// <param name="Meta">Free-form metadata carried through to exports.</param>
public sealed record TextItem(string Id, string Text, string? Label = null, string? Group = null, double Cost = 1.0, JsonObject? Meta = null)
{
    /// <summary>The 1-based line on which the item starts in its file (for errors found after reading); 0 when not read from a file.</summary>
    public long Line { get; init; }

    /// <summary>The file gave no id, so <see cref="Id"/> is the line number; a caller that needs ids stable across edits of the file can replace it.</summary>
    public bool IdFromLine { get; init; }

    /// <summary>What the item is: a <see cref="TextContent"/> of <see cref="Text"/> unless it was read as something else (a pair).</summary>
    public ItemContent Content
    {
        get => field ?? new TextContent(Text);
        init;
    }
}

/// <summary>A loaded data set: its items in file order and the label names found in it.</summary>
public sealed class TextDataset
{
    /// <summary>Creates a data set.</summary>
    public TextDataset(string source, IReadOnlyList<TextItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Source = source;
        Items = items;
        ContentKind = items.Count > 0 ? items[0].Content.Kind : ContentKind.Text;
        Labels = items.Where(i => i.Label is not null).Select(i => i.Label!).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Where it was read from.</summary>
    public string Source { get; }

    /// <summary>Items in file order.</summary>
    public IReadOnlyList<TextItem> Items { get; }

    /// <summary>Distinct labels, ordinal-sorted.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The kind of the items (the readers never mix kinds in one data set): the first item's, text when there are none.</summary>
    public ContentKind ContentKind { get; }

    /// <summary>Number of items.</summary>
    public int Count => Items.Count;
}
