using System.Globalization;

namespace Sift.Llm.Gguf;

/// <summary>How to run a GGUF model in-process with llama.cpp. Checked by <see cref="Validate"/> when the model loads.</summary>
public sealed class GgufOptions
{
    /// <summary>The GGUF file. Required.</summary>
    public required string Path { get; init; }

    /// <summary>Context window in tokens (default 2048; 128–131072, at most the model's trained context).</summary>
    public int ContextSize { get; init; } = 2048;

    /// <summary>CPU threads (default 0: up to 4, never more than the machine has; 0–64). Results are reproducible for a given thread count.</summary>
    public int Threads { get; init; }

    /// <summary>Throws a <see cref="ConfigurationException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path)) throw new ConfigurationException("The GGUF model path is empty.");
        if (Path.Length > 1024) throw new ConfigurationException("The GGUF model path is longer than 1,024 characters.");
        Range(nameof(ContextSize), ContextSize, 128, 131072);
        Range(nameof(Threads), Threads, 0, 64);
    }

    internal int EffectiveThreads => Threads > 0 ? Threads : Math.Clamp(Environment.ProcessorCount, 1, 4);

    private static void Range(string name, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new ConfigurationException($"{name} must be between {min} and {max} (got {value.ToString(CultureInfo.InvariantCulture)}).");
    }
}
