namespace Sift.Evidence;

/// <summary>One redacted item in a <see cref="RedactionEvent"/>: never its text, never the values found.</summary>
/// <param name="ItemId">The item's external id.</param>
/// <param name="Sha256">SHA-256 (lower-case hex) of the item's original text, as imported.</param>
/// <param name="Counts">Findings per kind (<c>email</c>, <c>phone</c>, …; a project pattern: <c>custom:NAME</c>).</param>
public sealed record RedactedItem(string ItemId, string Sha256, IReadOnlyDictionary<string, int> Counts);

/// <summary>
/// Items of one import were redacted before they were stored (server): annotators, reviewers, the featurizer and model
/// annotators see only the redacted view. Written in the import's transaction, after its <see cref="ImportEvent"/>; a
/// large import writes several, <see cref="MaxItems"/> items each, numbered by <see cref="Part"/>.
/// </summary>
/// <param name="Items">The redacted items of this part, in import order.</param>
/// <param name="Retention">The project's retention policy when the items were stored (<c>keep</c>, <c>drop</c>, <c>purge-after-export</c>).</param>
/// <param name="OriginalsKept">Whether the originals were stored (admin-only) rather than dropped.</param>
public sealed record RedactionEvent(IReadOnlyList<RedactedItem> Items, string Retention, bool OriginalsKept) : EvidenceEvent
{
    /// <summary>The most items one event lists: 1,000.</summary>
    public const int MaxItems = 1_000;

    /// <inheritdoc />
    public override string Kind => "redaction";

    /// <summary>SHA-256 of the imported file, when known (ties the event to its <see cref="ImportEvent"/>).</summary>
    public string? ImportSha256 { get; init; }

    /// <summary>1-based part of the import's redaction record.</summary>
    public int Part { get; init; } = 1;

    /// <summary>How many parts the import's record has.</summary>
    public int Parts { get; init; } = 1;

    /// <summary>Findings per kind over the items of this part.</summary>
    public IReadOnlyDictionary<string, int> Totals => Items
        .SelectMany(i => i.Counts)
        .GroupBy(c => c.Key, StringComparer.Ordinal)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Sum(c => c.Value), StringComparer.Ordinal);

    /// <summary>The events recording <paramref name="items"/> (none when empty), <see cref="MaxItems"/> per event.</summary>
    public static IReadOnlyList<RedactionEvent> For(IReadOnlyList<RedactedItem> items, string retention, bool originalsKept, string? importSha256)
    {
        ArgumentNullException.ThrowIfNull(items);
        var parts = (items.Count + MaxItems - 1) / MaxItems;
        return [.. items.Chunk(MaxItems).Select((chunk, i) => new RedactionEvent(chunk, retention, originalsKept)
        {
            ImportSha256 = importSha256,
            Part = i + 1,
            Parts = parts,
        })];
    }
}

/// <summary>One item whose original text was purged: its id and the hash that stays.</summary>
/// <param name="ItemId">The item's external id.</param>
/// <param name="Sha256">SHA-256 (lower-case hex) of the purged original, the same as in its <see cref="RedactionEvent"/>.</param>
public sealed record PurgedItem(string ItemId, string Sha256);

/// <summary>
/// Original texts were purged under the project's retention policy (server; <c>purge-after-export</c>: after a complete
/// admin export). The chain hashes events, not item texts, so the log still verifies; the hashes kept here let anyone
/// holding an original prove it is the one that was imported.
/// </summary>
/// <param name="Policy">The retention policy that purged them.</param>
/// <param name="Items">How many originals this purge removed (over all its parts).</param>
/// <param name="Purged">The purged items of this part with their hashes, in item order (at most <see cref="RedactionEvent.MaxItems"/>).</param>
public sealed record RetentionEvent(string Policy, int Items, IReadOnlyList<PurgedItem> Purged) : EvidenceEvent
{
    /// <inheritdoc />
    public override string Kind => "retention";

    /// <summary>What triggered it (<c>export</c>).</summary>
    public string Trigger { get; init; } = "export";

    /// <summary>1-based part of the purge's record.</summary>
    public int Part { get; init; } = 1;

    /// <summary>How many parts the purge's record has.</summary>
    public int Parts { get; init; } = 1;

    /// <summary>The events recording a purge of <paramref name="purged"/> (none when empty).</summary>
    public static IReadOnlyList<RetentionEvent> For(string policy, IReadOnlyList<PurgedItem> purged, string trigger = "export")
    {
        ArgumentNullException.ThrowIfNull(purged);
        var parts = (purged.Count + RedactionEvent.MaxItems - 1) / RedactionEvent.MaxItems;
        return [.. purged.Chunk(RedactionEvent.MaxItems).Select((chunk, i) => new RetentionEvent(policy, purged.Count, chunk)
        {
            Trigger = trigger,
            Part = i + 1,
            Parts = parts,
        })];
    }
}
