using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sift.Cli.Data;
using Sift.Evidence;
using Sift.Quality;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift agreement</c>: inter-annotator agreement and Dawid–Skene aggregation of a server export or a simple
/// annotations file (docs/quality.md). When the export carries gold labels (an admin's export), also the accuracy
/// against gold of each annotator, the majority vote and Dawid–Skene. Prints the measures; with <c>--out</c> also
/// writes agreement.json and labels.jsonl.
/// </summary>
internal static class AgreementCommand
{
    /// <summary>Pairs printed before the rest is left to agreement.json.</summary>
    private const int MaxPrintedPairs = 45;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Argument<string>("annotations") { Description = "JSONL: a Sift export (GET …/export?format=jsonl) or one {\"item\", \"annotator\", \"label\"} object per line." };
        var format = new Option<string>("--format") { Description = "'auto' (decided by the first line), 'export' or 'simple'.", DefaultValueFactory = _ => "auto" };
        var model = new Option<string>("--model") { Description = "Dawid–Skene annotator model: 'confusion' (a confusion matrix per annotator) or 'one-coin' (one accuracy each; steadier with few annotators or spammers).", DefaultValueFactory = _ => "confusion" };
        var smoothing = new Option<double>("--smoothing") { Description = "Dawid–Skene pseudo-count added to every confusion cell and class count.", DefaultValueFactory = _ => new DawidSkeneOptions().Smoothing };
        var maxIterations = new Option<int>("--max-iterations") { Description = "Dawid–Skene EM iteration cap.", DefaultValueFactory = _ => new DawidSkeneOptions().MaxIterations };
        var output = new Option<string?>("--out", "-o") { Description = "Directory for agreement.json (the full report) and labels.jsonl (per item: majority, Dawid–Skene label, posterior)." };
        var command = new Command("agreement", "Inter-annotator agreement (percent, Cohen's κ per pair, Fleiss' κ, Krippendorff's α) and Dawid–Skene labels with per-annotator accuracy.")
        {
            input, format, model, smoothing, maxIterations, output,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(input)!;
            var shape = parse.GetValue(format)!.ToLowerInvariant() switch
            {
                "auto" => AnnotationFileShape.Auto,
                "export" => AnnotationFileShape.Export,
                "simple" => AnnotationFileShape.Simple,
                var other => throw new ConfigurationException($"--format must be 'auto', 'export' or 'simple', not '{other}'."),
            };
            var options = new DawidSkeneOptions
            {
                Model = parse.GetValue(model)!.ToLowerInvariant() switch
                {
                    "confusion" => DawidSkeneModel.ConfusionMatrix,
                    "one-coin" => DawidSkeneModel.OneCoin,
                    var other => throw new ConfigurationException($"--model must be 'confusion' or 'one-coin', not '{other}'."),
                },
                Smoothing = parse.GetValue(smoothing),
                MaxIterations = parse.GetValue(maxIterations),
            };
            options.Validate();

            AnnotationFile file;
            using (var stream = DatasetFiles.Open(path))
            {
                try
                {
                    file = AnnotationFileReader.Read(stream, path, shape);
                }
                catch (IOException e)
                {
                    throw new SiftException($"cannot read {path}: {e.Message}", e);
                }
            }
            var (report, items) = Analyze(file, path, options);
            var writer = parse.InvocationConfiguration.Output;
            Print(writer, report);
            if (parse.GetValue(output) is { } directory)
            {
                Write(directory, report, items);
                writer.WriteLine();
                writer.WriteLine($"wrote {Path.Combine(directory, "agreement.json")} and {Path.Combine(directory, "labels.jsonl")}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Computes the report and the per-item labels.</summary>
    public static (AgreementReport Report, IReadOnlyList<ItemLabels> Items) Analyze(AnnotationFile file, string source, DawidSkeneOptions options)
    {
        var table = file.Table;
        var names = table.AnnotatorNames;
        var labels = table.CategoryNames;
        var summary = Agreement.Summarize(table);
        var ds = DawidSkene.Fit(table, options);
        var majority = MajorityVote.Labels(table);

        var (withMajority, differs, ties) = MajorityVote.Compare(table, majority, ds.Labels);
        var items = new List<ItemLabels>(table.Items);
        for (var i = 0; i < table.Items; i++)
        {
            var rated = table.RatingsOf(i) > 0;
            var posterior = ds.Posterior(i).ToArray();
            items.Add(new ItemLabels(
                table.ItemIds[i], table.RatingsOf(i),
                majority[i] == MajorityVote.NoLabel ? null : labels[majority[i]],
                rated ? labels[ds.Labels[i]] : null,
                rated ? Enumerable.Range(0, labels.Count).ToDictionary(c => labels[c], c => posterior[c]) : null,
                file.Gold.GetValueOrDefault(table.ItemIds[i])));
        }

        var annotators = summary.PerAnnotator.Select(a => new AnnotatorReport(
            names[a.Annotator], a.Ratings, a.Compared, a.Agreement, ds.Accuracy(a.Annotator), ds.ExpectedCorrect(a.Annotator),
            Enumerable.Range(0, labels.Count).ToDictionary(c => labels[c],
                c => (IReadOnlyDictionary<string, double>)Enumerable.Range(0, labels.Count).ToDictionary(k => labels[k], k => ds.Confusion(a.Annotator, c, k)))))
            .ToList();
        var report = new AgreementReport(
            source,
            file.Shape == AnnotationFileShape.Export ? "export" : "simple",
            new ReportCounts(summary.Items, summary.RatedItems, summary.PairableItems, summary.Annotators, summary.Ratings, file.Replaced),
            labels,
            new AgreementMeasures(summary.PercentAgreement, summary.FleissKappa, summary.KrippendorffAlpha,
                summary.Pairs.Select(p => new PairReport(names[p.First], names[p.Second], p.SharedItems, p.PercentAgreement, p.Kappa)).ToList()),
            annotators,
            new DawidSkeneReport(
                options.Model == DawidSkeneModel.OneCoin ? "one-coin" : "confusion", options.Smoothing, ds.Iterations, ds.Converged, ds.LogLikelihood,
                Enumerable.Range(0, labels.Count).ToDictionary(c => labels[c], c => ds.Priors[c]),
                withMajority, differs, ties),
            file.Gold.Count == 0 ? null : Gold(GoldAccuracy.Compare(table, file.Gold, majority, ds.Labels), names));
        return (report, items);
    }

    private static GoldReport Gold(GoldComparison g, IReadOnlyList<string> names) => new(
        g.GoldItems, g.RatedGoldItems,
        g.Annotators.Select(a => new GoldAnnotatorReport(names[a.Annotator], a.Score.Items, a.Score.Correct, a.Score.Accuracy)).ToList(),
        Score(g.Majority), g.MajorityTies, Score(g.DawidSkene), Score(g.DawidSkeneOnMajorityItems));

    private static GoldScoreReport Score(GoldScore s) => new(s.Items, s.Correct, s.Accuracy);

    /// <summary>Prints the report for people.</summary>
    public static void Print(TextWriter w, AgreementReport r)
    {
        var n = r.Counts;
        w.WriteLine($"{r.Source} ({(r.Shape == "export" ? "Sift export" : "annotation lines")}): {n.Items} items ({n.RatedItems} rated, {n.PairableItems} with 2+ ratings), " +
            $"{n.Annotators} annotators, {n.Ratings} ratings, {r.Labels.Count} labels: {string.Join(", ", r.Labels.Select(Show))}");
        if (n.ReplacedRatings > 0) w.WriteLine($"{n.ReplacedRatings} repeated ratings (same item and annotator): the later one counts");
        if (n.Ratings == 0)
        {
            w.WriteLine("no ratings: nothing to measure");
            return;
        }

        w.WriteLine();
        w.WriteLine("agreement (items with 2+ ratings; n/a = undefined, e.g. a single label used)");
        w.WriteLine($"  observed (share of agreeing pairs)  {F(r.Agreement.PercentAgreement)}");
        w.WriteLine($"  Fleiss' κ                           {F(r.Agreement.FleissKappa)}");
        w.WriteLine($"  Krippendorff's α (nominal)          {F(r.Agreement.KrippendorffAlpha)}");

        var pairs = r.Agreement.Pairs;
        if (pairs.Count > 0)
        {
            var width = Math.Max(20, pairs.Max(p => p.First.Length + p.Second.Length + 3));
            w.WriteLine();
            w.WriteLine($"  {"Cohen's κ by pair".PadRight(width)}  shared  agree      κ");
            foreach (var p in pairs.Take(MaxPrintedPairs))
                w.WriteLine($"  {(p.First + " · " + p.Second).PadRight(width)}  {p.SharedItems,6}  {F(p.PercentAgreement)}  {F(p.CohenKappa),5}");
            if (pairs.Count > MaxPrintedPairs) w.WriteLine($"  … and {pairs.Count - MaxPrintedPairs} more pairs (all in agreement.json with --out)");
        }

        var ds = r.DawidSkene;
        var nameWidth = Math.Max(9, r.Annotators.Max(a => a.Name.Length));
        w.WriteLine();
        w.WriteLine($"  {"annotator".PadRight(nameWidth)}  ratings  agrees with others' majority  Dawid–Skene accuracy");
        foreach (var a in r.Annotators)
        {
            var versus = a.AgreementWithMajority is null ? "n/a" : $"{F(a.AgreementWithMajority)} of {a.ComparedWithMajority}";
            w.WriteLine($"  {a.Name.PadRight(nameWidth)}  {a.Ratings,7}  {versus,28}  {F(a.EstimatedAccuracy),20}");
        }

        w.WriteLine();
        var state = ds.Converged ? $"converged after {ds.Iterations} iterations" : $"stopped at the cap of {ds.Iterations} iterations without converging";
        w.WriteLine($"Dawid–Skene ({ds.Model}, smoothing {ds.Smoothing.ToString("0.###", CultureInfo.InvariantCulture)}): {state}, " +
            $"log-likelihood {ds.LogLikelihood.ToString("0.00", CultureInfo.InvariantCulture)}");
        w.WriteLine($"  class priors: {string.Join(", ", ds.ClassPriors.Select(p => $"{Show(p.Key)} {F(p.Value)}"))}");
        w.WriteLine($"  its label differs from the majority label on {ds.DiffersFromMajority} of {ds.ItemsWithMajority} items; " +
            $"{ds.MajorityTies} rated items have a tied majority (Dawid–Skene labels them)");
        if (r.Gold is { } gold) PrintGold(w, gold);
    }

    private static void PrintGold(TextWriter w, GoldReport g)
    {
        w.WriteLine();
        w.WriteLine($"accuracy against gold labels: {g.Items} gold items, {g.RatedItems} of them rated (gold labels only measure; the fit does not use them)");
        if (g.RatedItems == 0) return;
        var width = Math.Max(13, g.Annotators.Max(a => a.Name.Length));
        w.WriteLine($"  {"".PadRight(width)}  items  correct  accuracy");
        foreach (var a in g.Annotators) w.WriteLine($"  {a.Name.PadRight(width)}  {a.Items,5}  {a.Correct,7}  {F(a.Accuracy),8}");
        var ties = g.MajorityTies == 0 ? "" : $"   ({g.MajorityTies} tied {(g.MajorityTies == 1 ? "item" : "items")} left out)";
        w.WriteLine($"  {"majority vote".PadRight(width)}  {g.Majority.Items,5}  {g.Majority.Correct,7}  {F(g.Majority.Accuracy),8}{ties}");
        var same = g.MajorityTies == 0 ? "" : $"   ({F(g.DawidSkeneOnMajorityItems.Accuracy)} on the majority's {g.DawidSkeneOnMajorityItems.Items} items)";
        w.WriteLine($"  {"Dawid–Skene".PadRight(width)}  {g.DawidSkene.Items,5}  {g.DawidSkene.Correct,7}  {F(g.DawidSkene.Accuracy),8}{same}");
    }

    /// <summary>Writes agreement.json and labels.jsonl into <paramref name="directory"/> (created if needed).</summary>
    public static void Write(string directory, AgreementReport report, IReadOnlyList<ItemLabels> items)
    {
        Directory.CreateDirectory(directory);
        ResultWriter.WriteAtomically(Path.Combine(directory, "agreement.json"), JsonSerializer.Serialize(report, SiftJson.Indented) + "\n");
        var lines = new StringBuilder();
        foreach (var item in items) lines.Append(JsonSerializer.Serialize(item, SiftJson.Compact)).Append('\n');
        ResultWriter.WriteAtomically(Path.Combine(directory, "labels.jsonl"), lines.ToString());
    }

    private static string F(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A label as shown to people: a multi-label answer with no labels is the empty string.</summary>
    private static string Show(string label) => label.Length == 0 ? "(none)" : label;
}

/// <summary>agreement.json (<c>gold</c> is null when the file has no gold labels).</summary>
internal sealed record AgreementReport(
    string Source, string Shape, ReportCounts Counts, IReadOnlyList<string> Labels, AgreementMeasures Agreement,
    IReadOnlyList<AnnotatorReport> Annotators, DawidSkeneReport DawidSkene, GoldReport? Gold);

/// <summary>What was read.</summary>
internal sealed record ReportCounts(int Items, int RatedItems, int PairableItems, int Annotators, int Ratings, int ReplacedRatings);

/// <summary>The agreement measures (null: undefined).</summary>
internal sealed record AgreementMeasures(double? PercentAgreement, double? FleissKappa, double? KrippendorffAlpha, IReadOnlyList<PairReport> Pairs);

/// <summary>One pair of annotators.</summary>
internal sealed record PairReport(string First, string Second, int SharedItems, double? PercentAgreement, double? CohenKappa);

/// <summary>One annotator: agreement with the others and the Dawid–Skene estimates (confusion: true label → answer → probability).</summary>
internal sealed record AnnotatorReport(
    string Name, int Ratings, int ComparedWithMajority, double? AgreementWithMajority, double EstimatedAccuracy, double? ExpectedCorrect,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Confusion);

/// <summary>The Dawid–Skene fit and how its labels compare with the majority vote.</summary>
internal sealed record DawidSkeneReport(
    string Model, double Smoothing, int Iterations, bool Converged, double LogLikelihood, IReadOnlyDictionary<string, double> ClassPriors,
    int ItemsWithMajority, int DiffersFromMajority, int MajorityTies);

/// <summary>
/// Accuracy against gold labels: each annotator on the gold items they rated, the majority vote on the rated gold items
/// it labels (ties left out and counted), Dawid–Skene on every rated gold item and on the majority's items.
/// </summary>
internal sealed record GoldReport(
    int Items, int RatedItems, IReadOnlyList<GoldAnnotatorReport> Annotators, GoldScoreReport Majority, int MajorityTies,
    GoldScoreReport DawidSkene, GoldScoreReport DawidSkeneOnMajorityItems);

/// <summary>One annotator against gold (accuracy null when they rated no gold item).</summary>
internal sealed record GoldAnnotatorReport(string Name, int Items, int Correct, double? Accuracy);

/// <summary>Correct out of items measured (accuracy null when none).</summary>
internal sealed record GoldScoreReport(int Items, int Correct, double? Accuracy);

/// <summary>
/// One line of labels.jsonl; labels and posterior are null for an item without ratings (majority also on a tie), gold
/// when the item has no gold label.
/// </summary>
internal sealed record ItemLabels(string Item, int Ratings, string? Majority, string? DawidSkene, IReadOnlyDictionary<string, double>? Posterior, string? Gold);
