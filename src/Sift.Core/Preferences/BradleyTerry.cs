using System.Globalization;
using Sift.Features;
using Sift.Learners;

namespace Sift.Preferences;

/// <summary>
/// Fits a reward model from pairwise comparisons: utility u(x) = w·φ(x), outcome probabilities from Δ = w·(φ_A − φ_B)
/// under Bradley–Terry with ties (<see cref="TieModel"/>, Davidson by default), minimising
/// C·Σᵢ sᵢ·(−log P(oᵢ | Δᵢ)) + ½‖w‖² + ½t² (t the log tie parameter) with L-BFGS, warm-started from a previous model.
/// </summary>
/// <remarks>
/// <para>Input is a <see cref="TrainingSet"/> whose features are a <em>difference</em> matrix (row = φ_A − φ_B of a
/// pair, e.g. from <see cref="PairFeatures"/>) and whose labels are <see cref="PreferenceOutcome"/> values; sample
/// weights sᵢ are honoured. Ties are fitted unless the tie model is <see cref="TieModel.None"/> (then dropped);
/// "both bad" follows <see cref="BradleyTerryOptions.BothBad"/> (left out by default). When the answers used hold no
/// tie, the model is plain Bradley–Terry and predicts P(tie) = 0.</para>
/// <para>The tie parameter's small penalty keeps it finite when every answer is a tie; with more than a few dozen
/// answers its effect is negligible. The objective is divided by C·Σs (as <see cref="LogisticRegression"/> does), so
/// the gradient tolerance does not depend on the data size. Deterministic: fixed partitions, sums in block order.</para>
/// </remarks>
public sealed class BradleyTerry : ILearner
{
    /// <summary>Creates a learner.</summary>
    /// <exception cref="ConfigurationException">An option is out of range.</exception>
    public BradleyTerry(BradleyTerryOptions? options = null)
    {
        Options = options ?? new BradleyTerryOptions();
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public BradleyTerryOptions Options { get; }

    /// <inheritdoc />
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"bradley-terry(ties={Options.Ties.ToString().ToLowerInvariant()}, both_bad={Options.BothBad.ToString().ToLowerInvariant()}, C={Options.C}, max_iter={Options.MaxIterations}, tol={Options.Tolerance})");

    /// <inheritdoc />
    public IClassifier Fit(TrainingSet data, IClassifier? warmStart = null, CancellationToken cancellationToken = default) =>
        FitModel(data, warmStart as BradleyTerryModel, cancellationToken);

    /// <summary>Fits a reward model; see the class remarks.</summary>
    /// <exception cref="ArgumentException">The set is malformed, has more than 4 classes, or no answer the fit can use.</exception>
    public BradleyTerryModel FitModel(TrainingSet data, BradleyTerryModel? warmStart = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.Validate();
        if (data.ClassCount is < 2 or > 4)
            throw new ArgumentException($"A preference schema has 2 to 4 classes (A, B, tie, both-bad), not {data.ClassCount}.", nameof(data));
        var problem = Problem.Create(data, Options);
        if (problem.Count == 0)
            throw new ArgumentException("No comparison can be fitted: every answer is a tie or 'both bad' that the options leave out.", nameof(data));
        var theta = new double[problem.Dimension];
        problem.Start(theta, warmStart);
        var result = Lbfgs.MinimizeInPlace(problem.Evaluate, theta, Options.Solver, cancellationToken);
        var d = data.Features.Columns;
        return new BradleyTerryModel(data.ClassCount, theta.AsSpan(0, d).ToArray(), Options.Ties,
            problem.FitsTie ? theta[d] : double.NegativeInfinity, 1.0, result);
    }

    /// <summary>The averaged objective and its gradient over the comparisons the options use (for tests and diagnostics).</summary>
    internal static (Lbfgs.ArrayObjective Objective, int Dimension, bool FitsTie) CreateObjective(TrainingSet data, BradleyTerryOptions options)
    {
        var problem = Problem.Create(data, options);
        return (problem.Evaluate, problem.Dimension, problem.FitsTie);
    }

    private sealed class Problem
    {
        private const int Block = 512;
        private readonly FeatureMatrix _x;
        private readonly int[] _rows;
        private readonly int[] _outcomes;   // 0 = A, 1 = B, 2 = tie
        private readonly double[] _weights; // sᵢ / Σs
        private readonly double _l2;        // 1 / (C·Σs)
        private readonly TieModel _ties;
        private readonly double _tieShare;
        private readonly int _d;
        private readonly double[] _partials; // per block: d gradient entries, then the tie derivative and the loss

        private Problem(FeatureMatrix x, int[] rows, int[] outcomes, double[] weights, double l2, TieModel ties, bool fitsTie, double tieShare)
        {
            _x = x;
            _rows = rows;
            _outcomes = outcomes;
            _weights = weights;
            _l2 = l2;
            _ties = ties;
            FitsTie = fitsTie;
            _tieShare = tieShare;
            _d = x.Columns;
            _partials = new double[Math.Max(1, (rows.Length + Block - 1) / Block) * (_d + 2)];
        }

        public int Count => _rows.Length;

        public bool FitsTie { get; }

        public int Dimension => _d + (FitsTie ? 1 : 0);

        public static Problem Create(TrainingSet data, BradleyTerryOptions options)
        {
            var rows = new List<int>();
            var outcomes = new List<int>();
            var weights = new List<double>();
            for (var i = 0; i < data.Rows.Length; i++)
            {
                int code;
                switch ((PreferenceOutcome)data.Labels[i])
                {
                    case PreferenceOutcome.A: code = 0; break;
                    case PreferenceOutcome.B: code = 1; break;
                    case PreferenceOutcome.Tie when options.Ties != TieModel.None: code = 2; break;
                    case PreferenceOutcome.BothBad when options.Ties != TieModel.None && options.BothBad == BothBadPolicy.AsTie: code = 2; break;
                    default: continue;
                }
                var s = data.Weights?[i] ?? 1.0;
                if (!(s >= 0) || !double.IsFinite(s)) throw new ArgumentException($"Sample weight {s} of row {i} is not a finite number ≥ 0.", nameof(data));
                if (s == 0) continue;
                rows.Add(data.Rows[i]);
                outcomes.Add(code);
                weights.Add(s);
            }
            var sum = weights.Sum();
            var tieWeight = outcomes.Select((o, i) => o == 2 ? weights[i] : 0).Sum();
            var fitsTie = tieWeight > 0;
            var ties = options.Ties == TieModel.RaoKupper ? TieModel.RaoKupper : TieModel.Davidson;
            return new Problem(data.Features, rows.ToArray(), outcomes.ToArray(),
                sum > 0 ? weights.Select(w => w / sum).ToArray() : [], sum > 0 ? 1.0 / (options.C * sum) : 0, ties, fitsTie, sum > 0 ? tieWeight / sum : 0);
        }

        /// <summary>Starts from the warm model when it fits the same features and tie model; else w = 0 and the tie parameter that matches the tie share at Δ = 0.</summary>
        public void Start(double[] theta, BradleyTerryModel? warm)
        {
            if (warm is not null && warm.FeatureCount == _d) warm.Weights.CopyTo(theta);
            if (!FitsTie) return;
            var modelTies = warm?.Ties == TieModel.RaoKupper ? TieModel.RaoKupper : TieModel.Davidson;
            if (warm is not null && warm.FeatureCount == _d && modelTies == _ties && double.IsFinite(warm.TieParameter))
            {
                theta[_d] = warm.TieParameter;
                return;
            }
            var share = Math.Clamp(_tieShare, 0.01, 0.9);
            // Davidson at Δ = 0: P(tie) = ν/(2 + ν); Rao–Kupper: P(tie) = tanh(η/2).
            theta[_d] = _ties == TieModel.RaoKupper ? Math.Log(Math.Log((1 + share) / (1 - share))) : Math.Log(2 * share / (1 - share));
        }

        public double Evaluate(double[] theta, double[] gradient)
        {
            var d = _d;
            var t = FitsTie ? theta[d] : double.NegativeInfinity;
            var partials = _partials;
            var stride = d + 2;
            Array.Clear(partials);
            Parallelism.ForBlocks(_rows.Length, Block, (start, length) =>
            {
                var p = partials.AsSpan(start / Block * stride, stride);
                var g = p[..d];
                double loss = 0, tie = 0;
                for (var i = start; i < start + length; i++)
                {
                    var delta = _x.Dot(_rows[i], theta.AsSpan(0, d));
                    var s = _weights[i];
                    loss += s * PairLikelihood.Loss(_ties, _outcomes[i], delta, t, out var dDelta, out var dTie);
                    if (dDelta != 0) _x.AddScaledRow(_rows[i], s * dDelta, g);
                    tie += s * dTie;
                }
                p[d] = tie;
                p[d + 1] = loss;
            });
            double value = 0, tieGradient = 0;
            Array.Clear(gradient);
            var blocks = Math.Max(1, (_rows.Length + Block - 1) / Block);
            for (var b = 0; b < blocks; b++)
            {
                var p = partials.AsSpan(b * stride, stride);
                for (var j = 0; j < d; j++) gradient[j] += p[j];
                tieGradient += p[d];
                value += p[d + 1];
            }
            double penalty = 0;
            for (var j = 0; j < d; j++)
            {
                penalty += theta[j] * theta[j];
                gradient[j] += _l2 * theta[j];
            }
            if (FitsTie)
            {
                penalty += t * t;
                gradient[d] = tieGradient + _l2 * t;
            }
            return value + 0.5 * _l2 * penalty;
        }
    }
}
