using System.Globalization;
using Sift.Features;
using Sift.Items;
using Sift.Learners;
using Sift.Oracles;
using Sift.Routing;

namespace Sift.Simulation.Routing;

/// <summary>
/// The reference learner's view of each pool item, from which simulated LLMs are built: d_i, the cross-validated
/// probability of the item's true class (logistic regression, k folds, each item predicted by the model that did not
/// see it), and the most probable wrong class. Computed once per data set with a fixed fold split, so the profiles
/// built on it do not depend on any run's seed.
/// </summary>
public sealed class ReferenceProbabilities
{
    private ReferenceProbabilities(double[] trueClass, int[] wrongClass, int folds)
    {
        TrueClass = trueClass;
        WrongClass = wrongClass;
        Folds = folds;
    }

    /// <summary>d_i: the cross-validated probability of item i's true class.</summary>
    public IReadOnlyList<double> TrueClass { get; }

    /// <summary>The class other than the true one that the reference learner finds most probable for item i.</summary>
    public IReadOnlyList<int> WrongClass { get; }

    /// <summary>Number of folds.</summary>
    public int Folds { get; }

    /// <summary>Builds the reference from precomputed values (tests, or a cache).</summary>
    /// <exception cref="ArgumentException">Lengths differ or a probability is outside [0, 1].</exception>
    public static ReferenceProbabilities FromValues(IReadOnlyList<double> trueClass, IReadOnlyList<int> wrongClass, int folds = 0)
    {
        ArgumentNullException.ThrowIfNull(trueClass);
        ArgumentNullException.ThrowIfNull(wrongClass);
        if (trueClass.Count != wrongClass.Count) throw new ArgumentException("True-class probabilities and wrong classes differ in length.", nameof(wrongClass));
        if (trueClass.Any(d => !(d >= 0 && d <= 1))) throw new ArgumentException("A probability is outside [0, 1].", nameof(trueClass));
        return new ReferenceProbabilities(trueClass.ToArray(), wrongClass.ToArray(), folds);
    }

    /// <summary>
    /// Cross-validates <paramref name="learner"/> over the pool in <paramref name="folds"/> folds (a fixed seeded split)
    /// and returns d_i and the most probable wrong class per item.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 folds, or more folds than items.</exception>
    public static ReferenceProbabilities Compute(FeatureMatrix pool, int[] labels, int classes, ILearner learner, int folds = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(learner);
        var n = pool.Rows;
        if (folds < 2 || folds > n) throw new ArgumentException($"Cross-validation needs between 2 and {n} folds.", nameof(folds));
        var order = Enumerable.Range(0, n).ToArray();
        Seeds.Random(Seeds.Mix(0x5EEDUL, "reference-folds")).Shuffle(order);
        var fold = new int[n];
        for (var p = 0; p < n; p++) fold[order[p]] = p % folds;
        var probabilities = new float[n * classes];
        Parallel.For(0, folds, new ParallelOptions { CancellationToken = cancellationToken }, f =>
        {
            var train = Enumerable.Range(0, n).Where(i => fold[i] != f).ToArray();
            var held = Enumerable.Range(0, n).Where(i => fold[i] == f).ToArray();
            var model = learner.Fit(new TrainingSet(pool, train, train.Select(i => labels[i]).ToArray(), classes), null, cancellationToken);
            var p = new float[held.Length * classes];
            model.PredictProba(pool, held, p);
            for (var j = 0; j < held.Length; j++) p.AsSpan(j * classes, classes).CopyTo(probabilities.AsSpan(held[j] * classes, classes));
        });
        var d = new double[n];
        var wrong = new int[n];
        for (var i = 0; i < n; i++)
        {
            var row = probabilities.AsSpan(i * classes, classes);
            d[i] = Math.Clamp(row[labels[i]], 0f, 1f);
            var best = -1;
            for (var c = 0; c < classes; c++)
                if (c != labels[i] && (best < 0 || row[c] > row[best])) best = c;
            wrong[i] = Math.Max(best, 0);
        }
        return new ReferenceProbabilities(d, wrong, folds);
    }
}

/// <summary>How a simulated LLM states its confidence.</summary>
public enum SimulatedCalibration
{
    /// <summary>It states p_i, its true probability of being right.</summary>
    Calibrated,

    /// <summary>It states p_i^(1/3): always more sure than it should be, most of all where it is often wrong.</summary>
    Overconfident,
}

/// <summary>
/// A simulated LLM's profile: its mean accuracy, how it states confidence, and its price. Spec:
/// <c>accuracy=0.9,calibration=overconfident[,price_in=0.0005,price_out=0.0015]</c> (prices per 1k tokens).
/// </summary>
/// <param name="Accuracy">Mean probability of a right answer over the pool, in (0, 1).</param>
/// <param name="Calibration">Calibrated or over-confident.</param>
public sealed record LlmProfile(double Accuracy, SimulatedCalibration Calibration)
{
    /// <summary>Price per 1k tokens. Default 0.0005 in, 0.0015 out (a small hosted model, in the unit of people's cost when that is dollars).</summary>
    public ModelPrice Price { get; init; } = new(0.0005, 0.0015);

    /// <summary>
    /// The name on every answer: <c>simulated-llm(accuracy=0.9,overconfident)</c>, with <c>,price_in=…,price_out=…</c>
    /// when the price is not the default (so a cheap and a dear model of the same accuracy are told apart).
    /// </summary>
    public string Name => string.Create(CultureInfo.InvariantCulture,
        $"simulated-llm(accuracy={Accuracy},{(Calibration == SimulatedCalibration.Overconfident ? "overconfident" : "calibrated")}{(Price == DefaultPrice ? "" : $",price_in={Price.InputPer1k},price_out={Price.OutputPer1k}")})");

    private static readonly ModelPrice DefaultPrice = new(0.0005, 0.0015);

    /// <summary>Parses a spec.</summary>
    /// <exception cref="ConfigurationException">The spec is malformed; the message names the part.</exception>
    public static LlmProfile Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = SpecParts.Parse(spec, "--llm-sim");
        var accuracy = SpecParts.Number(parts, "accuracy", spec, "--llm-sim", null);
        if (!(accuracy > 0 && accuracy < 1)) throw new ConfigurationException($"--llm-sim '{spec}': accuracy must be between 0 and 1 (exclusive).");
        var calibration = parts.TryGetValue("calibration", out var c) ? c.ToLowerInvariant() switch
        {
            "calibrated" => SimulatedCalibration.Calibrated,
            "overconfident" or "over-confident" => SimulatedCalibration.Overconfident,
            _ => throw new ConfigurationException($"--llm-sim '{spec}': calibration must be 'calibrated' or 'overconfident', not '{c}'."),
        } : SimulatedCalibration.Calibrated;
        var price = new ModelPrice(SpecParts.Number(parts, "price_in", spec, "--llm-sim", 0.0005), SpecParts.Number(parts, "price_out", spec, "--llm-sim", 0.0015));
        price.Validate();
        SpecParts.NoOthers(parts, spec, "--llm-sim", "accuracy", "calibration", "price_in", "price_out");
        return new LlmProfile(accuracy, calibration) { Price = price };
    }
}

/// <summary>
/// Simulated people: each answer right with the profile's accuracy, else a uniformly drawn other class; each costs
/// the profile's rate. Spec: <c>accuracy=0.95,cost=1.0[,hourly=30,seconds=20]</c>.
/// </summary>
/// <param name="Accuracy">Probability that an answer is right.</param>
/// <param name="Rate">Cost per label and per hour.</param>
/// <param name="Seconds">Time on task per answer (for an hourly rate).</param>
public sealed record PersonProfile(double Accuracy, PersonRate Rate, double Seconds = 0)
{
    /// <summary>Money per answer.</summary>
    public double CostPerAnswer => Rate.Cost(Seconds);

    /// <summary>Parses a spec.</summary>
    /// <exception cref="ConfigurationException">The spec is malformed; the message names the part.</exception>
    public static PersonProfile Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = SpecParts.Parse(spec, "--human-sim");
        var accuracy = SpecParts.Number(parts, "accuracy", spec, "--human-sim", null);
        if (!(accuracy > 0 && accuracy <= 1)) throw new ConfigurationException($"--human-sim '{spec}': accuracy must be in (0, 1].");
        var rate = new PersonRate(SpecParts.Number(parts, "cost", spec, "--human-sim", parts.ContainsKey("hourly") ? 0 : 1.0), SpecParts.Number(parts, "hourly", spec, "--human-sim", 0));
        rate.Validate();
        var seconds = SpecParts.Number(parts, "seconds", spec, "--human-sim", 0);
        if (seconds < 0) throw new ConfigurationException($"--human-sim '{spec}': seconds cannot be negative.");
        SpecParts.NoOthers(parts, spec, "--human-sim", "accuracy", "cost", "hourly", "seconds");
        return new PersonProfile(accuracy, rate, seconds);
    }
}

/// <summary>key=value,key=value specs.</summary>
internal static class SpecParts
{
    public static Dictionary<string, string> Parse(string spec, string option)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (spec.Length > 400) throw new ConfigurationException($"{option}: the spec is longer than 400 characters.");
        foreach (var raw in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ConfigurationException($"{option} '{spec}': '{raw}' is not key=value.");
            if (!parts.TryAdd(raw[..eq].Trim(), raw[(eq + 1)..].Trim())) throw new ConfigurationException($"{option} '{spec}': '{raw[..eq].Trim()}' is given twice.");
        }
        return parts;
    }

    public static double Number(Dictionary<string, string> parts, string key, string spec, string option, double? fallback)
    {
        if (!parts.TryGetValue(key, out var raw))
            return fallback ?? throw new ConfigurationException($"{option} '{spec}': '{key}' is missing.");
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new ConfigurationException($"{option} '{spec}': {key} '{raw}' is not a number.");
        return v;
    }

    public static void NoOthers(Dictionary<string, string> parts, string spec, string option, params string[] known)
    {
        var other = parts.Keys.FirstOrDefault(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase));
        if (other is not null) throw new ConfigurationException($"{option} '{spec}': unknown key '{other}' (known: {string.Join(", ", known)}).");
    }
}

/// <summary>
/// A simulated LLM over the pool (the routing issue's fixed construction): item i is answered right with probability
/// p_i = σ(a + logit(d_i)), d_i from <see cref="ReferenceProbabilities"/> and a solved so that the mean of p_i is the
/// profile's accuracy; a wrong answer is the reference learner's most probable wrong class; the stated confidence is
/// p_i (calibrated) or p_i^(1/3) (over-confident). Whether item i is answered right is drawn once per (seed, item), so
/// the same oracle answers the same item the same way every time. Tokens: 150 for the prompt plus one per 4
/// characters of the item in, 8 out; money from the profile's price. Provenance kind Simulation, named
/// <see cref="LlmProfile.Name"/>. Immutable and thread-safe.
/// </summary>
public sealed class SimulatedLlm : IRoutedModel, IPricedOracle
{
    private readonly LlmProfile _profile;
    private readonly IReadOnlyList<string> _classNames;
    private readonly int[] _gold;
    private readonly int[] _wrong;
    private readonly double[] _p;
    private readonly bool[] _right;
    private readonly int[] _inputTokens;

    /// <summary>Creates the simulated LLM.</summary>
    /// <param name="reference">d_i and the wrong classes.</param>
    /// <param name="profile">Accuracy, calibration, price.</param>
    /// <param name="gold">Gold class per pool item.</param>
    /// <param name="classNames">The label schema.</param>
    /// <param name="content">Pool contents (for token counts).</param>
    /// <param name="seed">Seed of the right/wrong draws.</param>
    public SimulatedLlm(ReferenceProbabilities reference, LlmProfile profile, int[] gold, IReadOnlyList<string> classNames, IReadOnlyList<ItemContent> content, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(content);
        if (gold.Length != reference.TrueClass.Count || content.Count != gold.Length) throw new ArgumentException("The reference, gold labels and contents differ in length.", nameof(gold));
        _profile = profile;
        _classNames = classNames;
        _gold = gold;
        _wrong = reference.WrongClass.ToArray();
        Intercept = SolveIntercept(reference.TrueClass, profile.Accuracy);
        _p = reference.TrueClass.Select(d => PlattCalibrator.Sigmoid(Intercept + PlattCalibrator.Logit(d))).ToArray();
        _right = new bool[_p.Length];
        for (var i = 0; i < _p.Length; i++) _right[i] = Seeds.Uniform(seed, i) < _p[i];
        _inputTokens = content.Select(c => 150 + (c.FeatureText.Length + 3) / 4).ToArray();
    }

    /// <summary>a: the shift on the logit scale that makes the mean of p_i the profile's accuracy.</summary>
    public double Intercept { get; }

    /// <summary>p_i per pool item.</summary>
    public IReadOnlyList<double> Probabilities => _p;

    /// <summary>The profile.</summary>
    public LlmProfile Profile => _profile;

    /// <inheritdoc />
    public string Name => _profile.Name;

    /// <summary>Whether the answer to pool item <paramref name="item"/> is right.</summary>
    public bool IsRight(int item) => _right[item];

    /// <summary>The class answered for pool item <paramref name="item"/>.</summary>
    public int AnswerClass(int item) => _right[item] ? _gold[item] : _wrong[item];

    /// <summary>The confidence stated for pool item <paramref name="item"/>.</summary>
    public double StatedConfidence(int item) => _profile.Calibration == SimulatedCalibration.Overconfident ? Math.Pow(_p[item], 1.0 / 3) : _p[item];

    /// <summary>The money one answer about pool item <paramref name="item"/> costs.</summary>
    public double Cost(int item) => _profile.Price.Cost(_inputTokens[item], 8);

    /// <inheritdoc />
    public double ExpectedCost(OracleQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return (uint)question.PoolIndex < (uint)_inputTokens.Length ? Cost(question.PoolIndex) : double.NaN;
    }

    /// <summary>Solves mean σ(a + logit(d_i)) = accuracy for a by bisection (the mean is increasing in a).</summary>
    public static double SolveIntercept(IReadOnlyList<double> d, double accuracy)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.Count == 0) return 0;
        var logits = d.Select(PlattCalibrator.Logit).ToArray();
        double lo = -50, hi = 50;
        for (var it = 0; it < 200; it++)
        {
            var mid = (lo + hi) / 2;
            var mean = logits.Average(z => PlattCalibrator.Sigmoid(mid + z));
            if (mean < accuracy) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answers = new OracleAnswer[request.Questions.Count];
        for (var q = 0; q < answers.Length; q++)
        {
            var question = request.Questions[q];
            var i = question.PoolIndex;
            if ((uint)i >= (uint)_p.Length) throw new ArgumentException($"Item '{question.ItemId}' has no pool index.", nameof(request));
            var provenance = new Provenance
            {
                Kind = OracleKind.Simulation,
                Name = Name,
                Confidence = StatedConfidence(i),
                ConfidenceMethod = "profile",
                Cost = new AnswerCost(Cost(i), _inputTokens[i], 8),
            };
            answers[q] = OracleAnswer.Given(question.ItemId, [_classNames[AnswerClass(i)]], provenance);
        }
        return ValueTask.FromResult<IReadOnlyList<OracleAnswer>>(answers);
    }
}

/// <summary>
/// Simulated people over the pool: the j-th time an item is asked about, the j-th person answers (named
/// <c>simulated-person-j</c>), right with the profile's accuracy, else a uniformly drawn other class — drawn once per
/// (seed, person, item), so every policy that asks the same person about the same item gets the same answer. Each
/// answer costs <see cref="PersonProfile.CostPerAnswer"/>. Thread-safe.
/// </summary>
public sealed class SimulatedPeople : IOracle
{
    private readonly PersonProfile _profile;
    private readonly int[] _gold;
    private readonly IReadOnlyList<string> _classNames;
    private readonly ulong _seed;
    private readonly Dictionary<int, int> _asked = [];
    private readonly Lock _gate = new();

    /// <summary>Creates simulated people.</summary>
    public SimulatedPeople(PersonProfile profile, int[] gold, IReadOnlyList<string> classNames, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(classNames);
        _profile = profile;
        _gold = gold;
        _classNames = classNames;
        _seed = seed;
    }

    /// <inheritdoc />
    public string Name => string.Create(CultureInfo.InvariantCulture, $"simulated-people(accuracy={_profile.Accuracy})");

    /// <summary>The class person <paramref name="person"/> (0-based) answers for pool item <paramref name="item"/>.</summary>
    public int Answer(int item, int person)
    {
        var k = _classNames.Count;
        if (Seeds.Uniform(Seeds.Mix(_seed, (ulong)person), item) < _profile.Accuracy || k < 2) return _gold[item];
        var other = (int)(Seeds.Uniform(Seeds.Mix(_seed, 1000UL + (ulong)person), item) * (k - 1));
        return other >= _gold[item] ? other + 1 : other;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answers = new OracleAnswer[request.Questions.Count];
        for (var q = 0; q < answers.Length; q++)
        {
            var question = request.Questions[q];
            var i = question.PoolIndex;
            if ((uint)i >= (uint)_gold.Length) throw new ArgumentException($"Item '{question.ItemId}' has no pool index.", nameof(request));
            int person;
            lock (_gate)
            {
                _asked.TryGetValue(i, out person);
                _asked[i] = person + 1;
            }
            var provenance = new Provenance
            {
                Kind = OracleKind.Simulation,
                Name = string.Create(CultureInfo.InvariantCulture, $"simulated-person-{person + 1}"),
                Cost = new AnswerCost(_profile.CostPerAnswer, Seconds: _profile.Seconds),
            };
            answers[q] = OracleAnswer.Given(question.ItemId, [_classNames[Answer(i, person)]], provenance);
        }
        return ValueTask.FromResult<IReadOnlyList<OracleAnswer>>(answers);
    }
}
