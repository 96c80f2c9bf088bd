using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sift.Llm.Prompts;

/// <summary>The one spelling of answers: <c>{"label":"x"}</c> and <c>{"labels":["x","y"]}</c>, no spaces.</summary>
internal static class AnswerJson
{
    // Relaxed: non-ASCII labels stay readable (and tokenise as the model would write them); quotes and control
    // characters are still escaped.
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A JSON string literal for <paramref name="value"/>, quotes included.</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value, Options);

    /// <summary>The single-label answer.</summary>
    public static string Single(string label) => "{\"label\":" + Quote(label) + "}";

    /// <summary>The multi-label answer, labels in the order given.</summary>
    public static string Multi(IEnumerable<string> labels) => "{\"labels\":[" + string.Join(",", labels.Select(Quote)) + "]}";

    /// <summary>The answer in the request's mode.</summary>
    public static string For(IReadOnlyList<string> labels, bool multiLabel) => multiLabel ? Multi(labels) : Single(labels[0]);

    /// <summary>The JSON schema of an answer over <paramref name="labels"/>; strict-mode compatible (all fields required, no others).</summary>
    public static JsonElement Schema(IReadOnlyList<string> labels, bool multiLabel)
    {
        var labelEnum = "{\"type\":\"string\",\"enum\":[" + string.Join(",", labels.Select(Quote)) + "]}";
        var json = multiLabel
            ? "{\"type\":\"object\",\"properties\":{\"labels\":{\"type\":\"array\",\"items\":" + labelEnum + "}},\"required\":[\"labels\"],\"additionalProperties\":false}"
            : "{\"type\":\"object\",\"properties\":{\"label\":" + labelEnum + "},\"required\":[\"label\"],\"additionalProperties\":false}";
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
