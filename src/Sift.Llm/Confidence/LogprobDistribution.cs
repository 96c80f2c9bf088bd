using System.Text;
using System.Text.Json;
using Sift.Llm.Prompts;

namespace Sift.Llm.Confidence;

/// <summary>
/// The probability of every label from an endpoint's token log-probabilities at the answer position of a single-label
/// reply <c>{"label":"…"}</c>. At the first token of the label value, each alternative token (from
/// <c>top_logprobs</c>) carries its probability to the labels whose text it begins; where labels share a first token
/// the walk continues along the generated tokens, multiplying by their probabilities (the chain rule), until only the
/// answer's label is left. Mass on tokens that begin no label is dropped and the rest renormalised over the label set;
/// labels that no listed alternative begins get 0. An alternative that begins several labels beyond the generated path
/// splits its mass equally among them (the only approximation; the exact split needs tokens the API does not return).
/// Returns null when the tokens do not spell the reply or give fewer than two alternatives at the answer position.
/// </summary>
internal static class LogprobDistribution
{
    public static double[]? Compute(string reply, IReadOnlyList<TokenLogprob> tokens, IReadOnlyList<string> labels, string answer)
    {
        if (tokens.Count == 0 || string.Concat(tokens.Select(t => t.Token)) != reply) return null;
        if (FindValue(reply) is not { } value) return null;
        var (valueStart, rawAnswer) = value;

        // Each label's text as it would appear in the reply, with the closing quote: prefix-free by JSON escaping.
        var terminated = labels.Select(l => (l == answer ? rawAnswer : AnswerJson.Quote(l)[1..^1]) + "\"").ToArray();
        var answerIndex = labels.ToList().IndexOf(answer);
        if (answerIndex < 0) return null;

        var starts = new int[tokens.Count];
        for (int i = 1; i < tokens.Count; i++) starts[i] = starts[i - 1] + tokens[i - 1].Token.Length;
        var j = 0;
        while (j < tokens.Count && starts[j] + tokens[j].Token.Length <= valueStart) j++;
        if (j == tokens.Count) return null;
        var lead = reply[starts[j]..valueStart];
        if (tokens[j].Top.Count(a => a.Token != tokens[j].Token) < 1) return null;

        var mass = new double[labels.Count];
        var alive = Enumerable.Range(0, labels.Count).ToList();
        var consumed = "";
        var logPath = 0.0;
        for (; j < tokens.Count; j++)
        {
            var token = tokens[j];
            if (!token.Token.StartsWith(lead, StringComparison.Ordinal)) return null;
            foreach (var alternative in token.Top.DistinctBy(a => a.Token))
            {
                if (alternative.Token == token.Token || !alternative.Token.StartsWith(lead, StringComparison.Ordinal)) continue;
                var text = consumed + alternative.Token[lead.Length..];
                var begun = alive.Where(l => Consistent(terminated[l], text)).ToList();
                foreach (var l in begun) mass[l] += Math.Exp(logPath + alternative.LogProbability) / begun.Count;
            }
            consumed += token.Token[lead.Length..];
            lead = "";
            alive = alive.Where(l => Consistent(terminated[l], consumed)).ToList();
            if (!alive.Contains(answerIndex)) return null;
            if (alive.Count == 1 || j == tokens.Count - 1)
            {
                foreach (var l in alive) mass[l] += Math.Exp(logPath + token.LogProbability) / alive.Count;
                break;
            }
            logPath += token.LogProbability;
        }
        var total = mass.Sum();
        if (!(total > 0) || double.IsInfinity(total)) return null;
        for (var l = 0; l < mass.Length; l++) mass[l] /= total;
        return mass;
    }

    private static bool Consistent(string terminatedLabel, string text) =>
        text.Length == 0 || terminatedLabel.StartsWith(text, StringComparison.Ordinal) || text.StartsWith(terminatedLabel, StringComparison.Ordinal);

    // Where the value of "label" starts in the reply (just after its opening quote) and its text as written (escapes kept).
    private static (int Start, string Raw)? FindValue(string reply)
    {
        var objectStart = reply.IndexOf('{', StringComparison.Ordinal);
        if (objectStart < 0) return null;
        var bytes = Encoding.UTF8.GetBytes(reply[objectStart..]);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = false });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName) return null;
                var isLabel = reader.ValueTextEquals("label"u8);
                if (!reader.Read()) return null;
                if (isLabel && reader.TokenType == JsonTokenType.String)
                {
                    var start = objectStart + Encoding.UTF8.GetCharCount(bytes, 0, (int)reader.TokenStartIndex) + 1;
                    var raw = Encoding.UTF8.GetString(reader.ValueSpan);
                    return (start, raw);
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }
}
