using System.Globalization;
using Sift.Features;
using Sift.Learners;
using Sift.Metrics;
using Sift.Projects;
using Sift.Quality;

namespace Sift.Bench;

/// <summary>
/// Issue 14's simulated-crowd benchmark (docs/benchmarks.md, "Annotation workflow"): a crowd with given confusion
/// matrices, a spammer and a sleepy annotator labels a dataset's items (the dataset's labels are the truth). Measures
/// (A) label accuracy of majority vote vs Dawid–Skene with gold, (B) gold answers until the spammer is flagged, (C) errors
/// fixed per relabel by the confident-learning queue vs random relabeling at 10% and 20% injected noise, and (D) final
/// model accuracy of the value-based choice vs always-new vs always-relabel at equal budget. Seeded; no timings.
/// </summary>
internal static class WorkflowBenchmark
{
    private sealed record Annotator(string Name, Func<Random, int, int, int, int> Answer);   // (rng, truth, classes, answers so far) → answer

    public static int Run(string[] args)
    {
        var datasets = (args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : "trec,sms-spam,ag-news").Split(',');
        var seeds = new[] { 1, 2, 3 };
        var items = ArgInt(args, "--items", 1500);
        Console.WriteLine("# A. Label accuracy on non-gold items (3 answers per item, 5% gold), mean over seeds " + string.Join(",", seeds));
        Console.WriteLine("dataset\tcrowd\tmajority\tmajority, flagged down-weighted\tdawid-skene\tdawid-skene+gold (clamp only)\tdawid-skene+gold, flagged down-weighted\tgain(ds+gold clamp - majority)");
        foreach (var name in datasets)
        {
            var data = BenchApp.Load(name, "train");
            var classes = data.Labels.ToList();
            var truthAll = data.Items.Select(i => classes.IndexOf(i.Label!)).ToArray();
            foreach (var crowd in new[] { "mixed", "adversarial" })
            {
                var sum = new double[5];
                foreach (var seed in seeds)
                {
                    var r = CrowdAccuracy(truthAll, classes.Count, Math.Min(items, truthAll.Length), crowd, seed);
                    for (var c = 0; c < 5; c++) sum[c] += r[c] / seeds.Length;
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{crowd}\t{sum[0]:0.000}\t{sum[1]:0.000}\t{sum[2]:0.000}\t{sum[3]:0.000}\t{sum[4]:0.000}\t{sum[3] - sum[0]:+0.000;-0.000}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("# B. Gold answers until flagged (defaults: at least 5 gold answers, 95% Wilson upper bound < 0.7)");
        Console.WriteLine("dataset\tclasses\tspammer N (seeds)\tsleepy N after it dozes off (seeds)\tgood annotators (acc 0.85) flagged within 200 gold answers");
        foreach (var name in datasets)
        {
            var data = BenchApp.Load(name, "train");
            var classes = data.Labels.ToList();
            var truthAll = data.Items.Select(i => classes.IndexOf(i.Label!)).ToArray();
            var spam = seeds.Select(s => FlagAfter(truthAll, classes.Count, s, (rng, t, k, n) => rng.Next(k), 0)).ToList();
            var sleepy = seeds.Select(s => FlagAfter(truthAll, classes.Count, s, Sleepy(60), 60)).ToList();
            var good = seeds.Sum(s => Enumerable.Range(0, 20).Count(a => FlagAfter(truthAll, classes.Count, s * 100 + a, Uniform(0.85), 0, 200) is not null));
            Console.WriteLine($"{name}\t{classes.Count}\t{string.Join(",", spam.Select(N))}\t{string.Join(",", sleepy.Select(N))}\t{good} of {20 * seeds.Length}");
        }

        if (args.Contains("--crowd-only")) return 0;
        var relabelData = ArgString(args, "--relabel-datasets", "sms-spam,trec").Split(',');
        if (!args.Contains("--budget-only"))
        {
            Console.WriteLine();
            Console.WriteLine("# C. Wrong labels fixed per relabel (1000 labels, budget 100 relabels in batches of 25, relabeler accuracy 0.9)");
            Console.WriteLine("dataset\tnoise\tconfident-learning queue\trandom relabeling\tratio");
            foreach (var name in relabelData)
            {
                var (x, y, classes) = Featurise(name);
                foreach (var noise in new[] { 0.1, 0.2 })
                {
                    double cl = 0, rnd = 0;
                    foreach (var seed in seeds)
                    {
                        cl += FixPerRelabel(x, y, classes, noise, seed, useQueue: true) / seeds.Length;
                        rnd += FixPerRelabel(x, y, classes, noise, seed, useQueue: false) / seeds.Length;
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{noise:0.0}\t{cl:0.000}\t{rnd:0.000}\t{(rnd > 0 ? (cl / rnd).ToString("0.0", CultureInfo.InvariantCulture) + "×" : "random ≤ 0")}"));
                }
            }
        }

        Console.WriteLine();
        // --annotator-accuracy sets both the starting labels' noise (1 − accuracy) and the accuracy of every later answer.
        var budgetAccuracy = double.Parse(ArgString(args, "--annotator-accuracy", "0.8"), CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# D. Final test accuracy at equal budget (500 labels at {1 - budgetAccuracy:0%} noise to start, then 500 actions in batches of 50; annotator accuracy {budgetAccuracy:0.0#})"));
        Console.WriteLine("dataset\talways-new\talways-relabel\tvalue-based\t(relabels chosen by value-based)");
        foreach (var name in relabelData)
        {
            var (x, y, classes) = Featurise(name);
            var (xt, yt) = Test(name);
            double n = 0, r = 0, v = 0, chosen = 0;
            foreach (var seed in seeds)
            {
                n += Budget(x, y, xt, yt, classes, seed, "new", budgetAccuracy).Accuracy / seeds.Length;
                r += Budget(x, y, xt, yt, classes, seed, "relabel", budgetAccuracy).Accuracy / seeds.Length;
                var value = Budget(x, y, xt, yt, classes, seed, "value", budgetAccuracy);
                v += value.Accuracy / seeds.Length;
                chosen += value.Relabels / (double)seeds.Length;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{n:0.0000}\t{r:0.0000}\t{v:0.0000}\t({chosen:0})"));
        }
        return 0;
    }

    private static string N(int? n) => n?.ToString(CultureInfo.InvariantCulture) ?? ">200";

    private static Func<Random, int, int, int, int> Uniform(double accuracy) => (rng, t, k, _) =>
        rng.NextDouble() < accuracy ? t : (t + 1 + rng.Next(k - 1)) % k;

    /// <summary>Accurate (0.9) for its first <paramref name="awake"/> answers, then nearly random (0.3 right).</summary>
    private static Func<Random, int, int, int, int> Sleepy(int awake) => (rng, t, k, n) => Uniform(n < awake ? 0.9 : 0.3)(rng, t, k, n);

    private static Func<Random, int, int, int, int> Shifted(double accuracy) => (rng, t, k, _) => rng.NextDouble() < accuracy ? t : (t + 1) % k;

    private static Func<Random, int, int, int, int> Lazy(double accuracy) => (rng, t, k, _) => rng.NextDouble() < accuracy ? t : 0;

    /// <summary>Majority, majority with flagged annotators down-weighted, Dawid–Skene, Dawid–Skene with gold clamped, and with flagged annotators down-weighted too.</summary>
    private static double[] CrowdAccuracy(int[] truthAll, int k, int items, string crowd, int seed)
    {
        var rng = new Random(seed);
        var pick = Enumerable.Range(0, truthAll.Length).OrderBy(_ => rng.Next()).Take(items).ToArray();
        var truth = pick.Select(i => truthAll[i]).ToArray();
        var annotators = crowd == "mixed"
            ? new[] { Uniform(0.85), Uniform(0.8), Uniform(0.75), Uniform(0.7), Shifted(0.6), (Func<Random, int, int, int, int>)((r, t, kk, _) => r.Next(kk)), Sleepy(items * 3 / 7 / 2) }
            : new[] { Uniform(0.85), Uniform(0.75), (Func<Random, int, int, int, int>)((r, t, kk, _) => r.Next(kk)), (r, t, kk, _) => r.Next(kk), Lazy(0.5), Shifted(0.5), Sleepy(items * 3 / 6 / 2) };
        var answered = new int[annotators.Length];
        var schema = Enumerable.Range(0, k).Select(c => "c" + c).ToArray();
        var answers = new List<Annotation>();
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        long id = 0;
        for (var i = 0; i < items; i++)
        {
            foreach (var a in Enumerable.Range(0, annotators.Length).OrderBy(_ => rng.Next()).Take(3))
            {
                var label = annotators[a](rng, truth[i], k, answered[a]++);
                id++;
                answers.Add(new Annotation(id, 1, i, a, id, [schema[label]], 1, "r" + id, t0.AddSeconds(id), false));
            }
        }
        var gold = Enumerable.Range(0, items).Where(i => i % 20 == 0).ToDictionary(i => (long)i, i => schema[truth[i]]);
        var measured = Enumerable.Range(0, items).Where(i => !gold.ContainsKey(i)).ToList();
        double Acc(IReadOnlyDictionary<long, ResolvedLabel> r, Random tie) =>
            measured.Count(i => (r.TryGetValue(i, out var l) ? l.Labels[0] : schema[tie.Next(k)]) == schema[truth[i]]) / (double)measured.Count;

        var standings = GoldStandings.Score(answers, gold, LabelMode.Single, new GoldSettings());
        var weights = GoldStandings.Weights(standings, new GoldSettings());
        var majority = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, schema), answers);
        var majorityWeighted = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, schema) { AnnotatorWeights = weights }, answers);
        var ds = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, schema) { Rule = LabelResolution.DawidSkene }, answers);
        var dsGold = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, schema) { Rule = LabelResolution.DawidSkene, Gold = gold }, answers);
        var dsGoldWeighted = LabelResolution.ResolveAll(new ResolutionContext(LabelMode.Single, schema) { Rule = LabelResolution.DawidSkene, Gold = gold, AnnotatorWeights = weights }, answers);
        // Majority ties are broken at random (seeded), as a person would toss a coin; Dawid–Skene never ties.
        return [Acc(majority, new Random(seed + 7)), Acc(majorityWeighted, new Random(seed + 7)), Acc(ds, new Random(seed + 7)), Acc(dsGold, new Random(seed + 7)), Acc(dsGoldWeighted, new Random(seed + 7))];
    }

    /// <summary>The number of gold answers (counted from <paramref name="from"/>) after which the annotator is first flagged; null within <paramref name="max"/>.</summary>
    private static int? FlagAfter(int[] truthAll, int k, int seed, Func<Random, int, int, int, int> answer, int from, int max = 200)
    {
        var rng = new Random(seed);
        var settings = new GoldSettings();
        var answers = new List<Annotation>();
        var gold = new Dictionary<long, string>();
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var n = 0; n < from + max; n++)
        {
            var truth = truthAll[rng.Next(truthAll.Length)];
            gold[n] = "c" + truth;
            answers.Add(new Annotation(n + 1, 1, n, 1, n + 1, ["c" + answer(rng, truth, k, n)], 1, "r" + n, t0.AddSeconds(n), false));
            if (n < from) continue;
            // Only the answers since it dozed off count for the sleepy one (a drift window), all of them otherwise.
            var window = answers.Skip(from).ToList();
            if (GoldStandings.Score(window, gold, LabelMode.Single, settings).Single().Flagged) return n - from + 1;
        }
        return null;
    }

    private static (SparseMatrix X, int[] Y, int Classes) Featurise(string name)
    {
        var data = BenchApp.Load(name, "train");
        var classes = data.Labels.ToList();
        var (_, x) = TfidfVectorizer.FitTransform(data.Items.Select(i => i.Text).ToList());
        return (x, data.Items.Select(i => classes.IndexOf(i.Label!)).ToArray(), classes.Count);
    }

    private static (SparseMatrix X, int[] Y) Test(string name)
    {
        var train = BenchApp.Load(name, "train");
        var test = BenchApp.Load(name, "test");
        var classes = train.Labels.ToList();
        var vectorizer = TfidfVectorizer.Fit(train.Items.Select(i => i.Text).ToList());
        return (vectorizer.Transform(test.Items.Select(i => i.Text).ToList()), test.Items.Select(i => classes.IndexOf(i.Label!)).ToArray());
    }

    private static int Noisy(Random rng, int truth, int k, double accuracy) => rng.NextDouble() < accuracy ? truth : (truth + 1 + rng.Next(k - 1)) % k;

    private static double FixPerRelabel(SparseMatrix x, int[] y, int k, double noise, int seed, bool useQueue)
    {
        var rng = new Random(seed);
        var rows = Enumerable.Range(0, x.Rows).OrderBy(_ => rng.Next()).Take(1000).ToArray();
        var labels = rows.Select(r => Noisy(rng, y[r], k, 1 - noise)).ToArray();
        var learner = new LogisticRegression();
        var relabeled = new HashSet<int>();
        int wrongBefore = Wrong(rows, labels, y), spent = 0;
        while (spent < 100)
        {
            IEnumerable<int> order;
            if (useQueue)
            {
                var p = ConfidentLearning.OutOfSample(learner, x, rows, labels, k, 5, (ulong)(seed * 1000 + spent));
                order = ConfidentLearning.Find(labels, p, k).Select(f => f.Index).Where(i => !relabeled.Contains(i))
                    .Concat(Enumerable.Range(0, rows.Length).Where(i => !relabeled.Contains(i)).OrderBy(_ => rng.Next()));
            }
            else order = Enumerable.Range(0, rows.Length).Where(i => !relabeled.Contains(i)).OrderBy(_ => rng.Next());
            foreach (var i in order.Take(25).ToList())
            {
                relabeled.Add(i);
                labels[i] = Noisy(rng, y[rows[i]], k, 0.9);   // the relabel's answer replaces the label
                spent++;
            }
        }
        return (wrongBefore - Wrong(rows, labels, y)) / (double)spent;
    }

    private static int Wrong(int[] rows, int[] labels, int[] y) => Enumerable.Range(0, rows.Length).Count(i => labels[i] != y[rows[i]]);

    private static (double Accuracy, int Relabels) Budget(SparseMatrix x, int[] y, SparseMatrix xt, int[] yt, int k, int seed, string policy, double accuracy)
    {
        var rng = new Random(seed);
        var order = Enumerable.Range(0, x.Rows).OrderBy(_ => rng.Next()).ToArray();
        var rows = order.Take(500).ToList();
        var labels = rows.Select(r => Noisy(rng, y[r], k, accuracy)).ToList();
        var next = 500;
        var learner = new LogisticRegression();
        var relabeled = new HashSet<int>();
        var relabels = 0;
        for (var spent = 0; spent < 500; spent += 50)
        {
            var found = policy == "new" ? [] : ConfidentLearning.Find(labels, ConfidentLearning.OutOfSample(learner, x, [.. rows], [.. labels], k, 5, (ulong)(seed * 1000 + spent)), k)
                .Where(f => !relabeled.Contains(f.Index)).ToList();
            var noise = Math.Min(0.49, found.Count / (double)rows.Count);
            var queue = new Queue<LikelyMislabeled>(found);
            for (var a = 0; a < 50; a++)
            {
                var relabel = policy switch
                {
                    "relabel" => true,
                    "value" => queue.Count > 0 && RelabelValue.Relabel(queue.Peek().Wrong, accuracy, noise) > RelabelValue.New(noise),
                    _ => false,
                };
                if (relabel)
                {
                    // Always-relabel falls back to a random labeled item once the queue is empty.
                    var i = queue.Count > 0 ? queue.Dequeue().Index : Enumerable.Range(0, rows.Count).Where(j => !relabeled.Contains(j)).OrderBy(_ => rng.Next()).First();
                    relabeled.Add(i);
                    // A second opinion: a third annotator breaks the tie when the two disagree (counted as one more action).
                    var second = Noisy(rng, y[rows[i]], k, accuracy);
                    if (second != labels[i])
                    {
                        var third = Noisy(rng, y[rows[i]], k, accuracy);
                        labels[i] = third == second ? second : third == labels[i] ? labels[i] : second;
                        a++;
                    }
                    relabels++;
                }
                else
                {
                    rows.Add(order[next]);
                    labels.Add(Noisy(rng, y[order[next]], k, accuracy));
                    next++;
                }
            }
        }
        var model = learner.Fit(new TrainingSet(x, [.. rows], [.. labels], k));
        var p = new float[xt.Rows * k];
        model.PredictProba(xt, Enumerable.Range(0, xt.Rows).ToArray(), p);
        return (Classification.Accuracy(yt, Classification.ArgMax(p, k)), relabels);
    }

    private static int ArgInt(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string ArgString(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
