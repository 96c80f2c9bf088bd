using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;

namespace Sift.Llm.Gguf;

/// <summary>
/// A GGUF model run in-process by llama.cpp (LLamaSharp), as an <see cref="IChatClient"/> that also offers an
/// <see cref="ILabelScorer"/> (<c>GetService&lt;ILabelScorer&gt;()</c>). Replies follow a grammar compiled from the
/// request's JSON-schema response format, so a label-set schema can only yield labels from the set; sampling is greedy
/// at temperature 0 (the default) and otherwise seeded by <see cref="ChatOptions.Seed"/>. Scoring evaluates the prompt
/// once and each candidate's tokens after it, summing log-softmax probabilities.
/// </summary>
/// <remarks>
/// One model context serves every call, one call at a time (calls wait their turn), so the instance is thread-safe.
/// Reusing the context is why the scorer is a service of the chat client rather than a second object: both need the
/// same weights and context. Dispose to free the model's memory.
/// </remarks>
public sealed class GgufChatClient : IChatClient, ILabelScorer
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly bool _hasTemplate;
    private readonly ChatClientMetadata _metadata;
    // The tokens whose keys and values sequence 0 of the context holds, at positions 0…Count−1: a new prompt that
    // starts the same way (the system prompt, shared examples, the same prompt sampled again) evaluates only the rest.
    private readonly List<LLamaToken> _held = [];
    // Prompts are evaluated in blocks at fixed positions (0…63, 64…127, …) and only whole blocks evaluated that way are
    // reused, so a token's keys, values and logits are computed by the same batch whatever the context held before:
    // results do not depend on earlier calls, to the last bit (a batch's size changes llama.cpp's arithmetic order).
    private const int Block = 64;
    private int _canonicalEnd;
    private bool _disposed;

    private GgufChatClient(LLamaWeights weights, LLamaContext context, string modelId)
    {
        _weights = weights;
        _context = context;
        ModelId = modelId;
        _hasTemplate = weights.NativeHandle.GetTemplate(null, false) is not null;
        _metadata = new ChatClientMetadata("llama.cpp", null, modelId);
    }

    /// <summary>The model file's name, e.g. <c>stories260K.gguf</c>.</summary>
    public string ModelId { get; }

    /// <summary>The context window in tokens.</summary>
    public int ContextSize => (int)_context.ContextSize;

    /// <summary>Loads a GGUF model.</summary>
    /// <exception cref="ConfigurationException">The file is missing, unreadable, not GGUF or rejected by llama.cpp
    /// (corrupt, truncated, unknown architecture), or llama.cpp itself cannot be loaded; the message is one sentence.</exception>
    public static GgufChatClient Load(GgufOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var path = options.Path;
        var full = CheckFile(path);
        try
        {
            NativeLog.Install();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or RuntimeError or EntryPointNotFoundException)
        {
            throw new ConfigurationException($"The llama.cpp native library could not be loaded ({e.GetType().Name}); is the LLamaSharp.Backend.Cpu package present for this platform?");
        }
        var parameters = new ModelParams(full)
        {
            ContextSize = (uint)options.ContextSize,
            Threads = options.EffectiveThreads,
            BatchThreads = options.EffectiveThreads,
            BatchSize = Block,
            UBatchSize = Block,
            GpuLayerCount = 0,
        };
        LLamaWeights weights;
        NativeLog.BeginCapture();
        try
        {
            weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (LoadWeightsFailedException)
        {
            var why = NativeLog.EndCapture().TrimEnd('.');
            throw new ConfigurationException($"The GGUF model file '{path}' could not be loaded: {(why.Length > 0 ? why : "llama.cpp rejected it")}.");
        }
        finally
        {
            NativeLog.EndCapture();
        }
        try
        {
            if (parameters.ContextSize > (uint)weights.ContextSize) parameters.ContextSize = (uint)weights.ContextSize;
            var context = weights.CreateContext(parameters);
            return new GgufChatClient(weights, context, Path.GetFileName(full));
        }
        catch (Exception e) when (e is RuntimeError or LLamaDecodeError)
        {
            weights.Dispose();
            throw new ConfigurationException($"The GGUF model file '{path}' loaded, but llama.cpp could not create a context for it ({e.Message.TrimEnd('.')}).");
        }
    }

    private static string CheckFile(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ConfigurationException($"The GGUF model path '{path}' is not a valid path.");
        }
        if (Directory.Exists(full)) throw new ConfigurationException($"The GGUF model path '{path}' is a directory, not a file.");
        if (!File.Exists(full)) throw new ConfigurationException($"The GGUF model file '{path}' does not exist.");
        var magic = new byte[4];
        int read;
        try
        {
            using var stream = File.OpenRead(full);
            read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"The GGUF model file '{path}' cannot be read ({e.GetType().Name}).");
        }
        if (read < 4 || !magic.AsSpan().SequenceEqual("GGUF"u8))
            throw new ConfigurationException($"'{path}' is not a GGUF model file: it does not begin with the bytes 'GGUF'.");
        return full;
    }

    /// <inheritdoc />
    /// <exception cref="LlmRequestException">The prompt does not fit the context window.</exception>
    /// <exception cref="NotSupportedException">The response format's schema is not a label-set schema the grammar compiler supports.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        var grammar = GrammarFor(options?.ResponseFormat);
        var seed = unchecked((uint)(options?.Seed ?? 0));
        var temperature = options?.Temperature ?? 0f;
        var maxTokens = options?.MaxOutputTokens ?? 256;
        var stops = options?.StopSequences?.Where(s => s.Length > 0).ToList() ?? [];
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await Task.Run(() => Guarded(() => Generate(list, grammar, seed, temperature, maxTokens, stops, cancellationToken)), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    /// <inheritdoc />
    public async ValueTask<LabelScores> ScoreAsync(LabelScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Candidates.Count == 0) throw new ArgumentException("There is nothing to score.", nameof(request));
        if (request.Candidates.Any(string.IsNullOrEmpty)) throw new ArgumentException("A candidate is empty.", nameof(request));
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await Task.Run(() => Guarded(() => Score(request, cancellationToken)), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        // Scoring rewinds the context after the prompt; recurrent models (Mamba, RWKV) cannot rewind.
        if (serviceType == typeof(ILabelScorer)) return _weights.NativeHandle.IsRecurrent ? null : this;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _context.Dispose();
            _weights.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    private T Guarded<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch
        {
            Reset();
            throw;
        }
    }

    private static Grammar? GrammarFor(ChatResponseFormat? format) => format switch
    {
        ChatResponseFormatJson { Schema: { } schema } => new Grammar(JsonSchemaGbnf.Compile(schema), "root"),
        ChatResponseFormatJson => new Grammar(JsonSchemaGbnf.AnyJsonObject, "root"),
        _ => null,
    };

    private ChatResponse Generate(List<ChatMessage> messages, Grammar? grammar, uint seed, float temperature, int maxTokens, List<string> stops, CancellationToken cancellationToken)
    {
        var prompt = Tokenize(GgufPromptFormat.Render(messages, _weights, _hasTemplate));
        CheckFits(prompt.Count);
        var last = Prime(prompt, cancellationToken);
        using var sampler = new DefaultSamplingPipeline { Grammar = grammar, Seed = seed, Temperature = temperature };
        var decoder = new StreamingTokenDecoder(_context);
        var text = new StringBuilder();
        var generated = 0;
        var finish = ChatFinishReason.Length;
        var position = prompt.Count;
        while (generated < maxTokens && position < ContextSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = sampler.Sample(_context.NativeHandle, last);
            if (token.IsEndOfGeneration(_weights.Vocab))
            {
                finish = ChatFinishReason.Stop;
                break;
            }
            generated++;
            decoder.Add(token);
            text.Append(decoder.Read());
            if (stops.FirstOrDefault(s => text.ToString().EndsWith(s, StringComparison.Ordinal)) is { } stop)
            {
                text.Length -= stop.Length;
                finish = ChatFinishReason.Stop;
                break;
            }
            last = Evaluate([token], position++, false, null, cancellationToken);
            _held.Add(token);
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = ModelId,
            FinishReason = finish,
            Usage = new UsageDetails { InputTokenCount = prompt.Count, OutputTokenCount = generated, TotalTokenCount = prompt.Count + generated },
        };
    }

    // log P(candidate | prompt) for each candidate. The prompt and each prompt+candidate are tokenised whole (a
    // tokenizer may merge across the seam); the shared token prefix is evaluated once, then each candidate's own tokens
    // are evaluated after it (the context rewound between candidates) and their log-softmax probabilities summed.
    private LabelScores Score(LabelScoringRequest request, CancellationToken cancellationToken)
    {
        var pieces = GgufPromptFormat.Render(request.Messages, _weights, _hasTemplate);
        var prompt = Tokenize(pieces);
        var full = request.Candidates.Select(c => Tokenize([.. pieces.SkipLast(1), pieces[^1] with { Text = pieces[^1].Text + c }])).ToList();
        var shared = full.Min(t => CommonPrefix(prompt, t));
        if (shared == 0) throw new LlmRequestException("The scorer found no common prompt to score the labels after.");
        CheckFits(full.Max(t => t.Count));
        Prime(prompt.GetRange(0, shared), cancellationToken);
        var first = _context.NativeHandle.GetLogitsIth(_lastLogits).ToArray();
        var scores = new double[full.Count];
        var scored = 0;
        for (var c = 0; c < full.Count; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rest = full[c].GetRange(shared, full[c].Count - shared);
            if (rest.Count == 0) throw new LlmRequestException("A candidate added no tokens to the prompt.");
            scored += rest.Count;
            var logProbability = LogSoftmax(first, rest[0]);
            if (rest.Count > 1)
            {
                Forget(shared);
                Evaluate(rest.GetRange(0, rest.Count - 1), shared, true, (i, logits) => logProbability += LogSoftmax(logits, rest[i + 1]), cancellationToken);
                _held.AddRange(rest.GetRange(0, rest.Count - 1));
            }
            scores[c] = logProbability;
        }
        return new LabelScores(scores, shared, scored);
    }

    private int _lastLogits;

    // Makes the context hold exactly `tokens`, keeping the longest prefix it already holds; the last token is always
    // evaluated again, for its logits. Returns (and remembers) the batch index of those logits.
    private int Prime(List<LLamaToken> tokens, CancellationToken cancellationToken)
    {
        if (tokens.Count == 0) throw new LlmRequestException("The prompt is empty.");
        var keep = Math.Min(Math.Min(CommonPrefix(_held, tokens), tokens.Count - 1) / Block * Block, _canonicalEnd);
        Forget(keep);
        var rest = tokens.GetRange(keep, tokens.Count - keep);
        _lastLogits = Evaluate(rest, keep, false, null, cancellationToken);
        _held.AddRange(rest);
        _canonicalEnd = tokens.Count / Block * Block;
        return _lastLogits;
    }

    private void Forget(int from)
    {
        _canonicalEnd = Math.Min(_canonicalEnd, from);
        if (from >= _held.Count) return;
        _context.NativeHandle.MemorySequenceRemove(LLamaSeqId.Zero, from, -1);
        _held.RemoveRange(from, _held.Count - from);
    }

    // After a failed or cancelled evaluation the context's contents are unknown: start afresh next time.
    private void Reset()
    {
        _context.NativeHandle.MemoryClear(true);
        _held.Clear();
        _canonicalEnd = 0;
    }

    private List<LLamaToken> Tokenize(IReadOnlyList<PromptPiece> pieces)
    {
        var tokens = new List<LLamaToken>();
        var first = true;
        foreach (var piece in pieces)
        {
            if (piece.Text.Length == 0) continue;
            tokens.AddRange(_context.Tokenize(piece.Text, first, piece.Special));
            first = false;
        }
        return tokens;
    }

    private void CheckFits(int tokens)
    {
        if (tokens >= ContextSize)
            throw new LlmRequestException($"The prompt has {tokens.ToString(CultureInfo.InvariantCulture)} tokens; the model's context holds {ContextSize.ToString(CultureInfo.InvariantCulture)}.");
    }

    // Evaluates tokens at positions start…; calls onLogits(i, logits) for token i's next-token logits (every token
    // when allLogits, else only the last). Returns the batch index of the last token, for the sampler.
    private int Evaluate(IReadOnlyList<LLamaToken> tokens, int start, bool allLogits, LogitsCallback? onLogits, CancellationToken cancellationToken)
    {
        var lastIndex = 0;
        for (var offset = 0; offset < tokens.Count;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Batches never cross a block boundary (absolute positions), so the same tokens are always batched alike.
            var position = start + offset;
            var n = Math.Min(tokens.Count - offset, Block - position % Block);
            _batch.Clear();
            for (var i = 0; i < n; i++)
            {
                var isLast = offset + i == tokens.Count - 1;
                _batch.Add(tokens[offset + i], position + i, LLamaSeqId.Zero, allLogits || isLast);
            }
            var result = _context.Decode(_batch);
            if (result != DecodeResult.Ok) throw new LlmRequestException($"llama.cpp could not evaluate the prompt ({result}).");
            lastIndex = n - 1;
            if (onLogits is not null)
            {
                for (var i = 0; i < n; i++)
                    if (allLogits || offset + i == tokens.Count - 1) onLogits(offset + i, _context.NativeHandle.GetLogitsIth(i));
            }
            offset += n;
        }
        return lastIndex;
    }

    private delegate void LogitsCallback(int index, Span<float> logits);

    private static int CommonPrefix(List<LLamaToken> a, List<LLamaToken> b)
    {
        var n = Math.Min(a.Count, b.Count);
        var i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    // log softmax(logits)[token] = logits[token] − max − log Σ exp(logits − max).
    private static double LogSoftmax(ReadOnlySpan<float> logits, LLamaToken token)
    {
        var max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        var sum = 0.0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return logits[(int)token] - max - Math.Log(sum);
    }
}
