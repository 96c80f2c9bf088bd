using Sift.Evidence;
using Sift.Oracles;

namespace Sift.Projects;

/// <summary>
/// Annotators' answers with their provenance, undo, and the aggregates read from them. Part of
/// <see cref="ISiftStore"/>; thread-safe, safe across processes, every write one durable transaction. A submit and an
/// undo each append an <see cref="Sift.Evidence.AnswerEvent"/> in the same transaction.
/// </summary>
public interface IAnnotationStore
{
    /// <summary>
    /// Records an answer. Idempotent per (annotator, client request id): a repeat returns the first annotation with
    /// <see cref="SubmitResult.Duplicate"/> true and changes nothing. The task must belong to the annotator and be
    /// Leased; a lease past its expiry that was not yet reclaimed is still accepted; a reclaimed (Expired) task is
    /// accepted only if the item still has a free slot (it takes the slot back). The annotation records the project's
    /// current instructions version. The task becomes Submitted.
    /// The annotation's provenance is <paramref name="provenance"/> when given, else a person: kind
    /// <see cref="OracleKind.Person"/>, the annotator's user name; either way the store sets the instructions version it
    /// records and <see cref="Provenance.At"/> (= <paramref name="now"/>) when they are unset. An
    /// <see cref="AnswerEvent"/> with that provenance is appended in the same transaction (not for a repeat).
    /// </summary>
    /// <exception cref="NotFoundException">No such task in the project, or it is not the annotator's.</exception>
    /// <exception cref="ConflictException">The task was skipped or already answered (by another request id), or expired with no free slot.</exception>
    Task<SubmitResult> SubmitAsync(long projectId, long taskId, long annotatorId, IReadOnlyList<string> labels, string clientRequestId, DateTimeOffset now, Provenance? provenance = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Undoes the annotator's most recent annotation in the project that is not undone: marks it Undone and puts its
    /// task back to Leased with a fresh expiry (<paramref name="now"/> + <paramref name="lease"/>), so the item comes
    /// back to the same annotator. Returns that task, or null when there is nothing to undo. Appends an <see cref="AnswerEvent"/> with
    /// <see cref="AnswerEvent.Undo"/> true (the withdrawn labels and their provenance) in the same transaction.
    /// </summary>
    Task<TaskRecord?> UndoLastAsync(long projectId, long annotatorId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes an answer the annotator gave earlier (from their history): in one transaction the annotation
    /// <paramref name="annotationId"/> is marked undone (it is kept) and a new annotation with <paramref name="labels"/>
    /// is recorded for the same task and item, under the project's current instructions version, its provenance naming
    /// the one it replaces (<see cref="Provenance.Supersedes"/>). Appends an <see cref="AnswerEvent"/> with
    /// <see cref="AnswerEvent.Undo"/> true for the old answer and one for the new. The task stays Submitted. Idempotent
    /// per (annotator, client request id), as <see cref="SubmitAsync"/>: a repeat returns the first change with
    /// <see cref="SubmitResult.Duplicate"/> true.
    /// </summary>
    /// <exception cref="NotFoundException">No such annotation in the project, or it is not the annotator's.</exception>
    /// <exception cref="ConflictException">It was undone or changed already, or the request id was used for something else.</exception>
    Task<SubmitResult> ReviseAsync(long projectId, long annotationId, long annotatorId, IReadOnlyList<string> labels, string clientRequestId, DateTimeOffset now,
        Provenance? provenance = null, CancellationToken cancellationToken = default);

    /// <summary>Annotations of the project, by id; only the given annotator's when <paramref name="annotatorId"/> is set.</summary>
    Task<IReadOnlyList<Annotation>> GetAnnotationsAsync(long projectId, long? annotatorId = null, bool includeUndone = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the project's annotations in id order: those with an id greater than <paramref name="afterId"/> (0:
    /// from the first), at most <paramref name="limit"/>, undone ones only when <paramref name="includeUndone"/>. Keyset
    /// paging as in <see cref="IItemStore.GetItemsPageAsync"/>: answers submitted while a reader pages come on a later page (ids
    /// grow); one undone meanwhile may already have been read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterId"/> is negative, or <paramref name="limit"/> is not between 1 and <see cref="Paging.MaxLimit"/>.</exception>
    Task<IReadOnlyList<Annotation>> GetAnnotationsPageAsync(long projectId, long afterId, int limit, bool includeUndone = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// The project's live (not undone) annotations aggregated in the database: their number, the count per distinct
    /// label list, and the first and last answer times. Reads no annotation rows into memory.
    /// </summary>
    Task<AnnotationSummary> GetAnnotationSummaryAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The project's live (not undone) annotations counted per time bucket of <paramref name="bucket"/> (buckets start
    /// at whole multiples of it, counted in UTC ticks from <see cref="DateTimeOffset.MinValue"/>); only buckets with
    /// answers, oldest first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bucket"/> is not positive.</exception>
    Task<IReadOnlyList<TimeBucketCount>> GetAnnotationHistogramAsync(long projectId, TimeSpan bucket, CancellationToken cancellationToken = default);

    /// <summary>
    /// The project's data revision: a number that grows with every committed write that changes the project's items
    /// (an import that adds some) or its live annotations (a submit that records an answer, an undo), whichever process
    /// made it. Two equal values mean no such write committed in between, so a result computed from data read after
    /// the first value is still current. Cheap: one indexed read of a handful of rows. Starts at 0.
    /// </summary>
    Task<long> GetRevisionAsync(long projectId, CancellationToken cancellationToken = default);
}
