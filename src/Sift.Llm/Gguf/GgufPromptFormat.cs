using System.Text;
using LLama;
using Microsoft.Extensions.AI;

namespace Sift.Llm.Gguf;

/// <summary>One stretch of a rendered prompt: template scaffolding (may name special tokens) or message content (never does).</summary>
internal readonly record struct PromptPiece(string Text, bool Special);

/// <summary>
/// Turns chat messages into the text a GGUF model reads, ending where the assistant's reply begins. A model with a
/// chat template in its metadata gets it (applied by llama.cpp); a base model without one gets a plain
/// "### Input / ### Response" layout. The template's scaffolding may contain special tokens and is tokenised with them;
/// message content is tokenised as plain text, so an item that writes <c>&lt;|im_end|&gt;</c> is text, not a control token.
/// </summary>
internal static class GgufPromptFormat
{
    public static IReadOnlyList<PromptPiece> Render(IReadOnlyList<ChatMessage> messages, LLamaWeights weights, bool modelHasTemplate)
    {
        if (modelHasTemplate && TryTemplate(messages, () => new LLamaTemplate(weights.NativeHandle, null, false), out var pieces)) return pieces;
        return [new PromptPiece(Plain(messages), false)];
    }

    /// <summary>The plain layout for models without a chat template.</summary>
    public static string Plain(IReadOnlyList<ChatMessage> messages)
    {
        var sb = new StringBuilder();
        foreach (var message in messages)
        {
            var text = message.Text ?? "";
            if (message.Role == ChatRole.System) sb.Append(text).Append("\n\n");
            else if (message.Role == ChatRole.Assistant) sb.Append("### Response:\n").Append(text).Append("\n\n");
            else sb.Append("### Input:\n").Append(text).Append("\n\n");
        }
        return sb.Append("### Response:\n").ToString();
    }

    // Applies the template to placeholders, then splits its output at them: what lies between is scaffolding. A template
    // that drops, reorders or rewrites a placeholder (some refuse a system turn) falls back to the plain layout.
    internal static bool TryTemplate(IReadOnlyList<ChatMessage> messages, Func<LLamaTemplate> create, out IReadOnlyList<PromptPiece> pieces)
    {
        pieces = [];
        // A placeholder stem no message contains, so content can never be taken for scaffolding.
        var k = 0;
        while (messages.Any(m => (m.Text ?? "").Contains($"SIFTMSG{k}N", StringComparison.Ordinal))) k++;
        var nonce = $"{k}N";
        string rendered;
        try
        {
            var template = create();
            template.AddAssistant = true;
            for (var i = 0; i < messages.Count; i++) template.Add(messages[i].Role.Value, Placeholder(nonce, i));
            rendered = Encoding.UTF8.GetString(template.Apply());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
        var result = new List<PromptPiece>();
        var at = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var placeholder = Placeholder(nonce, i);
            var found = rendered.IndexOf(placeholder, at, StringComparison.Ordinal);
            if (found < 0) return false;
            result.Add(new PromptPiece(rendered[at..found], true));
            result.Add(new PromptPiece(messages[i].Text ?? "", false));
            at = found + placeholder.Length;
        }
        result.Add(new PromptPiece(rendered[at..], true));
        pieces = result;
        return true;
    }

    private static string Placeholder(string nonce, int i) => $"SIFTMSG{nonce}{i}END";
}
