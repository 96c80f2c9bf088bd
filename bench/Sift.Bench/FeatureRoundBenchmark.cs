using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sift.Embeddings;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Strategies;

namespace Sift.Bench;

/// <summary>
/// One round with the encoder issue's default (TF-IDF ⊕ MiniLM features, margin-kmeans) at a given label count: warm
/// refit, score the rest of the pool, pick a batch. The MiniLM vectors come from the embedding cache (embedding is
/// excluded, as the issue asks). The labeled rows are written in svmlight format so scikit-learn's
/// <c>LogisticRegression</c> can be timed on exactly the same matrix (bench/round-vs-sklearn.sh runs both).
/// </summary>
internal static class FeatureRoundBenchmark
{
    public static void Run(string name, int labels, int batch, int repeats, string? export)
    {
        var train = BenchApp.Load(name, "train");
        var classes = train.Labels.ToList();
        var y = train.Items.Select(i => classes.IndexOf(i.Label!)).ToArray();
        using var minilm = MiniLmFeaturizer.WithFileCache();
        var featurizer = new ConcatFeaturizer([new FeatureBlock(new TfidfFeaturizer(new TfidfOptions())), new FeatureBlock(minilm)]);
        var sw = Stopwatch.StartNew();
        var data = featurizer.FeaturizeAsync(new FeaturizeRequest(
            train.Items.Select(i => i.Id).ToList(), train.Items.Select(i => (ItemContent)new TextContent(i.Text)).ToList())).GetAwaiter().GetResult();
        var featurizeSeconds = sw.Elapsed.TotalSeconds;
        var x = data.Pool;
        var vectors = data.Vectors;
        var learner = new LogisticRegression(new LogisticRegressionOptions());

        // State before the measured round, as in the TF-IDF round benchmark: labels − batch random items, then a batch picked by the strategy.
        var order = Enumerable.Range(0, x.Rows).ToArray();
        new Random(7).Shuffle(order);
        var labeled = order.Take(labels - batch).ToList();
        var previous = learner.Fit(new TrainingSet(x, labeled.ToArray(), labeled.Select(i => y[i]).ToArray(), classes.Count));
        var strategy = StrategyCatalog.Default.Get("margin-kmeans").Create();
        var labeledSet = labeled.ToHashSet();
        var ctx0 = new QueryContext(x, Enumerable.Range(0, x.Rows).Where(i => !labeledSet.Contains(i)).ToArray(), 1)
        { Model = previous, ClassCount = classes.Count, Embeddings = vectors };
        labeled.AddRange(strategy.Select(ctx0, batch).Indices);
        labeledSet = labeled.ToHashSet();
        var rows = labeled.ToArray();
        var rowLabels = rows.Select(i => y[i]).ToArray();
        var candidates = Enumerable.Range(0, x.Rows).Where(i => !labeledSet.Contains(i)).ToArray();

        var fit = new List<double>();
        var cold = new List<double>();
        var iterations = new List<double>();
        var coldIterations = new List<double>();
        var query = new List<double>();
        var total = new List<double>();
        for (var r = 0; r < repeats + 2; r++)
        {
            sw.Restart();
            var model = (LogisticRegressionModel)learner.Fit(new TrainingSet(x, rows, rowLabels, classes.Count), previous);
            var fitS = sw.Elapsed.TotalSeconds;
            var ctx = new QueryContext(x, candidates, 2) { Model = model, ClassCount = classes.Count, Embeddings = vectors };
            var picks = StrategyCatalog.Default.Get("margin-kmeans").Create().Select(ctx, batch);
            var all = sw.Elapsed.TotalSeconds;
            if (picks.Count != batch) throw new InvalidOperationException("wrong batch");
            sw.Restart();
            var coldModel = (LogisticRegressionModel)learner.Fit(new TrainingSet(x, rows, rowLabels, classes.Count));
            var coldS = sw.Elapsed.TotalSeconds;
            if (r < 2) continue; // warm-up (JIT)
            fit.Add(fitS);
            query.Add(all - fitS);
            total.Add(all);
            cold.Add(coldS);
            iterations.Add(model.Solver.Iterations);
            coldIterations.Add(coldModel.Solver.Iterations);
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine($"dataset {name}: pool {x.Rows}, features {x.Columns} (TF-IDF + 384 MiniLM), featurize (vectors from the cache) {featurizeSeconds:0.00}s");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round at {labels} labels, batch {batch}, margin-kmeans, {repeats} repeats: median total {Median(total) * 1000:0.0} ms " +
            $"(warm refit {Median(fit) * 1000:0.0} ms, {Median(iterations):0} L-BFGS iterations; score+select {candidates.Length} items {Median(query) * 1000:0.0} ms); cold fit {Median(cold) * 1000:0.0} ms, {Median(coldIterations):0} iterations"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SIFT_ROUND_MS {Median(total) * 1000:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SIFT_COLD_FIT_MS {Median(cold) * 1000:0.000}"));
        if (export is not null) WriteSvmLight(export, x, rows, rowLabels);
    }

    /// <summary>Rows as svmlight lines (<c>label index:value …</c>, 1-based indices), read by scikit-learn's load_svmlight_file.</summary>
    private static void WriteSvmLight(string path, FeatureMatrix x, int[] rows, int[] labels)
    {
        var dense = new double[x.Columns];
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        for (var r = 0; r < rows.Length; r++)
        {
            Array.Clear(dense);
            x.AddScaledRow(rows[r], 1.0, dense);
            var line = new StringBuilder().Append(labels[r].ToString(CultureInfo.InvariantCulture));
            for (var j = 0; j < dense.Length; j++)
                if (dense[j] != 0) line.Append(' ').Append((j + 1).ToString(CultureInfo.InvariantCulture)).Append(':').Append(dense[j].ToString("R", CultureInfo.InvariantCulture));
            writer.WriteLine(line);
        }
        // The column count, so scikit-learn builds the same width.
        File.WriteAllText(path + ".columns", x.Columns.ToString(CultureInfo.InvariantCulture));
    }

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
