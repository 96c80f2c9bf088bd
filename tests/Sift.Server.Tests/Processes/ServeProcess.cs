using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Sift.Server.Tests.Processes;

/// <summary>
/// <c>sift serve</c> as a real child process (the built CLI, <c>sift.dll</c>, copied next to the tests), on a free
/// loopback port. Reads the URL and the admin token it prints; <see cref="Kill"/> is SIGKILL.
/// </summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ServeProcess(Process process) => _process = process;

    public Uri Url { get; private set; } = null!;

    /// <summary>The admin token printed on a fresh database; null when the database already had users.</summary>
    public string? AdminToken { get; private set; }

    /// <summary>Everything printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output) return string.Join('\n', _output);
        }
    }

    /// <summary>Starts <c>sift serve --port 0</c> with the storage arguments and waits until it is listening.</summary>
    public static Task<ServeProcess> StartAsync(string workingDirectory, params string[] storageArguments) =>
        StartAsync(workingDirectory, new Dictionary<string, string>(), storageArguments);

    /// <summary>As <see cref="StartAsync(string, string[])"/>, with these environment variables set for the process.</summary>
    public static async Task<ServeProcess> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] storageArguments)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "sift.dll");
        if (!File.Exists(cli)) throw new FileNotFoundException("The CLI (sift.dll) is not next to the tests; build tests/Sift.Server.Tests.", cli);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in (string[])[cli, "serve", "--port", "0", .. storageArguments]) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var serve = new ServeProcess(process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => serve.OnLine(e.Data, ready);
        process.ErrorDataReceived += (_, e) => serve.OnLine(e.Data, null);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(StartTimeout));
        if (first != ready.Task)
        {
            await serve.DisposeAsync();
            throw new InvalidOperationException($"sift serve did not start: {(first == exited ? "it exited" : "timed out")}.\n{serve.Output}");
        }

        return serve;
    }

    /// <summary>An HTTP client with this token.</summary>
    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnLine(string? line, TaskCompletionSource? ready)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (ready is null) return;
        var listening = Listening().Match(line);
        if (listening.Success) Url = new Uri(listening.Groups["url"].Value);
        var token = AdminTokenLine().Match(line);
        if (token.Success) AdminToken = token.Groups["token"].Value;
        if (line.StartsWith("Press Ctrl-C", StringComparison.Ordinal)) ready.TrySetResult();
    }

    [GeneratedRegex("listening on (?<url>http://127\\.0\\.0\\.1:\\d+/?)")]
    private static partial Regex Listening();

    [GeneratedRegex("Admin token .*: (?<token>sift_[A-Za-z0-9_-]+)")]
    private static partial Regex AdminTokenLine();
}
