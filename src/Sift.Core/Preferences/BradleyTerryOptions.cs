using Sift.Learners;

namespace Sift.Preferences;

/// <summary>How a reward model treats ties.</summary>
public enum TieModel
{
    /// <summary>
    /// Davidson (1970): P(A≻B) = π_A / (π_A + π_B + ν√(π_Aπ_B)), P(tie) = ν√(π_Aπ_B) / (…), with π = e^u. The default:
    /// given a decisive answer it is exactly Bradley–Terry (P(A≻B | not a tie) = σ(Δ)), and its negative
    /// log-likelihood is convex in (w, log ν) jointly, so the fit has one optimum.
    /// </summary>
    Davidson,

    /// <summary>
    /// Rao &amp; Kupper (1967): P(A≻B) = σ(Δ − η), P(B≻A) = σ(−Δ − η), P(tie) = the rest, with threshold η &gt; 0
    /// (their θ = e^η). A tie means "the difference was below a perception threshold".
    /// </summary>
    RaoKupper,

    /// <summary>Plain Bradley–Terry (1952): ties are dropped from the fit and P(tie) = 0 (what TRL's reward example does).</summary>
    None,
}

/// <summary>How a reward model treats "both bad" answers.</summary>
public enum BothBadPolicy
{
    /// <summary>
    /// Left out of the likelihood (the default). "Both bad" judges each response against a bar, not one against the
    /// other; it is kept in the data (and exported to KTO as two undesirable completions), never turned into a tie.
    /// </summary>
    Exclude,

    /// <summary>Fitted as a tie (no preference between the two), when the tie model is not <see cref="TieModel.None"/>.</summary>
    AsTie,
}

/// <summary>Options of <see cref="BradleyTerry"/>. Immutable; validate once with <see cref="Validate"/>.</summary>
public sealed record BradleyTerryOptions
{
    /// <summary>The tie model. Default <see cref="TieModel.Davidson"/>.</summary>
    public TieModel Ties { get; init; } = TieModel.Davidson;

    /// <summary>What "both bad" answers contribute. Default <see cref="BothBadPolicy.Exclude"/>.</summary>
    public BothBadPolicy BothBad { get; init; } = BothBadPolicy.Exclude;

    /// <summary>
    /// Inverse regularisation strength: the fit minimises C·Σᵢ sᵢ·(−log P(outcomeᵢ)) + ½‖w‖² (scikit-learn's
    /// <c>C</c>; the tie parameter is not penalised). Default 1.
    /// </summary>
    public double C { get; init; } = 1.0;

    /// <summary>L-BFGS iteration cap. Default 300.</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>Stop when the largest gradient entry of the averaged objective is at most this. Default 1e-6.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>L-BFGS history pairs. Default 10.</summary>
    public int History { get; init; } = 10;

    /// <summary>The solver settings these options imply (Moré–Thuente line search).</summary>
    public LbfgsOptions Solver => new()
    {
        MaxIterations = MaxIterations,
        GradientTolerance = Tolerance,
        History = History,
        LineSearch = LbfgsLineSearch.MoreThuente,
    };

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public void Validate()
    {
        if (!(C > 0) || !double.IsFinite(C)) throw new ConfigurationException($"C must be a positive number, not {C}.");
        if (MaxIterations < 1) throw new ConfigurationException("max iterations must be at least 1.");
        if (!(Tolerance > 0)) throw new ConfigurationException("tolerance must be positive.");
        if (History < 1) throw new ConfigurationException("L-BFGS history must be at least 1.");
        if (!Enum.IsDefined(Ties)) throw new ConfigurationException($"unknown tie model {Ties}.");
        if (!Enum.IsDefined(BothBad)) throw new ConfigurationException($"unknown both-bad policy {BothBad}.");
    }
}
