using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Sift.Features;
using Sift.Learners;

namespace Sift.Preferences;

/// <summary>One comparison's predicted outcome probabilities (they sum to 1).</summary>
/// <param name="A">P(A ≻ B).</param>
/// <param name="B">P(B ≻ A).</param>
/// <param name="Tie">P(tie).</param>
public readonly record struct PairPrediction(double A, double B, double Tie)
{
    /// <summary>P(A ≻ B | the answer is decisive) = A / (A + B); ½ when both are 0.</summary>
    public double DecisiveA => A + B > 0 ? A / (A + B) : 0.5;
}

/// <summary>
/// A fitted reward model: utility u(x) = w·φ(x) of a response, and the outcome probabilities of a comparison from
/// Δ = u(A) − u(B) = w·(φ_A − φ_B) under its <see cref="TieModel"/>. As an <see cref="IClassifier"/> it reads rows of
/// a <em>difference</em> matrix (φ_A − φ_B per pair) and writes P(A), P(B), P(tie) and 0 for "both bad" (the classes
/// of <see cref="PreferenceOutcomes.Names"/>, as many as <see cref="ClassCount"/>). Immutable and thread-safe.
/// </summary>
public sealed class BradleyTerryModel : IClassifier
{
    private readonly double[] _weights;
    private readonly float[] _weightsSingle;

    internal BradleyTerryModel(int classCount, double[] weights, TieModel ties, double tieParameter, double temperature, LbfgsResult solver)
    {
        ClassCount = classCount;
        _weights = weights;
        _weightsSingle = weights.Select(v => (float)v).ToArray();
        Ties = ties;
        TieParameter = tieParameter;
        Temperature = temperature;
        Solver = solver;
        Fingerprint = ComputeFingerprint();
    }

    /// <inheritdoc />
    public int ClassCount { get; }

    /// <summary>Length of φ (columns of the difference matrix).</summary>
    public int FeatureCount => _weights.Length;

    /// <summary>The utility weights w.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>The tie model the parameters belong to.</summary>
    public TieModel Ties { get; }

    /// <summary>
    /// The fitted tie parameter on the log scale: log ν (Davidson) or log η (Rao–Kupper); −∞ when the model predicts
    /// no ties (tie model <see cref="TieModel.None"/>, or no tie in the training answers).
    /// </summary>
    public double TieParameter { get; }

    /// <summary>
    /// The tie parameter in its paper's notation: Davidson's ν, or Rao–Kupper's θ = e^η (≥ 1); 0 (Davidson, None) or 1
    /// (Rao–Kupper) when no ties are predicted.
    /// </summary>
    public double TieStrength => Ties == TieModel.RaoKupper ? Math.Exp(Math.Exp(TieParameter)) : Math.Exp(TieParameter);

    /// <summary>P(tie) for two responses of equal utility (Δ = 0), comparable across tie models: ν/(2 + ν) or tanh(η/2).</summary>
    public double TieProbabilityAtEquality => PairLikelihood.Probabilities(Ties, 0, TieParameter).Tie;

    /// <summary>Softmax temperature applied to the outcome log-probabilities (1 = uncalibrated). See <see cref="WithTemperature"/>.</summary>
    public double Temperature { get; }

    /// <summary>How the solver finished.</summary>
    public LbfgsResult Solver { get; }

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <summary>The utility u = w·φ of one response's features.</summary>
    public double Utility(ReadOnlySpan<float> features)
    {
        CheckWidth(features.Length);
        double s = 0;
        for (var j = 0; j < features.Length; j++) s += _weights[j] * features[j];
        return s;
    }

    /// <summary>Δ = w·(φ_A − φ_B) for a row of a difference matrix.</summary>
    public double Difference(FeatureMatrix differences, int row)
    {
        ArgumentNullException.ThrowIfNull(differences);
        CheckWidth(differences.Columns);
        return differences.Dot(row, _weights);
    }

    /// <summary>The outcome probabilities for a utility difference (with <see cref="Temperature"/> applied).</summary>
    public PairPrediction Predict(double delta)
    {
        Span<double> logp = stackalloc double[3];
        PairLikelihood.LogProbabilities(Ties, delta, TieParameter, logp);
        if (Temperature != 1)
            for (var c = 0; c < 3; c++) logp[c] /= Temperature;
        var m = Math.Max(logp[0], Math.Max(logp[1], logp[2]));
        double a = Math.Exp(logp[0] - m), b = Math.Exp(logp[1] - m), t = Math.Exp(logp[2] - m);
        var z = a + b + t;
        return new PairPrediction(a / z, b / z, t / z);
    }

    /// <summary>The uncalibrated log-probabilities log P(A), log P(B), log P(tie) — the logits temperature scaling works on.</summary>
    public void LogProbabilities(double delta, Span<double> destination)
    {
        if (destination.Length < 3) throw new ArgumentException("Needs room for three values.", nameof(destination));
        PairLikelihood.LogProbabilities(Ties, delta, TieParameter, destination);
    }

    /// <summary>
    /// Fisher information about Δ of one comparison at difference <paramref name="delta"/> (p(1 − p) for Bradley–Terry;
    /// the tie model's form otherwise). The information about w from a pair with difference vector z is this times zzᵀ.
    /// </summary>
    public double Information(double delta) => PairLikelihood.Information(Ties, delta, TieParameter);

    /// <summary>The same model with predictions passed through temperature <paramref name="temperature"/> (see <c>TemperatureScaling</c>).</summary>
    public BradleyTerryModel WithTemperature(double temperature)
    {
        if (!(temperature > 0) || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be a positive number.");
        return new BradleyTerryModel(ClassCount, _weights, Ties, TieParameter, temperature, Solver);
    }

    /// <inheritdoc />
    public void PredictProba(FeatureMatrix features, ReadOnlySpan<int> rows, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(features);
        CheckWidth(features.Columns);
        var k = ClassCount;
        if (destination.Length < rows.Length * k) throw new ArgumentException("The destination is too short.", nameof(destination));
        for (var i = 0; i < rows.Length; i++)
        {
            var p = Predict(features.Dot(rows[i], _weightsSingle));
            var d = destination.Slice(i * k, k);
            d.Clear();
            d[0] = (float)p.A;
            d[1] = (float)p.B;
            if (k > 2) d[2] = (float)p.Tie;
        }
    }

    /// <summary>Describes the fitted parameters for the record.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Ties} reward model: {FeatureCount} weights, P(tie | Δ=0) = {TieProbabilityAtEquality:0.###}, T = {Temperature:0.###}");

    private void CheckWidth(int columns)
    {
        if (columns != _weights.Length)
            throw new ArgumentException($"The features have {columns} columns; this model was fitted on {_weights.Length}.");
    }

    private string ComputeFingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> eight = stackalloc byte[8];
        foreach (var v in _weights.Append(TieParameter).Append(Temperature).Append((double)Ties))
        {
            BinaryPrimitives.WriteDoubleLittleEndian(eight, v);
            hash.AppendData(eight);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
