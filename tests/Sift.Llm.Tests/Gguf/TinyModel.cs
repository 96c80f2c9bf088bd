using Sift.Llm.Gguf;

namespace Sift.Llm.Tests.Gguf;

/// <summary>
/// The 260K-parameter TinyStories model kept beside these tests (<c>Models/stories260K.gguf</c>, copied to the output
/// folder), loaded once per test class on one thread. Its labels are meaningless; the llama.cpp path it runs through
/// is the real one. A missing file fails the tests that need it: they never skip.
/// </summary>
public sealed class TinyModel : IDisposable
{
    /// <summary>The file's SHA-256, as recorded in <c>Models/README.md</c>.</summary>
    public const string Sha256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

    private readonly Lazy<GgufChatClient> _client;

    public TinyModel() => _client = new Lazy<GgufChatClient>(() => GgufChatClient.Load(Options()));

    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "Models", "stories260K.gguf");

    public GgufChatClient Client
    {
        get
        {
            RequirePresent();
            return _client.Value;
        }
    }

    public static GgufOptions Options(int context = 1024) => new() { Path = Path, ContextSize = context, Threads = 1 };

    public static void RequirePresent()
    {
        if (!File.Exists(Path)) Assert.Fail($"The test model '{Path}' is missing; it is copied from tests/Sift.Llm.Tests/Models.");
    }

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }
}
