using System.Globalization;
using Sift.Data;
using Sift.Embeddings;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Preferences;

namespace Sift.Bench;

/// <summary>
/// <c>pref-hh-features</c>: the full-data feature ablation of the preference issue on HH-RLHF helpful — which blocks of
/// φ(prompt, response) the Bradley–Terry reward model can learn from — on MiniLM vectors from the embedding cache. The
/// active-vs-random preference benchmarks run through <c>sift simulate</c> (bench/preference-benchmarks.sh).
/// </summary>
internal static class PreferenceBenchmark
{
    public static int Run(string what, string[] args)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; load average at start {File.ReadAllText("/proc/loadavg").Trim()}");
        switch (what)
        {
            case "pref-hh-features": HhFeatures(args); return 0;
            default: return 2;
        }
    }

    private sealed record HhData(DenseMatrix Train, DenseMatrix Test, IReadOnlyList<string> Names, PreferenceOutcome[] TrainOutcomes, PreferenceOutcome[] TestOutcomes);

    /// <summary>
    /// φ for every HH pair with every block — [r] [rp: √384·(r ⊙ p)] [cosine(p, r)] [traits], p the vector of the last
    /// human turn (<see cref="PairFeaturizer.RequestText"/>) — as φ(A) − φ(B), the sides as the reader put them (a seeded
    /// coin per pair, so the chosen reply is A or B), through the same reader and featuriser as <c>sift simulate</c>.
    /// </summary>
    private static HhData BuildHh(string[] args)
    {
        var format = new DataFormatOptions { RequireLabels = true, Content = ContentKind.Pair };
        TextDataset Load(string split)
        {
            var path = BenchApp.DatasetPath("preferences-hh-rlhf-helpful", split);
            using var stream = File.OpenRead(path);
            return TextDatasetReader.Read(stream, path, format);
        }
        var train = Load("train");
        var test = Load("test");
        using var minilm = MiniLmFeaturizer.WithFileCache(StringArg(args, "--cache", FileEmbeddingCache.DefaultDirectory));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var set = new PairFeaturizer(minilm.Encoder, new PairFeatureOptions(), minilm.Name).Build(
            train.Items.Select(i => (PairContent)i.Content).ToList(), test.Items.Select(i => (PairContent)i.Content).ToList(),
            new Progress<FeaturizeProgress>(p => { if (p.Done == p.Total) Console.Error.WriteLine($"  embedding: {p.Done}/{p.Total}"); }));
        Console.WriteLine($"embedded {3 * (train.Count + test.Count)} texts with {minilm.ModelId} in {clock.Elapsed.TotalSeconds:0} s (cache {(minilm.Cache as FileEmbeddingCache)?.FilePath ?? "none"})");
        static PreferenceOutcome[] Outcomes(TextDataset d) => d.Items.Select(i => PreferenceOutcomes.Parse(i.Label!)).ToArray();
        return new HhData(set.Pool, set.Other, set.Features.FeatureNames, Outcomes(train), Outcomes(test));
    }

    /// <summary>Named column subsets of the HH features.</summary>
    private static readonly (string Name, string Description, Func<string, bool> Keep)[] FeatureSets =
    [
        ("len", "log length only", n => n == "log_chars"),
        ("traits", "the seven traits only", n => PairFeatures.TraitNames.Contains(n)),
        ("r", "response vector only", n => IsBlock(n, "r")),
        ("r+len", "response vector + log length (the issue's baseline)", n => IsBlock(n, "r") || n == "log_chars"),
        ("r+traits", "response vector + the seven traits", n => IsBlock(n, "r") || PairFeatures.TraitNames.Contains(n)),
        ("r+cos+traits", "response vector, prompt–response cosine, traits", n => IsBlock(n, "r") || n == "cosine" || PairFeatures.TraitNames.Contains(n)),
        ("all", "response, response ⊙ prompt, cosine, traits (prompt-aware)", _ => true),
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
            var scalar = columns.Select(j => !IsBlock(f.Names[j], "r") && !IsBlock(f.Names[j], "rp")).ToArray();
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

    // ---- shared ------------------------------------------------------------------------------------------------------

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

    private static string StringArg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
