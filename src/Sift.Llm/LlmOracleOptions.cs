using System.Globalization;
using Sift.Llm.Prompts;

namespace Sift.Llm;

/// <summary>
/// How an <see cref="LlmOracle"/> prompts, prices and judges its model. Immutable once built; checked by
/// <see cref="Validate"/> when the oracle is created.
/// </summary>
public sealed class LlmOracleOptions
{
    /// <summary>The oracle's name, recorded with every answer (<c>openai:gpt-4o-mini</c>, <c>gguf:model.gguf</c>). Required.</summary>
    public required string Name { get; init; }

    /// <summary>The prompt template and version (default <c>label@1</c>; see <see cref="PromptTemplates"/>).</summary>
    public string Template { get; init; } = PromptTemplates.Label1;

    /// <summary>Few-shot examples per prompt, chosen from the request's labeled examples (default 4; 0–32).</summary>
    public int Shots { get; init; } = 4;

    /// <summary>
    /// Samples for self-consistency confidence when the back end gives neither label scores nor log-probabilities, and
    /// for every multi-label answer (default 5; 1–20). 1 means no confidence is estimated (recorded as <c>none</c>).
    /// </summary>
    public int Samples { get; init; } = 5;

    /// <summary>Sampling temperature of the extra self-consistency samples (default 0.7; above 0, at most 2). The first answer is always greedy (temperature 0).</summary>
    public float SampleTemperature { get; init; } = 0.7f;

    /// <summary>Ask the back end for token log-probabilities and read confidence from them when it gives them (default true).</summary>
    public bool UseLogprobs { get; init; } = true;

    /// <summary>Alternatives per token position asked for with log-probabilities (default 20, the OpenAI maximum; 1–20).</summary>
    public int TopLogprobs { get; init; } = 20;

    /// <summary>For single-label requests, answer with the back end's <see cref="ILabelScorer"/> when it offers one (default true): the argmax of a true distribution over the labels.</summary>
    public bool UseScorer { get; init; } = true;

    /// <summary>The most tokens a reply may have (default 256; 8–4096). A reply cut off at this limit is invalid.</summary>
    public int MaxOutputTokens { get; init; } = 256;

    /// <summary>Price of 1,000 prompt tokens in the project's currency (default 0).</summary>
    public double InputPricePer1K { get; init; }

    /// <summary>Price of 1,000 completion tokens in the project's currency (default 0).</summary>
    public double OutputPricePer1K { get; init; }

    /// <summary>Questions of one request answered at the same time (default 1; 1–64). The embedded back end runs one at a time whatever this says.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Throws a <see cref="ConfigurationException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 300) throw new ConfigurationException("The LLM oracle needs a name of 1–300 characters.");
        if (!PromptTemplates.Known.Contains(Template, StringComparer.Ordinal))
            throw new ConfigurationException($"Unknown prompt template '{Template}'; known: {string.Join(", ", PromptTemplates.Known)}.");
        Range(nameof(Shots), Shots, 0, 32);
        Range(nameof(Samples), Samples, 1, 20);
        Range(nameof(TopLogprobs), TopLogprobs, 1, 20);
        Range(nameof(MaxOutputTokens), MaxOutputTokens, 8, 4096);
        Range(nameof(Concurrency), Concurrency, 1, 64);
        if (!(SampleTemperature > 0 && SampleTemperature <= 2)) throw new ConfigurationException("SampleTemperature must be above 0 and at most 2.");
        Price(nameof(InputPricePer1K), InputPricePer1K);
        Price(nameof(OutputPricePer1K), OutputPricePer1K);
    }

    /// <summary>The money cost of a call's tokens at these prices.</summary>
    public double Cost(long inputTokens, long outputTokens) => inputTokens / 1000.0 * InputPricePer1K + outputTokens / 1000.0 * OutputPricePer1K;

    private static void Range(string name, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new ConfigurationException($"{name} must be between {min} and {max} (got {value.ToString(CultureInfo.InvariantCulture)}).");
    }

    private static void Price(string name, double value)
    {
        if (!double.IsFinite(value) || value < 0 || value > 1000)
            throw new ConfigurationException($"{name} must be a price between 0 and 1000 per 1,000 tokens (got {value.ToString(CultureInfo.InvariantCulture)}).");
    }
}
