using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Privacy;

/// <summary>
/// A project's privacy treatment: whether imported items are redacted before anything else sees them (annotators,
/// reviewers, the featurizer, model annotators' prompts), which kinds are looked for, the project's own patterns and
/// allow-list, and what happens to the original text (<see cref="Retention"/>).
/// </summary>
/// <remarks>
/// Two defaults: <see cref="ForNewProjects"/> (redaction on, every built-in kind, originals kept under admin-only access)
/// is what a project made today gets; <see cref="Off"/> (the property initialisers) is what a project stored before the
/// setting existed reads as, so upgrading a server never changes how an existing project imports.
/// </remarks>
public sealed partial record PrivacySettings
{
    /// <summary>Retention value: originals kept, readable by admins only.</summary>
    public const string Keep = "keep";

    /// <summary>Retention value: originals never stored (only their SHA-256 in the evidence log).</summary>
    public const string Drop = "drop";

    /// <summary>Retention value: originals kept until a complete admin export, then purged (their hashes stay in the log).</summary>
    public const string PurgeAfterExport = "purge-after-export";

    /// <summary>The values <see cref="Retention"/> may take.</summary>
    public static IReadOnlyList<string> RetentionPolicies { get; } = [Keep, Drop, PurgeAfterExport];

    /// <summary>The most custom patterns a project may have: 20.</summary>
    public const int MaxCustomPatterns = 20;

    /// <summary>The longest custom pattern, in characters: 500.</summary>
    public const int MaxPatternLength = 500;

    /// <summary>The most allow-list entries: 500.</summary>
    public const int MaxAllowList = 500;

    /// <summary>The longest allow-list entry, in characters: 200.</summary>
    public const int MaxAllowedLength = 200;

    /// <summary>Whether imported items are redacted. Default false (a project stored before the setting existed).</summary>
    public bool Redact { get; init; }

    /// <summary>The built-in kinds to look for, by <see cref="KindName"/>; null (default) means all of them.</summary>
    public IReadOnlyList<string>? Kinds { get; init; }

    /// <summary>
    /// The project's own patterns: name (letters, digits, <c>_</c>; it becomes the placeholder, upper-cased) → .NET
    /// regular expression. Each is compiled with a match time-out; a pathological text skips the pattern, it never hangs
    /// an import. Default none.
    /// </summary>
    public IReadOnlyDictionary<string, string> CustomPatterns { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Exact strings never redacted (the project's own support address, say), compared case-insensitively. Default none.</summary>
    public IReadOnlyList<string> AllowList { get; init; } = [];

    /// <summary>What happens to an item's original text: <see cref="Keep"/> (default), <see cref="Drop"/> or <see cref="PurgeAfterExport"/>.</summary>
    public string Retention { get; init; } = Keep;

    /// <summary>What a project stored before the setting existed reads as: no redaction.</summary>
    public static PrivacySettings Off { get; } = new();

    /// <summary>What a new project gets: redaction on, every built-in kind, originals kept for admins only.</summary>
    public static PrivacySettings ForNewProjects { get; } = new() { Redact = true };

    /// <summary>The name of a built-in kind in settings and evidence (<c>email</c>, <c>phone</c>, <c>payment_card</c>, …).</summary>
    public static string KindName(PiiKind kind) => kind switch
    {
        PiiKind.Email => "email",
        PiiKind.Phone => "phone",
        PiiKind.PaymentCard => "payment_card",
        PiiKind.Iban => "iban",
        PiiKind.IpAddress => "ip_address",
        PiiKind.UrlCredential => "url_credential",
        PiiKind.Secret => "secret",
        PiiKind.DateOfBirth => "date_of_birth",
        PiiKind.NationalId => "national_id",
        _ => "custom",
    };

    /// <summary>The built-in kinds' names, in <see cref="PiiKind"/> order.</summary>
    public static IReadOnlyList<string> KindNames { get; } =
        [.. Enum.GetValues<PiiKind>().Where(k => k != PiiKind.Custom).Select(KindName)];

    /// <summary>
    /// Checks every field; the message starts with the field's JSON path (<c>privacy.custom_patterns.order: …</c>).
    /// </summary>
    /// <exception cref="ConfigurationException">A field is invalid.</exception>
    public void Validate()
    {
        if (Retention is null || !RetentionPolicies.Contains(Retention, StringComparer.Ordinal))
            throw new ConfigurationException($"privacy.retention: must be 'keep', 'drop' or 'purge-after-export', not {Shown(Retention)}.");
        if (Kinds is not null)
        {
            if (Kinds.Count == 0) throw new ConfigurationException("privacy.kinds: name at least one kind, or leave it out for all of them.");
            foreach (var kind in Kinds)
            {
                if (kind is null || !KindNames.Contains(kind, StringComparer.Ordinal))
                    throw new ConfigurationException($"privacy.kinds: {Shown(kind)} is not a kind ({string.Join(", ", KindNames)}).");
            }
            if (Kinds.Distinct(StringComparer.Ordinal).Count() != Kinds.Count) throw new ConfigurationException("privacy.kinds: a kind appears twice.");
        }
        if (CustomPatterns is null) throw new ConfigurationException("privacy.custom_patterns: may not be null.");
        if (CustomPatterns.Count > MaxCustomPatterns) throw new ConfigurationException($"privacy.custom_patterns: at most {MaxCustomPatterns} patterns, not {CustomPatterns.Count}.");
        foreach (var (name, pattern) in CustomPatterns)
        {
            if (!PatternName().IsMatch(name ?? ""))
                throw new ConfigurationException($"privacy.custom_patterns: the name {Shown(name)} must be 1–40 letters, digits or '_', starting with a letter.");
            if (string.IsNullOrWhiteSpace(pattern)) throw new ConfigurationException($"privacy.custom_patterns.{name}: the pattern is empty.");
            if (pattern.Length > MaxPatternLength) throw new ConfigurationException($"privacy.custom_patterns.{name}: longer than {MaxPatternLength} characters.");
            try
            {
                var regex = new Regex(pattern, RegexOptions.CultureInvariant, PiiDetector.MatchTimeout);
                if (regex.IsMatch("")) throw new ConfigurationException($"privacy.custom_patterns.{name}: the pattern matches the empty text, so it would match everywhere.");
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"privacy.custom_patterns.{name}: not a valid regular expression ({e.Message}).");
            }
            catch (RegexMatchTimeoutException)
            {
                throw new ConfigurationException($"privacy.custom_patterns.{name}: the pattern took too long on the empty text.");
            }
        }
        if (AllowList is null) throw new ConfigurationException("privacy.allow_list: may not be null.");
        if (AllowList.Count > MaxAllowList) throw new ConfigurationException($"privacy.allow_list: at most {MaxAllowList} entries, not {AllowList.Count}.");
        foreach (var allowed in AllowList)
        {
            if (string.IsNullOrWhiteSpace(allowed)) throw new ConfigurationException("privacy.allow_list: an entry may not be empty.");
            if (allowed.Length > MaxAllowedLength) throw new ConfigurationException($"privacy.allow_list: an entry is longer than {MaxAllowedLength} characters.");
        }
    }

    /// <summary>Value equality, the collections compared by content (a settings row read back equals the one written).</summary>
    public bool Equals(PrivacySettings? other) =>
        other is not null && Redact == other.Redact && string.Equals(Retention, other.Retention, StringComparison.Ordinal)
        && (Kinds is null ? other.Kinds is null : other.Kinds is not null && Kinds.SequenceEqual(other.Kinds, StringComparer.Ordinal))
        && CustomPatterns.Count == other.CustomPatterns.Count
        && CustomPatterns.All(p => other.CustomPatterns.TryGetValue(p.Key, out var v) && string.Equals(v, p.Value, StringComparison.Ordinal))
        && AllowList.SequenceEqual(other.AllowList, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Redact, Retention, Kinds?.Count ?? -1, CustomPatterns.Count, AllowList.Count);

    /// <summary>The detector these settings describe (call <see cref="Validate"/> first).</summary>
    public PiiDetector CreateDetector() => new(new PiiOptions
    {
        Kinds = Kinds is null ? null : Kinds.Select(ParseKind).ToHashSet(),
        CustomPatterns = CustomPatterns,
        AllowList = AllowList,
    });

    private static PiiKind ParseKind(string name) =>
        Enum.GetValues<PiiKind>().First(k => k != PiiKind.Custom && KindName(k) == name);

    private static string Shown(string? value) =>
        value is null ? "nothing" : value.Length > 40 ? $"'{value[..40]}…'" : $"'{value}'";

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex PatternName();
}

/// <summary>
/// An item's original text kept beside its redacted view: what was found (count per kind) and the SHA-256 of the
/// original (lower-case hex of its UTF-8 bytes). <see cref="Text"/> is null when the retention policy drops originals.
/// </summary>
/// <param name="Text">The original text, or null when it is not kept.</param>
/// <param name="Sha256">SHA-256 of the original text.</param>
/// <param name="Counts">Findings per kind (<see cref="PrivacySettings.KindName"/>; a custom pattern: <c>custom:NAME</c>).</param>
public sealed record ItemOriginal(string? Text, string Sha256, IReadOnlyDictionary<string, int> Counts)
{
    /// <summary>Lower-case hex SHA-256 of a text's UTF-8 bytes.</summary>
    public static string Hash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Findings per kind, in ordinal key order.</summary>
    public static IReadOnlyDictionary<string, int> CountsOf(IEnumerable<PiiSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            var key = span.Kind == PiiKind.Custom ? "custom:" + span.Pattern : PrivacySettings.KindName(span.Kind);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    /// <summary>A short description for logs: never the text.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"ItemOriginal {{ Sha256 = {Sha256}, Kept = {Text is not null}, Findings = {Counts.Values.Sum()} }}");
}
