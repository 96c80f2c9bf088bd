using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sift.Llm.Gguf;

/// <summary>
/// Compiles the JSON schemas of labeling answers to a GBNF grammar (llama.cpp's grammar format) that admits exactly the
/// compact JSON the schema allows, so a grammar-constrained model cannot write anything else. Supported: objects whose
/// properties are all required (written in schema order, no extra properties), strings (any, or an <c>enum</c>),
/// arrays of string enums (a non-empty subset without repeats, in enum order — the label-set meaning), booleans and
/// integers. Anything else throws <see cref="NotSupportedException"/>: this is not a general schema compiler.
/// </summary>
internal static class JsonSchemaGbnf
{
    /// <summary>Any compact JSON object: for a JSON response format without a schema.</summary>
    public const string AnyJsonObject = """
        root ::= object
        value ::= object | array | string | number | "true" | "false" | "null"
        object ::= "{" ( string ":" value ( "," string ":" value )* )? "}"
        array ::= "[" ( value ( "," value )* )? "]"
        string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] ) )* "\""
        number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
        """;

    private const string StringRule = """string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] ) )* "\"" """;

    /// <summary>The grammar (root rule <c>root</c>) for <paramref name="schema"/>.</summary>
    /// <exception cref="NotSupportedException">The schema uses something outside the supported subset.</exception>
    public static string Compile(JsonElement schema)
    {
        var rules = new List<string>();
        var needsString = false;
        var root = Value(schema, "root", rules, ref needsString);
        var sb = new StringBuilder("root ::= ").Append(root).Append('\n');
        foreach (var rule in rules) sb.Append(rule).Append('\n');
        if (needsString) sb.Append(StringRule.Trim()).Append('\n');
        return sb.ToString();
    }

    /// <summary>A GBNF string literal matching exactly <paramref name="text"/>.</summary>
    public static string Literal(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7F) sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    // Returns an expression for the value; adds named rules to `rules` when it needs them.
    private static string Value(JsonElement schema, string name, List<string> rules, ref bool needsString)
    {
        if (schema.ValueKind != JsonValueKind.Object) throw Unsupported(name, "is not a schema object");
        if (schema.TryGetProperty("enum", out var enumValues)) return Enum(enumValues, name);
        var type = schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "string":
                needsString = true;
                return "string";
            case "boolean":
                return "( \"true\" | \"false\" )";
            case "integer":
                return "( \"-\"? ( \"0\" | [1-9] [0-9]* ) )";
            case "object":
                return Object(schema, name, rules, ref needsString);
            case "array":
                return Array(schema, name, rules);
            default:
                throw Unsupported(name, $"has type '{type ?? "(none)"}'");
        }
    }

    private static string Enum(JsonElement values, string name)
    {
        if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0) throw Unsupported(name, "has an empty enum");
        var literals = values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? Literal(Prompts.AnswerJson.Quote(v.GetString()!))
            : throw Unsupported(name, "has a non-string enum value"));
        return "( " + string.Join(" | ", literals) + " )";
    }

    private static string Object(JsonElement schema, string name, List<string> rules, ref bool needsString)
    {
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            throw Unsupported(name, "is an object without properties");
        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.GetString()).ToHashSet(StringComparer.Ordinal)
            : [];
        if (schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind != JsonValueKind.False)
            throw Unsupported(name, "allows additional properties");
        var parts = new List<string>();
        var i = 0;
        foreach (var property in properties.EnumerateObject())
        {
            if (!required.Contains(property.Name)) throw Unsupported(name, $"has the optional property '{property.Name}'");
            var ruleName = $"{name}-p{i++}";
            var value = Value(property.Value, ruleName, rules, ref needsString);
            rules.Add($"{ruleName} ::= {value}");
            parts.Add(Literal((parts.Count > 0 ? "," : "") + Prompts.AnswerJson.Quote(property.Name) + ":") + " " + ruleName);
        }
        return "\"{\" " + string.Join(" ", parts) + " \"}\"";
    }

    // A non-empty subset of the enum in enum order, each value at most once: first(i) is value i followed by
    // rest(i+1), and rest(i) optionally takes value i (with a comma) and goes on to rest(i+1).
    private static string Array(JsonElement schema, string name, List<string> rules)
    {
        if (!schema.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Object
            || !items.TryGetProperty("enum", out var values) || values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
            throw Unsupported(name, "is an array whose items are not a string enum");
        var literals = values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? Literal(Prompts.AnswerJson.Quote(v.GetString()!))
            : throw Unsupported(name, "has a non-string enum value")).ToList();
        var n = literals.Count;
        for (var i = 0; i < n; i++)
            rules.Add($"{name}-rest{i} ::= ( \",\" {literals[i]} )? {(i + 1 < n ? $"{name}-rest{i + 1}" : "\"\"")}");
        var firsts = Enumerable.Range(0, n).Select(i => $"{literals[i]} {(i + 1 < n ? $"{name}-rest{i + 1}" : "\"\"")}");
        rules.Add($"{name}-items ::= " + string.Join(" | ", firsts));
        return $"\"[\" {name}-items \"]\"";
    }

    private static NotSupportedException Unsupported(string name, string problem) =>
        new($"The embedded model's grammar compiler supports only label-set schemas; the schema at '{name}' {problem}.");
}
