using System.Globalization;

namespace Sift.Strategies;

/// <summary>Base for query-by-committee strategies: scores read the committee members' probabilities on each candidate.</summary>
public abstract class CommitteeStrategy : ScoredStrategy
{
    /// <inheritdoc />
    public override void Score(QueryContext context, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(context);
        var p = context.CommitteeProbabilities();
        var committee = context.Committee!;
        var k = committee.ClassCount;
        var members = committee.Members.Count;
        var n = context.Candidates.Length;
        var block = n * k;
        var rows = new float[members * k];
        for (var i = 0; i < n; i++)
        {
            for (var m = 0; m < members; m++) p.Slice(m * block + i * k, k).CopyTo(rows.AsSpan(m * k, k));
            scores[i] = Score(rows, members, k);
        }
    }

    /// <summary>Score of one candidate from its member probabilities, laid out [member][class].</summary>
    public abstract double Score(ReadOnlySpan<float> memberProbabilities, int members, int classes);

    /// <summary>The committee's mean distribution.</summary>
    protected static double[] Consensus(ReadOnlySpan<float> p, int members, int classes)
    {
        var mean = new double[classes];
        for (var m = 0; m < members; m++)
            for (var c = 0; c < classes; c++) mean[c] += p[m * classes + c];
        for (var c = 0; c < classes; c++) mean[c] /= members;
        return mean;
    }

    /// <summary>Entropy in nats of a distribution.</summary>
    protected static double Entropy(ReadOnlySpan<double> p)
    {
        double h = 0;
        foreach (var v in p) if (v > 0) h -= v * Math.Log(v);
        return Math.Max(0, h);
    }

    /// <summary>Formats a number for reasons.</summary>
    protected static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>
/// Vote entropy (Dagan &amp; Engelson 1995): entropy of the members' hard votes, −Σ_c (V_c/M) log(V_c/M).
/// 0 when every member votes alike.
/// </summary>
public sealed class VoteEntropySampling : CommitteeStrategy
{
    /// <inheritdoc />
    public override string Name => "qbc-vote";

    /// <inheritdoc />
    public override double Score(ReadOnlySpan<float> memberProbabilities, int members, int classes)
    {
        Span<double> votes = stackalloc double[classes];
        for (var m = 0; m < members; m++)
        {
            var row = memberProbabilities.Slice(m * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            votes[best] += 1.0 / members;
        }
        return Entropy(votes);
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score) =>
        $"committee votes split: vote entropy {F(score)} nats";
}

/// <summary>
/// Mean Kullback–Leibler divergence of each member from the consensus (McCallum &amp; Nigam 1998): (1/M) Σ_m KL(P_m ‖ P̄).
/// </summary>
public sealed class KlDivergenceSampling : CommitteeStrategy
{
    /// <inheritdoc />
    public override string Name => "qbc-kl";

    /// <inheritdoc />
    public override double Score(ReadOnlySpan<float> memberProbabilities, int members, int classes)
    {
        var mean = Consensus(memberProbabilities, members, classes);
        double kl = 0;
        for (var m = 0; m < members; m++)
            for (var c = 0; c < classes; c++)
            {
                double pm = memberProbabilities[m * classes + c];
                if (pm > 0 && mean[c] > 0) kl += pm * Math.Log(pm / mean[c]);
            }
        return Math.Max(0, kl / members);
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score) =>
        $"committee disagrees: mean KL to consensus {F(score)} nats";
}

/// <summary>
/// BALD (Houlsby et al. 2011): mutual information between the prediction and the committee member,
/// H[P̄] − (1/M) Σ_m H[P_m]. 0 when all members agree, whatever their confidence.
/// </summary>
public sealed class BaldSampling : CommitteeStrategy
{
    /// <inheritdoc />
    public override string Name => "bald";

    /// <inheritdoc />
    public override double Score(ReadOnlySpan<float> memberProbabilities, int members, int classes)
    {
        var mean = Consensus(memberProbabilities, members, classes);
        double expected = 0;
        for (var m = 0; m < members; m++)
        {
            double h = 0;
            for (var c = 0; c < classes; c++)
            {
                double v = memberProbabilities[m * classes + c];
                if (v > 0) h -= v * Math.Log(v);
            }
            expected += h / members;
        }
        return Math.Max(0, Entropy(mean) - expected);
    }

    /// <inheritdoc />
    protected override string Reason(QueryContext context, int position, double score) =>
        $"BALD: mutual information {F(score)} nats between label and committee member";
}
