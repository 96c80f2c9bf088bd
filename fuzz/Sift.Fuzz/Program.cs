using System.Diagnostics;
using System.Globalization;
using SharpFuzz;
using Sift.Fuzz;

// Sift.Fuzz TARGET            run under afl-fuzz (fuzz/run.sh does the setup): SharpFuzz's fork server, the target in
//                             a child process so that a stack overflow is reported as a crash instead of ending the run.
// Sift.Fuzz TARGET --replay PATH...   run each input file (or every file of a folder) once, in this process, and print
//                             the inputs that crash or take longer than a second; exit code 1 when any crashed.
// Sift.Fuzz --list            the targets.
if (args.Length == 0 || args[0] is "--list" or "-h" or "--help")
{
    Console.WriteLine("usage: Sift.Fuzz TARGET [--replay PATH...]");
    foreach (var t in FuzzTargets.All) Console.WriteLine($"  {t.Name,-12} {t.What}; allowed error: {t.Expected.Name}");
    return args.Length == 0 ? 2 : 0;
}

var target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; known: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay") return Replay(target, args[2..]);

Fuzzer.OutOfProcess.Run(input => FuzzTargets.Run(target, input));
return 0;

static int Replay(FuzzTarget target, string[] paths)
{
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : File.Exists(p) ? (IEnumerable<string>)[p] : [])
        .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith("README.txt", StringComparison.Ordinal))
        .ToList();
    var crashes = 0;
    var slow = 0;
    foreach (var file in files)
    {
        using var input = File.OpenRead(file);
        var watch = Stopwatch.StartNew();
        string outcome;
        try
        {
            var rejected = FuzzTargets.Run(target, input);
            outcome = rejected is null ? "accepted" : "rejected: " + rejected.Message;
        }
        catch (Exception e)
        {
            crashes++;
            Console.WriteLine($"CRASH {file}: {e.GetType().FullName}: {e.Message}");
            Console.WriteLine(e.StackTrace);
            continue;
        }

        watch.Stop();
        if (watch.Elapsed > TimeSpan.FromSeconds(1))
        {
            slow++;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SLOW  {file}: {watch.Elapsed.TotalSeconds:F1} s"));
        }

        if (files.Count <= 20) Console.WriteLine($"      {file}: {Shorten(outcome)}");
    }

    Console.WriteLine($"{target.Name}: {files.Count} inputs, {crashes} crashed, {slow} took over 1 s");
    return crashes > 0 ? 1 : 0;
}

static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";
