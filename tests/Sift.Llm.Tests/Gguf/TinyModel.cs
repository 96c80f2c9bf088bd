using Sift.Llm.Gguf;

namespace Sift.Llm.Tests.Gguf;

/// <summary>
/// The vendored 260K-parameter TinyStories model (<c>../shared/models/stories260K.gguf</c>), loaded once per test
/// class on one thread. Its labels are meaningless; the llama.cpp path it runs through is the real one.
/// </summary>
public sealed class TinyModel : IDisposable
{
    private readonly Lazy<GgufChatClient> _client;

    public TinyModel() => _client = new Lazy<GgufChatClient>(() => GgufChatClient.Load(Options()));

    public static string? Path { get; } = Find();

    public GgufChatClient Client
    {
        get
        {
            SkipIfMissing();
            return _client.Value;
        }
    }

    public static GgufOptions Options(int context = 1024) => new() { Path = Path!, ContextSize = context, Threads = 1 };

    public static void SkipIfMissing()
    {
        if (Path is null) Assert.Skip("../shared/models/stories260K.gguf is not beside this repository.");
    }

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "models", "stories260K.gguf"));
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
