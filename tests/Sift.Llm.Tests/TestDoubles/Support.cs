using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Sift.Items;
using TextContent = Sift.Items.TextContent;
using Sift.Oracles;

namespace Sift.Llm.Tests.TestDoubles;

/// <summary>A logger that keeps every formatted message and exception text, to check what was (not) logged.</summary>
internal sealed class RecordingLogger : ILogger, ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyList<string> Entries => _entries.ToList();

    public string All => string.Join("\n", _entries);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _entries.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }
}

/// <summary>A clock that stands still at a fixed instant while each timestamp read advances by a fixed step.</summary>
internal sealed class SteppingTime(TimeSpan step) : TimeProvider
{
    private long _ticks;

    public static DateTimeOffset Instant { get; } = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Instant;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks) - step.Ticks;
}

/// <summary>A chat client that replies from a script and records what it was asked.</summary>
internal sealed class ScriptedChatClient(Func<IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse> reply) : IChatClient
{
    private readonly ConcurrentQueue<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> _calls = new();

    public IReadOnlyList<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> Calls => _calls.ToList();

    public static ChatResponse Reply(string text, int input = 100, int output = 5, ChatFinishReason? finish = null) =>
        new(new ChatMessage(ChatRole.Assistant, text))
        {
            FinishReason = finish ?? ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output },
        };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        _calls.Enqueue((list, options));
        return Task.FromResult(reply(list, options));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}

/// <summary>An embedding generator with fixed vectors per text (unknown texts get a zero vector).</summary>
internal sealed class FixedEmbeddings(IReadOnlyDictionary<string, float[]> vectors) : IEmbeddingGenerator<string, Embedding<float>>
{
    public int Calls { get; private set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        var list = values.Select(v => new Embedding<float>(vectors.TryGetValue(v, out var x) ? x : new float[vectors.Values.First().Length])).ToList();
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(list));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}

internal static class Requests
{
    public static OracleRequest Of(IReadOnlyList<string> labels, params string[] texts) =>
        new(texts.Select((t, i) => new OracleQuestion($"q{i}", new TextContent(t))).ToList(), labels) { Seed = 7 };

    public static LabeledExample Example(string id, string text, params string[] labels) => new(id, new TextContent(text), labels);
}
