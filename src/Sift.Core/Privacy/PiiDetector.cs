using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Privacy;

/// <summary>The kinds of personal or secret data the detector finds.</summary>
public enum PiiKind
{
    /// <summary>An e-mail address.</summary>
    Email,

    /// <summary>A telephone number (international with +, or a national format with separators).</summary>
    Phone,

    /// <summary>A payment card number (13–19 digits, Luhn-checked).</summary>
    PaymentCard,

    /// <summary>An IBAN (country length and mod-97 checksum checked).</summary>
    Iban,

    /// <summary>An IPv4 or IPv6 address.</summary>
    IpAddress,

    /// <summary>A URL carrying credentials (user:password@) or a token in its query.</summary>
    UrlCredential,

    /// <summary>An API-key-like secret (known key prefixes, or the value after key=, token:, password=…).</summary>
    Secret,

    /// <summary>A date of birth (a date next to "born", "DOB", "date of birth", "birthday").</summary>
    DateOfBirth,

    /// <summary>A national-ID-like number (US SSN, UK National Insurance number).</summary>
    NationalId,

    /// <summary>A match of a project's own pattern.</summary>
    Custom,
}

/// <summary>One finding: what, where (UTF-16 offsets into the text) and, for custom patterns, the pattern's name.</summary>
public sealed record PiiSpan(PiiKind Kind, int Start, int Length, string? Pattern = null)
{
    /// <summary>The end offset (exclusive).</summary>
    public int End => Start + Length;
}

/// <summary>A text with its findings replaced by placeholders such as <c>[EMAIL]</c>, and the findings (offsets into the original).</summary>
public sealed record Redaction(string Text, IReadOnlyList<PiiSpan> Spans)
{
    /// <summary>
    /// True when a pattern ran out of time on this text (a pathological custom pattern, or a machine so loaded that a
    /// built-in one took over a second): the text may hold data that was not found. Callers that must not leak treat
    /// it as unsafe (the server withholds the whole text).
    /// </summary>
    public bool Incomplete { get; init; }
}

/// <summary>What to look for (defaults: every built-in kind, no custom patterns, no allow-list).</summary>
public sealed record PiiOptions
{
    /// <summary>The built-in kinds to detect; null: all of them.</summary>
    public IReadOnlySet<PiiKind>? Kinds { get; init; }

    /// <summary>Project patterns (name → .NET regular expression), each match reported as <see cref="PiiKind.Custom"/>.</summary>
    public IReadOnlyDictionary<string, string> CustomPatterns { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Exact strings never redacted (e.g. the project's own support address), compared case-insensitively.</summary>
    public IReadOnlyList<string> AllowList { get; init; } = [];

    /// <summary>Checks the custom patterns compile (with a time-out) and names the first that does not.</summary>
    /// <exception cref="ConfigurationException">A pattern is empty or not a valid regular expression.</exception>
    public void Validate()
    {
        foreach (var (name, pattern) in CustomPatterns)
        {
            if (string.IsNullOrWhiteSpace(pattern)) throw new ConfigurationException($"privacy.custom_patterns.{name}: the pattern is empty.");
            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"privacy.custom_patterns.{name}: not a valid regular expression ({e.Message}).");
            }
        }
    }
}

/// <summary>
/// Finds personal data and secrets in untrusted text before it reaches annotators or LLM prompts: regular expressions
/// propose candidates and validators decide (Luhn for cards, mod-97 and the country's length for IBANs, octet ranges
/// and <see cref="IPAddress"/> for IPs, digit counts and context words for phones and IDs), so order numbers, version
/// strings, prices and times are left alone. Overlapping findings keep the longer one. Deterministic, allocation-light,
/// safe on any input (every pattern has a time-out; a pattern that times out skips the text rather than failing, and
/// <see cref="Redaction.Incomplete"/> says so).
/// </summary>
public sealed partial class PiiDetector
{
    // Built-in patterns are linear in the text; their time-out only guards against a starved machine.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>The match time-out of a project's own pattern: 250 ms per text (a built-in pattern has 1 s).</summary>
    public static TimeSpan MatchTimeout { get; } = TimeSpan.FromMilliseconds(250);
    private readonly PiiOptions _options;
    private readonly (string Name, Regex Regex)[] _custom;
    private readonly HashSet<string> _allowed;

    /// <summary>Creates a detector.</summary>
    public PiiDetector(PiiOptions? options = null)
    {
        _options = options ?? new PiiOptions();
        _options.Validate();
        _custom = [.. _options.CustomPatterns.Select(p => (p.Key, new Regex(p.Value, RegexOptions.CultureInvariant, MatchTimeout)))];
        _allowed = new HashSet<string>(_options.AllowList, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The findings in <paramref name="text"/>, in order, not overlapping.</summary>
    public IReadOnlyList<PiiSpan> Detect(string text) => Detect(text, out _);

    /// <summary>The findings, and whether any pattern ran out of time on the text (<see cref="Redaction.Incomplete"/>).</summary>
    public IReadOnlyList<PiiSpan> Detect(string text, out bool incomplete)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<PiiSpan>();
        var timedOut = false;
        void Scan(PiiKind kind, Regex regex, Func<Match, PiiSpan?> accept)
        {
            if (_options.Kinds is { } kinds && !kinds.Contains(kind)) return;
            try
            {
                for (var m = regex.Match(text); m.Success; m = m.NextMatch())
                {
                    if (accept(m) is { } span && !_allowed.Contains(text.Substring(span.Start, span.Length))) found.Add(span);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological text: the kind is skipped for it, the rest still runs; the caller is told.
                timedOut = true;
            }
        }

        Scan(PiiKind.UrlCredential, UrlWithCredentials(), m => new PiiSpan(PiiKind.UrlCredential, m.Index, m.Length));
        Scan(PiiKind.Email, Email(), m => new PiiSpan(PiiKind.Email, m.Index, m.Length));
        Scan(PiiKind.Secret, KnownSecret(), m => new PiiSpan(PiiKind.Secret, m.Index, m.Length));
        Scan(PiiKind.Secret, AssignedSecret(), m => m.Groups["v"] is { Success: true } v && LooksSecret(v.Value) ? new PiiSpan(PiiKind.Secret, v.Index, v.Length) : null);
        Scan(PiiKind.Iban, IbanCandidate(), m => IsIban(m.Value) ? new PiiSpan(PiiKind.Iban, m.Index, m.Length) : null);
        Scan(PiiKind.PaymentCard, CardCandidate(), m => IsCard(m.Value) && !InsideAccountNumber(text, m.Index) ? new PiiSpan(PiiKind.PaymentCard, m.Index, m.Length) : null);
        Scan(PiiKind.NationalId, Ssn(), m => IsSsn(m.Value) && !PrecededBy(text, m.Index, NumberWords) ? new PiiSpan(PiiKind.NationalId, m.Index, m.Length) : null);
        Scan(PiiKind.NationalId, NiNumber(), m => new PiiSpan(PiiKind.NationalId, m.Index, m.Length));
        Scan(PiiKind.DateOfBirth, DateOfBirth(), m => new PiiSpan(PiiKind.DateOfBirth, m.Groups["d"].Index, m.Groups["d"].Length));
        Scan(PiiKind.IpAddress, Ipv4(), m => IsIpv4(text, m) ? new PiiSpan(PiiKind.IpAddress, m.Index, m.Length) : null);
        Scan(PiiKind.IpAddress, Ipv6(), m => IsIpv6(m.Value) ? new PiiSpan(PiiKind.IpAddress, m.Index, m.Length) : null);
        Scan(PiiKind.Phone, Phone(), m => IsPhone(text, m) ? new PiiSpan(PiiKind.Phone, m.Index, m.Length) : null);
        foreach (var (name, regex) in _custom)
        {
            try
            {
                for (var m = regex.Match(text); m.Success; m = m.NextMatch())
                    if (m.Length > 0 && !_allowed.Contains(m.Value)) found.Add(new PiiSpan(PiiKind.Custom, m.Index, m.Length, name));
            }
            catch (RegexMatchTimeoutException)
            {
                // As above.
                timedOut = true;
            }
        }
        incomplete = timedOut;
        return Resolve(found);
    }

    /// <summary>The text with each finding replaced by its placeholder (<c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[CARD]</c>, …; custom: <c>[NAME]</c> upper-cased).</summary>
    public Redaction Redact(string text)
    {
        var spans = Detect(text, out var incomplete);
        if (spans.Count == 0) return new Redaction(text, spans) { Incomplete = incomplete };
        var builder = new StringBuilder(text.Length);
        var at = 0;
        foreach (var span in spans)
        {
            builder.Append(text, at, span.Start - at).Append('[').Append(Placeholder(span)).Append(']');
            at = span.End;
        }
        builder.Append(text, at, text.Length - at);
        return new Redaction(builder.ToString(), spans) { Incomplete = incomplete };
    }

    /// <summary>The placeholder name of a finding.</summary>
    public static string Placeholder(PiiSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        return span.Kind switch
        {
            PiiKind.Email => "EMAIL",
            PiiKind.Phone => "PHONE",
            PiiKind.PaymentCard => "CARD",
            PiiKind.Iban => "IBAN",
            PiiKind.IpAddress => "IP",
            PiiKind.UrlCredential => "URL",
            PiiKind.Secret => "SECRET",
            PiiKind.DateOfBirth => "DOB",
            PiiKind.NationalId => "ID",
            _ => (span.Pattern ?? "CUSTOM").ToUpperInvariant(),
        };
    }

    /// <summary>
    /// Sorted by start; of overlapping findings the longer one stays, and on a tie the more specific kind (a validated
    /// card or IBAN before a phone-shaped run of digits).
    /// </summary>
    private static List<PiiSpan> Resolve(List<PiiSpan> found)
    {
        var ordered = found.OrderByDescending(s => s.Length).ThenBy(s => Priority(s.Kind)).ThenBy(s => s.Start).ToList();
        var kept = new List<PiiSpan>();
        foreach (var span in ordered)
            if (!kept.Exists(k => k.Start < span.End && span.Start < k.End)) kept.Add(span);
        kept.Sort((a, b) => a.Start.CompareTo(b.Start));
        return kept;
    }

    private static int Priority(PiiKind kind) => kind switch
    {
        PiiKind.UrlCredential => 0,
        PiiKind.Email => 1,
        PiiKind.Secret => 2,
        PiiKind.Iban => 3,
        PiiKind.PaymentCard => 4,
        PiiKind.NationalId => 5,
        PiiKind.DateOfBirth => 6,
        PiiKind.IpAddress => 7,
        PiiKind.Custom => 8,
        _ => 9,
    };

    // ---- validators ------------------------------------------------------------------------------------------------

    /// <summary>True for 13–19 digits (spaces or dashes between groups allowed) passing the Luhn check, with a card network's first digit.</summary>
    public static bool IsCard(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var digits = Digits(candidate);
        if (digits.Length is < 13 or > 19 || digits[0] is not ('2' or '3' or '4' or '5' or '6')) return false;
        if (digits.Distinct().Count() == 1) return false;
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return sum % 10 == 0;
    }

    /// <summary>True for an IBAN of a known country with that country's length and a valid mod-97 checksum (spaces allowed).</summary>
    public static bool IsIban(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var compact = candidate.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (compact.Length < 15 || !IbanLengths.TryGetValue(compact[..2], out var length) || compact.Length != length) return false;
        var rearranged = compact[4..] + compact[..4];
        var numeric = new StringBuilder(rearranged.Length * 2);
        foreach (var c in rearranged)
        {
            if (char.IsAsciiDigit(c)) numeric.Append(c);
            else if (char.IsAsciiLetterUpper(c)) numeric.Append((c - 'A' + 10).ToString(CultureInfo.InvariantCulture));
            else return false;
        }
        return BigInteger.Parse(numeric.ToString(), CultureInfo.InvariantCulture) % 97 == 1;
    }

    private static bool IsSsn(string value)
    {
        var area = int.Parse(value.AsSpan(0, 3), CultureInfo.InvariantCulture);
        return area is not (0 or 666) && area < 900 && value[4..6] != "00" && value[7..] != "0000";
    }

    private static bool IsIpv4(string text, Match m)
    {
        foreach (var part in m.Value.Split('.'))
            if ((part.Length > 1 && part[0] == '0') || int.Parse(part, CultureInfo.InvariantCulture) > 255) return false;
        // Version strings: "v1.2.3.4", "version 10.0.19041.1", "build 4.8.1.2".
        return !PrecededBy(text, m.Index, VersionWords) && !(m.Index > 0 && text[m.Index - 1] is 'v' or 'V');
    }

    private static bool IsIpv6(string value) =>
        value.Contains("::", StringComparison.Ordinal) || value.Count(c => c == ':') == 7
            ? IPAddress.TryParse(value, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                && value.Any(c => char.IsAsciiLetter(c) || c == ':') && value.Count(c => c == ':') >= 2 && !IsTimeLike(value)
            : false;

    private static bool IsTimeLike(string value) => value.Split(':').All(p => p.Length is 1 or 2 && p.All(char.IsAsciiDigit));

    private static bool IsPhone(string text, Match m)
    {
        var digits = Digits(m.Value).Length;
        var international = m.Value.StartsWith('+');
        if (digits is < 8 or > 15) return false;
        if (!international && digits < 9) return false;
        // A run of digits with no separator is an order number, a tracking number, an amount — not a phone here.
        if (!international && !m.Value.Any(c => c is ' ' or '-' or '.' or '(' or ')')) return false;
        // Dates and version-like dotted runs.
        if (!international && DateLike().IsMatch(m.Value)) return false;
        if (!international && PrecededBy(text, m.Index, VersionWords)) return false;
        // The digits of an account number whose checksum failed ("GB82 WEST 1234 5698 …"): not a phone either.
        if (PrecededBy(text, m.Index, IbanStart)) return false;
        return !PrecededBy(text, m.Index, NumberWords);
    }

    /// <summary>
    /// True when the digits at <paramref name="index"/> continue an IBAN-shaped run whose checksum failed ("GB82 WEST 1234
    /// 5698 …", "DE89 3704 …", "DE893704…"): an account number, not a card, even when the digits pass Luhn (one in ten do).
    /// </summary>
    private static bool InsideAccountNumber(string text, int index) =>
        PrecededBy(text, index, IbanStart) || (index >= 2 && char.IsAsciiLetterUpper(text[index - 1]) && char.IsAsciiLetterUpper(text[index - 2])
            && (index == 2 || !char.IsAsciiLetterOrDigit(text[index - 3])));

    private static bool LooksSecret(string value) =>
        value.Length >= 8 && value.Any(char.IsAsciiDigit) && value.Any(char.IsAsciiLetter) && !value.All(char.IsAsciiLetterLower);

    private static string Digits(string value) => string.Concat(value.Where(char.IsAsciiDigit));

    /// <summary>True when one of <paramref name="words"/> ends within the 24 characters before <paramref name="index"/>.</summary>
    private static bool PrecededBy(string text, int index, Regex words)
    {
        var from = Math.Max(0, index - 24);
        return words.IsMatch(text.AsSpan(from, index - from));
    }

    private static readonly Regex NumberWords = new(@"(?i)(order|invoice|ref(erence)?|ticket|tracking|case|account no|po|sku|item|isbn|serial|part|model|#)\W{0,3}(no\.?|number|nr\.?|id)?\W{0,3}$", RegexOptions.CultureInvariant, Timeout);

    private static readonly Regex IbanStart = new(@"\b[A-Z]{2}\d{2} ?(?:[A-Z0-9]{4} ?){0,2}$", RegexOptions.CultureInvariant, Timeout);

    private static readonly Regex VersionWords = new(@"(?i)(version|ver\.?|build|release|firmware|v)\s{0,2}$", RegexOptions.CultureInvariant, Timeout);

    private static readonly Dictionary<string, int> IbanLengths = new(StringComparer.Ordinal)
    {
        ["AD"] = 24, ["AE"] = 23, ["AT"] = 20, ["BE"] = 16, ["BG"] = 22, ["CH"] = 21, ["CY"] = 28, ["CZ"] = 24, ["DE"] = 22,
        ["DK"] = 18, ["EE"] = 20, ["ES"] = 24, ["FI"] = 18, ["FR"] = 27, ["GB"] = 22, ["GR"] = 27, ["HR"] = 21, ["HU"] = 28,
        ["IE"] = 22, ["IS"] = 26, ["IT"] = 27, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20, ["LV"] = 21, ["MC"] = 27, ["MT"] = 31,
        ["NL"] = 18, ["NO"] = 15, ["PL"] = 28, ["PT"] = 25, ["RO"] = 24, ["SA"] = 24, ["SE"] = 24, ["SI"] = 19, ["SK"] = 24,
        ["SM"] = 27, ["TR"] = 26,
    };

    // ---- candidates ------------------------------------------------------------------------------------------------

    [GeneratedRegex(@"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Email();

    [GeneratedRegex(@"(?i)\b(?:https?|ftp)://(?:[^\s/@:]+:[^\s/@]+@[^\s]+|[^\s?#]+\?[^\s#]*\b(?:token|access_token|api_key|apikey|key|sig|signature|password|secret|auth)=[^\s&#]{6,}[^\s]*)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex UrlWithCredentials();

    [GeneratedRegex(@"\b(?:sk-(?:proj-)?[A-Za-z0-9_-]{20,}|ghp_[A-Za-z0-9]{36}|gh[ousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|sk_live_[0-9A-Za-z]{16,}|glpat-[0-9A-Za-z_-]{20})\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex KnownSecret();

    [GeneratedRegex(@"(?i)\b(?:api[_ -]?key|secret(?:[_ -]?key)?|access[_ -]?token|auth[_ -]?token|token|password|passwd|pwd)\b\s*(?:[:=]|\bis\b)\s*[""']?(?<v>[^\s""',;]{8,})", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex AssignedSecret();

    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex IbanCandidate();

    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex CardCandidate();

    [GeneratedRegex(@"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Ssn();

    [GeneratedRegex(@"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex NiNumber();

    [GeneratedRegex(@"(?i)\b(?:born(?: on)?|d\.?o\.?b\.?|date of birth|birth ?date|birthday)\s*(?:is|:|-|was)?\s*(?<d>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? \d{4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4})", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex DateOfBirth();

    [GeneratedRegex(@"(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.]*\d)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Ipv6();

    [GeneratedRegex(@"(?<![\w+])\+\d{1,3}(?:[ .-]?(?:\(\d{1,5}\)|\d{1,8})){1,6}(?![\w-])|(?<![\w+])(?:\(\d{2,5}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){1,4}(?![\w-])", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Phone();

    [GeneratedRegex(@"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex DateLike();
}
