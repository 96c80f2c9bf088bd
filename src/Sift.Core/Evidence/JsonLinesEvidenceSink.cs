namespace Sift.Evidence;

/// <summary>
/// Writes each event as one line of canonical JSON (<see cref="EvidenceJson"/>) followed by <c>\n</c>, in emit order,
/// hash-chained: each line ends with its <c>chain</c> member (<see cref="EvidenceChain"/>), so the file verifies with
/// <c>sift verify</c>; <see cref="Head"/> is what a checkpoint signs;
/// to a writer the caller owns (the CLI opens <c>evidence.jsonl</c>; Core opens no files). Thread-safe: emits are
/// serialised. Not durable by itself: an event is in the writer's buffer when <see cref="Emit"/> returns; call
/// <see cref="Flush"/> (or dispose the writer) to push it on.
/// </summary>
public sealed class JsonLinesEvidenceSink : IEvidenceSink
{
    private readonly TextWriter _writer;
    private readonly Lock _gate = new();
    private string _head = EvidenceChain.Genesis;

    /// <summary>Creates a sink over <paramref name="writer"/> (not disposed by the sink).</summary>
    public JsonLinesEvidenceSink(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Events written so far.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// The number and hash of the last entry written, read together (0 and <see cref="EvidenceChain.Genesis"/> before
    /// the first): what a <see cref="Checkpoint"/> signs.
    /// </summary>
    public (long Seq, string Hash) Head
    {
        get { lock (_gate) return (Count, _head); }
    }

    /// <inheritdoc />
    public void Emit(EvidenceEvent evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var json = EvidenceJson.Serialize(evidence);
        lock (_gate)
        {
            var entry = ChainEntry.After(Count + 1, _head, json);
            _writer.Write(EvidenceChain.Line(entry));
            _writer.Write('\n');
            Count++;
            _head = entry.Hash;
        }
    }

    /// <summary>Flushes the writer.</summary>
    public void Flush()
    {
        lock (_gate) _writer.Flush();
    }
}
