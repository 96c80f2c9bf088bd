using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Items;

/// <summary>What kind of thing an item is; decides how it is shown, featurised and answered.</summary>
public enum ContentKind
{
    /// <summary>One text to classify (<see cref="TextContent"/>).</summary>
    Text,

    /// <summary>A prompt with two responses to compare (<see cref="PairContent"/>).</summary>
    Pair,
}

/// <summary>One message of a conversational prompt.</summary>
/// <param name="Role">Who spoke: <c>system</c>, <c>user</c> or <c>assistant</c> (as in chat-completion APIs and TRL's conversational format).</param>
/// <param name="Content">What was said. Untrusted.</param>
public sealed record ChatTurn(string Role, string Content);

/// <summary>
/// The content of an item: what an annotator sees and a featuriser reads. Immutable; every string is untrusted
/// (rendered inert, delimited in prompts). New kinds are new subclasses with a <see cref="ContentKind"/> and an
/// encoding in <see cref="ItemContentJson"/>.
/// </summary>
public abstract record ItemContent
{
    private protected ItemContent() { }

    /// <summary>The kind, for storage and dispatch.</summary>
    public abstract ContentKind Kind { get; }

    /// <summary>
    /// One plain text standing for the whole item, for text featurisers, search, de-duplication and ids derived from
    /// content. For a text item, the text itself.
    /// </summary>
    public abstract string FeatureText { get; }
}

/// <summary>A single text (the classic labeling item).</summary>
/// <param name="Text">The text.</param>
public sealed record TextContent(string Text) : ItemContent
{
    /// <inheritdoc />
    public override ContentKind Kind => ContentKind.Text;

    /// <inheritdoc />
    public override string FeatureText => Text;
}

/// <summary>
/// A prompt with two responses, for a pairwise preference judgment ("which response is better?"). The prompt is a
/// plain string or, for conversational data, the turns before the responses (then <see cref="Prompt"/> is the last
/// user turn and <see cref="Conversation"/> holds them all). Sides are A and B as stored; the annotate page may show
/// them swapped, and records it.
/// </summary>
/// <param name="Prompt">The prompt (or the last user turn of <see cref="Conversation"/>).</param>
/// <param name="ResponseA">The first response as stored.</param>
/// <param name="ResponseB">The second response as stored.</param>
public sealed record PairContent(string Prompt, string ResponseA, string ResponseB) : ItemContent
{
    /// <summary>The conversation before the responses, when the prompt was conversational; null for a plain prompt.</summary>
    public IReadOnlyList<ChatTurn>? Conversation { get; init; }

    /// <inheritdoc />
    public override ContentKind Kind => ContentKind.Pair;

    /// <inheritdoc />
    public override string FeatureText => $"{Prompt}\n\nA: {ResponseA}\n\nB: {ResponseB}";
}

/// <summary>
/// The stored form of item content: a kind name and a JSON object. Text items store no JSON (their text column is
/// the content), so existing rows need no migration of their data.
/// </summary>
public static class ItemContentJson
{
    /// <summary>The kind's stored name: <c>text</c>, <c>pair</c>.</summary>
    public static string KindName(ContentKind kind) => kind switch
    {
        ContentKind.Text => "text",
        ContentKind.Pair => "pair",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a stored kind name.</summary>
    /// <exception cref="FormatException">Not a known kind.</exception>
    public static ContentKind ParseKind(string name) => name switch
    {
        "text" => ContentKind.Text,
        "pair" => ContentKind.Pair,
        _ => throw new FormatException($"Unknown item content kind '{name}'."),
    };

    /// <summary>The JSON stored beside the text column: null for text, an object for other kinds.</summary>
    public static string? Encode(ItemContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        switch (content)
        {
            case TextContent:
                return null;
            case PairContent pair:
                var o = new JsonObject { ["prompt"] = pair.Prompt, ["response_a"] = pair.ResponseA, ["response_b"] = pair.ResponseB };
                if (pair.Conversation is { } turns)
                    o["conversation"] = new JsonArray(turns.Select(t => (JsonNode)new JsonObject { ["role"] = t.Role, ["content"] = t.Content }).ToArray());
                return o.ToJsonString();
            default:
                throw new ArgumentException($"No stored form for content kind {content.Kind}.", nameof(content));
        }
    }

    /// <summary>Rebuilds content from its stored kind, text column and JSON.</summary>
    /// <exception cref="FormatException">The JSON does not match the kind.</exception>
    public static ItemContent Decode(ContentKind kind, string text, string? json)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (kind == ContentKind.Text) return new TextContent(text);
        if (json is null) throw new FormatException($"A {KindName(kind)} item has no content JSON.");
        JsonObject o;
        try
        {
            o = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("Item content JSON is not an object.");
        }
        catch (JsonException e)
        {
            throw new FormatException("Item content JSON does not parse: " + e.Message, e);
        }
        return kind switch
        {
            ContentKind.Pair => new PairContent(Required(o, "prompt"), Required(o, "response_a"), Required(o, "response_b"))
            {
                Conversation = o["conversation"] is JsonArray turns
                    ? turns.Select(t => new ChatTurn(Required((JsonObject)t!, "role"), Required((JsonObject)t!, "content"))).ToList()
                    : null,
            },
            _ => throw new FormatException($"Unknown item content kind {kind}."),
        };
    }

    private static string Required(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"Item content JSON lacks the string '{name}'.");
}
