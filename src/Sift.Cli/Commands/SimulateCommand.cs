using System.CommandLine;
using System.Globalization;
using Sift.Cli.Data;
using Sift.Cli.Demo;
using Sift.Data;
using Sift.Evidence;
using Sift.Features;
using Sift.Learners;
using Sift.Llm;
using Sift.Loop;
using Sift.Embeddings;
using Sift.Items;
using Sift.Oracles;
using Sift.Plots;
using Sift.Preferences;
using Sift.Routing;
using Sift.Simulation;
using Sift.Simulation.Routing;
using Sift.Stopping;
using Sift.Strategies;
using Spectre.Console;

namespace Sift.Cli.Commands;

/// <summary><c>sift simulate</c>: runs the active-learning loop against gold labels and compares strategies with random sampling.</summary>
internal static class SimulateCommand
{
    /// <summary>Short strategy guide shown in <c>--help</c> (measured in docs/benchmarks.md).</summary>
    public const string Guide =
        "Which strategy first? 'margin-kmeans' (uncertain by margin, then one per k-means cluster): the best single strategy or " +
        "within 0.001 AULC of it on trec, sst2 and ag-news. 'margin' is nearly as good and cheapest. Heavily imbalanced classes: " +
        "'least-confidence' or 'egl' (5x fewer labels than random on reuters-r8). Unsure: 'auto' (a bandit; above random on all " +
        "five data sets and within 0.010 AULC of the best). Avoid 'qbc-kl'/'bald', pure 'coreset'/'kmeans'/'density' and 'eer' on text. " +
        "Features (default tfidf+minilm: TF-IDF beside a pretrained sentence encoder; 'sift embed' caches its vectors): with margin-kmeans " +
        "it needed 7.6-11.8x fewer labels than random sampling on TF-IDF to reach 95% of the TF-IDF ceiling on trec, sms-spam, sst2, ag-news " +
        "and reuters-r8 (trec: 190 labels instead of 1,744). '--features tfidf' is faster per round and suits text that is not natural language. " +
        "Numbers: docs/benchmarks.md. Random always runs as the control.";

    /// <summary>The default features: TF-IDF beside the in-process sentence encoder (docs/benchmarks.md, encoder issue).</summary>
    public const string DefaultFeatures = "tfidf+minilm";

    /// <summary>The default strategy: margin, then k-means representatives among the least certain.</summary>
    public const string DefaultStrategy = "margin-kmeans";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var train = new Option<string?>("--train") { Description = "Pool with gold labels (JSONL or CSV); the simulated oracle answers from it." };
        var test = new Option<string?>("--test") { Description = "Evaluation set (JSONL or CSV); never selectable." };
        var demo = new Option<bool>("--demo") { Description = "Use the SpamAssassin public corpus that ships with sift (6,046 e-mails, split 80/20) instead of --train/--test." };
        var strategy = new Option<string[]>("--strategy", "-s")
        {
            Description = $"Strategy to run (repeatable), or 'all'. Known: {string.Join(", ", StrategyCatalog.Default.All.Select(d => d.Name))}. " +
                $"Decorate any of them: {StrategyCatalog.DecoratorHelp}, e.g. margin+dedup(0.9)+quota(0.2). " +
                $"At most {StrategyCatalog.MaxDecorators} decorators and {StrategyCatalog.MaxSpecLength} characters per spec. " +
                $"Default: {DefaultStrategy} for text items, pair-uncertainty for preference pairs.",
            AllowMultipleArgumentsPerToken = true,
        };
        var seeds = new Option<int>("--seeds") { Description = "Repetitions per strategy, with seeds first-seed, first-seed+1, ….", DefaultValueFactory = _ => 3 };
        var firstSeed = new Option<int>("--first-seed") { Description = "First seed.", DefaultValueFactory = _ => 0 };
        var seedSize = new Option<int>("--seed-size") { Description = "Random seed set size.", DefaultValueFactory = _ => 50 };
        var batch = new Option<int>("--batch") { Description = "Items chosen per round.", DefaultValueFactory = _ => 50 };
        var budget = new Option<int>("--budget") { Description = "Label budget, seed set included.", DefaultValueFactory = _ => 3000 };
        var output = new Option<string>("--out", "-o") { Description = "Output directory.", DefaultValueFactory = _ => "sift-results" };
        var stop = new Option<string[]>("--stop") { Description = $"Extra stopping rule (repeatable; any fires). {StoppingRuleParser.Help}. " +
            $"At most {StoppingRuleParser.MaxSpecLength} characters, any/all nested at most {StoppingRuleParser.MaxDepth} deep.", AllowMultipleArgumentsPerToken = false };
        var validationSize = new Option<int>("--validation-size") { Description = "Pool items set aside for plateau rules (0: 500 when a plateau rule is used).", DefaultValueFactory = _ => 0 };
        var committeeSize = new Option<int>("--committee-size") { Description = "Bootstrap committee size for committee strategies.", DefaultValueFactory = _ => 5 };
        var features = new Option<string?>("--features")
        {
            Description = FeatureSpec.Help + $" Default: {DefaultFeatures} for text items, minilm for preference pairs.",
        };
        var pairFeatures = new Option<string>("--pair-features")
        {
            Description = "Preference pairs: the blocks of the reward model's features φ(prompt, response), 'all' or a comma-separated list of " +
                "response (the encoder's vector of the response), interaction (response ⊙ request vector), cosine (request–response similarity), " +
                "traits (length, list items, code blocks, refusals, hedges, questions, cut off). The request is a conversation's last user turn " +
                "(or an HH transcript's last 'Human:' turn). Pairs are recognised by their fields: {\"prompt\", \"chosen\", \"rejected\"} or " +
                "{\"prompt\", \"response_a\", \"response_b\", \"label\"}; accuracy is then held-out pairwise accuracy and macro_f1 is null.",
            DefaultValueFactory = _ => "all",
        };
        var ties = new Option<string>("--ties")
        {
            Description = "Preference pairs: how the Bradley–Terry reward model treats ties: 'davidson' (default), 'rao-kupper', or 'drop' (plain Bradley–Terry, ties left out as TRL's reward example does).",
            DefaultValueFactory = _ => "davidson",
        };
        var featureWeights = new Option<string?>("--feature-weights")
        {
            Description = "Weights of the --features parts, comma-separated, one per part (default all 1): each part's features are multiplied by its weight, e.g. 'tfidf+minilm' with 1,2.",
        };
        var seedStrategy = new Option<string>("--seed-strategy")
        {
            Description = "How the seed set is chosen: 'random', or 'kmeans' (the item nearest each of --seed-size k-means centroids of the item vectors: the first labels cover the pool's topics).",
            DefaultValueFactory = _ => "random",
        };
        var calibrate = new Option<bool>("--calibrate")
        {
            Description = "Fit temperature scaling on a validation split (500 pool items, or --validation-size, set aside and never selected) and report the test set's " +
                "expected calibration error after it (results.json: ece_calibrated, temperature; reliability.svg). The ECE before scaling is always reported.",
        };
        var selfTrain = new Option<string?>("--self-train")
        {
            Description = "Self-training (off by default): after each round, unlabeled items predicted with probability at least THRESHOLD get pseudo-labels, fitted on with " +
                "WEIGHT, at most MAX per real label; never validation or test items. Form: THRESHOLD[,WEIGHT[,MAX]], e.g. 0.95,0.3,1.",
        };
        var cache = new Option<string?>("--cache") { Description = "Embedding cache folder for minilm and endpoint features (default ~/.cache/sift/embeddings, or $SIFT_CACHE/embeddings)." };
        var analyzer = new Option<string>("--analyzer") { Description = "TF-IDF terms: 'word' (1–2-grams) or 'char' (3–5-grams within words).", DefaultValueFactory = _ => "word" };
        var ngrams = new Option<string?>("--ngrams") { Description = "n-gram range, e.g. 1-2 (word) or 3-5 (char)." };
        var minDf = new Option<int>("--min-df") { Description = "Minimum document frequency of a term.", DefaultValueFactory = _ => 2 };
        var c = new Option<double?>("--C") { Description = "Inverse regularisation strength: logistic regression's (default 10), or the reward model's for preference pairs (default 1)." };
        var maxIter = new Option<int?>("--max-iter") { Description = "L-BFGS iteration cap (default 200; 300 for the reward model)." };
        var textField = new Option<string>("--text-field") { Description = "Text field/column.", DefaultValueFactory = _ => "text" };
        var labelField = new Option<string>("--label-field") { Description = "Label field/column.", DefaultValueFactory = _ => "label" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar." };
        var checkpointKey = new Option<string?>("--checkpoint-key") { Description = $"The key that signs evidence.checkpoints.jsonl (default: ${Sift.Server.Governance.CheckpointKey.EnvironmentVariable}, else ~/.config/sift/checkpoint-key.pem; made on first use)." };
        var llmSim = new Option<string[]>("--llm-sim")
        {
            Description = "A simulated LLM (repeatable): accuracy=0.9,calibration=calibrated|overconfident[,price_in=0.0005,price_out=0.0015] (prices per 1k tokens). " +
                "Adds a 'routing' comparison to results.json: all-human, all-llm, threshold, oracle-threshold (hindsight bound) and router.",
            AllowMultipleArgumentsPerToken = false,
        };
        var llm = new Option<string[]>("--llm")
        {
            Description = "A real model in the routing comparison (repeatable): gguf:PATH[,…] (a GGUF file run in process) or openai:MODEL@URL[,key-env=VAR,…] " +
                "(an OpenAI-compatible endpoint; the key is read from the environment variable VAR). Each is asked once about every routed item " +
                "(with a progress line), scored against the gold labels, and compared like --llm-sim profiles; the first 50 items of the routing order " +
                "are set aside as its few-shot examples. docs/routing.md.",
            AllowMultipleArgumentsPerToken = false,
        };
        var llmCascade = new Option<string[]>("--llm-cascade")
        {
            Description = "A cascade to compare (repeatable): FIRST,SECOND, numbers of models in the order given (--llm-sim profiles from 1, then --llm). " +
                "The router asks FIRST about every item and SECOND before people where that pays; one 'router' row 'FIRST → SECOND' each. " +
                "Default: the first two models, when there are two. docs/routing.md.",
            AllowMultipleArgumentsPerToken = false,
        };
        var humanSim = new Option<string?>("--human-sim") { Description = "Simulated people for --llm-sim: accuracy=0.95,cost=1.0[,hourly=30,seconds=20]. Default accuracy=0.95,cost=1.0." };
        var targetAccuracy = new Option<double>("--target-accuracy") { Description = "Label accuracy the router must reach.", DefaultValueFactory = _ => 0.95 };
        var auditShare = new Option<double>("--audit-share") { Description = "Share of accepted LLM labels the router also sends to people.", DefaultValueFactory = _ => 0.05 };
        var routingItems = new Option<int>("--routing-items") { Description = "Pool items routed (a seeded order); 0 for the whole pool.", DefaultValueFactory = _ => 0 };
        var router = new Option<string?>("--router") { Description = "Router settings: mode=solve|stop,double-share=0.1,max-people=3,z=0.5,warm-up=100,margin=0, and for mode=stop stop=0.99,vote-cap=0.9 (any subset; docs/routing.md)." };
        var downstream = new Option<bool>("--routing-downstream")
        {
            Description = "With --llm-sim: also run active learning with the first profile's router as the oracle, against people only (active and random), " +
                "and write downstream.json and accuracy-by-money.svg (test accuracy by money spent).",
        };
        var routerCalibration = new Option<string>("--router-calibration") { Description = "How the router calibrates an LLM's confidence on people's labels: isotonic, platt or beta.", DefaultValueFactory = _ => "isotonic" };

        var command = new Command("simulate", "Simulate active learning with gold labels: every round is evaluated on --test; random runs as the control.\n" + Guide)
        {
            train, test, demo, strategy, seeds, firstSeed, seedSize, batch, budget, output, stop, validationSize, committeeSize,
            features, featureWeights, pairFeatures, ties, seedStrategy, calibrate, selfTrain, cache, analyzer, ngrams, minDf, c, maxIter, textField, labelField, quiet,
            llmSim, llm, llmCascade, humanSim, targetAccuracy, auditShare, routingItems, routerCalibration, router, downstream, checkpointKey,
        };
        command.SetAction((parse, ct) =>
        {
            // Content null: each file is read as text items or preference pairs, as its fields say.
            var format = new DataFormatOptions { TextField = parse.GetValue(textField)!, LabelField = parse.GetValue(labelField)!, RequireLabels = true, Content = null };
            var trainPath = parse.GetValue(train);
            var testPath = parse.GetValue(test);
            var isDemo = parse.GetValue(demo);
            if (!isDemo && (trainPath is null || testPath is null))
                throw new ConfigurationException("Give --train and --test (or --demo).");
            var stopRules = (parse.GetValue(stop) ?? []).Select(StoppingRuleParser.Parse).ToList();
            var options = new SimulationOptions
            {
                Strategies = parse.GetValue(strategy) ?? [],
                Seeds = parse.GetValue(seeds),
                FirstSeed = parse.GetValue(firstSeed),
                SeedSize = parse.GetValue(seedSize),
                BatchSize = parse.GetValue(batch),
                Budget = parse.GetValue(budget),
                Stop = stopRules.Count switch { 0 => null, 1 => stopRules[0], _ => new CombinedRule(stopRules, false) },
                ValidationSize = parse.GetValue(validationSize),
                CommitteeSize = parse.GetValue(committeeSize),
                Learner = new LogisticRegressionOptions { C = parse.GetValue(c) ?? 10.0, MaxIterations = parse.GetValue(maxIter) ?? 200 },
                Preferences = new BradleyTerryOptions { C = parse.GetValue(c) ?? 1.0, MaxIterations = parse.GetValue(maxIter) ?? 300, Ties = TiesOption(parse.GetValue(ties)!) },
                SeedStrategy = ColdStart.Parse(parse.GetValue(seedStrategy)!),
                Calibrate = parse.GetValue(calibrate),
                SelfTraining = SelfTraining(parse.GetValue(selfTrain)),
            };
            options.SelfTraining?.Validate();
            var tfidf = TfidfFromOptions(parse.GetValue(analyzer)!, parse.GetValue(ngrams), parse.GetValue(minDf));
            var pairOptions = PairFeaturizer.ParseBlocks(parse.GetValue(pairFeatures)!);
            var (trainSet, testSet) = isDemo
                ? SpamAssassinCorpus.Load(ct)
                : (LoadNamingTheFlags(trainPath!, format), LoadNamingTheFlags(testPath!, format));
            var pairs = trainSet.ContentKind == ContentKind.Pair;
            if (parse.GetValue(strategy) is not { Length: > 0 }) options = options with { Strategies = [pairs ? "pair-uncertainty" : DefaultStrategy] };
            using var spec = FeatureSpec.Create(parse.GetValue(features) ?? (pairs ? "minilm" : DefaultFeatures), parse.GetValue(featureWeights), tfidf, parse.GetValue(cache), ct);
            var featurizer = pairs ? ForPairs(spec.Featurizer, pairOptions) : spec.Featurizer;
            using var models = new RealModels(parse.GetValue(llm) ?? []);
            var routing = RoutingFromOptions(parse.GetValue(llmSim) ?? [], parse.GetValue(humanSim), parse.GetValue(targetAccuracy), parse.GetValue(auditShare),
                parse.GetValue(routingItems), parse.GetValue(routerCalibration)!, options, parse.GetValue(router));
            if (models.Oracles.Count > 0)
            {
                var quietRun = parse.GetValue(quiet);
                routing = (routing ?? RoutingFromOptions(["accuracy=0.9"], parse.GetValue(humanSim), parse.GetValue(targetAccuracy), parse.GetValue(auditShare),
                    parse.GetValue(routingItems), parse.GetValue(routerCalibration)!, options, parse.GetValue(router))!) with
                {
                    Models = routing is null ? [] : routing.Models,
                    RealModels = models.Oracles,
                    Progress = quietRun ? null : new Progress<RecordingProgress>(p => Console.Error.WriteLine(
                        string.Create(CultureInfo.InvariantCulture, $"{p.Model}: {p.Done:N0} / {p.Total:N0} items answered"))),
                };
            }
            if (parse.GetValue(llmCascade) is { Length: > 0 } cascadeSpecs)
                routing = (routing ?? throw new ConfigurationException("--llm-cascade needs --llm-sim profiles or --llm models.")) with { Cascades = Cascades(cascadeSpecs) };
            routing?.Validate();
            if (pairs && routing is not null) throw new ConfigurationException("--llm-sim and --llm route text labels; they do not apply to preference pairs.");
            if (parse.GetValue(downstream) && (routing is null || routing.Models.Count == 0)) throw new ConfigurationException("--routing-downstream needs an --llm-sim profile.");
            return Task.FromResult(Run(trainSet, testSet, featurizer, options, parse.GetValue(output)!, !parse.GetValue(quiet), ct, routing, parse.GetValue(downstream), parse.GetValue(checkpointKey)));
        });
        return command;
    }

    /// <summary>Parses <c>--ties</c>.</summary>
    /// <exception cref="ConfigurationException">Not a tie model.</exception>
    internal static TieModel TiesOption(string text) => text.Trim().ToLowerInvariant() switch
    {
        "davidson" => TieModel.Davidson,
        "rao-kupper" or "raokupper" or "rao_kupper" => TieModel.RaoKupper,
        "drop" or "none" => TieModel.None,
        _ => throw new ConfigurationException($"--ties must be 'davidson', 'rao-kupper' or 'drop', not '{text}'."),
    };

    /// <summary>The pair features over the encoder of a single-source feature spec (minilm or an endpoint).</summary>
    /// <exception cref="ConfigurationException">The feature source is not a sentence encoder.</exception>
    internal static IFeaturizer ForPairs(IFeaturizer featurizer, PairFeatureOptions options) => featurizer switch
    {
        MiniLmFeaturizer minilm => new PairFeaturizer(minilm.Encoder, options, minilm.Name),
        TextEncoderFeaturizer encoder => new PairFeaturizer(encoder.Encoder, options, encoder.Name),
        _ => throw new ConfigurationException($"Preference pairs are featurised from a sentence encoder's vectors of the request and each response; use --features minilm or endpoint:MODEL@URL, not '{featurizer.Name}'."),
    };

    /// <summary>Parses <c>--self-train THRESHOLD[,WEIGHT[,MAX]]</c>; null or empty: off.</summary>
    /// <exception cref="ConfigurationException">Not one to three numbers.</exception>
    internal static SelfTrainingOptions? SelfTraining(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        if (parts.Length > 3 || parts.Where((p, i) => !double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])).Any())
            throw new ConfigurationException($"--self-train must be THRESHOLD[,WEIGHT[,MAX]] (numbers, e.g. 0.95,0.3,1), not '{text}'.");
        var options = new SelfTrainingOptions { Threshold = values[0] };
        if (values.Length > 1) options = options with { Weight = values[1] };
        if (values.Length > 2) options = options with { MaxPerLabel = values[2] };
        options.Validate();
        return options;
    }

    /// <summary>Parses <c>--llm-cascade FIRST,SECOND</c> (1-based model numbers) into 0-based pairs.</summary>
    /// <exception cref="ConfigurationException">A spec is not two whole numbers from 1.</exception>
    public static IReadOnlyList<(int First, int Second)> Cascades(IReadOnlyList<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var pairs = new List<(int, int)>();
        foreach (var spec in specs)
        {
            var parts = spec.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first) ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var second) || first < 1 || second < 1)
                throw new ConfigurationException($"--llm-cascade must be two model numbers from 1, e.g. 1,2, not '{spec}'.");
            pairs.Add((first - 1, second - 1));
        }
        return pairs;
    }

    /// <summary>The routing comparison asked for by --llm-sim and friends; null without --llm-sim.</summary>
    /// <exception cref="ConfigurationException">A profile or setting is malformed.</exception>
    public static RoutingSimulationOptions? RoutingFromOptions(IReadOnlyList<string> llm, string? human, double target, double audit, int items, string calibration, SimulationOptions simulation, string? router = null)
    {
        ArgumentNullException.ThrowIfNull(llm);
        ArgumentNullException.ThrowIfNull(simulation);
        if (llm.Count == 0)
        {
            if (human is not null) throw new ConfigurationException("--human-sim needs at least one --llm-sim.");
            return null;
        }
        var method = calibration.ToLowerInvariant() switch
        {
            "isotonic" => CalibrationMethod.Isotonic,
            "platt" => CalibrationMethod.Platt,
            "beta" => CalibrationMethod.Beta,
            _ => throw new ConfigurationException($"--router-calibration must be 'isotonic', 'platt' or 'beta', not '{calibration}'."),
        };
        var options = new RoutingSimulationOptions
        {
            Models = llm.Select(LlmProfile.Parse).ToList(),
            People = PersonProfile.Parse(human ?? "accuracy=0.95,cost=1.0"),
            TargetAccuracy = target,
            AuditShare = audit,
            Items = items,
            BatchSize = simulation.BatchSize,
            Seed = simulation.FirstSeed,
            Router = new RouterOptions { Calibration = method }.WithSpec(router),
        };
        options.Validate();
        return options;
    }

    private static TfidfOptions TfidfFromOptions(string analyzer, string? ngrams, int minDf)
    {
        var baseOptions = analyzer.ToLowerInvariant() switch
        {
            "word" => new TfidfOptions(),
            "char" or "char_wb" => TfidfOptions.CharacterDefaults,
            _ => throw new ConfigurationException($"--analyzer must be 'word' or 'char', not '{analyzer}'."),
        };
        if (ngrams is not null)
        {
            var parts = ngrams.Split('-', ':');
            if (parts.Length != 2 || !int.TryParse(parts[0], out var lo) || !int.TryParse(parts[1], out var hi))
                throw new ConfigurationException($"--ngrams must look like 1-2, not '{ngrams}'.");
            baseOptions = baseOptions with { NGramMin = lo, NGramMax = hi };
        }
        var result = baseOptions with { MinDocumentFrequency = minDf };
        result.Validate();
        return result;
    }

    /// <summary>Featurises the data, runs the simulation and writes the output files.</summary>
    public static int Run(TextDataset trainSet, TextDataset testSet, IFeaturizer featurizer, SimulationOptions options,
        string outDir, bool showProgress, CancellationToken cancellationToken, RoutingSimulationOptions? routing = null, bool downstream = false, string? checkpointKey = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var console = AnsiConsole.Console;
        var data = Featurize(console, trainSet, testSet, featurizer, showProgress, cancellationToken);
        var simulator = new Simulator(data, options);
        using var evidence = new EvidenceFile(outDir, TimeProvider.System, checkpointKey);
        console.MarkupLine(data.Pairwise
            ? $"[bold]sift simulate[/]: preference pairs, pool {data.Pool.Rows:N0}, test {data.Test.Rows:N0}, {data.Pool.Columns:N0} pair features; reward model {Markup.Escape(new BradleyTerry(options.Preferences).Describe())}"
            : $"[bold]sift simulate[/]: pool {data.Pool.Rows:N0} items, test {data.Test.Rows:N0}, {data.ClassNames.Count} classes, {data.Pool.Columns:N0} features");
        console.MarkupLine($"strategies: {Markup.Escape(string.Join(", ", simulator.StrategyNames))}; seeds {options.Seeds}; seed set {options.SeedSize}, batch {options.BatchSize}, budget {options.Budget}; stop {Markup.Escape(simulator.StoppingRule.Spec)}");

        SimulationResult result;
        if (showProgress && console.Profile.Capabilities.Interactive)
        {
            result = console.Progress().AutoClear(false).HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = simulator.StrategyNames.ToDictionary(s => s, s => ctx.AddTask(Markup.Escape(s), maxValue: (double)options.Seeds * options.Budget));
                    var gate = new object();
                    var last = new Dictionary<(string, int), int>();
                    var progress = new SyncProgress<SimulationProgress>(p =>
                    {
                        lock (gate)
                        {
                            last.TryGetValue((p.Strategy, p.Seed), out var before);
                            var now = p.Finished ? options.Budget : p.Labels;
                            tasks[p.Strategy].Increment(now - before);
                            tasks[p.Strategy].Description = $"{Markup.Escape(p.Strategy)} acc {p.Accuracy:0.000}";
                            last[(p.Strategy, p.Seed)] = now;
                        }
                    });
                    return simulator.Run(evidence.Sink, progress, cancellationToken);
                });
        }
        else
        {
            var done = 0;
            var total = simulator.StrategyNames.Count * options.Seeds;
            var progress = new SyncProgress<SimulationProgress>(p =>
            {
                if (!p.Finished || !showProgress) return;
                var n = Interlocked.Increment(ref done);
                Console.Error.WriteLine($"[{n}/{total}] {p.Strategy} seed {p.Seed}: {p.Labels} labels, accuracy {p.Accuracy.ToString("0.000", CultureInfo.InvariantCulture)}");
            });
            result = simulator.Run(evidence.Sink, progress, cancellationToken);
        }
        if (routing is not null)
        {
            if (showProgress) Console.Error.WriteLine("routing: cross-validating the reference learner and comparing policies …");
            var learner = new LogisticRegression(options.Learner);
            var reference = ReferenceProbabilities.Compute(data.Pool, data.PoolLabels, data.ClassNames.Count, learner, routing.Folds, cancellationToken);
            var report = RoutingSimulation.Run(data, routing, learner, evidence.Sink, reference, cancellationToken);
            result = result with { Routing = report.Policies, RoutingCalibration = report.Calibration, RoutingReference = report.Reference };
            if (downstream)
            {
                if (showProgress) Console.Error.WriteLine("routing: active learning with the router and with people only, by money …");
                var runs = DownstreamSimulation.Run(data, options, routing, reference, cancellationToken);
                var folder = Path.GetFileName(Path.GetDirectoryName(result.Dataset.Train));
                ResultWriter.WriteDownstream(outDir, runs, $"{(string.IsNullOrEmpty(folder) ? result.Dataset.Train : folder)}: test accuracy by money ({routing.Models[0].Name}, people {routing.People.Accuracy.ToString(CultureInfo.InvariantCulture)})");
            }
        }
        evidence.Commit();
        ResultWriter.Write(outDir, result);
        PrintSummary(console, result, outDir);
        if (result.Routing is not null) PrintRouting(console, result);
        return 0;
    }

    /// <summary>Featurises the data, with a progress bar (or a line every 15 s when not interactive) while an encoder embeds.</summary>
    private static SimulationData Featurize(IAnsiConsole console, TextDataset trainSet, TextDataset testSet, IFeaturizer featurizer, bool showProgress, CancellationToken ct)
    {
        if (!showProgress) return SimulationData.CreateAsync(trainSet, testSet, featurizer, null, ct).GetAwaiter().GetResult();
        if (!console.Profile.Capabilities.Interactive)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var last = TimeSpan.Zero;
            var gate = new object();
            var lines = new SyncProgress<FeaturizeProgress>(p =>
            {
                lock (gate)
                {
                    if (p.Stage != "embedding" || (p.Done < p.Total && clock.Elapsed - last < TimeSpan.FromSeconds(15))) return;
                    last = clock.Elapsed;
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"features: {p.Stage} {p.Done:N0}/{p.Total:N0}"));
                }
            });
            return SimulationData.CreateAsync(trainSet, testSet, featurizer, lines, ct).GetAwaiter().GetResult();
        }
        return console.Progress().AutoClear(true).HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var gate = new object();
                var progress = new SyncProgress<FeaturizeProgress>(p =>
                {
                    lock (gate)
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                            tasks[p.Stage] = task = ctx.AddTask(Markup.Escape($"features: {p.Stage}"), maxValue: Math.Max(1, p.Total));
                        task.Value = p.Done;
                    }
                });
                return SimulationData.CreateAsync(trainSet, testSet, featurizer, progress, ct).GetAwaiter().GetResult();
            });
    }

    /// <summary>Reads a data file; a missing text or label field's error also names the flag that picks another one.</summary>
    private static TextDataset LoadNamingTheFlags(string path, DataFormatOptions format)
    {
        try
        {
            return DatasetFiles.Load(path, format);
        }
        catch (ImportException e) when (e.Field is { } field && (field == format.LabelField || field == format.TextField))
        {
            var flag = field == format.LabelField ? "--label-field" : "--text-field";
            throw new ImportException(e.Source, e.Line, e.Field, $"{e.Problem}; give the column's name with {flag} NAME");
        }
    }

    /// <summary>A saving as the table shows it: "2.35×", a lower bound "> 2.10×" when random never reached the target, or "—".</summary>
    internal static string Savings(double? exact, double? atLeast) =>
        exact is { } a ? string.Create(CultureInfo.InvariantCulture, $"{a:0.00}×")
        : atLeast is { } b ? string.Create(CultureInfo.InvariantCulture, $"> {b:0.00}×")
        : "—";

    private static void PrintSummary(IAnsiConsole console, SimulationResult result, string outDir)
    {
        var full = result.FullData;
        var table = new Table().Border(TableBorder.Rounded)
            .Title(full.MacroF1 is { } f1
                ? $"full data: accuracy {full.Accuracy:0.0000}, macro-F1 {f1:0.0000}, fit {full.FitSeconds:0.00}s"
                : $"full data: pairwise accuracy {full.Accuracy:0.0000}, fit {full.FitSeconds:0.00}s")
            .AddColumns("strategy", "AULC", "final acc", "→95%", "→98%", "×95%", "×98%", "round s");
        foreach (var s in result.Summary)
        {
            table.AddRow(Markup.Escape(s.Strategy), s.Aulc.ToString("0.0000", CultureInfo.InvariantCulture),
                s.FinalAccuracy.ToString("0.0000", CultureInfo.InvariantCulture),
                s.LabelsTo95?.ToString(CultureInfo.InvariantCulture) ?? "—", s.LabelsTo98?.ToString(CultureInfo.InvariantCulture) ?? "—",
                Savings(s.SavingsVsRandom95, s.SavingsVsRandom95AtLeast), Savings(s.SavingsVsRandom98, s.SavingsVsRandom98AtLeast),
                s.MedianRoundSeconds.ToString("0.000", CultureInfo.InvariantCulture));
        }
        console.Write(table);
        console.MarkupLine("→95%/→98%: labels to reach that share of full-data accuracy (mean over seeds); ×: random's labels ÷ the strategy's"
            + (result.Summary.Any(s => s.SavingsVsRandom95AtLeast is not null || s.SavingsVsRandom98AtLeast is not null)
                ? Markup.Escape("; > n×: random never got there within the budget, so the saving is at least n×.")
                : "."));
        if (result.Summary.Any(s => s.Ece is not null))
        {
            console.MarkupLine("calibration (test set, 15 bins): " + Markup.Escape(string.Join("; ", result.Summary.Where(s => s.Ece is not null).Select(s =>
                string.Create(CultureInfo.InvariantCulture, $"{s.Strategy} ECE {s.Ece:0.000}") +
                (s.EceCalibrated is { } after ? string.Create(CultureInfo.InvariantCulture, $" → {after:0.000} at T={s.Temperature:0.00}") : "")))));
        }
        console.MarkupLine($"wrote [bold]{Markup.Escape(Path.Combine(outDir, "results.json"))}[/], curves.csv, evidence.jsonl (+ its signed checkpoint), learning-curves.svg, reliability.svg");
    }

    private static void PrintRouting(IAnsiConsole console, SimulationResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("routing (cost in the unit of --human-sim cost)")
            .AddColumns("policy", "LLM profile", "cost", "× all-human", "label acc", "people share", "person answers", "LLM answers");
        foreach (var r in result.Routing!)
        {
            table.AddRow(Markup.Escape(r.Policy), Markup.Escape(r.LlmProfile), r.Cost.ToString("0.##", CultureInfo.InvariantCulture),
                r.CostVsAllHuman.ToString("0.000", CultureInfo.InvariantCulture), r.LabelAccuracy.ToString("0.0000", CultureInfo.InvariantCulture),
                r.PeopleShare.ToString("0.000", CultureInfo.InvariantCulture), r.HumanLabels.ToString(CultureInfo.InvariantCulture), r.LlmLabels.ToString(CultureInfo.InvariantCulture));
        }
        console.Write(table);
        console.MarkupLine("oracle-threshold is a hindsight bound (its threshold was chosen knowing which labels are right). Reliability diagram: reliability-llm.svg");
    }

    /// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool out of order).</summary>
    private sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }

    /// <summary>The <c>--llm</c> oracles, loaded up front (a GGUF file now, an endpoint's key now) and disposed together.</summary>
    private sealed class RealModels : IDisposable
    {
        private readonly List<LlmOracle> _oracles = [];

        public RealModels(IReadOnlyList<string> specs)
        {
            try
            {
                foreach (var spec in specs) _oracles.Add(LlmOracles.Create(LlmSpec.Parse(spec)));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public IReadOnlyList<IOracle> Oracles => _oracles;

        public void Dispose()
        {
            foreach (var o in _oracles) o.Dispose();
            _oracles.Clear();
        }
    }
}
