namespace Sift.Evidence;

/// <summary>
/// Writes each event as one line of canonical JSON (<see cref="EvidenceJson"/>) followed by <c>\n</c>, in emit order,
/// to a writer the caller owns (the CLI opens <c>evidence.jsonl</c>; Core opens no files). Thread-safe: emits are
/// serialised. Not durable by itself: an event is in the writer's buffer when <see cref="Emit"/> returns; call
/// <see cref="Flush"/> (or dispose the writer) to push it on.
/// </summary>
public sealed class JsonLinesEvidenceSink : IEvidenceSink
{
    private readonly TextWriter _writer;
    private readonly Lock _gate = new();

    /// <summary>Creates a sink over <paramref name="writer"/> (not disposed by the sink).</summary>
    public JsonLinesEvidenceSink(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Events written so far.</summary>
    public long Count { get; private set; }

    /// <inheritdoc />
    public void Emit(EvidenceEvent evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var line = EvidenceJson.Serialize(evidence);
        lock (_gate)
        {
            _writer.Write(line);
            _writer.Write('\n');
            Count++;
        }
    }

    /// <summary>Flushes the writer.</summary>
    public void Flush()
    {
        lock (_gate) _writer.Flush();
    }
}
