using System.Diagnostics;
using System.Text.Json;
using Sift.Embeddings;
using Sift.Features;

namespace Sift.Cli.Tests.Commands;

public sealed class EmbedCommandTests
{
    private static readonly string[] Texts =
    [
        "The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.", "  He drove to the stadium.\n",
        "Straße, café — naïve façade", "東京は日本の首都です", "القاهرة هي عاصمة مصر", "I love it 😀",
        "line one\nline two\ttabbed", "What is the full form of .com ?", "The weather is lovely today.",
        .. Enumerable.Range(0, 60).Select(i => $"sentence {i} about topic {i % 7} with some {new string('x', i % 9)} padding"),
    ];

    private static string WriteData(TempDirectory dir, string name = "data.jsonl")
    {
        var path = dir.File(name);
        File.WriteAllLines(path, Texts.Select((t, i) => JsonSerializer.Serialize(new { text = t, label = i % 2 == 0 ? "a" : "b" })));
        return path;
    }

    private static Process StartSift(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sift.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    private static async Task WaitOk(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.ShouldBe(0, $"{await output}\n{await error}");
    }

    private static float[][] Read(FileEmbeddingCache cache, IReadOnlyList<string> texts)
    {
        var values = new DenseMatrix(texts.Count, cache.Dimension);
        var found = new bool[texts.Count];
        cache.Get(texts.Select(t => EmbeddingKey.Create(cache.ModelId, t)).ToList(), values, found).ShouldBe(texts.Count);
        return Enumerable.Range(0, texts.Count).Select(i => values.Row(i).ToArray()).ToArray();
    }

    [Fact]
    public async Task Embed_TwoProcessesWithTheirOwnCaches_StoreTheSameBitsAsThisProcess()
    {
        using var dir = new TempDirectory();
        var data = WriteData(dir);
        var first = StartSift("embed", "--train", data, "--cache", dir.File("a"), "--quiet");
        var second = StartSift("embed", "--train", data, "--cache", dir.File("b"), "--quiet", "--workers", "1", "--batch-size", "5");
        using var encoder = new MiniLmEncoder();
        var here = encoder.Encode(Texts);
        await WaitOk(first);
        await WaitOk(second);

        var a = Read(FileEmbeddingCache.Open(dir.File("a"), encoder.ModelId, encoder.Dimension), Texts);
        var b = Read(FileEmbeddingCache.Open(dir.File("b"), encoder.ModelId, encoder.Dimension), Texts);

        for (var i = 0; i < Texts.Length; i++)
        {
            a[i].ShouldBe(here.Row(i).ToArray(), $"text {i}");
            b[i].ShouldBe(a[i], $"text {i}");
        }
    }

    [Fact]
    public async Task Embed_TwoProcessesOnOneCache_LeaveASoundFileWithEachTextOnce()
    {
        using var dir = new TempDirectory();
        var data = WriteData(dir);
        var cacheDir = dir.File("cache");
        var first = StartSift("embed", "--train", data, "--cache", cacheDir, "--quiet");
        var second = StartSift("embed", "--train", data, "--test", data, "--cache", cacheDir, "--quiet");
        await WaitOk(first);
        await WaitOk(second);
        using var encoder = new MiniLmEncoder(new MiniLmOptions { Workers = 1 });
        var distinct = Texts.Select(EmbeddingText.Normalize).Distinct(StringComparer.Ordinal).Count();

        var cache = FileEmbeddingCache.Open(cacheDir, encoder.ModelId, encoder.Dimension);
        var length = new FileInfo(cache.FilePath).Length;

        cache.Repairs.ShouldBeEmpty();
        cache.Count.ShouldBe(distinct);
        var header = 8 + 12 + encoder.ModelId.Length + 16 + 32;
        var records = (long)distinct * (EmbeddingKey.Size + encoder.Dimension * sizeof(float));
        length.ShouldBe(header + 8 + records + 32);  // one block: whichever process came second added nothing
        Read(cache, Texts)[0].ShouldBe(encoder.Encode([Texts[0]]).Row(0).ToArray());

        var error = new StringWriter();
        SiftApp.Run(["embed", "--train", data, "--cache", cacheDir, "--quiet"], error, new StringWriter()).ShouldBe(0, error.ToString());
        new FileInfo(cache.FilePath).Length.ShouldBe(length);
    }

    [Fact]
    public void Embed_SeveralTextFields_EmbedsEveryField()
    {
        using var dir = new TempDirectory();
        var data = dir.File("pairs.jsonl");
        File.WriteAllLines(data,
        [
            JsonSerializer.Serialize(new { prompt = "Human: hi\n\nAssistant:", chosen = "Hello! How can I help?", rejected = "Go away." }),
            JsonSerializer.Serialize(new { prompt = "Human: 2+2?\n\nAssistant:", chosen = "4", rejected = "Go away." }),
        ]);
        var error = new StringWriter();

        var code = SiftApp.Run(["embed", "--train", data, "--text-field", "prompt", "--text-field", "chosen", "--text-field", "rejected",
            "--cache", dir.File("cache"), "--quiet"], error, new StringWriter());

        code.ShouldBe(0, error.ToString());
        var file = Directory.GetFiles(dir.File("cache"), "*.vectors").Single();
        var modelId = "minilm-l6-v2@" + Path.GetFileNameWithoutExtension(file).Split('_')[1];
        FileEmbeddingCache.Open(dir.File("cache"), modelId, MiniLmEncoder.VectorDimension).Count.ShouldBe(5);
    }

    [Theory]
    [InlineData("--features", "bert", "unknown part 'bert'")]
    [InlineData("--features", "tfidf", "names no encoder")]
    [InlineData("--text-field", "body", "body")]
    public void Embed_BadOption_OneSentenceAndExitCode2(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var data = WriteData(dir);
        var error = new StringWriter();

        var code = SiftApp.Run(["embed", "--train", data, option, value, "--cache", dir.File("cache")], error, new StringWriter());

        code.ShouldBe(SiftApp.UserError);
        error.ToString().ShouldStartWith("error: ");
        error.ToString().ShouldContain(expected);
        error.ToString().ShouldNotContain("   at ");
    }

    [Fact]
    public void Embed_MissingFile_OneSentence()
    {
        using var dir = new TempDirectory();
        var error = new StringWriter();

        var code = SiftApp.Run(["embed", "--train", dir.File("nope.jsonl"), "--cache", dir.File("cache")], error, new StringWriter());

        code.ShouldBe(SiftApp.UserError);
        error.ToString().ShouldContain("file not found");
    }
}
