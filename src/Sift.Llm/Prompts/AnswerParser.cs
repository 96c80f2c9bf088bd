using System.Text.Json;

namespace Sift.Llm.Prompts;

/// <summary>
/// Strict reading of a model's reply: one JSON object with exactly the field <c>label</c> (a string) or, for
/// multi-label, <c>labels</c> (a non-empty array of distinct strings), every label spelled exactly as in the label set.
/// One surrounding Markdown code fence is tolerated (models without a JSON mode add it); nothing else is — no prose, no
/// second object, no case folding, no closest match. Anything else is invalid, with a reason in words.
/// </summary>
internal static class AnswerParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 4 };

    /// <summary>Parses <paramref name="reply"/>; false with a reason when it is not a valid answer.</summary>
    public static bool TryParse(string? reply, IReadOnlyList<string> labelSet, bool multiLabel, out IReadOnlyList<string> labels, out string reason)
    {
        labels = [];
        var text = Unfence(reply?.Trim() ?? "");
        if (text.Length == 0)
        {
            reason = "the reply is empty";
            return false;
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, DocumentOptions);
        }
        catch (JsonException)
        {
            reason = "the reply is not one JSON object";
            return false;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = "the reply is not one JSON object";
                return false;
            }
            var field = multiLabel ? "labels" : "label";
            var properties = root.EnumerateObject().ToList();
            if (properties.Count != 1 || properties[0].Name != field)
            {
                reason = $"the reply must have exactly one field, '{field}'";
                return false;
            }
            var value = properties[0].Value;
            if (!multiLabel)
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    reason = "'label' is not a string";
                    return false;
                }
                var label = value.GetString()!;
                if (!labelSet.Contains(label, StringComparer.Ordinal))
                {
                    reason = $"{Show(label)} is not one of the labels";
                    return false;
                }
                labels = [label];
                reason = "";
                return true;
            }
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            {
                reason = "'labels' is not a non-empty array";
                return false;
            }
            var seen = new List<string>();
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    reason = "'labels' holds something other than strings";
                    return false;
                }
                var label = item.GetString()!;
                if (!labelSet.Contains(label, StringComparer.Ordinal))
                {
                    reason = $"{Show(label)} is not one of the labels";
                    return false;
                }
                if (seen.Contains(label, StringComparer.Ordinal))
                {
                    reason = $"{Show(label)} is given twice";
                    return false;
                }
                seen.Add(label);
            }
            // Schema order, so that the same set is always the same answer.
            labels = labelSet.Where(seen.Contains).ToList();
            reason = "";
            return true;
        }
    }

    // The model's text is untrusted: quoted as a JSON string and cut short, so a reason stays one inert line.
    private static string Show(string label) => AnswerJson.Quote(label.Length > 40 ? label[..40] + "…" : label);

    private static string Unfence(string text)
    {
        if (!text.StartsWith("```", StringComparison.Ordinal) || !text.EndsWith("```", StringComparison.Ordinal) || text.Length < 6) return text;
        var firstLineEnd = text.IndexOf('\n', StringComparison.Ordinal);
        if (firstLineEnd < 0) return text;
        var info = text[3..firstLineEnd].Trim();
        if (info.Length > 0 && !info.Equals("json", StringComparison.OrdinalIgnoreCase)) return text;
        var inner = text[(firstLineEnd + 1)..^3];
        return inner.Contains("```", StringComparison.Ordinal) ? text : inner.Trim();
    }
}
