using System.Globalization;
using System.Numerics.Tensors;
using Sift.Features;

namespace Sift.Preferences;

/// <summary>Which blocks <see cref="PairFeatures"/> builds. Defaults: every block.</summary>
public sealed record PairFeatureOptions
{
    /// <summary>The response's encoder vector r. Default true.</summary>
    public bool Response { get; init; } = true;

    /// <summary>The element-wise interaction r ⊙ p with the prompt vector p, times <see cref="InteractionScale"/>. Default true.</summary>
    public bool Interaction { get; init; } = true;

    /// <summary>Prompt–response cosine similarity, standardised over the fitted responses. Default true.</summary>
    public bool Cosine { get; init; } = true;

    /// <summary>The response's text traits (<see cref="ResponseTraits"/>), each log(1 + count) and standardised. Default true.</summary>
    public bool Traits { get; init; } = true;

    /// <summary>
    /// Factor on the interaction block; null (default) means √dimension, which gives r ⊙ p of two unit vectors about
    /// the norm of r, so one L2 penalty treats both blocks alike.
    /// </summary>
    public double? InteractionScale { get; init; }

    /// <summary>Checks that some block is on and the scale is positive.</summary>
    /// <exception cref="ConfigurationException">No block, or a bad scale.</exception>
    public void Validate()
    {
        if (!Response && !Interaction && !Cosine && !Traits) throw new ConfigurationException("Pair features need at least one block.");
        if (InteractionScale is { } s && (!(s > 0) || !double.IsFinite(s))) throw new ConfigurationException($"The interaction scale must be positive, not {s}.");
    }
}

/// <summary>
/// Simple, deterministic traits of a response text, counted on its lower-cased text with straight apostrophes;
/// phrases match whole words only.
/// </summary>
/// <param name="Characters">Length in UTF-16 characters.</param>
/// <param name="ListItems">Lines that start (after spaces) with a bullet (<c>-</c>, <c>*</c>, <c>•</c>) and a space, or a number followed by <c>.</c> or <c>)</c> and a space.</param>
/// <param name="CodeBlocks">Code fences (<c>```</c>) divided by two, rounded up: fenced blocks.</param>
/// <param name="Refusals">Occurrences of refusal phrases (<see cref="ResponseTraits.RefusalPhrases"/>).</param>
/// <param name="Hedges">Occurrences of hedging words and phrases (<see cref="ResponseTraits.HedgePhrases"/>).</param>
/// <param name="Questions">Question marks: the response asks something back.</param>
/// <param name="Unfinished">
/// The response does not end (after trailing white space) with a sentence or block ending — <c>. ! ? : ; ) ] " ' ` *</c>
/// or a closing curly quote — so it was probably cut off (a generation that hit its length limit). Empty text counts as
/// unfinished.
/// </param>
public readonly record struct ResponseTraits(int Characters, int ListItems, int CodeBlocks, int Refusals, int Hedges, int Questions, bool Unfinished)
{
    /// <summary>Phrases counted as refusals or apologies.</summary>
    public static IReadOnlyList<string> RefusalPhrases { get; } =
    [
        "i'm sorry", "i am sorry", "i apologize", "i apologise", "i can't", "i cannot", "i can not", "i won't", "i will not",
        "i'm not able", "i am not able", "i'm unable", "i am unable", "as an ai", "i don't know", "i do not know",
        "i'm not sure", "i am not sure", "not appropriate", "i don't understand", "i do not understand",
    ];

    /// <summary>Words and phrases counted as hedges.</summary>
    public static IReadOnlyList<string> HedgePhrases { get; } =
    [
        "might", "may", "perhaps", "possibly", "probably", "maybe", "i think", "i believe", "i guess", "it depends",
        "could be", "likely", "unlikely", "generally", "typically", "usually", "sometimes", "somewhat", "in general",
    ];

    /// <summary>Counts the traits of <paramref name="text"/>.</summary>
    public static ResponseTraits Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.ToLowerInvariant().Replace('\u2019', '\'');
        var list = 0;
        foreach (var raw in lower.Split('\n'))
        {
            var line = raw.TrimStart();
            if (line.Length >= 2 && (line[0] is '-' or '*' or '•') && line[1] == ' ') list++;
            else
            {
                var k = 0;
                while (k < line.Length && char.IsAsciiDigit(line[k])) k++;
                if (k is > 0 and <= 3 && k + 1 < line.Length && (line[k] is '.' or ')') && line[k + 1] == ' ') list++;
            }
        }
        var fences = Count(lower, "```", wholeWord: false);
        var trimmed = text.TrimEnd();
        var unfinished = trimmed.Length == 0 || !(trimmed[^1] is '.' or '!' or '?' or ':' or ';' or ')' or ']' or '"' or '\'' or '`' or '*' or '\u201D' or '\u2019');
        return new ResponseTraits(text.Length, list, (fences + 1) / 2, RefusalPhrases.Sum(p => Count(lower, p, true)),
            HedgePhrases.Sum(p => Count(lower, p, true)), lower.Count(c => c == '?'), unfinished);
    }

    private static int Count(string text, string phrase, bool wholeWord)
    {
        var n = 0;
        for (var at = text.IndexOf(phrase, StringComparison.Ordinal); at >= 0; at = text.IndexOf(phrase, at + 1, StringComparison.Ordinal))
        {
            if (wholeWord && ((at > 0 && char.IsLetterOrDigit(text[at - 1])) || (at + phrase.Length < text.Length && char.IsLetterOrDigit(text[at + phrase.Length]))))
                continue;
            n++;
        }
        return n;
    }

    /// <summary>The traits as features, in <see cref="PairFeatures.TraitNames"/> order: log(1 + count) each, 0/1 for <see cref="Unfinished"/>.</summary>
    internal void Write(Span<double> destination)
    {
        destination[0] = Math.Log(1 + Characters);
        destination[1] = Math.Log(1 + ListItems);
        destination[2] = Math.Log(1 + CodeBlocks);
        destination[3] = Math.Log(1 + Refusals);
        destination[4] = Math.Log(1 + Hedges);
        destination[5] = Math.Log(1 + Questions);
        destination[6] = Unfinished ? 1 : 0;
    }
}

/// <summary>
/// Builds the reward model's features φ(prompt, response) from encoder vectors of the prompt (p) and the response (r)
/// and the response text: [r] [√D·(r ⊙ p)] [cos(p, r)] [log-length, list items, code blocks, refusals, hedges,
/// questions, unfinished] (blocks per <see cref="PairFeatureOptions"/>). The scalar features are standardised with the mean and
/// standard deviation over the responses it was fitted on, so they are on the scale of one another; a constant feature
/// is only centred. Only differences φ_A − φ_B enter a Bradley–Terry model, so centring changes nothing there.
/// Fitted state is immutable; thread-safe; deterministic.
/// </summary>
public sealed class PairFeatures
{
    /// <summary>Names of the trait features, in order.</summary>
    public static IReadOnlyList<string> TraitNames { get; } = ["log_chars", "list_items", "code_blocks", "refusals", "hedges", "questions", "unfinished"];

    private readonly double[] _mean;
    private readonly double[] _scale;
    private readonly double _interactionScale;

    private PairFeatures(PairFeatureOptions options, int vectorDimension, double[] mean, double[] scale)
    {
        Options = options;
        VectorDimension = vectorDimension;
        _mean = mean;
        _scale = scale;
        _interactionScale = options.InteractionScale ?? Math.Sqrt(vectorDimension);
        Dimension = (options.Response ? vectorDimension : 0) + (options.Interaction ? vectorDimension : 0) + ScalarCount;
        var names = new List<string>();
        if (options.Response) names.AddRange(Enumerable.Range(0, vectorDimension).Select(j => "r" + j.ToString(CultureInfo.InvariantCulture)));
        if (options.Interaction) names.AddRange(Enumerable.Range(0, vectorDimension).Select(j => "rp" + j.ToString(CultureInfo.InvariantCulture)));
        if (options.Cosine) names.Add("cosine");
        if (options.Traits) names.AddRange(TraitNames);
        FeatureNames = names;
    }

    /// <summary>The blocks.</summary>
    public PairFeatureOptions Options { get; }

    /// <summary>Length of the encoder vectors.</summary>
    public int VectorDimension { get; }

    /// <summary>Length of φ.</summary>
    public int Dimension { get; }

    /// <summary>Name of each feature of φ, in order (<c>r0…</c>, <c>rp0…</c>, <c>cosine</c>, then <see cref="TraitNames"/>).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    private int ScalarCount => (Options.Cosine ? 1 : 0) + (Options.Traits ? TraitNames.Count : 0);

    /// <summary>
    /// Fits the standardisation of the scalar features on responses (row i of <paramref name="responses"/> answers the
    /// prompt of row i of <paramref name="prompts"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Rows or widths disagree, or there are no responses.</exception>
    public static PairFeatures Fit(DenseMatrix prompts, DenseMatrix responses, IReadOnlyList<string> responseTexts, PairFeatureOptions? options = null)
    {
        options ??= new PairFeatureOptions();
        options.Validate();
        Check(prompts, responses, responseTexts);
        if (responses.Rows == 0) throw new ArgumentException("Fit needs at least one response.", nameof(responses));
        var shell = new PairFeatures(options, responses.Columns, [], []);
        var s = shell.ScalarCount;
        var values = new double[responses.Rows * s];
        for (var i = 0; i < responses.Rows; i++) shell.Scalars(prompts.Row(i), responses.Row(i), responseTexts[i], values.AsSpan(i * s, s));
        var mean = new double[s];
        var scale = new double[s];
        for (var c = 0; c < s; c++)
        {
            double m = 0, v = 0;
            for (var i = 0; i < responses.Rows; i++) m += values[i * s + c];
            m /= responses.Rows;
            for (var i = 0; i < responses.Rows; i++) v += (values[i * s + c] - m) * (values[i * s + c] - m);
            var sd = Math.Sqrt(v / responses.Rows);
            mean[c] = m;
            scale[c] = sd > 1e-12 ? 1 / sd : 1;
        }
        return new PairFeatures(options, responses.Columns, mean, scale);
    }

    /// <summary>Writes φ(prompt, response) into <paramref name="destination"/> (length <see cref="Dimension"/>).</summary>
    public void Write(ReadOnlySpan<float> prompt, ReadOnlySpan<float> response, string responseText, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(responseText);
        if (prompt.Length != VectorDimension || response.Length != VectorDimension)
            throw new ArgumentException($"Encoder vectors must have {VectorDimension} values.");
        if (destination.Length < Dimension) throw new ArgumentException("The destination is too short.", nameof(destination));
        var at = 0;
        if (Options.Response)
        {
            response.CopyTo(destination);
            at += VectorDimension;
        }
        if (Options.Interaction)
        {
            var block = destination.Slice(at, VectorDimension);
            TensorPrimitives.Multiply(response, prompt, block);
            TensorPrimitives.Multiply(block, (float)_interactionScale, block);
            at += VectorDimension;
        }
        Span<double> scalars = stackalloc double[ScalarCount];
        Scalars(prompt, response, responseText, scalars);
        for (var c = 0; c < scalars.Length; c++) destination[at + c] = (float)((scalars[c] - _mean[c]) * _scale[c]);
    }

    /// <summary>φ of every response (row i from row i of each input).</summary>
    public DenseMatrix Transform(DenseMatrix prompts, DenseMatrix responses, IReadOnlyList<string> responseTexts)
    {
        Check(prompts, responses, responseTexts);
        var result = new DenseMatrix(responses.Rows, Dimension);
        Parallelism.ForBlocks(responses.Rows, 256, (start, length) =>
        {
            for (var i = start; i < start + length; i++) Write(prompts.Row(i), responses.Row(i), responseTexts[i], result.Row(i));
        });
        return result;
    }

    /// <summary>
    /// The difference matrix of pairs: row i = φ(pᵢ, Aᵢ) − φ(pᵢ, Bᵢ), the reward model's input (one row per pair).
    /// </summary>
    public DenseMatrix Differences(DenseMatrix prompts, DenseMatrix responsesA, IReadOnlyList<string> textsA, DenseMatrix responsesB, IReadOnlyList<string> textsB)
    {
        var a = Transform(prompts, responsesA, textsA);
        var b = Transform(prompts, responsesB, textsB);
        TensorPrimitives.Subtract(a.Data, b.Data, a.Data);
        return a;
    }

    private void Scalars(ReadOnlySpan<float> prompt, ReadOnlySpan<float> response, string text, Span<double> destination)
    {
        var at = 0;
        if (Options.Cosine)
        {
            var np = TensorPrimitives.Norm(prompt);
            var nr = TensorPrimitives.Norm(response);
            destination[at++] = np > 0 && nr > 0 ? TensorPrimitives.Dot(prompt, response) / (np * nr) : 0;
        }
        if (Options.Traits) ResponseTraits.Of(text).Write(destination[at..]);
    }

    private static void Check(DenseMatrix prompts, DenseMatrix responses, IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(texts);
        if (prompts.Rows != responses.Rows || texts.Count != responses.Rows)
            throw new ArgumentException("Prompts, responses and texts must have one row per response.");
        if (prompts.Columns != responses.Columns) throw new ArgumentException("Prompt and response vectors differ in width.");
    }
}
