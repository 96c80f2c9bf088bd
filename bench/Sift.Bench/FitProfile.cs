using System.Diagnostics;
using Sift.Features;
using Sift.Learners;

namespace Sift.Bench;

/// <summary>Where a refit's time goes: building the problem, one objective evaluation, the solve, the model.</summary>
internal static class FitProfile
{
    public static void Run(string name, int labels)
    {
        var train = BenchApp.Load(name, "train");
        var classes = train.Labels.ToList();
        var y = train.Items.Select(i => classes.IndexOf(i.Label!)).ToArray();
        var (_, x) = TfidfVectorizer.FitTransform(train.Items.Select(i => i.Text).ToList());
        var order = Enumerable.Range(0, x.Rows).ToArray();
        new Random(7).Shuffle(order);
        var rows = order.Take(labels).ToArray();
        var data = new TrainingSet(x, rows, rows.Select(i => y[i]).ToArray(), classes.Count);
        var options = new LogisticRegressionOptions();
        for (var rep = 0; rep < 2; rep++)
        {
            var sw = Stopwatch.StartNew();
            var (objective, dim) = LogisticRegression.CreateObjective(data, options);
            var build = sw.Elapsed.TotalMilliseconds;
            var theta = new double[dim];
            var g = new double[dim];
            sw.Restart();
            for (var i = 0; i < 5; i++) objective(theta, g);
            var eval = sw.Elapsed.TotalMilliseconds / 5;
            var evaluations = 0;
            sw.Restart();
            var result = Lbfgs.Minimize((t, gr) => { evaluations++; return objective(t, gr); }, theta, options.MaxIterations, options.Tolerance);
            var solve = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var model = new LogisticRegression().Fit(data);
            var fit = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"{name} @ {labels}: {dim:N0} parameters; build {build:0} ms; one evaluation {eval:0.0} ms; cold solve {solve:0} ms ({result.Iterations} iterations, {evaluations} evaluations, {(solve - evaluations * eval) / Math.Max(1, result.Iterations):0.0} ms/iteration outside evaluations); whole Fit {fit:0} ms");
        }
    }
}
