using System.Diagnostics;
using System.Numerics.Tensors;
using Sift.Features;
using Sift.Learners;
using Sift.Strategies;

namespace Sift.Bench;

/// <summary>
/// Selection at scale (strategy issue): a synthetic pool of <c>n</c> items with 128-dim float vectors in 20 classes and a
/// 20-class dense logistic regression; times margin and CoreSet selection of 1,000 and BADGE / k-means of 100, with a
/// plain read-all-vectors loop as the memory-bandwidth yardstick for CoreSet, and peak memory against the raw vectors.
/// Without strategy names every strategy runs in its own child process, so each peak is that selection's alone (a
/// process's peak cannot be reset, and garbage of an earlier phase would otherwise count against the next).
/// </summary>
internal static class ScaleBenchmark
{
    public static readonly string[] Strategies = ["margin", "coreset", "badge", "kmeans"];

    public static void Run(int n, int dims, int classes, int picks, int smallPicks, string[] only)
    {
        if (only.Length == 0)
        {
            RunEachInChild(n, picks, smallPicks);
            return;
        }
        bool Want(string name) => only.Contains(name);
        var sw = Stopwatch.StartNew();
        var (x, y) = Synthetic(n, dims, classes, 42);
        var rawBytes = (long)n * dims * sizeof(float);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"pool {n:N0} × {dims} floats ({rawBytes / 1048576.0:0} MiB raw), {classes} classes; generated in {sw.Elapsed.TotalSeconds:0.0}s");

        var labeled = Enumerable.Range(0, 2000).Select(i => (int)((long)i * n / 2000)).ToArray();
        sw.Restart();
        var model = new LogisticRegression().Fit(new TrainingSet(x, labeled, labeled.Select(i => y[i]).ToArray(), classes));
        Console.WriteLine($"dense LR on {labeled.Length} labels: {sw.Elapsed.TotalSeconds:0.00}s");
        var labeledSet = labeled.ToHashSet();
        var candidates = Enumerable.Range(0, n).Where(i => !labeledSet.Contains(i)).ToArray();
        var setupPeak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"peak working set before selecting (vectors, model, candidates): {setupPeak / 1048576.0:0} MiB = {(double)setupPeak / rawBytes:0.00}× the raw vectors");
        QueryContext Context(ulong seed) => new(x, candidates, seed) { Model = model, ClassCount = classes, Embeddings = x, LabeledIndices = labeled, LabeledClasses = labeled.Select(i => y[i]).ToArray() };

        if (Want("margin"))
            Report($"margin, select {picks:N0}", 5, () => new MarginSampling().Select(Context(1), picks));
        if (Want("coreset"))
        {
            var coreset = Time(() => new CoreSetSampling().Select(Context(2), picks));
            var readAll = Time(() => ReadAll(x, picks));
            Console.WriteLine($"coreset, select {picks:N0}: {coreset:0.00}s; read-all-vectors loop × {picks:N0}: {readAll:0.00}s; ratio {coreset / readAll:0.00}");
        }
        if (Want("badge"))
            Report($"badge, select {smallPicks}", 1, () => StrategyCatalog.Default.Get("badge").Create().Select(Context(3), smallPicks));
        if (Want("kmeans"))
            Report($"kmeans, select {smallPicks}", 1, () => new KMeansSampling().Select(Context(4), smallPicks));
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"peak working set {peak / 1048576.0:0} MiB = {(double)peak / rawBytes:0.00}× the raw vectors");
    }

    /// <summary>Runs <c>scale NAME</c> for each strategy in a fresh child process of this program and sums up.</summary>
    private static void RunEachInChild(int n, int picks, int smallPicks)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this program's path");
        var prefix = Path.GetFileNameWithoutExtension(exe) == "dotnet" ? [typeof(ScaleBenchmark).Assembly.Location] : Array.Empty<string>();
        var summary = new List<string>();
        foreach (var name in Strategies)
        {
            var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in prefix.Concat(["scale", name, "--n", $"{n}", "--picks", $"{picks}", "--small-picks", $"{smallPicks}"])) start.ArgumentList.Add(a);
            using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {name} phase");
            var lines = new List<string>();
            while (child.StandardOutput.ReadLine() is { } line)
            {
                Console.WriteLine($"[{name}] {line}");
                lines.Add(line);
            }
            child.WaitForExit();
            if (child.ExitCode != 0) throw new InvalidOperationException($"the {name} phase exited with {child.ExitCode}");
            var result = lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) ?? "(no result line)";
            var peak = lines.LastOrDefault(l => l.StartsWith("peak working set", StringComparison.Ordinal)) ?? "(no peak line)";
            summary.Add($"{name,-8} {result} | {peak}");
        }
        Console.WriteLine("summary, one process per strategy:");
        foreach (var line in summary) Console.WriteLine($"  {line}");
    }

    private static void Report(string what, int repeats, Action action)
    {
        var times = Enumerable.Range(0, repeats).Select(_ => Time(action)).Order().ToList();
        Console.WriteLine($"{what}: median {times[times.Count / 2]:0.000}s over {repeats}");
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>One dot product per row with a fixed vector, <paramref name="passes"/> times: the memory traffic of one k-center update per pass.</summary>
    private static double ReadAll(DenseMatrix x, int passes)
    {
        var probe = new float[x.Columns];
        probe[0] = 1;
        var sums = new double[(x.Rows + 4095) / 4096];
        for (var p = 0; p < passes; p++)
            Parallelism.ForBlocks(x.Rows, 4096, (start, length) =>
            {
                double s = 0;
                for (var i = start; i < start + length; i++) s += TensorPrimitives.Dot<float>(x.Row(i), probe);
                sums[start / 4096] += s;
            });
        return sums.Sum();
    }

    /// <summary>Gaussian clusters, one per class, unit-norm rows (like LSA vectors); a fast seeded generator.</summary>
    private static (DenseMatrix X, int[] Y) Synthetic(int n, int dims, int classes, ulong seed)
    {
        var centres = new float[classes * dims];
        var rng = new Random(7);
        for (var i = 0; i < centres.Length; i++) centres[i] = (float)(rng.NextDouble() * 2 - 1);
        var x = new DenseMatrix(n, dims);
        var y = new int[n];
        Parallelism.ForBlocks(n, 65536, (start, length) =>
        {
            var state = Seeds.Mix(seed, (ulong)start) | 1;
            for (var i = start; i < start + length; i++)
            {
                var c = (int)(Seeds.Mix(seed, (ulong)i) % (ulong)classes);
                y[i] = c;
                var row = x.Row(i);
                for (var j = 0; j < dims; j++)
                {
                    // xorshift64 → uniform noise with the variance of N(0, 0.6²) (cheap; shape does not matter here)
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                    var u = (state >> 40) * (1.0f / (1 << 24)) - 0.5f;
                    row[j] = centres[c * dims + j] + u * 2.08f;
                }
                var norm = TensorPrimitives.Norm<float>(row);
                TensorPrimitives.Divide(row, norm, row);
            }
        });
        return (x, y);
    }
}
