using System.Globalization;
using Sift.Learners;

namespace Sift.Strategies;

/// <summary>Settings of <see cref="BanditStrategy"/>.</summary>
public sealed record BanditOptions
{
    /// <summary>Share of each batch drawn uniformly at random as the reward probe (at least one item). Default 0.2.</summary>
    public double ProbeShare { get; init; } = 0.2;

    /// <summary>EXP3's uniform exploration γ. Default 0.2.</summary>
    public double Gamma { get; init; } = 0.2;

    /// <summary>An accuracy gain of this size on the probe earns the full reward 1 (losses likewise −1). Default 0.05.</summary>
    public double RewardScale { get; init; } = 0.05;
}

/// <summary>
/// Picks the base strategy for each batch with EXP3 (Auer et al. 2002), in the spirit of Active Learning by Learning
/// (Hsu &amp; Lin 2015). The reward is an unbiased estimate of the batch's gain: every batch reserves a uniformly random
/// probe; once labeled, the probe scores the model trained after the arm's batch against the model before it — neither
/// saw the probe — so the difference of their probe accuracies is an unbiased estimate of the accuracy gain the arm's
/// batch bought. Rewards arrive two rounds late; the importance-weighted EXP3 update keeps the estimate unbiased for the
/// arm actually played. The probe doubles as blind-spot exploration. One instance serves one run (it keeps state).
/// </summary>
public sealed class BanditStrategy : IQueryStrategy
{
    private readonly IReadOnlyList<IQueryStrategy> _arms;
    private readonly BanditOptions _options;
    private readonly double[] _logWeights;
    private IClassifier? _previousModel;       // model of the last round
    private IClassifier? _olderModel;          // model of the round before
    private int[] _lastProbe = [];
    private readonly List<int> _armHistory = [];

    /// <summary>Creates the bandit over <paramref name="arms"/> (distinct names).</summary>
    public BanditStrategy(IReadOnlyList<IQueryStrategy> arms, BanditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(arms);
        if (arms.Count < 2) throw new ArgumentException("A bandit needs at least two arms.", nameof(arms));
        _arms = arms;
        _options = options ?? new BanditOptions();
        if (_options.ProbeShare is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), "probe share must be in (0, 1).");
        if (_options.Gamma is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), "γ must be in (0, 1].");
        _logWeights = new double[arms.Count];
    }

    /// <inheritdoc />
    public string Name => "auto";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Parameters => new Dictionary<string, object?>
    {
        ["arms"] = _arms.Select(a => a.Name).ToList(),
        ["probe_share"] = _options.ProbeShare,
        ["gamma"] = _options.Gamma,
        ["reward_scale"] = _options.RewardScale,
    };

    /// <summary>Current arm probabilities (EXP3 mixture of the weights and the uniform distribution).</summary>
    public double[] Probabilities()
    {
        var max = _logWeights.Max();
        var w = _logWeights.Select(l => Math.Exp(l - max)).ToArray();
        var sum = w.Sum();
        var k = _arms.Count;
        return w.Select(x => (1 - _options.Gamma) * x / sum + _options.Gamma / k).ToArray();
    }

    /// <inheritdoc />
    public QueryResult Select(QueryContext context, int count)
    {
        StrategyGuard.CheckCount(context, count);
        var reward = UpdateFromProbe(context);
        var probabilities = Probabilities();
        var rng = context.CreateRandom("bandit");
        var arm = Sample(probabilities, rng.NextDouble());
        _armHistory.Add(arm);

        var probeSize = count == 1 ? 0 : Math.Max(1, (int)Math.Round(_options.ProbeShare * count, MidpointRounding.AwayFromZero));
        var armPicks = _arms[arm].Select(context, count - probeSize);
        var taken = armPicks.Indices.ToHashSet();
        var indices = armPicks.Indices.ToList();
        var scores = armPicks.Scores.ToList();
        var reasons = armPicks.Reasons.Select(r => $"auto → {_arms[arm].Name}: {r}").ToList();
        var probe = Array.Empty<int>();
        if (probeSize > 0)
        {
            var rest = context.Candidates.Where(i => !taken.Contains(i)).ToArray();
            var r = new RandomSampling().Select(new QueryContext(context.Features, rest, Seeds.Mix(context.Seed, "probe")), probeSize);
            probe = r.Indices;
            indices.AddRange(r.Indices);
            scores.AddRange(r.Scores);
            reasons.AddRange(r.Indices.Select(_ => "auto: random reward probe (scores the next models)"));
        }

        _olderModel = _previousModel;
        _previousModel = context.Model;
        _lastProbe = probe;
        var details = new Dictionary<string, object?>
        {
            ["arm"] = _arms[arm].Name,
            ["probabilities"] = _arms.Select((a, i) => (a.Name, p: Math.Round(probabilities[i], 6))).ToDictionary(x => x.Name, x => (object?)x.p),
            ["probe"] = probe.Length,
            ["reward"] = reward,
        };
        return new QueryResult(indices.ToArray(), scores.ToArray(), reasons.ToArray()) { Details = details };
    }

    private Dictionary<string, object?>? UpdateFromProbe(QueryContext context)
    {
        // The probe drawn last round is labeled now; the two models before it never saw it.
        if (_lastProbe.Length == 0 || _previousModel is null || _olderModel is null || context.Model is null || _armHistory.Count < 2) return null;
        var labels = new Dictionary<int, int>(context.LabeledIndices.Count);
        for (var i = 0; i < context.LabeledIndices.Count; i++) labels[context.LabeledIndices[i]] = context.LabeledClasses[i];
        var probe = _lastProbe.Where(labels.ContainsKey).ToArray();
        if (probe.Length == 0) return null;
        var gain = Accuracy(_previousModel, context, probe, labels) - Accuracy(_olderModel, context, probe, labels);
        var played = _armHistory[^2];
        var probabilities = Probabilities();
        var scaled = Math.Clamp(gain / _options.RewardScale, -1, 1);
        var reward01 = (scaled + 1) / 2;
        // EXP3: importance-weighted reward for the arm actually played.
        _logWeights[played] += _options.Gamma * (reward01 / probabilities[played]) / _arms.Count;
        return new Dictionary<string, object?>
        {
            ["arm"] = _arms[played].Name,
            ["probe_gain"] = Math.Round(gain, 6),
            ["reward"] = Math.Round(reward01, 6),
        };
    }

    private static double Accuracy(IClassifier model, QueryContext context, int[] rows, Dictionary<int, int> labels)
    {
        var k = model.ClassCount;
        var p = new float[rows.Length * k];
        model.PredictProba(context.Features, rows, p);
        var correct = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var best = 0;
            for (var c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
            if (best == labels[rows[i]]) correct++;
        }
        return (double)correct / rows.Length;
    }

    private static int Sample(double[] probabilities, double u)
    {
        double acc = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            acc += probabilities[i];
            if (u < acc) return i;
        }
        return probabilities.Length - 1;
    }

    /// <summary>The arms, for display.</summary>
    public override string ToString() => $"auto({string.Join(", ", _arms.Select(a => a.Name))}; γ={_options.Gamma.ToString(CultureInfo.InvariantCulture)})";
}
