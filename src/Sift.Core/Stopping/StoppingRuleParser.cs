using System.Globalization;

namespace Sift.Stopping;

/// <summary>
/// Parses stopping-rule specs: <c>labels(3000)</c>, <c>money(500)</c>, <c>rounds(20)</c>,
/// <c>plateau(delta=0.005,window=3)</c>, <c>kappa(0.99,window=3)</c>, <c>uncertainty(0.1)</c>, <c>money-gain(min=0.001,window=3)</c>,
/// and <c>any(r1,r2,…)</c> / <c>all(r1,r2,…)</c>. A colon form is accepted for single values: <c>labels:3000</c>.
/// A spec may be at most <see cref="MaxSpecLength"/> characters long and nest <c>any</c>/<c>all</c> at most
/// <see cref="MaxDepth"/> deep, so no spec can exhaust the stack while it is parsed or evaluated.
/// </summary>
public static class StoppingRuleParser
{
    /// <summary>The rule names and what they take, for help text.</summary>
    public const string Help = "labels(N) | money(X) | rounds(N) | plateau(delta=0.005,window=3) | kappa(0.99,window=3) | uncertainty(0.1) | money-gain(min=0.001,window=3) | any(r,…) | all(r,…)";

    /// <summary>
    /// The longest stopping-rule spec accepted, in characters (surrounding spaces included): 1,000. Longer specs are
    /// rejected before they are parsed.
    /// </summary>
    public const int MaxSpecLength = 1_000;

    /// <summary>
    /// The deepest nesting of <c>any(…)</c> and <c>all(…)</c> accepted: 16. <c>labels(3000)</c> has depth 0,
    /// <c>any(labels(3000),rounds(20))</c> depth 1. Parsing and evaluating recurse once per level.
    /// </summary>
    public const int MaxDepth = 16;

    /// <summary>Parses one spec.</summary>
    /// <exception cref="ConfigurationException">
    /// The spec is malformed, longer than <see cref="MaxSpecLength"/> or nested deeper than <see cref="MaxDepth"/>;
    /// the message says where.
    /// </exception>
    public static IStoppingRule Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Length > MaxSpecLength)
            throw Error(spec, FormattableString.Invariant($"it is {spec.Length:N0} characters long; at most {MaxSpecLength:N0} are accepted"));
        var text = spec.Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && !text.Contains('(', StringComparison.Ordinal)) text = $"{text[..colon]}({text[(colon + 1)..]})";
        var pos = 0;
        var rule = ParseRule(text, ref pos, spec, 0);
        SkipSpaces(text, ref pos);
        if (pos != text.Length) throw Error(spec, $"unexpected '{text[pos..]}'");
        return rule;
    }

    // depth: how many any(…)/all(…) enclose this rule.
    private static IStoppingRule ParseRule(string text, ref int pos, string spec, int depth)
    {
        SkipSpaces(text, ref pos);
        var start = pos;
        while (pos < text.Length && (char.IsLetter(text[pos]) || text[pos] == '-' || text[pos] == '_')) pos++;
        var name = text[start..pos].ToLowerInvariant();
        if (name.Length == 0) throw Error(spec, "expected a rule name");
        var args = new List<string>();
        var rules = new List<IStoppingRule>();
        SkipSpaces(text, ref pos);
        if (pos < text.Length && text[pos] == '(')
        {
            if (name is "any" or "all" && depth >= MaxDepth)
                throw Error(spec, FormattableString.Invariant($"any(…) and all(…) are nested more than {MaxDepth} deep"));
            pos++;
            while (true)
            {
                SkipSpaces(text, ref pos);
                if (pos < text.Length && text[pos] == ')') { pos++; break; }
                if (name is "any" or "all") rules.Add(ParseRule(text, ref pos, spec, depth + 1));
                else
                {
                    var s = pos;
                    while (pos < text.Length && text[pos] != ',' && text[pos] != ')') pos++;
                    args.Add(text[s..pos].Trim());
                }
                SkipSpaces(text, ref pos);
                if (pos >= text.Length) throw Error(spec, "missing ')'");
                if (text[pos] == ',') pos++;
            }
        }
        var named = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var positional = new List<string>();
        foreach (var a in args)
        {
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) named[a[..eq].Trim()] = a[(eq + 1)..].Trim();
            else positional.Add(a);
        }
        double Num(string key, int index, double? fallback)
        {
            string? raw = named.TryGetValue(key, out var v) ? v : index < positional.Count ? positional[index] : null;
            if (raw is null)
                return fallback ?? throw Error(spec, $"{name} needs a value for '{key}'");
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                throw Error(spec, $"'{Shown(raw)}' is not a number ({name} {key})");
            return d;
        }
        int Int(string key, int index, int? fallback)
        {
            var d = Num(key, index, fallback);
            if (d < 1 || d != Math.Floor(d)) throw Error(spec, $"{name} {key} must be a positive whole number");
            return (int)d;
        }
        return name switch
        {
            "labels" or "budget" => new LabelBudget(Int("n", 0, null)),
            "money" or "cost" => new MoneyBudget(Positive(Num("amount", 0, null), spec, "money")),
            "rounds" => new MaxRounds(Int("n", 0, null)),
            "plateau" => new Plateau(Num("delta", 0, 0.005), Int("window", 1, 3)),
            "kappa" or "stable" or "stabilizing" => new StabilizingPredictions(Num("kappa", 0, 0.99), Int("window", 1, 3)),
            "uncertainty" => new UncertaintyBelow(Num("threshold", 0, 0.1)),
            "money-gain" or "value" => new MoneyGain(Positive(Num("min", 0, null), spec, "money-gain min"), Int("window", 1, 3)),
            "any" or "all" when rules.Count > 0 => new CombinedRule(rules, name == "all"),
            "any" or "all" => throw Error(spec, $"{name}(…) needs at least one rule"),
            _ => throw Error(spec, $"unknown rule '{Shown(name)}'"),
        };
    }

    private static double Positive(double v, string spec, string name) =>
        v > 0 ? v : throw Error(spec, $"{name} must be positive");

    private static void SkipSpaces(string text, ref int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
    }

    private static ConfigurationException Error(string spec, string problem) =>
        new($"Stopping rule '{Shown(spec)}': {problem}. Known rules: {Help}.");

    /// <summary>A spec as quoted in an error: whole when short, else its start and an ellipsis.</summary>
    private static string Shown(string spec) => spec.Length <= 80 ? spec : spec[..77] + "…";
}
