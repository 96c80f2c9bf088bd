using System.Globalization;
using System.Text.Json;
using Sift.Items;

namespace Sift.Data;

/// <summary>
/// Reads the pair part of a preference row (<see cref="DataFormatOptions.Content"/> = <see cref="ContentKind.Pair"/>):
/// TRL's explicit-prompt preference format <c>{"prompt", "chosen", "rejected"}</c>, a comparison without a known
/// winner <c>{"prompt", "response_a", "response_b"}</c>, or a prompt with several responses
/// <c>{"prompt", "responses": [...]}</c> (every pair of them becomes an item); the prompt a string or a conversation
/// (a list of <c>{"role", "content"}</c> messages), each response a string or a list of one assistant message.
/// </summary>
internal static class JsonlPairRows
{
    public const string Prompt = "prompt";
    public const string Chosen = "chosen";
    public const string Rejected = "rejected";
    public const string ResponseA = "response_a";
    public const string ResponseB = "response_b";
    public const string Responses = "responses";

    /// <summary>The most responses one row may list: 8, which makes 28 pairs.</summary>
    public const int MaxResponses = 8;

    /// <summary>Every field name a pair row uses, so the options' own field names can be checked against them.</summary>
    public static IReadOnlyList<string> Fields { get; } = [Prompt, Chosen, Rejected, ResponseA, ResponseB, Responses];

    private static readonly string[] Roles = ["system", "user", "assistant"];

    /// <summary>
    /// Whether <paramref name="root"/> reads as a pair rather than a text item: a prompt and a response field, or
    /// chosen and rejected without a prompt (TRL's implicit-prompt format, refused with a message that says how to fix it).
    /// </summary>
    public static bool LooksLikePair(JsonElement root) =>
        (root.TryGetProperty(Prompt, out _)
            && (root.TryGetProperty(Chosen, out _) || root.TryGetProperty(Rejected, out _) || root.TryGetProperty(ResponseA, out _) || root.TryGetProperty(ResponseB, out _)
                || root.TryGetProperty(Responses, out _)))
        || (root.TryGetProperty(Chosen, out _) && root.TryGetProperty(Rejected, out _));

    /// <summary>
    /// The pair on <paramref name="line"/> and, for a chosen/rejected row, its gold preference (<see cref="PairLabels.A"/>
    /// or <see cref="PairLabels.B"/>: the side the chosen response was put on by a coin seeded with
    /// <see cref="DataFormatOptions.PairSideSeed"/> and the item's id, or its content when it has none).
    /// </summary>
    public static (PairContent Content, string? Gold) Read(JsonElement root, long line, string? id, DatasetBuilder builder)
    {
        if (!root.TryGetProperty(Prompt, out var promptElement) || promptElement.ValueKind == JsonValueKind.Null)
        {
            throw builder.Error(line, Prompt, root.TryGetProperty(Chosen, out _)
                ? "missing; Sift reads TRL's explicit-prompt format: put the shared prompt in 'prompt' and only the responses in 'chosen' and 'rejected'"
                : "missing");
        }

        var (prompt, conversation) = ReadPrompt(promptElement, line, builder);
        var hasChosen = Has(root, Chosen) || Has(root, Rejected);
        var hasSides = Has(root, ResponseA) || Has(root, ResponseB);
        if (hasChosen && hasSides)
            throw builder.Error(line, null, "holds both 'chosen'/'rejected' and 'response_a'/'response_b'; a row is one pair, given one way");
        if (!hasChosen && !hasSides)
            throw builder.Error(line, Chosen, "missing; a pair row holds 'chosen' and 'rejected', or 'response_a' and 'response_b'");

        if (hasSides)
        {
            var a = ReadResponse(root, ResponseA, line, builder);
            var b = ReadResponse(root, ResponseB, line, builder);
            return (new PairContent(prompt, a, b) { Conversation = conversation }, null);
        }

        var chosen = ReadResponse(root, Chosen, line, builder);
        var rejected = ReadResponse(root, Rejected, line, builder);
        // A seeded coin per item, so the chosen response is not always A (a position a model or a person could learn).
        var key = id ?? string.Join('\u0000', promptElement.GetRawText(), chosen, rejected);
        var chosenIsA = Seeds.Uniform(Seeds.Mix(builder.Options.PairSideSeed, "pair-side:" + key), 0) < 0.5;
        var content = chosenIsA ? new PairContent(prompt, chosen, rejected) : new PairContent(prompt, rejected, chosen);
        return (content with { Conversation = conversation }, chosenIsA ? PairLabels.A : PairLabels.B);
    }

    /// <summary>Whether the row lists its responses (<c>"responses": [...]</c>) rather than giving one pair.</summary>
    public static bool HasResponses(JsonElement root) => Has(root, Responses);

    /// <summary>
    /// Every pair of a row's responses, (1, 2), (1, 3), …, (n−1, n), in that order, each with the id suffix
    /// <c>#i-j</c> (1-based); 2 to <see cref="MaxResponses"/> responses, no two the same, and no chosen/rejected or
    /// response_a/response_b fields beside them.
    /// </summary>
    public static IReadOnlyList<(string Suffix, PairContent Content)> ReadResponses(JsonElement root, long line, DatasetBuilder builder)
    {
        if (!root.TryGetProperty(Prompt, out var promptElement) || promptElement.ValueKind == JsonValueKind.Null) throw builder.Error(line, Prompt, "missing");
        if (Has(root, Chosen) || Has(root, Rejected) || Has(root, ResponseA) || Has(root, ResponseB))
            throw builder.Error(line, Responses, "given beside 'chosen'/'rejected' or 'response_a'/'response_b'; a row gives its responses one way");
        var (prompt, conversation) = ReadPrompt(promptElement, line, builder);
        var list = root.GetProperty(Responses);
        if (list.ValueKind != JsonValueKind.Array) throw builder.Error(line, Responses, "not a list of responses");
        var count = list.GetArrayLength();
        if (count is < 2 or > MaxResponses)
        {
            throw builder.Error(line, Responses, string.Create(CultureInfo.InvariantCulture,
                $"a list of {count} responses; give 2 to {MaxResponses} (every pair of them becomes an item)"));
        }

        var texts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{Responses}[{i}]");
            var text = ReadResponseValue(list[i], at, line, builder);
            var same = texts.IndexOf(text);
            if (same >= 0) throw builder.Error(line, at, string.Create(CultureInfo.InvariantCulture, $"the same text as {Responses}[{same}]; a pair compares two different responses"));
            texts.Add(text);
        }

        var pairs = new List<(string, PairContent)>(count * (count - 1) / 2);
        for (var i = 0; i < count; i++)
            for (var j = i + 1; j < count; j++)
                pairs.Add((string.Create(CultureInfo.InvariantCulture, $"#{i + 1}-{j + 1}"), new PairContent(prompt, texts[i], texts[j]) { Conversation = conversation }));
        return pairs;
    }

    private static bool Has(JsonElement root, string field) => root.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A plain prompt, or a conversation whose last user turn is the prompt.</summary>
    private static (string Prompt, IReadOnlyList<ChatTurn>? Conversation) ReadPrompt(JsonElement element, long line, DatasetBuilder builder)
    {
        if (element.ValueKind == JsonValueKind.String) return (Part(element, line, Prompt, builder), null);
        if (element.ValueKind != JsonValueKind.Array)
            throw builder.Error(line, Prompt, "not a string or a list of {\"role\", \"content\"} messages");

        var turns = new List<ChatTurn>();
        var index = 0;
        foreach (var message in element.EnumerateArray())
        {
            turns.Add(ReadTurn(message, line, string.Create(CultureInfo.InvariantCulture, $"{Prompt}[{index}]"), builder));
            index++;
        }

        if (turns.Count == 0) throw builder.Error(line, Prompt, "an empty conversation");
        var lastUser = turns.FindLast(t => t.Role == "user") ?? throw builder.Error(line, Prompt, "a conversation with no 'user' message");
        return (lastUser.Content, turns);
    }

    /// <summary>A response: a string, or (conversational data) a list of exactly one assistant message.</summary>
    private static string ReadResponse(JsonElement root, string field, long line, DatasetBuilder builder)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null) throw builder.Error(line, field, "missing");
        return ReadResponseValue(element, field, line, builder);
    }

    private static string ReadResponseValue(JsonElement element, string field, long line, DatasetBuilder builder)
    {
        if (element.ValueKind == JsonValueKind.Null) throw builder.Error(line, field, "missing");
        if (element.ValueKind == JsonValueKind.String) return Part(element, line, field, builder);
        if (element.ValueKind != JsonValueKind.Array)
            throw builder.Error(line, field, "not a string or a list of one {\"role\": \"assistant\", \"content\"} message");
        if (element.GetArrayLength() != 1)
        {
            throw builder.Error(line, field, string.Create(CultureInfo.InvariantCulture,
                $"a list of {element.GetArrayLength()} messages; a response is one assistant message"));
        }

        var turn = ReadTurn(element[0], line, field + "[0]", builder);
        if (turn.Role != "assistant") throw builder.Error(line, field + "[0].role", $"'{turn.Role}'; a response is an 'assistant' message");
        return turn.Content;
    }

    private static ChatTurn ReadTurn(JsonElement message, long line, string at, DatasetBuilder builder)
    {
        if (message.ValueKind != JsonValueKind.Object) throw builder.Error(line, at, "not a {\"role\", \"content\"} object");
        if (!message.TryGetProperty("role", out var roleElement) || roleElement.ValueKind != JsonValueKind.String)
            throw builder.Error(line, at + ".role", "missing or not a string");
        var role = JsonLines.String(roleElement, builder.Source, line, at + ".role");
        if (!Roles.Contains(role, StringComparer.Ordinal))
            throw builder.Error(line, at + ".role", $"'{Shorten(role)}' is not one of {string.Join(", ", Roles)}");
        if (!message.TryGetProperty("content", out var contentElement) || contentElement.ValueKind != JsonValueKind.String)
            throw builder.Error(line, at + ".content", "missing or not a string (messages with several content parts are not read)");
        return new ChatTurn(role, Part(contentElement, line, at + ".content", builder));
    }

    private static string Part(JsonElement element, long line, string field, DatasetBuilder builder) =>
        builder.CheckText(JsonLines.String(element, builder.Source, line, field), line, field);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
