using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Evidence;

/// <summary>
/// The hash chain of an evidence log. Entry n (1, 2, 3, … with no gaps) carries <c>hash = SHA-256("sift-evidence/1\n"
/// + n + "\n" + prev + "\n" + json)</c> over the event's canonical JSON (<see cref="EvidenceJson.Serialize"/>), where
/// <c>prev</c> is entry n − 1's hash (<see cref="Genesis"/> for the first). Editing, deleting, inserting or reordering
/// an entry breaks the chain at that entry; a cut tail and a consistent rewrite of the whole chain are caught against
/// a signed <see cref="Checkpoint"/> kept outside the log.
/// </summary>
public static partial class EvidenceChain
{
    /// <summary>The <c>prev</c> of the first entry: 64 zeros.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>The hash of entry <paramref name="seq"/> holding <paramref name="json"/> after an entry whose hash is <paramref name="prev"/> (lower-case hex).</summary>
    public static string Hash(long seq, string prev, string json)
    {
        ArgumentNullException.ThrowIfNull(prev);
        ArgumentNullException.ThrowIfNull(json);
        var text = string.Create(CultureInfo.InvariantCulture, $"sift-evidence/1\n{seq}\n{prev}\n{json}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// The line a JSON-lines log stores for an entry: the event's JSON with <c>"chain":{"seq":…,"prev":…,"hash":…}</c>
    /// as its last member (no newline).
    /// </summary>
    public static string Line(ChainEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Json.Length < 2 || entry.Json[^1] != '}') throw new ArgumentException("The event's JSON must be an object.", nameof(entry));
        var separator = entry.Json.Length == 2 ? "" : ",";
        return string.Create(CultureInfo.InvariantCulture,
            $"{entry.Json.AsSpan(0, entry.Json.Length - 1)}{separator}\"chain\":{{\"seq\":{entry.Seq},\"prev\":\"{entry.Prev}\",\"hash\":\"{entry.Hash}\"}}}}");
    }

    /// <summary>Reads a line written by <see cref="Line"/>; null when the line is not a chained entry.</summary>
    public static ChainEntry? ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var match = ChainSuffix().Match(line);
        if (!match.Success || match.Index == 0) return null;
        if (!long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return null;
        var body = line[..match.Index];
        var json = body == "{" ? "{}" : body + "}";
        return new ChainEntry(seq, match.Groups[2].Value, match.Groups[3].Value, json);
    }

    /// <summary>
    /// Checks a log, entry by entry in the order given, against itself and against <paramref name="checkpoints"/>; stops
    /// at the first problem and names it. Entries are (line or position, entry) pairs, a null entry being a line that is
    /// not a chained entry. Streams: holds one entry of look-ahead, never the whole log.
    /// </summary>
    /// <param name="entries">The log's entries in stored order, each with its 1-based line (or row) number.</param>
    /// <param name="checkpoints">Signed checkpoints of this log (any order); their signatures are checked here.</param>
    /// <param name="trustedKeyId">When set, every checkpoint must be signed by this key.</param>
    /// <param name="scope">When set, every checkpoint must name this log (<see cref="Checkpoint.Scope"/>).</param>
    public static ChainVerification Verify(IEnumerable<(long Line, ChainEntry? Entry)> entries, IReadOnlyList<Checkpoint> checkpoints, string? trustedKeyId = null, string? scope = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(checkpoints);
        foreach (var checkpoint in checkpoints)
        {
            if (!checkpoint.Verify())
                return new ChainVerification(0, Genesis, new ChainProblem(ChainProblemKind.BadCheckpoint, 0, checkpoint.Seq,
                    string.Create(CultureInfo.InvariantCulture, $"The checkpoint of entry {checkpoint.Seq} signed at {checkpoint.At:O} has a bad signature: the checkpoint file was altered.")), 0);
            if (scope is not null && !string.Equals(checkpoint.Scope, scope, StringComparison.Ordinal))
                return new ChainVerification(0, Genesis, new ChainProblem(ChainProblemKind.BadCheckpoint, 0, checkpoint.Seq,
                    $"The checkpoint of entry {checkpoint.Seq} belongs to log '{checkpoint.Scope}', not '{scope}'."), 0);
            if (trustedKeyId is not null && !string.Equals(checkpoint.KeyId, trustedKeyId, StringComparison.Ordinal))
                return new ChainVerification(0, Genesis, new ChainProblem(ChainProblemKind.BadCheckpoint, 0, checkpoint.Seq,
                    string.Create(CultureInfo.InvariantCulture, $"The checkpoint of entry {checkpoint.Seq} is signed by key {checkpoint.KeyId}, not the trusted key {trustedKeyId}.")), 0);
        }
        var pending = checkpoints.OrderBy(c => c.Seq).ThenBy(c => c.At).ToList();
        var nextCheckpoint = 0;
        Checkpoint? lastAgreeing = null;
        var expected = 1L;
        var prev = Genesis;

        using var e = entries.GetEnumerator();
        var has = e.MoveNext();
        while (has)
        {
            var (line, entry) = e.Current;
            has = e.MoveNext();
            (long Line, ChainEntry? Entry)? next = has ? e.Current : null;
            ChainVerification Fail(ChainProblemKind kind, long seq, string message) => new(expected - 1, prev, new ChainProblem(kind, line, seq, message), nextCheckpoint);

            if (entry is null)
                return Fail(ChainProblemKind.Malformed, expected, $"Line {line} is not a chained evidence entry (inserted or damaged); entry {expected} was expected there.");
            if (!string.Equals(Hash(entry.Seq, entry.Prev, entry.Json), entry.Hash, StringComparison.Ordinal))
                return Fail(ChainProblemKind.Edited, entry.Seq, $"Entry {entry.Seq} (line {line}) was edited: its content does not match its hash.");
            if (entry.Seq > expected)
            {
                if (entry.Seq == expected + 1 && next?.Entry?.Seq == expected)
                    return Fail(ChainProblemKind.Reordered, expected, $"Entries {expected} and {expected + 1} are out of order (lines {line} and {line + 1} are swapped).");
                var missing = entry.Seq - 1 == expected ? $"Entry {expected} is" : $"Entries {expected}–{entry.Seq - 1} are";
                return Fail(ChainProblemKind.Deleted, expected, $"{missing} missing before line {line} (deleted or moved).");
            }
            if (entry.Seq < expected)
                return Fail(ChainProblemKind.Inserted, entry.Seq, $"Line {line} is a second entry {entry.Seq}: an entry was inserted or repeated there.");
            if (!string.Equals(entry.Prev, prev, StringComparison.Ordinal))
            {
                return expected == 1
                    ? Fail(ChainProblemKind.Edited, entry.Seq, $"Entry 1 (line {line}) does not start the chain: it was replaced.")
                    : Fail(ChainProblemKind.Inserted, entry.Seq, $"Entry {entry.Seq} (line {line}) does not follow entry {entry.Seq - 1}: it was replaced or inserted.");
            }
            for (; nextCheckpoint < pending.Count && pending[nextCheckpoint].Seq <= entry.Seq; nextCheckpoint++)
            {
                var checkpoint = pending[nextCheckpoint];
                if (checkpoint.Seq == entry.Seq && !string.Equals(checkpoint.Hash, entry.Hash, StringComparison.Ordinal))
                {
                    var since = lastAgreeing is null ? "the first entry" : string.Create(CultureInfo.InvariantCulture, $"entry {lastAgreeing.Seq + 1}");
                    return Fail(ChainProblemKind.Rewritten, entry.Seq, string.Create(CultureInfo.InvariantCulture,
                        $"The log was rewritten: entry {entry.Seq} (line {line}) differs from the checkpoint signed at {checkpoint.At:O}; the change lies between {since} and entry {entry.Seq}."));
                }
                lastAgreeing = checkpoint;
            }
            prev = entry.Hash;
            expected = entry.Seq + 1;
        }
        if (nextCheckpoint < pending.Count)
        {
            var last = pending[^1];
            return new ChainVerification(expected - 1, prev, new ChainProblem(ChainProblemKind.Truncated, 0, expected,
                string.Create(CultureInfo.InvariantCulture, $"The log was cut: it ends at entry {expected - 1}, but the checkpoint signed at {last.At:O} covers entry {last.Seq} (entries {expected}–{last.Seq} are gone).")), nextCheckpoint);
        }
        return new ChainVerification(expected - 1, prev, null, nextCheckpoint);
    }

    [GeneratedRegex("""(?:,|)"chain":\{"seq":([0-9]{1,19}),"prev":"([0-9a-f]{64})","hash":"([0-9a-f]{64})"\}\}\z""", RegexOptions.CultureInvariant)]
    private static partial Regex ChainSuffix();
}

/// <summary>One entry of a chained log.</summary>
/// <param name="Seq">Its number in the log (1-based, gap-free).</param>
/// <param name="Prev">The hash of the entry before it (<see cref="EvidenceChain.Genesis"/> for the first).</param>
/// <param name="Hash">Its own hash (<see cref="EvidenceChain.Hash"/>).</param>
/// <param name="Json">The event's canonical JSON.</param>
public sealed record ChainEntry(long Seq, string Prev, string Hash, string Json)
{
    /// <summary>The entry after <paramref name="prev"/> holding <paramref name="json"/>, its hash computed.</summary>
    public static ChainEntry After(long seq, string prev, string json) => new(seq, prev, EvidenceChain.Hash(seq, prev, json), json);

    /// <summary>Whether this entry is intact and comes right after entry <paramref name="seq"/> whose hash is <paramref name="prev"/>.</summary>
    public bool Follows(long seq, string prev) =>
        Seq == seq + 1 && string.Equals(Prev, prev, StringComparison.Ordinal) && string.Equals(EvidenceChain.Hash(Seq, Prev, Json), Hash, StringComparison.Ordinal);
}

/// <summary>What a verification found.</summary>
public enum ChainProblemKind
{
    /// <summary>A line that is not a chained entry.</summary>
    Malformed,

    /// <summary>An entry whose content no longer matches its hash, or that was replaced.</summary>
    Edited,

    /// <summary>Entries missing from the middle of the log.</summary>
    Deleted,

    /// <summary>An entry added to the log (a repeated number, or one that does not follow its predecessor).</summary>
    Inserted,

    /// <summary>Two entries swapped.</summary>
    Reordered,

    /// <summary>The log ends before the last checkpoint.</summary>
    Truncated,

    /// <summary>The chain is consistent but differs from a signed checkpoint: rewritten from some entry on.</summary>
    Rewritten,

    /// <summary>A checkpoint whose signature fails, or signed by a key that is not trusted.</summary>
    BadCheckpoint,
}

/// <summary>The first problem found.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Line">The line (or row) where it was found; 0 when it concerns the log as a whole.</param>
/// <param name="Seq">The entry concerned.</param>
/// <param name="Message">One sentence naming it.</param>
public sealed record ChainProblem(ChainProblemKind Kind, long Line, long Seq, string Message);

/// <summary>The outcome of <see cref="EvidenceChain.Verify"/>.</summary>
/// <param name="Entries">Entries verified before the first problem (all of them when intact).</param>
/// <param name="Head">The hash of the last verified entry.</param>
/// <param name="Problem">The first problem; null when the log is intact.</param>
/// <param name="CheckpointsMatched">Checkpoints the log was checked against.</param>
public sealed record ChainVerification(long Entries, string Head, ChainProblem? Problem, int CheckpointsMatched)
{
    /// <summary>True when no problem was found.</summary>
    public bool Intact => Problem is null;
}
