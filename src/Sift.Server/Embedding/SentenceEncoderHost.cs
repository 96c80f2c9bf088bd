using Sift.Features;
using Sift.Server.Training;

namespace Sift.Server.Embedding;

/// <summary>
/// The server's sentence encoder (<see cref="SiftServerOptions.TextEncoder"/>), made on first need, on a thread of its
/// own at low priority (so that starting the server, and labeling, never wait for the model to load), and disposed
/// with the server. Thread-safe.
/// </summary>
internal sealed class SentenceEncoderHost : IDisposable
{
    /// <summary>The failure every project reports when the server was started without an encoder.</summary>
    public const string NoEncoder = "This server has no sentence encoder, so the project trains on TF-IDF features only (start it with 'sift serve', or set SiftServerOptions.TextEncoder).";

    private readonly Func<ITextEncoder>? _factory;
    private readonly bool _lowPriority;
    private readonly Lock _gate = new();
    private Task<ITextEncoder>? _loading;

    public SentenceEncoderHost(SiftServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _factory = options.TextEncoder;
        _lowPriority = options.Embedding.LowPriority;
    }

    /// <summary>Whether the server has an encoder at all.</summary>
    public bool Configured => _factory is not null;

    /// <summary>Whether the encoder runs at low priority (the worker runs its calls on such a thread too).</summary>
    public bool LowPriority => _lowPriority;

    /// <summary>The loaded encoder, or null while it is not loaded (or failed to load).</summary>
    public ITextEncoder? Loaded
    {
        get
        {
            var loading = _loading;
            return loading is { IsCompletedSuccessfully: true } ? loading.Result : null;
        }
    }

    /// <summary>The encoder, loading it on first call; the task fails when loading failed (and every later call gets that failure).</summary>
    /// <exception cref="InvalidOperationException">No encoder is configured.</exception>
    public Task<ITextEncoder> GetAsync()
    {
        if (_factory is not { } factory) throw new InvalidOperationException(NoEncoder);
        lock (_gate)
        {
            // Made on a lowered thread: ONNX Runtime's inference threads start there and inherit its priority.
            return _loading ??= TrainerThread.RunAsync(() => factory() ?? throw new InvalidOperationException("The encoder factory returned null."), _lowPriority, "sift-encoder-load");
        }
    }

    public void Dispose()
    {
        if (Loaded is IDisposable disposable) disposable.Dispose();
    }
}
