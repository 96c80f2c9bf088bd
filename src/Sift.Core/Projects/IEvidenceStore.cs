using Sift.Evidence;

namespace Sift.Projects;

/// <summary>
/// A project's evidence stream, stored: every event gets the next sequence number of its project (1, 2, 3, … with no
/// gaps and in commit order, whichever process wrote it). The stores append the events of their own writes (import,
/// hand-out, answer, undo, model version, settings) in the same transaction as the write; this interface appends the
/// events nothing else records (an export). Part of <see cref="ISiftStore"/>; thread-safe, safe across processes.
/// </summary>
public interface IEvidenceStore
{
    /// <summary>
    /// Appends one event to the project's evidence in its own transaction and returns its sequence number. The event's
    /// <see cref="EvidenceEvent.At"/> is set to <paramref name="now"/> when it is null.
    /// </summary>
    /// <exception cref="NotFoundException">The project does not exist.</exception>
    Task<long> AppendEvidenceAsync(long projectId, EvidenceEvent evidence, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the project's evidence in sequence order: events with a sequence number greater than
    /// <paramref name="afterSeq"/> (0: from the first), at most <paramref name="limit"/>. Empty past the end (and for a
    /// project that does not exist).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterSeq"/> is negative, or <paramref name="limit"/> is not between 1 and <see cref="Paging.MaxLimit"/>.</exception>
    Task<IReadOnlyList<StoredEvidence>> ReadEvidenceAsync(long projectId, long afterSeq, int limit, CancellationToken cancellationToken = default);
}

/// <summary>One stored evidence event.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Seq">Its sequence number in the project (1-based, gap-free).</param>
/// <param name="Kind">The event's kind (<see cref="EvidenceEvent.Kind"/>).</param>
/// <param name="At">When it happened.</param>
/// <param name="Json">The event as written by <see cref="EvidenceJson.Serialize"/>: one line of canonical JSON.</param>
public sealed record StoredEvidence(long ProjectId, long Seq, string Kind, DateTimeOffset At, string Json)
{
    /// <summary>The hash of the entry before it (<see cref="EvidenceChain.Genesis"/> for the first).</summary>
    public string Prev { get; init; } = "";

    /// <summary>Its hash in the project's chain (<see cref="EvidenceChain.Hash"/>).</summary>
    public string Hash { get; init; } = "";

    /// <summary>The entry as the chain sees it.</summary>
    public ChainEntry ToChainEntry() => new(Seq, Prev, Hash, Json);
}

/// <summary>Where an import came from, for its <see cref="ImportEvent"/>.</summary>
/// <param name="Source">The file or upload name (untrusted; recorded as given).</param>
/// <param name="At">When the import happened (from an injected clock).</param>
public sealed record ImportOrigin(string Source, DateTimeOffset At)
{
    /// <summary>SHA-256 (hex) of the imported bytes, when known.</summary>
    public string? Sha256 { get; init; }
}
