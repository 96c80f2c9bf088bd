using Sift.Llm.Gguf;

namespace Sift.Llm.Tests.Gguf;

public sealed class GgufLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-gguf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void ShouldBeOneSentence(ConfigurationException e)
    {
        e.Message.ShouldEndWith(".");
        e.Message.ShouldNotContain("\n");
        e.Message.ShouldNotContain(" at ");
        e.Message.Length.ShouldBeLessThan(400);
    }

    [Fact]
    public void Load_MissingFile_OneSentence()
    {
        var path = Path.Combine(_dir, "missing.gguf");
        var e = Should.Throw<ConfigurationException>(() => GgufChatClient.Load(new GgufOptions { Path = path }));
        e.Message.ShouldBe($"The GGUF model file '{path}' does not exist.");
    }

    [Fact]
    public void Load_Directory_OneSentence()
    {
        var e = Should.Throw<ConfigurationException>(() => GgufChatClient.Load(new GgufOptions { Path = _dir }));
        e.Message.ShouldContain("is a directory");
        ShouldBeOneSentence(e);
    }

    [Fact]
    public void Load_Garbage_NotAGgufFile()
    {
        var path = Path.Combine(_dir, "garbage.gguf");
        File.WriteAllBytes(path, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var e = Should.Throw<ConfigurationException>(() => GgufChatClient.Load(new GgufOptions { Path = path }));
        e.Message.ShouldBe($"'{path}' is not a GGUF model file: it does not begin with the bytes 'GGUF'.");
    }

    [Fact]
    public void Load_EmptyFile_NotAGgufFile()
    {
        var path = Path.Combine(_dir, "empty.gguf");
        File.WriteAllBytes(path, []);
        Should.Throw<ConfigurationException>(() => GgufChatClient.Load(new GgufOptions { Path = path })).Message.ShouldContain("not a GGUF model file");
    }

    [Fact]
    public void Load_GgufMagicThenGarbage_LlamaCppReasonInOneSentence()
    {
        TinyModel.RequirePresent();
        var path = Path.Combine(_dir, "corrupt.gguf");
        File.WriteAllBytes(path, [.. "GGUF"u8.ToArray(), .. Enumerable.Range(0, 5000).Select(i => (byte)(i * 31 % 256))]);
        var e = Should.Throw<ConfigurationException>(() => GgufChatClient.Load(new GgufOptions { Path = path }));
        e.Message.ShouldStartWith($"The GGUF model file '{path}' could not be loaded: ");
        ShouldBeOneSentence(e);
    }

    [Fact]
    public void Load_TruncatedModel_LlamaCppSaysWhat()
    {
        TinyModel.RequirePresent();
        var path = Path.Combine(_dir, "truncated.gguf");
        var bytes = File.ReadAllBytes(TinyModel.Path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Should.Throw<ConfigurationException>(() => GgufChatClient.Load(new GgufOptions { Path = path }));
        e.Message.ShouldStartWith($"The GGUF model file '{path}' could not be loaded: ");
        e.Message.ShouldContain("corrupted or incomplete");
        ShouldBeOneSentence(e);
    }

    [Fact]
    public void Load_TheRealModel_Works()
    {
        TinyModel.RequirePresent();
        using var client = GgufChatClient.Load(TinyModel.Options(context: 256));
        client.ModelId.ShouldBe("stories260K.gguf");
        client.ContextSize.ShouldBe(256);
    }

    [Fact]
    public void VendoredModel_IsTheRecordedFile()
    {
        TinyModel.RequirePresent();
        using var stream = File.OpenRead(TinyModel.Path);
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)).ShouldBe(TinyModel.Sha256);
    }
}
