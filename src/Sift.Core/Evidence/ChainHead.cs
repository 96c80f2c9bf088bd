using System.Globalization;
using System.Text.RegularExpressions;

namespace Sift.Evidence;

/// <summary>
/// A chain head recorded outside the log — by an export (its <c>X-Sift-Evidence-Head</c> header and its evidence
/// event), written as <c>SEQ:HASH</c> — the second anchor beside signed checkpoints: unsigned, so it proves nothing
/// about who wrote it, but whoever kept it can show that the log held entry <see cref="Seq"/> with hash
/// <see cref="Hash"/> when the export was taken, and a rewritten or cut log no longer does.
/// </summary>
/// <param name="Seq">The entry.</param>
/// <param name="Hash">Its hash (lower-case hex).</param>
public sealed partial record ChainHead(long Seq, string Hash)
{
    /// <summary>The <c>SEQ:HASH</c> form.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Seq}:{Hash}");

    /// <summary>Reads <c>SEQ:HASH</c> (a positive entry number and 64 hex digits).</summary>
    /// <exception cref="ConfigurationException">The text is not of that form.</exception>
    public static ChainHead Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Form().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq < 1)
            throw new ConfigurationException($"--head: '{(text.Length > 90 ? text[..90] + "…" : text)}' is not SEQ:HASH (an entry number, a colon and its 64-hex-digit hash, as an export's X-Sift-Evidence-Head header gives it).");
        return new ChainHead(seq, match.Groups[2].Value.ToLowerInvariant());
    }

    /// <summary>
    /// Checks a log against recorded heads while <see cref="EvidenceChain.Verify"/> streams it: pass the log through
    /// <see cref="Watch"/>, verify, then call <see cref="Check"/> with the verdict.
    /// </summary>
    public sealed class Watcher(IReadOnlyList<ChainHead> heads)
    {
        private readonly Dictionary<long, string> _seen = [];
        private readonly HashSet<long> _wanted = [.. heads.Select(h => h.Seq)];

        /// <summary>The log, unchanged, noting the hashes of the entries the heads name.</summary>
        public IEnumerable<(long Line, ChainEntry? Entry)> Watch(IEnumerable<(long Line, ChainEntry? Entry)> entries)
        {
            ArgumentNullException.ThrowIfNull(entries);
            foreach (var item in entries)
            {
                if (item.Entry is { } entry && _wanted.Contains(entry.Seq)) _seen.TryAdd(entry.Seq, entry.Hash);
                yield return item;
            }
        }

        /// <summary>
        /// The verdict with the first head the log does not hold: <see cref="ChainProblemKind.Truncated"/> when the log
        /// ends before it, <see cref="ChainProblemKind.Rewritten"/> when its entry has another hash. A verdict that
        /// already names a problem is returned as it is.
        /// </summary>
        public ChainVerification Check(ChainVerification verdict)
        {
            ArgumentNullException.ThrowIfNull(verdict);
            if (!verdict.Intact) return verdict;
            foreach (var head in heads.OrderBy(h => h.Seq))
            {
                if (head.Seq > verdict.Entries)
                {
                    return verdict with
                    {
                        Problem = new ChainProblem(ChainProblemKind.Truncated, 0, verdict.Entries + 1, string.Create(CultureInfo.InvariantCulture,
                            $"The log was cut: it ends at entry {verdict.Entries}, but the exported head {head} names entry {head.Seq} (entries {verdict.Entries + 1}–{head.Seq} are gone).")),
                    };
                }
                if (!string.Equals(_seen.GetValueOrDefault(head.Seq), head.Hash, StringComparison.Ordinal))
                {
                    return verdict with
                    {
                        Problem = new ChainProblem(ChainProblemKind.Rewritten, head.Seq, head.Seq, string.Create(CultureInfo.InvariantCulture,
                            $"The log was rewritten: entry {head.Seq} has hash {_seen.GetValueOrDefault(head.Seq)}, but the exported head says {head.Hash}; the change lies at or before entry {head.Seq}.")),
                    };
                }
            }
            return verdict;
        }
    }

    [GeneratedRegex(@"^([0-9]{1,19}):([0-9a-fA-F]{64})$", RegexOptions.CultureInvariant)]
    private static partial Regex Form();
}
