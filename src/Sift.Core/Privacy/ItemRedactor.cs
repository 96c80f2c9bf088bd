using Sift.Items;
using Sift.Projects;

namespace Sift.Privacy;

/// <summary>
/// Redacts items before they are stored (<see cref="PrivacySettings"/>): a text item's text, or every string of a pair
/// (prompt, conversation turns, both responses). An item with no finding is returned unchanged (no original, no
/// record); a redacted one carries its <see cref="ItemOriginal"/> — the original text (or, for a pair, its content's
/// JSON encoding), its SHA-256 and the findings per kind; the text itself only when the retention policy keeps it.
/// Thread-safe (the detector is).
/// </summary>
public sealed class ItemRedactor
{
    private readonly PiiDetector _detector;
    private readonly bool _keep;

    /// <summary>A redactor for a project's privacy settings (validated here).</summary>
    /// <exception cref="ConfigurationException">The settings are invalid.</exception>
    public ItemRedactor(PrivacySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _detector = settings.CreateDetector();
        _keep = settings.Retention != PrivacySettings.Drop;
    }

    /// <summary>The item as it is to be stored: redacted, with its original, or unchanged when nothing was found.</summary>
    public NewItem Redact(NewItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var spans = new List<PiiSpan>();
        var incomplete = false;
        string Clean(string text)
        {
            var redaction = _detector.Redact(text);
            spans.AddRange(redaction.Spans);
            incomplete |= redaction.Incomplete;
            return redaction.Text;
        }

        switch (item.Content)
        {
            case TextContent:
            {
                var text = Clean(item.Text);
                if (incomplete) text = Withheld;
                if (spans.Count == 0 && !incomplete) return item;
                return item with { Text = text, Content = new TextContent(text), Original = Original(item.Text, spans, incomplete) };
            }
            case PairContent pair:
            {
                var redacted = new PairContent(Clean(pair.Prompt), Clean(pair.ResponseA), Clean(pair.ResponseB))
                {
                    Conversation = pair.Conversation?.Select(t => t with { Content = Clean(t.Content) }).ToList(),
                };
                if (spans.Count == 0 && !incomplete) return item;
                var original = ItemContentJson.Encode(pair) ?? item.Text;
                var kept = Original(original, spans, incomplete);
                if (incomplete) return item with { Text = Withheld, Content = new PairContent(Withheld, Withheld, Withheld), Original = kept };
                // The feature text repeats the prompt and responses: redacted too, its findings not counted twice.
                return item with { Text = _detector.Redact(item.Text).Text, Content = redacted, Original = kept };
            }
            default:
                return item;
        }
    }

    private ItemOriginal Original(string original, List<PiiSpan> spans, bool incomplete)
    {
        var counts = ItemOriginal.CountsOf(spans);
        if (incomplete) counts = new SortedDictionary<string, int>(counts.ToDictionary(), StringComparer.Ordinal) { ["withheld"] = 1 };
        return new(_keep ? original : null, ItemOriginal.Hash(original), counts);
    }

    /// <summary>
    /// What replaces a whole text when a pattern ran out of time on it (<see cref="Redaction.Incomplete"/>): the check
    /// did not finish, so nothing of it is shown (fail closed). Recorded as the finding <c>withheld</c>.
    /// </summary>
    public const string Withheld = "[WITHHELD]";
}
