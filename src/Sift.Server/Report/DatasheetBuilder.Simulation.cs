using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Sift.Evidence;
using Sift.Plots;

namespace Sift.Server.Report;

internal static partial class DatasheetBuilder
{
    /// <summary>The strategy name <c>simulate</c> gives its random control.</summary>
    private const string RandomControl = "random";

    /// <summary>One round of a simulated run, as read back from <c>evidence.jsonl</c>.</summary>
    private sealed record Round(string Strategy, long Seed, int Number, int Labels, string Fingerprint, string Learner, string Featurizer,
        double? Accuracy, double? MacroF1, StopRow Stop, IReadOnlyDictionary<string, int> PerClass, IReadOnlyList<Pick> Picks);

    private sealed record Pick(string Id, string Label, string OracleKind, string Oracle, double Money, long Tokens, string? Instructions, string? Template);

    /// <summary>
    /// The datasheet of a <c>simulate</c> run from its <c>evidence.jsonl</c> (and <c>results.json</c> beside it when
    /// present), verified against <paramref name="checkpoints"/>.
    /// </summary>
    /// <exception cref="SiftException">A line is not JSON (names the line).</exception>
    public static Datasheet FromSimulation(string evidencePath, IReadOnlyList<Checkpoint> checkpoints, string scope, DateTimeOffset now)
    {
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var rounds = new List<Round>();
        var imports = new List<ImportRow>();
        var privacy = new List<PrivacyRow>();
        var number = 0L;
        foreach (var line in File.ReadLines(evidencePath))
        {
            number++;
            if (line.Length == 0) continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new SiftException(string.Create(CultureInfo.InvariantCulture, $"{evidencePath}, line {number}: not a JSON object ({e.Message})."), e);
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) continue;
                var kind = Str(root, "kind") ?? "";
                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                var at = Str(root, "at") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : (DateTimeOffset?)null;
                if (kind == "round") rounds.Add(ReadRound(root));
                else if (kind == "import") imports.Add(Import(at, line));
                else if (IsPrivacy(kind)) privacy.Add(new PrivacyRow(number, at, kind, Summarize(line)));
            }
        }
        var verdict = EvidenceChain.Verify(Entries(evidencePath), checkpoints, null, scope);

        JsonElement? results = null;
        var resultsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(evidencePath)) ?? ".", "results.json");
        if (File.Exists(resultsPath))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(resultsPath));
                results = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                results = null;
            }
        }
        var dataset = results is { } r && r.TryGetProperty("dataset", out var d) ? d : (JsonElement?)null;
        var config = results is { } r2 && r2.TryGetProperty("config", out var c) ? c : (JsonElement?)null;

        var pool = new List<Fact>();
        var gaps = new List<string>();
        if (dataset is { } ds)
        {
            pool.Add(new Fact("Candidate pool", N(Int(ds, "pool_size")) + " items"));
            pool.Add(new Fact("Test set (never selected)", N(Int(ds, "test_size")) + " items"));
            if (ds.TryGetProperty("class_names", out var names) && names.ValueKind == JsonValueKind.Array)
                pool.Add(new Fact("Classes", string.Join(", ", names.EnumerateArray().Select(n => n.ToString()))));
            pool.Add(new Fact("Features", N(Int(ds, "features"))));
            foreach (var (name, field) in new[] { ("pool", "train"), ("test", "test") })
            {
                if (Str(ds, field) is not { } file) continue;
                imports.Add(new ImportRow(null, file, Int(ds, name == "pool" ? "pool_size" : "test_size"), 0, name == "test" ? Int(ds, "test_size") : 0,
                    File.Exists(file) ? FileHash(file) : null));
            }
            gaps.Add("The data files' hashes were not recorded when the simulation ran: the SHA-256 shown is of each file as it is now, or missing when the file is gone.");
        }
        else
        {
            gaps.Add("No results.json beside the evidence: the pool's size and source are not known.");
        }
        if (config is { } cfg)
        {
            pool.Add(new Fact("Learner", Str(cfg, "learner") ?? ""));
            pool.Add(new Fact("Seed set, batch, budget", string.Create(CultureInfo.InvariantCulture, $"{Int(cfg, "seed_size"):N0}, {Int(cfg, "batch"):N0}, {Int(cfg, "budget"):N0}")));
            pool.Add(new Fact("Seeds", N(Int(cfg, "seeds"))));
            pool.Add(new Fact("Stopping rule", Str(cfg, "stop") ?? ""));
        }

        var runs = rounds.GroupBy(x => (x.Strategy, x.Seed)).OrderBy(g => g.Key.Strategy == RandomControl ? 0 : 1).ThenBy(g => g.Key.Strategy, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Seed).Select(g => g.OrderBy(x => x.Number).ToList()).ToList();

        var acquisition = runs.Select(run => new AcquisitionRow(
            string.Create(CultureInfo.InvariantCulture, $"{run[0].Strategy}, seed {run[0].Seed}"),
            string.Create(CultureInfo.InvariantCulture, $"round 0 at {run[0].Labels:N0} labels; {run.Count:N0} rounds"),
            run[0].Strategy,
            string.Join(", ", run.Select(x => x.Picks.Count).Where(n => n > 0).Distinct().Select(n => N(n))),
            $"{run[0].Learner} on {run[0].Featurizer}; last {run[^1].Fingerprint}",
            run[0].Strategy == RandomControl ? 0 : run.Sum(x => x.Picks.Count),
            run[0].Strategy == RandomControl ? run.Sum(x => x.Picks.Count) : 0)).ToList();

        var picks = rounds.SelectMany(x => x.Picks).ToList();
        var shares = picks.GroupBy(p => (p.OracleKind, p.Oracle)).OrderByDescending(g => g.Count()).Select(g => new OracleShareRow(
            g.Key.OracleKind, g.Key.Oracle, g.Count(), picks.Count == 0 ? 0 : (double)g.Count() / picks.Count, g.Sum(p => p.Money), g.Sum(p => p.Tokens))).ToList();
        var instructions = picks.Where(p => p.Instructions is not null).GroupBy(p => p.Instructions!, StringComparer.Ordinal)
            .Select(g => new InstructionRow("instructions", "v" + g.Key, g.Count(), null))
            .Concat(picks.Where(p => p.Template is not null).GroupBy(p => p.Template!, StringComparer.Ordinal)
                .Select(g => new InstructionRow("prompt template", g.Key, g.Count(), null))).ToList();
        if (instructions.Count == 0)
            gaps.Add("No instructions or prompt template is recorded: the answers came from " + string.Join(", ", shares.Select(s => s.Name)) + ", which follows none.");

        // Learning curves: mean, min and max over seeds at each label count, per strategy.
        var curve = new List<CurveRow>();
        var series = new List<CurveSeries>();
        foreach (var strategy in runs.Select(run => run[0].Strategy).Distinct(StringComparer.Ordinal))
        {
            var points = rounds.Where(x => x.Strategy == strategy && x.Accuracy is not null).GroupBy(x => x.Labels).OrderBy(g => g.Key).ToList();
            if (points.Count == 0) continue;
            series.Add(new CurveSeries(strategy, [.. points.Select(g => (double)g.Key)], [.. points.Select(g => g.Average(x => x.Accuracy!.Value))],
                [.. points.Select(g => g.Min(x => x.Accuracy!.Value))], [.. points.Select(g => g.Max(x => x.Accuracy!.Value))]));
            curve.AddRange(points.Select(g => new CurveRow(strategy, g.Key, g.Average(x => x.Accuracy!.Value),
                g.All(x => x.MacroF1 is not null) ? g.Average(x => x.MacroF1!.Value) : null, null)));
        }
        var ceiling = results is { } r3 && r3.TryGetProperty("full_data", out var full) && full.TryGetProperty("accuracy", out var acc) && acc.ValueKind == JsonValueKind.Number ? acc.GetDouble() : (double?)null;
        var labelsSvg = series.Count == 0 ? null : LearningCurveSvg.Render(series, ceiling, "full data", Chart("labels"));
        var money = picks.Sum(p => p.Money);
        string? moneySvg = null;
        if (money > 0)
        {
            var moneySeries = new List<CurveSeries>();
            foreach (var strategy in runs.Select(run => run[0].Strategy).Distinct(StringComparer.Ordinal))
            {
                // Money spent before each round's model, averaged over seeds at each round number.
                var byRound = runs.Where(run => run[0].Strategy == strategy).SelectMany(run =>
                {
                    var spent = 0.0;
                    return run.Select(x => { var point = (x.Number, Spent: spent, x.Accuracy); spent += x.Picks.Sum(p => p.Money); return point; });
                }).Where(p => p.Accuracy is not null).GroupBy(p => p.Number).OrderBy(g => g.Key).ToList();
                var xs = byRound.Select(g => g.Average(p => p.Spent)).ToList();
                var ys = byRound.Select(g => g.Average(p => p.Accuracy!.Value)).ToList();
                moneySeries.Add(new CurveSeries(strategy, xs, ys, ys, ys));
            }
            moneySvg = LearningCurveSvg.Render(moneySeries, ceiling, "full data", Chart("money spent"));
        }
        else
        {
            gaps.Add("No money was recorded for any answer (the simulated oracle costs nothing), so there is no learning curve by money.");
        }

        var lift = Lifts(runs);
        var subgroups = SimulationSubgroups(runs);
        gaps.Add("Accuracy per subgroup is not recorded: each round stores the test set's overall accuracy and macro-F1 only. Item groups and metadata are not in a simulation's evidence, so the subgroups here are label classes only.");
        gaps.Add("A simulation replays gold labels: agreement between annotators and Dawid–Skene accuracies do not apply.");
        if (checkpoints.Count == 0) gaps.Add("No signed checkpoint beside the evidence: a cut tail or a consistent rewrite of the whole chain cannot be ruled out.");
        if (privacy.Count == 0) gaps.Add("No redaction recorded: the simulation read its texts as given.");

        var title = dataset is { } ds2 && Str(ds2, "train") is { } train ? Path.GetFileName(train) : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(evidencePath))) ?? "simulation";
        return new Datasheet
        {
            Title = title,
            Source = "simulation",
            GeneratedAt = now,
            Pool = pool,
            Imports = imports,
            Acquisition = acquisition,
            OracleShares = shares,
            Instructions = instructions,
            LabelsCurveSvg = labelsSvg,
            MoneyCurveSvg = moneySvg,
            Curve = curve,
            Lift = lift,
            LiftNote = lift.Count == 0 ? "no strategy ran beside the random control" : "final test accuracy, paired by seed with the random control",
            SubgroupRule = SimulationBlindSpotRule,
            Subgroups = subgroups,
            Stopping = [.. runs.Select(run => run[^1].Stop)],
            Privacy = privacy,
            Verification = new ChainRow(verdict.Intact, verdict.Entries, verdict.Head, verdict.Problem?.Message, checkpoints.Count, verdict.CheckpointsMatched,
                [.. checkpoints.Select(cp => cp.KeyId).Distinct(StringComparer.Ordinal)], checkpoints.Count > 0),
            Gaps = gaps,
            EventKinds = kinds,
        };
    }

    private static ChartOptions Chart(string x) => new() { Markers = true, Width = 720, Height = 420, Title = "", XLabel = x, YLabel = "test accuracy" };

    private static IEnumerable<(long Line, ChainEntry? Entry)> Entries(string path)
    {
        var number = 0L;
        foreach (var line in File.ReadLines(path)) yield return (++number, EvidenceChain.ParseLine(line));
    }

    private static string FileHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static Round ReadRound(JsonElement root)
    {
        var run = root.TryGetProperty("run", out var r) ? r : default;
        var strategy = run.ValueKind == JsonValueKind.Object ? Str(run, "strategy") ?? "" : "";
        var seed = run.ValueKind == JsonValueKind.Object && run.TryGetProperty("seed", out var s) && s.TryGetInt64(out var sv) ? sv : 0;
        double? Metric(string name) => root.TryGetProperty("metrics", out var m) && m.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        var stopping = root.TryGetProperty("stopping", out var st) ? st : default;
        var stop = stopping.ValueKind == JsonValueKind.Object
            ? new StopRow(string.Create(CultureInfo.InvariantCulture, $"{strategy}, seed {seed}"), stopping.TryGetProperty("stop", out var sb) && sb.ValueKind == JsonValueKind.True,
                Str(stopping, "rule") ?? "", Str(stopping, "reason") ?? "")
            : new StopRow(strategy, false, "", "");
        var perClass = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("labels_per_class", out var lpc) && lpc.ValueKind == JsonValueKind.Object)
            foreach (var p in lpc.EnumerateObject()) perClass[p.Name] = p.Value.TryGetInt32(out var n) ? n : 0;
        var picks = new List<Pick>();
        if (root.TryGetProperty("selected", out var selected) && selected.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in selected.EnumerateArray())
            {
                var provenance = item.TryGetProperty("provenance", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
                var cost = provenance.ValueKind == JsonValueKind.Object && provenance.TryGetProperty("cost", out var cst) && cst.ValueKind == JsonValueKind.Object ? cst : default;
                double Num(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
                var instructions = provenance.ValueKind == JsonValueKind.Object && provenance.TryGetProperty("instructions_version", out var iv) && iv.ValueKind == JsonValueKind.Number
                    ? iv.GetRawText() : null;
                picks.Add(new Pick(Str(item, "id") ?? "", Str(item, "label") ?? "",
                    provenance.ValueKind == JsonValueKind.Object ? Str(provenance, "kind") ?? "" : "",
                    provenance.ValueKind == JsonValueKind.Object ? Str(provenance, "name") ?? "" : Str(item, "oracle") ?? "",
                    Num(cost, "money"), (long)(Num(cost, "input_tokens") + Num(cost, "output_tokens")), instructions,
                    provenance.ValueKind == JsonValueKind.Object ? Str(provenance, "prompt_template") : null));
            }
        }
        return new Round(strategy, seed, Int(root, "round"), Int(root, "labels"), Str(root, "model_fingerprint") ?? "", Str(root, "learner") ?? "",
            Str(root, "featurizer") ?? "", Metric("test_accuracy"), Metric("test_macro_f1"), stop, perClass, picks);
    }

    /// <summary>
    /// Each strategy's final test accuracy minus the random control's, paired by seed: the mean difference and a 95%
    /// Student-t interval over seeds (none with one seed).
    /// </summary>
    private static List<LiftRow> Lifts(List<List<Round>> runs)
    {
        var control = runs.Where(run => run[0].Strategy == RandomControl && run[^1].Accuracy is not null).ToDictionary(run => run[0].Seed, run => run[^1]);
        var rows = new List<LiftRow>();
        foreach (var group in runs.Where(run => run[0].Strategy != RandomControl).GroupBy(run => run[0].Strategy, StringComparer.Ordinal))
        {
            var pairs = group.Where(run => run[^1].Accuracy is not null && control.ContainsKey(run[0].Seed))
                .Select(run => (Active: run[^1], Random: control[run[0].Seed])).ToList();
            if (pairs.Count == 0) continue;
            var differences = pairs.Select(p => p.Active.Accuracy!.Value - p.Random.Accuracy!.Value).ToList();
            var mean = differences.Average();
            double? low = null, high = null;
            if (differences.Count > 1)
            {
                var sd = Math.Sqrt(differences.Sum(x => (x - mean) * (x - mean)) / (differences.Count - 1));
                var half = StudentT975(differences.Count - 1) * sd / Math.Sqrt(differences.Count);
                (low, high) = (mean - half, mean + half);
            }
            rows.Add(new LiftRow(group.Key, (int)Math.Round(pairs.Average(p => p.Active.Labels)), pairs.Average(p => p.Active.Accuracy!.Value),
                pairs.Average(p => p.Random.Accuracy!.Value), mean, low, high,
                string.Create(CultureInfo.InvariantCulture, $"final test accuracy, paired by seed ({pairs.Count} seed(s)); 95% Student-t interval over seeds")));
        }
        return rows;
    }

    /// <summary>The 0.975 quantile of Student's t with <paramref name="df"/> degrees of freedom (table to 10; beyond, 1.96 + 2.4/df, within 0.01).</summary>
    internal static double StudentT975(int df) => df switch
    {
        1 => 12.706, 2 => 4.303, 3 => 3.182, 4 => 2.776, 5 => 2.571, 6 => 2.447, 7 => 2.365, 8 => 2.306, 9 => 2.262, 10 => 2.228,
        _ => 1.96 + 2.4 / df,
    };

    /// <summary>Label classes per strategy: its picks' share of each class against the random control's (the pool estimate).</summary>
    private static List<SubgroupRow> SimulationSubgroups(List<List<Round>> runs)
    {
        var controlPicks = runs.Where(run => run[0].Strategy == RandomControl).SelectMany(run => run.SelectMany(x => x.Picks)).ToList();
        var labels = runs.SelectMany(run => run.SelectMany(x => x.Picks.Select(p => p.Label)).Concat(run[^1].PerClass.Keys))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rows = new List<SubgroupRow>();
        foreach (var group in runs.GroupBy(run => run[0].Strategy, StringComparer.Ordinal).OrderBy(g => g.Key == RandomControl ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            var isControl = group.Key == RandomControl;
            var strategyPicks = isControl ? [] : group.SelectMany(run => run.SelectMany(x => x.Picks)).ToList();
            foreach (var label in labels)
            {
                var inControl = controlPicks.Count(p => p.Label == label);
                double? poolShare = controlPicks.Count == 0 ? null : (double)inControl / controlPicks.Count;
                var byStrategy = strategyPicks.Count(p => p.Label == label);
                double? strategyShare = strategyPicks.Count == 0 ? null : (double)byStrategy / strategyPicks.Count;
                rows.Add(new SubgroupRow("label · " + group.Key, label, inControl, poolShare, byStrategy, strategyShare, isControl ? inControl : 0,
                    group.Sum(run => run[^1].PerClass.GetValueOrDefault(label)), 0, 0,
                    !isControl && IsBlindSpot(inControl, poolShare, strategyShare, strategyPicks.Count)));
            }
        }
        return rows;
    }
}
