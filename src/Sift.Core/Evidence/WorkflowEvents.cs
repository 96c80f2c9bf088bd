namespace Sift.Evidence;

/// <summary>An item was marked gold (with its label) or unmarked (label null) by an admin or a gold import.</summary>
/// <param name="ItemId">The item's external id.</param>
/// <param name="Label">The gold label (multi-label: <c>;</c>-separated), or null when the mark was removed.</param>
public sealed record GoldEvent(string ItemId, string? Label) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "gold";
}

/// <summary>A reviewer decided an item's label; it overrides the resolution rule from now on.</summary>
/// <param name="ItemId">The item's external id.</param>
/// <param name="Labels">The decided labels.</param>
/// <param name="Previous">The resolved labels the decision replaced (null when the item had none).</param>
/// <param name="Override">Whether the decision differs from what was resolved before.</param>
/// <param name="Rationale">The reviewer's reason.</param>
/// <param name="By">The reviewer's name.</param>
public sealed record ReviewEvent(string ItemId, IReadOnlyList<string> Labels, IReadOnlyList<string>? Previous, bool Override, string Rationale, string By) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "review";
}

/// <summary>
/// The hand-out chose between relabeling a likely-mislabeled item and labeling a new one, by expected value
/// (docs/workflow.md, "Relabel or label something new?").
/// </summary>
/// <param name="Choice"><c>relabel</c> or <c>new</c>.</param>
/// <param name="ItemId">The relabel candidate weighed (external id), or null when there was none.</param>
/// <param name="RelabelValue">Expected value of relabeling it.</param>
/// <param name="NewValue">Expected value of a new label.</param>
/// <param name="HandedTo">The annotator's name.</param>
public sealed record RelabelEvent(string Choice, string? ItemId, double RelabelValue, double NewValue, string HandedTo) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "relabel";
}

/// <summary>
/// Who can reach the project changed: a member added or removed, or a user who reaches it was created, disabled,
/// enabled or given a new token. Never holds a token.
/// </summary>
/// <param name="Change"><c>member-added</c>, <c>member-removed</c>, <c>user-created</c>, <c>user-disabled</c>, <c>user-enabled</c> or <c>token-rotated</c>.</param>
/// <param name="User">The user's name.</param>
/// <param name="UserId">The user's id.</param>
/// <param name="Role">The user's role (admin, annotator, reviewer, auditor).</param>
/// <param name="By">The admin who made the change.</param>
public sealed record AccessEvent(string Change, string User, long UserId, string Role, string By) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "access";
}
