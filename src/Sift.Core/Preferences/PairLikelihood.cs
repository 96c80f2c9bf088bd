namespace Sift.Preferences;

/// <summary>
/// The outcome probabilities of one comparison given the utility difference Δ = u(A) − u(B) and the tie parameter
/// t (Davidson: t = log ν; Rao–Kupper: t = log η; −∞ means "no ties", which both reduce to Bradley–Terry), the
/// negative log-likelihood with its derivatives, and the Fisher information about Δ. Outcome codes: 0 = A, 1 = B,
/// 2 = tie. Numerically stable for any finite Δ.
/// </summary>
internal static class PairLikelihood
{
    /// <summary>log σ(x), stable for large |x|.</summary>
    public static double LogSigmoid(double x) => x < 0 ? x - Math.Log(1 + Math.Exp(x)) : -Math.Log(1 + Math.Exp(-x));

    /// <summary>e^x − 1, accurate near 0 (where Math.Exp(x) − 1 cancels).</summary>
    public static double ExpM1(double x) => Math.Abs(x) < 1e-5 ? x + x * x / 2 + x * x * x / 6 : Math.Exp(x) - 1;

    /// <summary>Writes log P(A), log P(B), log P(tie) into <paramref name="logp"/> (length ≥ 3).</summary>
    public static void LogProbabilities(TieModel model, double delta, double t, Span<double> logp)
    {
        if (model == TieModel.RaoKupper)
        {
            // Rao & Kupper (1967), eq. 2.1 with θ = e^η: P(A≻B) = σ(Δ − η), P(B≻A) = σ(−Δ − η), and
            // P(tie) = 1 − σ(Δ−η) − σ(−Δ−η) = σ(η−Δ)·σ(η+Δ)·(1 − e^(−2η)) (the product form avoids cancellation).
            var eta = Math.Exp(t);
            logp[0] = LogSigmoid(delta - eta);
            logp[1] = LogSigmoid(-delta - eta);
            logp[2] = eta > 0 ? LogSigmoid(eta - delta) + LogSigmoid(eta + delta) + Math.Log(-ExpM1(-2 * eta)) : double.NegativeInfinity;
            return;
        }
        // Davidson (1970), eq. 2.2, divided through by √(π_A π_B): a softmax over the logits (Δ/2, −Δ/2, log ν).
        var a = delta / 2;
        var m = Math.Max(Math.Abs(a), t);
        var lse = m + Math.Log(Math.Exp(a - m) + Math.Exp(-a - m) + Math.Exp(t - m));
        logp[0] = a - lse;
        logp[1] = -a - lse;
        logp[2] = t - lse;
    }

    /// <summary>P(A), P(B), P(tie).</summary>
    public static (double A, double B, double Tie) Probabilities(TieModel model, double delta, double t)
    {
        Span<double> logp = stackalloc double[3];
        LogProbabilities(model, delta, t, logp);
        return (Math.Exp(logp[0]), Math.Exp(logp[1]), Math.Exp(logp[2]));
    }

    /// <summary>
    /// −log P(<paramref name="outcome"/>) with its derivatives with respect to Δ and to the tie parameter t.
    /// </summary>
    public static double Loss(TieModel model, int outcome, double delta, double t, out double dDelta, out double dTie)
    {
        Span<double> logp = stackalloc double[3];
        LogProbabilities(model, delta, t, logp);
        var pa = Math.Exp(logp[0]);
        var pb = Math.Exp(logp[1]);
        if (model == TieModel.RaoKupper)
        {
            // d/dx log σ(x) = σ(−x); η = e^t, so d/dt = η·d/dη.
            var eta = Math.Exp(t);
            switch (outcome)
            {
                case 0:
                    dDelta = -(1 - pa);
                    dTie = eta * (1 - pa);
                    return -logp[0];
                case 1:
                    dDelta = 1 - pb;
                    dTie = eta * (1 - pb);
                    return -logp[1];
                default:
                    dDelta = pa - pb;
                    dTie = -eta * (pa + pb + 2 / ExpM1(2 * eta));
                    return -logp[2];
            }
        }
        // Softmax cross-entropy over (Δ/2, −Δ/2, t): d/dΔ = (pA − pB)/2 − c_o with c = (½, −½, 0); d/dt = pT − [o = tie].
        var pt = Math.Exp(logp[2]);
        dDelta = (pa - pb) / 2 - outcome switch { 0 => 0.5, 1 => -0.5, _ => 0.0 };
        dTie = pt - (outcome == 2 ? 1 : 0);
        return -logp[outcome];
    }

    /// <summary>
    /// Fisher information about Δ carried by one comparison, E[(∂ log P(o)/∂Δ)²]: p(1 − p) for Bradley–Terry
    /// (no ties), (pA + pB)/4 − (pA − pB)²/4 for Davidson, pA(1 − pA)² + pB(1 − pB)² + pT(pA − pB)² for Rao–Kupper.
    /// </summary>
    public static double Information(TieModel model, double delta, double t)
    {
        var (pa, pb, pt) = Probabilities(model, delta, t);
        if (model == TieModel.RaoKupper)
            return pa * (1 - pa) * (1 - pa) + pb * (1 - pb) * (1 - pb) + pt * (pa - pb) * (pa - pb);
        return Math.Max(0, (pa + pb) / 4 - (pa - pb) * (pa - pb) / 4);
    }
}
