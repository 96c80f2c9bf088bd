using System.Diagnostics;
using System.Text.Json;
using Sift.Features;
using Sift.Learners;

static (List<string> Text, List<string> Label) Load(string path)
{
    var t = new List<string>(); var l = new List<string>();
    foreach (var line in File.ReadLines(path))
    {
        using var doc = JsonDocument.Parse(line);
        t.Add(doc.RootElement.GetProperty("text").GetString()!);
        l.Add(doc.RootElement.GetProperty("label").ToString());
    }
    return (t, l);
}

var name = args.Length > 0 ? args[0] : "ag-news";
var dir = Path.Combine("..", "shared", "datasets", name);
var train = Load(Path.Combine(dir, "train.jsonl"));
var test = Load(Path.Combine(dir, "test.jsonl"));
var classes = train.Label.Distinct().Order(StringComparer.Ordinal).ToList();
var sw = Stopwatch.StartNew();
var (vec, x) = TfidfVectorizer.FitTransform(train.Text);
var xt = vec.Transform(test.Text);
Console.WriteLine($"tfidf {sw.Elapsed.TotalSeconds:F2}s features={vec.FeatureCount} nnz={x.StoredCount}");
var y = train.Label.Select(l => classes.IndexOf(l)).ToArray();
var yt = test.Label.Select(l => classes.IndexOf(l)).ToArray();
var lr = new LogisticRegression();
sw.Restart();
var model = (LogisticRegressionModel)lr.Fit(new TrainingSet(x, Enumerable.Range(0, x.Rows).ToArray(), y, classes.Count));
Console.WriteLine($"fit {sw.Elapsed.TotalSeconds:F2}s {model.Solver}");
var p = new float[xt.Rows * classes.Count];
model.PredictProba(xt, Enumerable.Range(0, xt.Rows).ToArray(), p);
var correct = 0;
for (var i = 0; i < xt.Rows; i++)
{
    var best = 0;
    for (var c = 1; c < classes.Count; c++) if (p[i * classes.Count + c] > p[i * classes.Count + best]) best = c;
    if (best == yt[i]) correct++;
}
Console.WriteLine($"accuracy {(double)correct / xt.Rows:F4}");
{
    var kk = classes.Count;
    var w = new double[x.Columns * kk];
    var rnd = new Random(1); for (var i = 0; i < w.Length; i++) w[i] = rnd.NextDouble();
    var z = new double[kk];
    var sw2 = Stopwatch.StartNew();
    for (var rep = 0; rep < 20; rep++)
        for (var i = 0; i < x.Rows; i++) x.RowTimes(i, w, kk, z);
    Console.WriteLine($"forward per eval {sw2.Elapsed.TotalMilliseconds / 20:F2} ms");
    var g = new double[w.Length];
    var r = new double[kk];
    sw2.Restart();
    for (var rep = 0; rep < 20; rep++)
        for (var i = 0; i < x.Rows; i++) x.AddRowOuter(i, r, g);
    Console.WriteLine($"outer per eval {sw2.Elapsed.TotalMilliseconds / 20:F2} ms");
    var counter = 0;
    sw2.Restart();
    Sift.Learners.Lbfgs.Minimize((th, gr) => { counter++; double f = 0; for (var i = 0; i < th.Length; i++) { f += 0.5 * (i % 7 + 1) * th[i] * th[i]; gr[i] = (i % 7 + 1) * th[i]; } return f; }, w, 100, 1e-9);
    Console.WriteLine($"lbfgs quad {sw2.Elapsed.TotalMilliseconds:F2} ms evals={counter}");
}
