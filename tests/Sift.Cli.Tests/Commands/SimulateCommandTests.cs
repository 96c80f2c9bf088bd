using System.Text.Json;
using System.Xml.Linq;

namespace Sift.Cli.Tests.Commands;

public sealed class SimulateCommandTests
{
    private static readonly string[][] Words =
    [
        ["goal", "match", "team", "league", "coach", "score", "season", "player"],
        ["market", "stock", "shares", "profit", "bank", "trade", "price", "investor"],
        ["planet", "space", "orbit", "rocket", "nasa", "galaxy", "telescope", "mission"],
    ];

    private static void WriteCorpus(string path, int n, int seed)
    {
        string[] classes = ["sports", "business", "science"];
        var rng = new Random(seed);
        using var w = new StreamWriter(path);
        for (var i = 0; i < n; i++)
        {
            var c = i % 3;
            var tokens = Enumerable.Range(0, 8).Select(_ => rng.NextDouble() < 0.6 ? Words[c][rng.Next(8)] : Words[rng.Next(3)][rng.Next(8)]);
            w.WriteLine(JsonSerializer.Serialize(new { id = $"{seed}-{i}", text = string.Join(' ', tokens), label = classes[c] }));
        }
    }

    private static (int Code, string Error) Simulate(TempDirectory dir, string outName, params string[] extra)
    {
        var train = dir.File("train.jsonl");
        var test = dir.File("test.jsonl");
        if (!File.Exists(train)) WriteCorpus(train, 240, 1);
        if (!File.Exists(test)) WriteCorpus(test, 90, 2);
        var error = new StringWriter();
        // TF-IDF unless a test asks otherwise: the default's sentence encoder would write to the user's embedding cache.
        // A test that names its own --cache (the preference tests, the default's test) gets the defaults it asked for.
        string[] features = extra.Contains("--features") || extra.Contains("--cache") ? [] : ["--features", "tfidf"];
        string[] args = ["simulate", "--train", train, "--test", test, "--seeds", "2", "--seed-size", "10", "--batch", "10", "--budget", "50", "--out", dir.File(outName), "--quiet",
            "--checkpoint-key", dir.File("checkpoint-key.pem"), .. features, .. extra];
        return (SiftApp.Run(args, error), error.ToString());
    }

    [Fact]
    public void Simulate_Demo_RunsOnTheShippedCorpusWithoutTrainOrTest()
    {
        using var dir = new TempDirectory();
        var error = new StringWriter();

        var code = SiftApp.Run(["simulate", "--demo", "--strategy", "random", "--seeds", "1", "--seed-size", "20", "--batch", "20", "--budget", "40",
            "--out", dir.File("demo"), "--quiet"], error);

        code.ShouldBe(0, error.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("demo/results.json")));
        doc.RootElement.GetRawText().ShouldContain("random");
    }

    [Fact]
    public void Simulate_LlmSim_WritesTheRoutingArrayAndAnInertReliabilityDiagram()
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "routed", "--llm-sim", "accuracy=0.9,calibration=overconfident", "--llm-sim", "accuracy=0.8,calibration=calibrated",
            "--human-sim", "accuracy=0.95,cost=1.0", "--target-accuracy", "0.95");
        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("routed/results.json")));
        var rows = doc.RootElement.GetProperty("routing").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("policy").GetString()).Distinct().ShouldBe(["all-human", "all-llm", "threshold", "oracle-threshold", "router"]);
        foreach (var row in rows)
        {
            foreach (var key in new[] { "cost", "label_accuracy", "human_labels", "llm_labels" }) row.GetProperty(key).ValueKind.ShouldBe(JsonValueKind.Number, key);
            row.GetProperty("llm_profile").GetString()!.ShouldStartWith("simulated-llm(");
        }
        rows.First(r => r.GetProperty("policy").GetString() == "all-human").GetProperty("cost").GetDouble().ShouldBe(240);
        rows.First(r => r.GetProperty("policy").GetString() == "oracle-threshold").GetProperty("note").GetString()!.ShouldContain("hindsight");
        doc.RootElement.GetProperty("routing_calibration").GetArrayLength().ShouldBe(2);
        var svg = File.ReadAllText(dir.File("routed/reliability-llm.svg"));
        XDocument.Parse(svg).Root!.Name.LocalName.ShouldBe("svg");
        svg.ShouldNotContain("<script", Case.Insensitive);
        svg.ShouldContain("simulated-llm(accuracy=0.9,");
        File.ReadAllLines(dir.File("routed/evidence.jsonl")).Count(l => l.StartsWith("{\"kind\":\"routing\"", StringComparison.Ordinal)).ShouldBe(3 * 240);
    }

    [Fact]
    public void Simulate_LlmCascade_OneRouterRowPerNamedPairAndBadPairsAreOneSentence()
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "cascade", "--llm-sim", "accuracy=0.8", "--llm-sim", "accuracy=0.9",
            "--llm-sim", "accuracy=0.95,price_in=0.005,price_out=0.015", "--llm-cascade", "1,3", "--llm-cascade", "2,3");
        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("cascade/results.json")));
        var cascades = doc.RootElement.GetProperty("routing").EnumerateArray().Select(r => r.GetProperty("llm_profile").GetString()!).Where(p => p.Contains(" → ", StringComparison.Ordinal)).ToList();
        cascades.ShouldBe([
            "simulated-llm(accuracy=0.8,calibrated) → simulated-llm(accuracy=0.95,calibrated,price_in=0.005,price_out=0.015)",
            "simulated-llm(accuracy=0.9,calibrated) → simulated-llm(accuracy=0.95,calibrated,price_in=0.005,price_out=0.015)"]);

        foreach (var (args, expected) in new (string[], string)[]
        {
            (["--llm-cascade", "1,2"], "--llm-cascade needs --llm-sim"),
            (["--llm-sim", "accuracy=0.8", "--llm-sim", "accuracy=0.9", "--llm-cascade", "1,3"], "there are 2 models"),
            (["--llm-sim", "accuracy=0.8", "--llm-sim", "accuracy=0.9", "--llm-cascade", "one,two"], "two model numbers"),
        })
        {
            var (badCode, badError) = Simulate(dir, "bad", args);
            badCode.ShouldNotBe(0);
            badError.ShouldContain(expected);
            badError.ShouldNotContain("   at ");
        }
    }

    [Theory]
    [InlineData("--llm-sim", "accuracy=2", "between 0 and 1")]
    [InlineData("--human-sim", "accuracy=0.9", "--human-sim needs at least one --llm-sim")]
    [InlineData("--llm-sim", "accuracy=0.9,calibration=maybe", "calibration must be")]
    public void Simulate_BadRoutingOption_OneClearSentence(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "bad", option, value);
        code.ShouldNotBe(0);
        error.ShouldContain(expected);
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public void Simulate_CsvWithoutTheLabelColumn_ListsTheColumnsAndNamesLabelField()
    {
        using var dir = new TempDirectory();
        var train = dir.File("train.csv");
        File.WriteAllText(train, "id,body,category\n1,hello,spam\n");
        var error = new StringWriter();
        var code = SiftApp.Run(["simulate", "--train", train, "--test", train, "--text-field", "body", "--out", dir.File("out"), "--quiet"], error);

        code.ShouldNotBe(0);
        var message = error.ToString();
        message.ShouldContain("field 'label': the header row has no column with this name, but labels are required; the columns are 'id', 'body', 'category'");
        message.ShouldContain("give the column's name with --label-field NAME");
        message.ShouldNotContain("   at ");
    }

    [Theory]
    [InlineData(2.345, null, "2.35×")]
    [InlineData(null, 2.1, "> 2.10×")]
    [InlineData(null, null, "—")]
    public void Savings_ExactLowerBoundOrNone(double? exact, double? atLeast, string shown) =>
        Sift.Cli.Commands.SimulateCommand.Savings(exact, atLeast).ShouldBe(shown);

    [Fact]
    public void Simulate_NoFeaturesOrStrategyGiven_UsesTheEncoderDefaultAndMarginKMeans()
    {
        using var dir = new TempDirectory();
        var train = dir.File("train.jsonl");
        var test = dir.File("test.jsonl");
        WriteCorpus(train, 60, 1);
        WriteCorpus(test, 30, 2);
        var error = new StringWriter();
        var code = SiftApp.Run(["simulate", "--train", train, "--test", test, "--seeds", "1", "--seed-size", "10", "--batch", "10", "--budget", "20",
            "--cache", dir.File("cache"), "--out", dir.File("out"), "--quiet"], error);
        code.ShouldBe(0, error.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/results.json")));
        doc.RootElement.GetProperty("config").GetProperty("features").ToString().ShouldContain("minilm");
        doc.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("strategy").GetString()).Distinct().Order()
            .ShouldBe(["margin-kmeans", "random"]);
        // 60 pool + 30 test texts went through the encoder once, into the given cache, not the user's.
        Directory.EnumerateFiles(dir.File("cache")).ShouldNotBeEmpty();
    }

    [Fact]
    public void Simulate_RealGgufModel_RoutedLikeAProfileWithinTheLabelSet()
    {
        // The real llama.cpp engine on the 260K-parameter test model: its labels are meaningless, the path is real.
        var model = Path.Combine(AppContext.BaseDirectory, "Models", "stories260K.gguf");
        File.Exists(model).ShouldBeTrue(model);
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "out", "--llm", $"gguf:{model},threads=1,shots=2", "--routing-items", "20");
        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/results.json")));
        var rows = doc.RootElement.GetProperty("routing").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("policy").GetString()).ShouldBe(["all-human", "all-llm", "threshold", "oracle-threshold", "router"]);
        rows.ShouldAllBe(r => r.GetProperty("llm_profile").GetString() == "gguf:stories260K.gguf" && r.GetProperty("items").GetInt32() == 20);
        rows.Single(r => r.GetProperty("policy").GetString() == "all-llm").GetProperty("llm_labels").GetInt32().ShouldBe(20);
        // One routing decision per routed item in the evidence (the label set itself is enforced and tested in Sift.Llm.Tests).
        var answers = File.ReadLines(dir.File("out/evidence.jsonl")).Where(l => l.Contains("\"kind\":\"routing\"", StringComparison.Ordinal)).ToList();
        answers.Count.ShouldBeGreaterThanOrEqualTo(20);
    }

    [Fact]
    public void Simulate_SmallDataset_WritesResultsMatchingTheSchema()
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "out", "--strategy", "all");
        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/results.json")));
        var root = doc.RootElement;
        foreach (var key in new[] { "train", "test", "classes", "pool_size", "test_size" }) root.GetProperty("dataset").TryGetProperty(key, out _).ShouldBeTrue(key);
        root.GetProperty("dataset").GetProperty("classes").GetInt32().ShouldBe(3);
        root.GetProperty("dataset").GetProperty("pool_size").GetInt32().ShouldBe(240);
        root.GetProperty("config").ValueKind.ShouldBe(JsonValueKind.Object);
        foreach (var key in new[] { "accuracy", "macro_f1", "fit_seconds" }) root.GetProperty("full_data").GetProperty(key).ValueKind.ShouldBe(JsonValueKind.Number);
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        var names = Sift.Strategies.StrategyCatalog.Default.All.Where(d => !d.Needs.HasFlag(Sift.Strategies.StrategyNeeds.Pairs)).Select(d => d.Name).ToList();
        runs.Count.ShouldBe(names.Count * 2);
        runs.Select(r => r.GetProperty("strategy").GetString()).Distinct().ShouldBe(names);
        foreach (var run in runs)
        {
            run.GetProperty("seed").ValueKind.ShouldBe(JsonValueKind.Number);
            var rounds = run.GetProperty("rounds").EnumerateArray().ToList();
            rounds.Select(r => r.GetProperty("labels").GetInt32()).ShouldBe([10, 20, 30, 40, 50]);
            foreach (var r in rounds)
                foreach (var key in new[] { "accuracy", "macro_f1", "fit_seconds", "query_seconds" }) r.GetProperty(key).ValueKind.ShouldBe(JsonValueKind.Number);
            var stopped = run.GetProperty("stopped");
            stopped.GetProperty("labels").GetInt32().ShouldBe(50);
            stopped.GetProperty("rule").GetString().ShouldBe("labels(50)");
        }
        foreach (var row in root.GetProperty("summary").EnumerateArray())
        {
            row.GetProperty("aulc").ValueKind.ShouldBe(JsonValueKind.Number);
            foreach (var key in new[] { "labels_to_95", "labels_to_98", "savings_vs_random_95", "savings_vs_random_98" })
                row.GetProperty(key).ValueKind.ShouldBeOneOf(JsonValueKind.Number, JsonValueKind.Null);
        }

        File.ReadAllLines(dir.File("out/curves.csv")).Length.ShouldBe(1 + names.Count * 2 * 5);
        var evidence = File.ReadAllLines(dir.File("out/evidence.jsonl"));
        evidence.Length.ShouldBe(names.Count * 2 * 5);
        foreach (var line in evidence)
        {
            using var e = JsonDocument.Parse(line);
            e.RootElement.GetProperty("kind").GetString().ShouldBe("round");
            foreach (var key in new[] { "round", "model_fingerprint", "strategy", "selected", "labels_per_class", "metrics", "stopping" })
                e.RootElement.TryGetProperty(key, out _).ShouldBeTrue(key);
        }
        var svg = XDocument.Parse(File.ReadAllText(dir.File("out/learning-curves.svg")));
        svg.Root!.Name.LocalName.ShouldBe("svg");
    }

    /// <summary>
    /// Preference rows (recognised by their fields): chosen/rejected pairs where the chosen reply praises and the rejected
    /// one complains, a few explicit ties, conversational prompts on some rows.
    /// </summary>
    private static void WritePairs(string path, int n, int seed)
    {
        string[] good = ["great", "wonderful", "excellent", "helpful", "clear", "kind", "thorough", "lovely"];
        string[] bad = ["awful", "useless", "rude", "wrong", "confusing", "terrible", "lazy", "broken"];
        string[] topics = ["the weather", "a recipe", "my homework", "a trip", "the garden", "a poem"];
        var rng = new Random(seed);
        string Reply(string[] words) => "This is a " + string.Join(' ', Enumerable.Range(0, 3).Select(_ => words[rng.Next(words.Length)])) + " answer.";
        using var w = new StreamWriter(path);
        for (var i = 0; i < n; i++)
        {
            var topic = topics[rng.Next(topics.Length)];
            object prompt = i % 3 == 0 ? new object[] { new { role = "user", content = "Help me with " + topic } } : "Help me with " + topic;
            w.WriteLine(i % 10 == 9
                ? JsonSerializer.Serialize(new { id = $"{seed}-{i}", prompt, response_a = Reply(good), response_b = Reply(good), label = "tie" })
                : JsonSerializer.Serialize(new { id = $"{seed}-{i}", prompt, chosen = Reply(good), rejected = Reply(bad) }));
        }
    }

    [Fact]
    public void Simulate_PreferencePairs_PairwiseAccuracyInTheSameSchema()
    {
        using var dir = new TempDirectory();
        WritePairs(dir.File("train.jsonl"), 160, 3);
        WritePairs(dir.File("test.jsonl"), 60, 4);
        var (code, error) = Simulate(dir, "pairs", "--strategy", "pair-uncertainty", "pair-dopt", "--cache", dir.File("cache"), "--pair-features", "response,traits");

        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("pairs/results.json")));
        var root = doc.RootElement;
        root.GetProperty("dataset").GetProperty("class_names").EnumerateArray().Select(e => e.GetString()).ShouldBe(["A", "B", "tie", "both_bad"]);
        root.GetProperty("config").GetProperty("features").GetProperty("kind").GetString().ShouldBe("pair");
        root.GetProperty("config").GetProperty("learner").GetString()!.ShouldStartWith("bradley-terry(ties=davidson, both_bad=exclude, C=1,");
        root.GetProperty("full_data").GetProperty("accuracy").GetDouble().ShouldBeGreaterThan(0.9);
        root.GetProperty("full_data").GetProperty("macro_f1").ValueKind.ShouldBe(JsonValueKind.Null);
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        runs.Select(r => r.GetProperty("strategy").GetString()).Distinct().ShouldBe(["random", "pair-uncertainty", "pair-dopt"]);
        foreach (var run in runs)
        {
            var rounds = run.GetProperty("rounds").EnumerateArray().ToList();
            rounds.Select(r => r.GetProperty("labels").GetInt32()).ShouldBe([10, 20, 30, 40, 50]);
            rounds.ShouldAllBe(r => r.GetProperty("macro_f1").ValueKind == JsonValueKind.Null && r.GetProperty("accuracy").ValueKind == JsonValueKind.Number);
            run.GetProperty("preference").GetProperty("decisive_log_loss").ValueKind.ShouldBe(JsonValueKind.Number);
        }
        root.GetProperty("summary").GetArrayLength().ShouldBe(3);
        // The oracle's answers are the stored sides' gold labels: A or B for chosen/rejected rows, tie for the ties.
        var answered = File.ReadAllLines(dir.File("pairs/evidence.jsonl")).SelectMany(l => JsonDocument.Parse(l).RootElement.GetProperty("selected").EnumerateArray()
            .Select(e => e.GetProperty("label").GetString())).Distinct().Order(StringComparer.Ordinal).ToList();
        answered.ShouldBe(["A", "B", "tie"]);
    }

    [Theory]
    [InlineData("--features", "tfidf", "Preference pairs are featurised from a sentence encoder's vectors of the request and each response; use --features minilm or endpoint:MODEL@URL, not 'tfidf'.")]
    [InlineData("--ties", "maybe", "--ties must be 'davidson', 'rao-kupper' or 'drop', not 'maybe'.")]
    [InlineData("--pair-features", "length", "--pair-features: 'length' is not a block; use 'all' or a comma-separated list of response, interaction, cosine, traits.")]
    [InlineData("--strategy", "margin-kmeans", "Strategy 'margin-kmeans' needs item vectors (embeddings)")]
    public void Simulate_PreferencePairsBadOption_OneSentence(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        WritePairs(dir.File("train.jsonl"), 40, 3);
        WritePairs(dir.File("test.jsonl"), 20, 4);
        var (code, error) = Simulate(dir, "pairs", option, value, "--cache", dir.File("cache"));
        code.ShouldBe(2);
        error.ShouldContain(message);
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public void Simulate_SameSeeds_ByteIdenticalEvidence()
    {
        using var dir = new TempDirectory();
        Simulate(dir, "a", "--strategy", "margin").Code.ShouldBe(0);
        Simulate(dir, "b", "--strategy", "margin").Code.ShouldBe(0);
        File.ReadAllBytes(dir.File("a/evidence.jsonl")).ShouldBe(File.ReadAllBytes(dir.File("b/evidence.jsonl")));
    }

    /// <summary>Writes a vector file: each item's vector leans to its class's axis (plus a seeded wobble), so the classes separate.</summary>
    private static void WriteVectors(TempDirectory dir, string name, Func<string, bool>? include = null)
    {
        using var w = new StreamWriter(dir.File(name));
        foreach (var file in new[] { "train.jsonl", "test.jsonl" })
            foreach (var line in File.ReadAllLines(dir.File(file)))
            {
                using var item = JsonDocument.Parse(line);
                var id = item.RootElement.GetProperty("id").GetString()!;
                if (include is not null && !include(id)) continue;
                var c = Array.IndexOf(["sports", "business", "science"], item.RootElement.GetProperty("label").GetString());
                var rng = new Random(id.GetHashCode(StringComparison.Ordinal));
                var vector = Enumerable.Range(0, 4).Select(d => (d == c ? 1.0 : 0.0) + rng.NextDouble() * 0.8).ToArray();
                w.WriteLine(JsonSerializer.Serialize(new { id, vector }));
            }
    }

    [Fact]
    public void Simulate_FeaturesFromFile_TrainsOnTheVectorsAndSaysSo()
    {
        using var dir = new TempDirectory();
        Simulate(dir, "warmup").Code.ShouldBe(0); // writes the corpus files
        WriteVectors(dir, "vectors.jsonl");

        var (code, error) = Simulate(dir, "out", "--strategy", "margin-kmeans", "--features", "file:" + dir.File("vectors.jsonl"));

        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/results.json")));
        var features = doc.RootElement.GetProperty("config").GetProperty("features");
        features.GetProperty("kind").GetString().ShouldBe("vectors");
        features.GetProperty("source").GetString().ShouldBe("vectors.jsonl");
        features.GetProperty("dimensions").GetInt32().ShouldBe(4);
        doc.RootElement.GetProperty("dataset").GetProperty("features").GetInt32().ShouldBe(4);
        doc.RootElement.GetProperty("full_data").GetProperty("accuracy").GetDouble().ShouldBeGreaterThan(0.8);
        File.ReadAllLines(dir.File("out/evidence.jsonl")).ShouldAllBe(l => l.Contains("\"featurizer\":\"vectors\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Simulate_VectorFileMissesAnItem_OneSentenceNamingFileAndItem()
    {
        using var dir = new TempDirectory();
        Simulate(dir, "warmup").Code.ShouldBe(0);
        WriteVectors(dir, "vectors.jsonl", id => id != "1-7");

        var (code, error) = Simulate(dir, "out", "--features", "file:" + dir.File("vectors.jsonl"));

        code.ShouldBe(2);
        error.ShouldContain("vectors.jsonl: No vector for item '1-7'");
        error.ShouldNotContain("   at ");
    }

    [Theory]
    [InlineData("glove", "--features: unknown feature source 'glove'; use tfidf, minilm, endpoint:MODEL@URL or file:PATH, joined by '+'.")]
    [InlineData("tfidf+", "--features: unknown feature source ''; use tfidf, minilm, endpoint:MODEL@URL or file:PATH, joined by '+'.")]
    [InlineData("endpoint:nomodel", "The embedding endpoint spec must start with MODEL@URL.")]
    [InlineData("endpoint:m@https://h/v1,key-env=1BAD", "The embedding endpoint spec has a key-env that is not an environment variable name (letters, digits, _).")]
    [InlineData("endpoint:m@https://h/v1,key-env=SIFT_TEST_UNSET_KEY_VARIABLE", "The environment variable SIFT_TEST_UNSET_KEY_VARIABLE named by key-env is not set.")]
    [InlineData("file:/no/such/vectors.jsonl", "--features: there is no file '/no/such/vectors.jsonl'.")]
    public void Simulate_BadFeatures_OneSentence(string features, string message)
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "out", "--features", features);
        code.ShouldBe(2);
        error.ShouldContain(message);
    }

    [Theory]
    [InlineData("--feature-weights", "1,2", "--feature-weights gives 2 weights for 1 feature sources; give one per source, e.g. 1,0.5.")]
    [InlineData("--feature-weights", "0", "--feature-weights: '0' is not a number above 0.")]
    [InlineData("--seed-strategy", "first", "The seed strategy must be 'kmeans' or 'random', not 'first'.")]
    [InlineData("--self-train", "high", "--self-train must be THRESHOLD[,WEIGHT[,MAX]] (numbers, e.g. 0.95,0.3,1), not 'high'.")]
    [InlineData("--self-train", "1.5", "The self-training threshold must be above 0 and at most 1.")]
    public void Simulate_BadEncoderOptions_OneSentence(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "out", option, value);
        code.ShouldBe(2);
        error.ShouldContain(message);
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public void Simulate_FileVectorsBesideTfidfWithKMeansSeedsAndCalibration_ConcatenatesAndWritesTheReliabilityDiagram()
    {
        using var dir = new TempDirectory();
        Simulate(dir, "warmup").Code.ShouldBe(0);
        WriteVectors(dir, "vectors.jsonl");

        var (code, error) = Simulate(dir, "out", "--strategy", "margin-kmeans", "--features", "tfidf+file:" + dir.File("vectors.jsonl"),
            "--feature-weights", "1,2", "--seed-strategy", "kmeans", "--calibrate", "--self-train", "0.9,0.3,1");

        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/results.json")));
        var root = doc.RootElement;
        var config = root.GetProperty("config");
        config.GetProperty("seed_strategy").GetString().ShouldBe("kmeans");
        config.GetProperty("calibrate").GetBoolean().ShouldBeTrue();
        config.GetProperty("self_training").GetString().ShouldBe("threshold=0.9,weight=0.3,max=1");
        config.GetProperty("validation_size").GetInt32().ShouldBe(24);
        var features = config.GetProperty("features");
        features.GetProperty("kind").GetString().ShouldBe("tfidf+vectors");
        features.GetProperty("blocks")[1].GetProperty("weight").GetDouble().ShouldBe(2);
        features.GetProperty("vectors_from").GetString().ShouldBe("vectors");
        foreach (var row in root.GetProperty("summary").EnumerateArray())
        {
            row.GetProperty("ece").GetDouble().ShouldBeInRange(0, 1);
            row.GetProperty("ece_calibrated").GetDouble().ShouldBeInRange(0, 1);
            row.GetProperty("temperature").GetDouble().ShouldBeGreaterThan(0);
        }
        var calibration = root.GetProperty("runs")[0].GetProperty("calibration");
        calibration.GetProperty("bins").GetArrayLength().ShouldBe(15);
        calibration.GetProperty("validation_items").GetInt32().ShouldBe(24);
        var svg = XDocument.Parse(File.ReadAllText(dir.File("out/reliability.svg")));
        svg.Root!.Name.LocalName.ShouldBe("svg");
        svg.Descendants().ShouldNotContain(e => e.Name.LocalName == "script" || e.Name.LocalName == "foreignObject");
        File.ReadAllText(dir.File("out/reliability.svg")).ShouldContain("margin-kmeans, T-scaled (ECE ");
    }

    [Fact]
    public void Simulate_MissingFile_OneSentenceAndExitCode2()
    {
        using var dir = new TempDirectory();
        var error = new StringWriter();
        var code = SiftApp.Run(["simulate", "--train", dir.File("nope.jsonl"), "--test", dir.File("nope2.jsonl"), "--quiet"], error);
        code.ShouldBe(2);
        error.ToString().ShouldContain("nope.jsonl");
        error.ToString().ShouldNotContain("   at ");
    }

    [Fact]
    public void Simulate_MalformedLine_NamesFileAndLine()
    {
        using var dir = new TempDirectory();
        WriteCorpus(dir.File("test.jsonl"), 30, 2);
        File.WriteAllText(dir.File("train.jsonl"), "{\"text\":\"a b\",\"label\":\"x\"}\n{\"text\": oops}\n");
        var (code, error) = Simulate(dir, "out");
        code.ShouldBe(2);
        error.ShouldContain("train.jsonl, line 2");
        Directory.Exists(dir.File("out")).ShouldBeFalse();
    }

    [Fact]
    public void Simulate_BadStopRule_ClearError()
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "out", "--stop", "plateu(0.1)");
        code.ShouldBe(2);
        error.ShouldContain("unknown rule 'plateu'");
    }

    [Fact]
    public void Simulate_StopRule_RecordedInResults()
    {
        using var dir = new TempDirectory();
        var (code, error) = Simulate(dir, "out", "--stop", "rounds(2)");
        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/results.json")));
        foreach (var run in doc.RootElement.GetProperty("runs").EnumerateArray())
        {
            run.GetProperty("stopped").GetProperty("rule").GetString().ShouldBe("rounds(2)");
            run.GetProperty("rounds").GetArrayLength().ShouldBe(3);
        }
    }

    [Fact]
    public void Merge_TwoGroups_OneSummaryWithRandomOnce()
    {
        using var dir = new TempDirectory();
        Simulate(dir, "a", "--strategy", "margin").Code.ShouldBe(0);
        Simulate(dir, "b", "--strategy", "entropy").Code.ShouldBe(0);
        var error = new StringWriter();
        SiftApp.Run(["merge", "--out", dir.File("m"), dir.File("a/results.json"), dir.File("b/results.json")], error).ShouldBe(0, error.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("m/results.json")));
        doc.RootElement.GetProperty("runs").GetArrayLength().ShouldBe(6); // random, margin, entropy × 2 seeds
        doc.RootElement.GetProperty("summary").EnumerateArray().Select(s => s.GetProperty("strategy").GetString()).ShouldBe(["random", "margin", "entropy"]);
        File.Exists(dir.File("m/learning-curves.svg")).ShouldBeTrue();
    }

    [Fact]
    public void Merge_DifferentData_ClearError()
    {
        using var dir = new TempDirectory();
        Simulate(dir, "a", "--strategy", "margin").Code.ShouldBe(0);
        var json = File.ReadAllText(dir.File("a/results.json")).Replace("train.jsonl", "other.jsonl", StringComparison.Ordinal);
        Directory.CreateDirectory(dir.File("c"));
        File.WriteAllText(dir.File("c/results.json"), json);
        var error = new StringWriter();
        SiftApp.Run(["merge", "--out", dir.File("m"), dir.File("a/results.json"), dir.File("c/results.json")], error).ShouldBe(2);
        error.ToString().ShouldContain("other.jsonl");
    }
}
