using Sift.Oracles;
using Sift.Routing;

namespace Sift.Simulation.Routing;

/// <summary>One point of a downstream curve: after this many labels and this much money, the classifier's test accuracy.</summary>
/// <param name="Labels">Labels the classifier was trained on (seed set included).</param>
/// <param name="Money">Money spent on them: the seed set at one person's cost per item, then every answer bought (models and people).</param>
/// <param name="Accuracy">Test accuracy of the classifier trained on them.</param>
public sealed record DownstreamPoint(int Labels, double Money, double Accuracy);

/// <summary>One active-learning run with one kind of oracle.</summary>
/// <param name="Arm"><c>STRATEGY + router</c>, <c>STRATEGY + people</c>, <c>random + people</c>, <c>random + router</c>.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Points">Its curve.</param>
/// <param name="LabelAccuracy">Share of the labels the oracle gave (seed set excluded) that were the gold label.</param>
public sealed record DownstreamRun(string Arm, int Seed, IReadOnlyList<DownstreamPoint> Points, double LabelAccuracy);

/// <summary>
/// The issue's downstream comparison: classifier accuracy by money spent, active learning whose labels come from the
/// router (a simulated LLM and simulated people) against active learning and random sampling whose labels come from one
/// simulated person each. Each run gets its own oracle (a fresh router learns its calibration within the run); the
/// seed set is labeled with gold and charged at one person's cost in every arm.
/// </summary>
public static class DownstreamSimulation
{
    /// <summary>Runs every arm for every seed of <paramref name="simulation"/> (its first strategy; random is the control).</summary>
    /// <param name="data">The data (pool, test).</param>
    /// <param name="simulation">Strategy, seeds, seed set, batch, budget; run one at a time here.</param>
    /// <param name="routing">The simulated LLM (the first profile), people, target and router settings.</param>
    /// <param name="reference">The reference learner's probabilities behind the simulated LLM.</param>
    /// <param name="cancellationToken">Cancels the runs.</param>
    public static IReadOnlyList<DownstreamRun> Run(SimulationData data, SimulationOptions simulation, RoutingSimulationOptions routing, ReferenceProbabilities reference,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(reference);
        if (routing.Models.Count == 0) throw new ConfigurationException("The downstream comparison needs a --llm-sim profile.");
        var strategy = simulation.Strategies.FirstOrDefault(s => !string.Equals(s, "random", StringComparison.OrdinalIgnoreCase)) ?? "margin";
        var runs = new List<DownstreamRun>();
        for (var seed = simulation.FirstSeed; seed < simulation.FirstSeed + simulation.Seeds; seed++)
        {
            var baseSeed = Seeds.Mix(0xD0D0UL, (ulong)seed);
            var options = simulation with { Strategies = [strategy], Seeds = 1, FirstSeed = seed, Parallelism = 1, Stop = null };
            foreach (var withRouter in new[] { false, true })
            {
                var scoped = new RunScopedOracle(() =>
                {
                    var people = new SimulatedPeople(routing.People, data.PoolLabels, data.ClassNames, Seeds.Mix(baseSeed, "people"));
                    if (!withRouter) return people;
                    var llm = new SimulatedLlm(reference, routing.Models[0], data.PoolLabels, data.ClassNames, data.PoolContent, Seeds.Mix(baseSeed, "llm"));
                    return new RoutingOracle(llm, people, routing.Router with
                    {
                        TargetAccuracy = routing.TargetAccuracy,
                        AuditShare = routing.AuditShare,
                        Seed = Seeds.Mix(baseSeed, "audit"),
                    });
                }, data.ClassNames, data.PoolLabels);
                var result = new Simulator(data, options, scoped).Run(cancellationToken: cancellationToken);
                var seedCost = options.SeedSize * routing.People.CostPerAnswer;
                for (var r = 0; r < result.Runs.Count; r++)
                {
                    var run = result.Runs[r];
                    var spent = scoped.Spent(r);
                    var points = run.Rounds.Select((round, j) => new DownstreamPoint(round.Labels, seedCost + (j == 0 || spent.Count == 0 ? 0 : spent[Math.Min(j, spent.Count) - 1]), round.Accuracy)).ToList();
                    runs.Add(new DownstreamRun($"{run.Strategy} + {(withRouter ? "router" : "people")}", seed, points, scoped.LabelAccuracy(r)));
                }
            }
        }
        return runs;
    }
}

/// <summary>
/// Gives each simulation run its own oracle: a request for round 0 starts a new one (the simulator, run one at a
/// time, asks round 0 first in every run). Records each run's cumulative money per call and whether its labels
/// were right.
/// </summary>
internal sealed class RunScopedOracle(Func<IOracle> factory, IReadOnlyList<string> classNames, int[] gold) : IOracle
{
    private readonly List<List<double>> _spent = [];
    private readonly List<(int Right, int Total)> _labels = [];
    private IOracle? _current;

    public string Name => _current?.Name ?? "run-scoped";

    public IReadOnlyList<double> Spent(int run) => run < _spent.Count ? _spent[run] : [];

    public double LabelAccuracy(int run) => run < _labels.Count && _labels[run].Total > 0 ? (double)_labels[run].Right / _labels[run].Total : double.NaN;

    public async ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_current is null || request.Round == 0)
        {
            _current = factory();
            _spent.Add([]);
            _labels.Add((0, 0));
        }
        var answers = await _current.AskAsync(request, cancellationToken).ConfigureAwait(false);
        var money = answers.Sum(a => a.Provenance.Cost.Money);
        var spent = _spent[^1];
        spent.Add((spent.Count > 0 ? spent[^1] : 0) + money);
        var (right, total) = _labels[^1];
        foreach (var (q, a) in request.Questions.Zip(answers))
        {
            total++;
            if (q.PoolIndex >= 0 && a.Labels.Count == 1 && q.PoolIndex < gold.Length && a.Labels[0] == classNames[gold[q.PoolIndex]]) right++;
        }
        _labels[^1] = (right, total);
        return answers;
    }
}
