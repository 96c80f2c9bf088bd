using System.Globalization;
using System.Text.Json;
using Sift.Embeddings;
using Sift.Features;
using Sift.Learners;
using Sift.Preferences;
using Sift.Simulation;

namespace Sift.Bench;

/// <summary>
/// The preference benchmarks of the preference issue, on MiniLM vectors from the embedding cache:
/// <c>pref-sst2</c> (controlled pairs from SST-2 sentences: positive chosen over negative, a share of same-label pairs as
/// ties), <c>pref-hh-features</c> (full-data feature ablation on HH-RLHF helpful) and <c>pref-hh</c> (active vs random
/// on HH-RLHF helpful).
/// </summary>
internal static class PreferenceBenchmark
{
    private static readonly int[] Checkpoints = [50, 100, 250, 500, 1000, 1500, 2000];

    public static int Run(string what, string[] args)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; load average at start {File.ReadAllText("/proc/loadavg").Trim()}");
        switch (what)
        {
            case "pref-sst2": Sst2(args); return 0;
            case "pref-hh-features": HhFeatures(args); return 0;
            case "pref-hh": Hh(args); return 0;
            default: return 2;
        }
    }

    // ---- SST-2: controlled preferences ---------------------------------------------------------------------------

    private static void Sst2(string[] args)
    {
        var poolSize = Int(args, "--pool", 10_000);
        var testSize = Int(args, "--test", 2_000);
        var tieShare = Double(args, "--tie-share", 0.25);
        var options = Options(args);
        var train = BenchApp.Load("sst2", "train");
        var test = BenchApp.Load("sst2", "test");
        var vectors = Embed([.. train.Items.Select(i => i.Text), .. test.Items.Select(i => i.Text)], args);
        var trainVectors = Slice(vectors, 0, train.Items.Count);
        var testVectors = Slice(vectors, train.Items.Count, test.Items.Count);
        var rng = new Random(Int(args, "--data-seed", 13));
        var (pool, poolOutcomes) = Sst2Pairs(trainVectors, train.Items.Select(i => i.Label == "positive").ToArray(), poolSize, tieShare, rng);
        var (testPairs, testOutcomes) = Sst2Pairs(testVectors, test.Items.Select(i => i.Label == "positive").ToArray(), testSize, tieShare, rng);
        Console.WriteLine($"sst2 pairs: pool {poolSize} (ties {poolOutcomes.Count(o => o == PreferenceOutcome.Tie)}), test {testSize} (ties {testOutcomes.Count(o => o == PreferenceOutcome.Tie)}); " +
            $"features: MiniLM sentence vector ({vectors.Columns}), φ_A − φ_B; tie share {tieShare}");
        var data = new PreferenceSimulationData(pool, poolOutcomes, testPairs, testOutcomes);
        Simulate(data, options, args, "tie-aware (Davidson)");
        if (tieShare > 0 && !args.Contains("--no-drop"))
        {
            // The same labeled comparisons, ties thrown away before fitting (TRL's reward example).
            var dropped = options with { Learner = options.Learner with { Ties = TieModel.None }, Strategies = StrategiesArg(args, "--drop-strategies", []) };
            Simulate(data, dropped, args, "ties dropped", "-drop");
        }
    }

    private static (DenseMatrix Differences, PreferenceOutcome[] Outcomes) Sst2Pairs(DenseMatrix vectors, bool[] positive, int count, double tieShare, Random rng)
    {
        var pos = Enumerable.Range(0, positive.Length).Where(i => positive[i]).ToArray();
        var neg = Enumerable.Range(0, positive.Length).Where(i => !positive[i]).ToArray();
        var d = vectors.Columns;
        var diff = new DenseMatrix(count, d);
        var outcomes = new PreferenceOutcome[count];
        for (var i = 0; i < count; i++)
        {
            int a, b;
            if (rng.NextDouble() < tieShare)
            {
                // A same-label pair: neither is preferred.
                var list = rng.Next(2) == 0 ? pos : neg;
                a = list[rng.Next(list.Length)];
                do b = list[rng.Next(list.Length)]; while (b == a);
                outcomes[i] = PreferenceOutcome.Tie;
            }
            else
            {
                var p = pos[rng.Next(pos.Length)];
                var q = neg[rng.Next(neg.Length)];
                // Sides at random: the positive sentence is A or B with equal chance.
                if (rng.Next(2) == 0) { a = p; b = q; outcomes[i] = PreferenceOutcome.A; }
                else { a = q; b = p; outcomes[i] = PreferenceOutcome.B; }
            }
            var row = diff.Row(i);
            var va = vectors.Row(a);
            var vb = vectors.Row(b);
            for (var j = 0; j < d; j++) row[j] = va[j] - vb[j];
        }
        return (diff, outcomes);
    }

    // ---- HH-RLHF helpful -------------------------------------------------------------------------------------------

    private sealed record HhSet(string[] Prompt, string[] LastTurn, string[] Chosen, string[] Rejected);

    private static HhSet LoadHh(string split)
    {
        var path = BenchApp.DatasetPath("preferences-hh-rlhf-helpful", split);
        var prompt = new List<string>();
        var last = new List<string>();
        var chosen = new List<string>();
        var rejected = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var p = doc.RootElement.GetProperty("prompt").GetString()!;
            prompt.Add(p);
            last.Add(LastHumanTurn(p));
            chosen.Add(doc.RootElement.GetProperty("chosen").GetString()!);
            rejected.Add(doc.RootElement.GetProperty("rejected").GetString()!);
        }
        return new HhSet([.. prompt], [.. last], [.. chosen], [.. rejected]);
    }

    /// <summary>The text of the last "Human:" turn of an HH transcript (the request the replies answer).</summary>
    internal static string LastHumanTurn(string prompt)
    {
        var at = prompt.LastIndexOf("Human:", StringComparison.Ordinal);
        var text = at < 0 ? prompt : prompt[(at + "Human:".Length)..];
        var end = text.LastIndexOf("Assistant:", StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }

    private sealed record HhData(DenseMatrix Train, DenseMatrix Test, IReadOnlyList<string> Names, PreferenceOutcome[] TrainOutcomes, PreferenceOutcome[] TestOutcomes);

    /// <summary>
    /// φ for every HH pair with every block — [r] [rp: √384·(r ⊙ p)] [cosine(p, r)] [traits], where p is the vector of the
    /// last human turn — as φ(chosen) − φ(rejected), then half the pairs (seeded) flipped so the chosen reply is B.
    /// The whole transcript is not embedded: MiniLM keeps its first 256 word pieces (the start of the conversation, not
    /// the request being answered), and the 6,194 long transcripts cost as much to embed as every reply together.
    /// </summary>
    private static HhData BuildHh(string[] args)
    {
        var train = LoadHh("train");
        var test = LoadHh("test");
        string[] texts = [.. train.LastTurn, .. train.Chosen, .. train.Rejected, .. test.LastTurn, .. test.Chosen, .. test.Rejected];
        var all = Embed(texts, args);
        int nTrain = train.Prompt.Length, nTest = test.Prompt.Length;
        DenseMatrix Block(int set, int part) => set == 0 ? Slice(all, part * nTrain, nTrain) : Slice(all, 3 * nTrain + part * nTest, nTest);
        var rng = new Random(Int(args, "--data-seed", 13));
        // Standardisation of the scalar features fitted on the training replies only.
        var features = PairFeatures.Fit(Stack(Block(0, 0), Block(0, 0)), Stack(Block(0, 1), Block(0, 2)), [.. train.Chosen, .. train.Rejected]);
        (DenseMatrix, PreferenceOutcome[]) Make(int set, HhSet data)
        {
            var x = features.Differences(Block(set, 0), Block(set, 1), data.Chosen, Block(set, 2), data.Rejected);
            var outcomes = new PreferenceOutcome[x.Rows];
            for (var i = 0; i < x.Rows; i++)
            {
                if (rng.Next(2) == 0)
                {
                    outcomes[i] = PreferenceOutcome.A;
                    continue;
                }
                foreach (ref var v in x.Row(i)) v = -v;
                outcomes[i] = PreferenceOutcome.B;
            }
            return (x, outcomes);
        }
        var (xTrain, yTrain) = Make(0, train);
        var (xTest, yTest) = Make(1, test);
        if (!args.Contains("--joint")) return new HhData(xTrain, xTest, features.FeatureNames, yTrain, yTest);

        // --joint: one more block, rj = the encoder's vector of "request\n\nreply" (the encoder attends across both).
        string[] joint = [.. Joint(train.LastTurn, train.Chosen), .. Joint(train.LastTurn, train.Rejected), .. Joint(test.LastTurn, test.Chosen), .. Joint(test.LastTurn, test.Rejected)];
        var j = Embed(joint, args);
        DenseMatrix JointDiff(int start, int n, DenseMatrix x, PreferenceOutcome[] outcomes)
        {
            var d = j.Columns;
            var result = new DenseMatrix(n, x.Columns + d);
            for (var i = 0; i < n; i++)
            {
                x.Row(i).CopyTo(result.Row(i));
                var sign = outcomes[i] == PreferenceOutcome.A ? 1f : -1f;
                var chosen = j.Row(start + i);
                var rejected = j.Row(start + n + i);
                for (var k = 0; k < d; k++) result.Row(i)[x.Columns + k] = sign * (chosen[k] - rejected[k]);
            }
            return result;
        }
        var names = features.FeatureNames.Concat(Enumerable.Range(0, j.Columns).Select(k => "rj" + k.ToString(CultureInfo.InvariantCulture))).ToList();
        return new HhData(JointDiff(0, nTrain, xTrain, yTrain), JointDiff(2 * nTrain, nTest, xTest, yTest), names, yTrain, yTest);
    }

    private static IEnumerable<string> Joint(string[] requests, string[] replies) => requests.Zip(replies, (q, r) => q + "\n\n" + r);

    /// <summary>Named column subsets of the HH features.</summary>
    private static readonly (string Name, string Description, Func<string, bool> Keep)[] FeatureSets =
    [
        ("len", "log length only", n => n == "log_chars"),
        ("traits", "the six traits only", n => PairFeatures.TraitNames.Contains(n)),
        ("r", "response vector only", n => IsBlock(n, "r")),
        ("r+len", "response vector + log length (the issue's baseline)", n => IsBlock(n, "r") || n == "log_chars"),
        ("r+traits", "response vector + the six traits", n => IsBlock(n, "r") || PairFeatures.TraitNames.Contains(n)),
        ("r+cos+traits", "response vector, prompt–response cosine, traits", n => IsBlock(n, "r") || n == "cosine" || PairFeatures.TraitNames.Contains(n)),
        ("all", "response, response ⊙ prompt, cosine, traits (prompt-aware)", n => !IsBlock(n, "rj")),
        ("rj+traits", "joint request+reply vector, traits (--joint)", n => IsBlock(n, "rj") || PairFeatures.TraitNames.Contains(n)),
        ("all+rj", "everything above and the joint vector (--joint)", _ => true),
    ];

    private static bool IsBlock(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && char.IsAsciiDigit(name[prefix.Length]);

    private static void HhFeatures(string[] args)
    {
        var f = BuildHh(args);
        double[] grid = [0.01, 0.03, 0.1, 0.3, 1, 3];
        double[] scales = [1, 3, 10];
        // C and the scale of the scalar features (cosine, traits — a weaker penalty on them than on the vector blocks)
        // chosen by 5-fold cross-validation on train (interleaved folds), then refitted on all of train; test reported.
        var nTrain = f.Train.Rows;
        var all = Enumerable.Range(0, nTrain).ToArray();
        var testRows = Enumerable.Range(0, f.Test.Rows).ToArray();
        Console.WriteLine($"hh-rlhf helpful: train {nTrain} pairs, test {f.Test.Rows}; C in {{{string.Join(", ", grid)}}} × scalar scale in {{{string.Join(", ", scales)}}} chosen by 5-fold CV on train");
        Console.WriteLine("| features | dims | C | scalar scale | CV acc | test acc | test log loss |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (name, _, keep) in FeatureSets)
        {
            var columns = Enumerable.Range(0, f.Names.Count).Where(j => keep(f.Names[j])).ToArray();
            if (name.Contains("rj", StringComparison.Ordinal) && !f.Names.Contains("rj0")) continue;
            var scalar = columns.Select(j => !IsBlock(f.Names[j], "r") && !IsBlock(f.Names[j], "rp") && !IsBlock(f.Names[j], "rj")).ToArray();
            var hasVectors = scalar.Any(v => !v);
            var best = (C: 0.0, Scale: 0.0, Acc: -1.0);
            foreach (var scale in hasVectors && scalar.Any(v => v) ? scales : [1.0])
            {
                var train = Columns(f.Train, columns, scalar, scale);
                foreach (var c in grid)
                {
                    double correct = 0;
                    for (var fold = 0; fold < 5; fold++)
                    {
                        var fit = all.Where(i => i % 5 != fold).ToArray();
                        var held = all.Where(i => i % 5 == fold).ToArray();
                        var m = new BradleyTerry(new BradleyTerryOptions { C = c }).FitModel(new TrainingSet(train, fit, fit.Select(i => (int)f.TrainOutcomes[i]).ToArray(), 4));
                        correct += PreferenceMetrics.PairwiseAccuracy(m, train, held, held.Select(i => f.TrainOutcomes[i]).ToArray()) * held.Length;
                    }
                    if (correct / nTrain > best.Acc) best = (c, scale, correct / nTrain);
                }
            }
            var trainX = Columns(f.Train, columns, scalar, best.Scale);
            var testX = Columns(f.Test, columns, scalar, best.Scale);
            var model = new BradleyTerry(new BradleyTerryOptions { C = best.C }).FitModel(new TrainingSet(trainX, all, f.TrainOutcomes.Select(o => (int)o).ToArray(), 4));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {columns.Length} | {best.C} | {best.Scale} | {best.Acc:0.000} | {PreferenceMetrics.PairwiseAccuracy(model, testX, testRows, f.TestOutcomes):0.000} | {PreferenceMetrics.LogLoss(model, testX, testRows, f.TestOutcomes):0.000} |"));
        }
    }

    private static void Hh(string[] args)
    {
        var f = BuildHh(args);
        var set = StringArg(args, "--features", "all");
        var keep = FeatureSets.FirstOrDefault(s => s.Name == set).Keep ?? throw new ConfigurationException($"Unknown feature set '{set}'; known: {string.Join(", ", FeatureSets.Select(s => s.Name))}.");
        var columns = Enumerable.Range(0, f.Names.Count).Where(j => keep(f.Names[j])).ToArray();
        var data = new PreferenceSimulationData(Columns(f.Train, columns), f.TrainOutcomes, Columns(f.Test, columns), f.TestOutcomes);
        Console.WriteLine($"hh-rlhf helpful: pool {f.Train.Rows} pairs, test {f.Test.Rows}; features '{set}' ({columns.Length})");
        Simulate(data, Options(args), args, $"features {set}");
    }

    // ---- shared ------------------------------------------------------------------------------------------------------

    private static PreferenceSimulationOptions Options(string[] args) => new()
    {
        Strategies = StrategiesArg(args, "--strategies", ["pair-uncertainty", "pair-dopt"]),
        Seeds = Int(args, "--seeds", 3),
        SeedSize = Int(args, "--seed-size", 50),
        BatchSize = Int(args, "--batch", 50),
        Budget = Int(args, "--budget", 2000),
        ValidationSize = Int(args, "--validation", 0),
        Parallelism = Int(args, "--parallel", 2),
        Learner = new BradleyTerryOptions { C = Double(args, "--c", 1.0) },
    };

    private static void Simulate(PreferenceSimulationData data, PreferenceSimulationOptions options, string[] args, string title, string suffix = "")
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var simulator = new PreferenceSimulator(data, options);
        var result = simulator.Run(new Progress<PreferenceRun>(r =>
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed:hh\\:mm\\:ss} {r.Strategy} seed {r.Seed}: {r.Rounds[^1].Accuracy:0.000} at {r.Rounds[^1].Labels}"))));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"### {title}: {options.Learner.Ties} model, C = {options.Learner.C}, seeds {options.Seeds}, seed set {options.SeedSize}, batch {options.BatchSize}, budget {options.Budget}; full-data ceiling {result.FullDataAccuracy:0.000} (log loss {result.FullDataLogLoss:0.000}); {clock.Elapsed.TotalMinutes:0.0} min"));
        var marks = Checkpoints.Where(c => c <= options.Budget).ToArray();
        Console.WriteLine("| strategy | " + string.Join(" | ", marks) + " | labels to random's final: first reached / held from |");
        Console.WriteLine("|---|" + string.Concat(marks.Select(_ => "---|")) + "---|");
        var randomCurve = Curve(result, "random");
        foreach (var s in simulator.StrategyNames)
        {
            var curve = Curve(result, s);
            var cells = marks.Select(m => curve.FirstOrDefault(p => p.Labels == m) is var p && p.Labels == m
                ? string.Create(CultureInfo.InvariantCulture, $"{p.Mean:0.000} ({p.Min:0.000}–{p.Max:0.000})") : "—");
            var to = randomCurve.Count > 0 ? Summaries.LabelsToReach(curve, randomCurve[^1].Mean) : null;
            var held = randomCurve.Count > 0 ? HeldFrom(curve, randomCurve[^1].Mean) : null;
            Console.WriteLine($"| {s}{suffix} | {string.Join(" | ", cells)} | {(to is { } t ? t.ToString(CultureInfo.InvariantCulture) : "not reached")} / {(held is { } h ? h.ToString(CultureInfo.InvariantCulture) : "—")} |");
        }
        var logLoss = string.Join("; ", simulator.StrategyNames
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s} {result.Runs.Where(r => r.Strategy == s).Average(r => r.Rounds[^1].LogLoss):0.000}")));
        Console.WriteLine($"test log loss at the budget (mean of seeds): {logLoss}");
        var decisive = string.Join("; ", simulator.StrategyNames
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s} {result.Runs.Where(r => r.Strategy == s).Average(r => r.Rounds[^1].DecisiveLogLoss):0.000}")));
        Console.WriteLine($"decisive-pair log loss at the budget (mean of seeds): {decisive}");
        if (StringArg(args, "--out", "") is { Length: > 0 } path)
        {
            var file = suffix.Length == 0 ? path : Path.ChangeExtension(path, null) + suffix + Path.GetExtension(path);
            File.WriteAllText(file, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            Console.WriteLine($"runs written to {file}");
        }
    }

    /// <summary>The first label count from which the mean curve stays at or above <paramref name="target"/> to the end; null if it ends below.</summary>
    private static int? HeldFrom(List<(int Labels, double Mean, double Min, double Max)> curve, double target)
    {
        int? from = null;
        foreach (var p in curve)
        {
            if (p.Mean < target) from = null;
            else from ??= p.Labels;
        }
        return from;
    }

    private static List<(int Labels, double Mean, double Min, double Max)> Curve(PreferenceSimulationResult result, string strategy) =>
        result.Runs.Where(r => r.Strategy == strategy).SelectMany(r => r.Rounds).GroupBy(r => r.Labels).OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Average(r => r.Accuracy), g.Min(r => r.Accuracy), g.Max(r => r.Accuracy))).ToList();

    /// <summary>Vectors of <paramref name="texts"/> from the embedding cache (<c>--cache DIR</c>, else $SIFT_CACHE or ~/.cache/sift); misses are embedded and added.</summary>
    private static DenseMatrix Embed(IReadOnlyList<string> texts, string[] args)
    {
        using var encoder = new MiniLmEncoder(new MiniLmOptions());
        var directory = StringArg(args, "--cache", FileEmbeddingCache.DefaultDirectory);
        var cache = FileEmbeddingCache.Open(directory, encoder.ModelId, encoder.Dimension);
        var caching = new CachingTextEncoder(encoder, cache);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        var vectors = caching.Encode(texts, new Progress<EncodeProgress>(p =>
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(30) && p.Done < p.Total) return;
            last = clock.Elapsed;
            Console.Error.WriteLine($"  embedding: {p.Done}/{p.Total} ({p.Cached} cached), {clock.Elapsed:hh\\:mm\\:ss}");
        }));
        Console.WriteLine($"embedded {texts.Count} texts with {encoder.ModelId} in {clock.Elapsed.TotalSeconds:0} s (cache {cache.FilePath}, {cache.Count} vectors)");
        return vectors;
    }

    private static DenseMatrix Slice(DenseMatrix m, int start, int rows) => new(rows, m.Columns, m.Data.AsSpan(start * m.Columns, rows * m.Columns).ToArray());

    private static DenseMatrix Stack(DenseMatrix a, DenseMatrix b) => new(a.Rows + b.Rows, a.Columns, [.. a.Data, .. b.Data]);

    private static DenseMatrix Columns(DenseMatrix m, int[] columns, bool[]? scalar = null, double scale = 1)
    {
        var x = new DenseMatrix(m.Rows, columns.Length);
        for (var i = 0; i < m.Rows; i++)
        {
            var src = m.Row(i);
            var dst = x.Row(i);
            for (var j = 0; j < columns.Length; j++) dst[j] = src[columns[j]] * (scalar is not null && scalar[j] ? (float)scale : 1f);
        }
        return x;
    }

    private static IReadOnlyList<string> StrategiesArg(string[] args, string name, string[] fallback)
    {
        var raw = StringArg(args, name, "");
        return raw.Length == 0 ? fallback : raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string StringArg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static int Int(string[] args, string name, int fallback) => int.Parse(StringArg(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static double Double(string[] args, string name, double fallback) => double.Parse(StringArg(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
