using System.Diagnostics;
using System.Globalization;
using Sift.Data;
using Sift.Features;
using Sift.Learners;
using Sift.Metrics;
using Sift.Strategies;

namespace Sift.Bench;

/// <summary>Benchmarks that report medians; never run as tests.</summary>
public static class BenchApp
{
    public static int Run(string[] args)
    {
        var what = args.Length > 0 ? args[0] : "round";
        var dataset = args.Length > 1 ? args[1] : "ag-news";
        switch (what)
        {
            case "round": RoundBenchmark(dataset, Arg(args, "--labels", 1500), Arg(args, "--batch", 50), Arg(args, "--repeats", 15), Tolerance(args), Arg(args, "--history", 10)); return 0;
            case "round-features": FeatureRoundBenchmark.Run(dataset, Arg(args, "--labels", 1500), Arg(args, "--batch", 50), Arg(args, "--repeats", 15), args.Contains("--export") ? StringArg(args, "--export", "") : null); return 0;
            case "scale":
                ScaleBenchmark.Run(Arg(args, "--n", 1_000_000), 128, 20, Arg(args, "--picks", 1000), Arg(args, "--small-picks", 100),
                    args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)).ToArray());
                return 0;
            case "fit-profile": FitProfile.Run(dataset, Arg(args, "--labels", 3000), Arg(args, "--repeats", 5)); return 0;
            case "ceiling": Ceiling.Run(dataset); return 0;
            case "pii": return PiiBenchmark.Run(Arg(args, "--docs", 400), Arg(args, "--seed", 7));
            case "pii-import":
                return RedactionImportBenchmark.RunAsync(StringArg(args, "--url", "http://127.0.0.1:5170"), StringArg(args, "--token", Environment.GetEnvironmentVariable("SIFT_TOKEN") ?? ""),
                    StringArg(args, "--corpus", "src/Sift.Cli/Demo/spam-assassin.jsonl.gz"), Arg(args, "--repeats", 5)).GetAwaiter().GetResult();
            case "coreset-agnews": CoreSetAgNews(Arg(args, "--repeats", 11)); return 0;
            case "encoder-compare": EncoderCompare.Run(StringArg(args, "--texts", ""), StringArg(args, "--vectors", "")); return 0;
            case "encoder": EncoderBenchmark.Run(args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? dataset : "trec", Arg(args, "--texts", 512), Arg(args, "--batch", 32), Arg(args, "--repeats", 5)); return 0;
            case "pref-hh-features": return PreferenceBenchmark.Run(what, args);
            case "workflow": return WorkflowBenchmark.Run(args);
            case "load":
                return LoadBenchmark.RunAsync(StringArg(args, "--url", "http://127.0.0.1:5170"), StringArg(args, "--token", Environment.GetEnvironmentVariable("SIFT_TOKEN") ?? ""),
                    StringArg(args, "--clients", "8,32,128").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(),
                    Arg(args, "--seconds", 20), Arg(args, "--items", 50_000), StringArg(args, "--label", "sqlite"), Arg(args, "--retrain-every", 100_000),
                    new LoadBenchmark.ReviewerLoad(Arg(args, "--reviewers", 0), StringArg(args, "--reads", "agreement,annotations").Split(',', StringSplitOptions.RemoveEmptyEntries),
                        Arg(args, "--server-pid", 0))).GetAwaiter().GetResult();
            case "load-busy":
                return LoadBenchmark.RunBusyAsync(StringArg(args, "--url", "http://127.0.0.1:5170"), StringArg(args, "--token", Environment.GetEnvironmentVariable("SIFT_TOKEN") ?? ""),
                    Arg(args, "--clients", 32), Arg(args, "--reviewers", 8), Arg(args, "--seconds", 20), Arg(args, "--items", 200_000),
                    StringArg(args, "--label", "sqlite"), Arg(args, "--retrain-every", 50),
                    StringArg(args, "--reviewer-mode", "page") == "page").GetAwaiter().GetResult();
            default:
                Console.Error.WriteLine("usage: Sift.Bench pii [--docs 400] [--seed S] | pii-import --url URL --token ADMIN_TOKEN [--corpus src/Sift.Cli/Demo/spam-assassin.jsonl.gz] [--repeats 5] | workflow [trec,sms-spam,ag-news] [--items 1500] [--relabel-datasets sms-spam,trec] | round [DATASET] [--labels 1500] [--batch 50] [--repeats 15] | round-features [DATASET] [--labels 1500] [--batch 50] [--repeats 15] [--export ROWS.svmlight] | scale [margin|coreset|badge|kmeans ...; none = each in its own process] [--n 1000000] [--picks 1000] [--small-picks 100] | fit-profile [DATASET] [--labels 3000] [--repeats 5] | ceiling [DATASET] | coreset-agnews | pref-hh-features [--cache DIR] | encoder [DATASET] [--texts 512] [--batch 32] [--repeats 5] | encoder-compare --texts TEXTS.jsonl --vectors OTHER.bin | load --url URL --token ADMIN_TOKEN [--clients 8,32,128] [--seconds 20] [--items 50000] [--label sqlite] [--retrain-every 100000] [--reviewers 0] [--reads agreement,annotations,tasks,dashboard] [--server-pid PID] | load-busy --url URL --token ADMIN_TOKEN [--clients 32] [--reviewers 8] [--seconds 20] [--items 200000] [--label sqlite] [--retrain-every 50] [--reviewer-mode page|loop]");
                return 2;
        }
    }

    private static double Tolerance(string[] args)
    {
        var i = Array.IndexOf(args, "--tol");
        return i >= 0 ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : new LogisticRegressionOptions().Tolerance;
    }

    private static string StringArg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static string DatasetPath(string name, string split)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "datasets", name, split + ".jsonl");
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new FileNotFoundException($"../shared/datasets/{name}/{split}.jsonl not found above {AppContext.BaseDirectory}");
    }

    internal static TextDataset Load(string name, string split)
    {
        var path = DatasetPath(name, split);
        using var stream = File.OpenRead(path);
        return TextDatasetReader.Read(stream, path, new DataFormatOptions { RequireLabels = true });
    }

    /// <summary>
    /// One full round as the engine issue defines it: warm refit at <paramref name="labels"/> labels, score the rest of
    /// the pool, select <paramref name="batch"/> by margin. Every repeat starts from the same state.
    /// </summary>
    private static void RoundBenchmark(string name, int labels, int batch, int repeats, double tolerance, int history)
    {
        var train = Load(name, "train");
        var test = Load(name, "test");
        var classes = train.Labels.ToList();
        var y = train.Items.Select(i => classes.IndexOf(i.Label!)).ToArray();
        var sw = Stopwatch.StartNew();
        var (vectorizer, x) = TfidfVectorizer.FitTransform(train.Items.Select(i => i.Text).ToList());
        var tfidfSeconds = sw.Elapsed.TotalSeconds;
        var xt = vectorizer.Transform(test.Items.Select(i => i.Text).ToList());
        var yt = test.Items.Select(i => classes.IndexOf(i.Label!)).ToArray();
        var learner = new LogisticRegression(new LogisticRegressionOptions { Tolerance = tolerance, History = history });

        var fullTimes = new List<double>();
        IClassifier? full = null;
        for (var r = 0; r < 3; r++)
        {
            sw.Restart();
            full = learner.Fit(new TrainingSet(x, Enumerable.Range(0, x.Rows).ToArray(), y, classes.Count));
            fullTimes.Add(sw.Elapsed.TotalSeconds);
        }
        var p = new float[xt.Rows * classes.Count];
        full!.PredictProba(xt, Enumerable.Range(0, xt.Rows).ToArray(), p);
        var fullAcc = Classification.Accuracy(yt, Classification.ArgMax(p, classes.Count));

        // State before the measured round: a model trained on labels − batch items, then batch more picked by margin.
        var order = Enumerable.Range(0, x.Rows).ToArray();
        new Random(7).Shuffle(order);
        var labeled = order.Take(labels - batch).ToList();
        var previous = learner.Fit(new TrainingSet(x, labeled.ToArray(), labeled.Select(i => y[i]).ToArray(), classes.Count));
        var labeledSet = labeled.ToHashSet();
        var ctx0 = new QueryContext(x, Enumerable.Range(0, x.Rows).Where(i => !labeledSet.Contains(i)).ToArray(), 1) { Model = previous, ClassCount = classes.Count };
        labeled.AddRange(new MarginSampling().Select(ctx0, batch).Indices);
        labeledSet = labeled.ToHashSet();
        var rows = labeled.ToArray();
        var rowLabels = rows.Select(i => y[i]).ToArray();
        var candidates = Enumerable.Range(0, x.Rows).Where(i => !labeledSet.Contains(i)).ToArray();

        var fit = new List<double>();
        var query = new List<double>();
        var total = new List<double>();
        var iterations = new List<int>();
        for (var r = 0; r < repeats + 2; r++)
        {
            sw.Restart();
            var model = (LogisticRegressionModel)learner.Fit(new TrainingSet(x, rows, rowLabels, classes.Count), previous);
            var fitS = sw.Elapsed.TotalSeconds;
            var ctx = new QueryContext(x, candidates, 2) { Model = model, ClassCount = classes.Count };
            var picks = new MarginSampling().Select(ctx, batch);
            var all = sw.Elapsed.TotalSeconds;
            if (picks.Count != batch) throw new InvalidOperationException("wrong batch");
            if (r < 2) continue; // warm-up (JIT)
            fit.Add(fitS);
            query.Add(all - fitS);
            total.Add(all);
            iterations.Add(model.Solver.Iterations);
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine($"dataset {name}: pool {x.Rows}, features {x.Columns}, TF-IDF fit+transform {tfidfSeconds:0.000}s");
        Console.WriteLine($"full-data fit: median {Median(fullTimes):0.000}s over {fullTimes.Count} (accuracy {fullAcc:0.0000})");
        Console.WriteLine($"round at {labels} labels, batch {batch}, {repeats} repeats: median total {Median(total) * 1000:0.0} ms " +
                          $"(warm refit {Median(fit) * 1000:0.0} ms, {Median(iterations.Select(i => (double)i).ToList()):0} L-BFGS iterations; score+select {candidates.Length} items {Median(query) * 1000:0.0} ms)");
    }

    /// <summary>One CoreSet query of 50 over 100-dim LSA vectors of the ag-news pool, 1,500 items labeled.</summary>
    private static void CoreSetAgNews(int repeats)
    {
        var train = Load("ag-news", "train");
        var (_, x) = TfidfVectorizer.FitTransform(train.Items.Select(i => i.Text).ToList());
        var sw = Stopwatch.StartNew();
        var lsa = LsaEmbedder.Compute(x, new LsaOptions()).Embedding;
        var lsaSeconds = sw.Elapsed.TotalSeconds;
        var order = Enumerable.Range(0, x.Rows).ToArray();
        new Random(7).Shuffle(order);
        var labeled = order.Take(1500).ToArray();
        var candidates = order.Skip(1500).Order().ToArray();
        var times = new List<double>();
        for (var r = 0; r < repeats + 2; r++)
        {
            var ctx = new QueryContext(lsa, candidates, (ulong)r) { Embeddings = lsa, LabeledIndices = labeled };
            sw.Restart();
            var picks = new CoreSetSampling().Select(ctx, 50);
            if (r >= 2) times.Add(sw.Elapsed.TotalSeconds);
            if (picks.Count != 50) throw new InvalidOperationException("wrong batch");
        }
        var norms = new float[candidates.Length];
        var dest = new float[candidates.Length];
        var t2 = new List<double>();
        for (var r = 0; r < 7; r++)
        {
            sw.Restart();
            EmbeddingSupport.MinSquaredDistances(lsa, candidates, norms, labeled, dest);
            t2.Add(sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"  of which distances to the labeled set: median {Median(t2) * 1000:0.0} ms");
        var t3 = new List<double>();
        for (var r = 0; r < 7; r++)
        {
            var ctx = new QueryContext(lsa, candidates, (ulong)r) { Embeddings = lsa, LabeledIndices = labeled };
            sw.Restart();
            new CoreSetSampling().Select(ctx, 1);
            t3.Add(sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"  select 1: median {Median(t3) * 1000:0.0} ms");
        Console.WriteLine($"ag-news: LSA 100 dims of {x.Rows} × {x.Columns} in {lsaSeconds:0.00}s; CoreSet select 50 from {candidates.Length} (1,500 labeled): median {Median(times) * 1000:0.0} ms over {repeats}");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
