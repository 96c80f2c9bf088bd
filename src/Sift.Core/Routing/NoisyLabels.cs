namespace Sift.Routing;

/// <summary>
/// One item people resolved, as the noise-corrected calibration sees it: the model's stated confidence and label, and
/// every person's answer (class indices, in the order asked).
/// </summary>
/// <param name="Stated">The model's stated confidence, 0–1 (or its calibration score, <see cref="LearnerStrata.Score"/>).</param>
/// <param name="ModelLabel">The model's label (class index).</param>
/// <param name="PersonLabels">People's answers (class indices), at least one.</param>
/// <param name="Stratum">
/// Which calibration input <paramref name="Stated"/> is (<see cref="LearnerStrata"/>): 0 the stated confidence, 1 its
/// combination with the learner's probability. Calibrated separately when fitting by stratum.
/// </param>
public readonly record struct ResolvedItem(double Stated, int ModelLabel, IReadOnlyList<int> PersonLabels, int Stratum = 0);

/// <summary>
/// The learner's own view of a model's label, the second input of the router's calibration. The model's stated
/// confidence c says how sure the model is; the learner (trained on the labels bought so far) gives its own probability
/// v of the model's label. Both are combined as two independent opinions on whether the label is right (a naive-Bayes
/// product of odds, as for two agreeing models), score = σ(logit c + logit v), and the router's isotonic calibration is
/// fitted on that score — so a confident model label the learner finds improbable, where a model's confident errors
/// concentrate, is valued low, and one both find probable high. The product's scale is not trusted: only its order is
/// used, the isotonic map (corrected for people's errors) sets the values. Items without learner probabilities keep
/// their stated confidence and are calibrated apart (stratum <see cref="None"/>). Pure functions; thread-safe.
/// </summary>
public static class LearnerStrata
{
    /// <summary>No learner probabilities for the item: calibrated on the stated confidence alone.</summary>
    public const int None = 0;

    /// <summary>Calibrated on the combined score of the stated confidence and the learner's probability.</summary>
    public const int Combined = 1;

    /// <summary>
    /// The calibration input of a model label: (σ(logit c + logit v), <see cref="Combined"/>) when the learner gives a
    /// probability v for <paramref name="modelLabel"/> (a row of <paramref name="classes"/> values), else
    /// (c, <see cref="None"/>). c and v are clipped to [1e-4, 1 − 1e-4] first.
    /// </summary>
    public static (double Score, int Stratum) Score(double stated, IReadOnlyList<float>? learnerProbabilities, int modelLabel, int classes)
    {
        if (learnerProbabilities is null || learnerProbabilities.Count != classes || modelLabel < 0 || modelLabel >= classes) return (stated, None);
        var v = (double)learnerProbabilities[modelLabel];
        if (!(v >= 0 && v <= 1) || !(stated >= 0 && stated <= 1)) return (stated, None);
        static double Logit(double p)
        {
            p = Math.Clamp(p, 1e-4, 1 - 1e-4);
            return Math.Log(p / (1 - p));
        }
        var z = Logit(stated) + Logit(v);
        return (1 / (1 + Math.Exp(-z)), Combined);
    }
}

/// <summary>
/// What <see cref="NoisyLabels.Fit"/> found: people's accuracy and the model's calibrated confidence, both corrected for
/// people's own errors.
/// </summary>
/// <param name="PersonAccuracy">People's accuracy (one-coin, pooled over people).</param>
/// <param name="Calibrator">Stated confidence → probability the model's label is right (isotonic on the latent-class posterior).</param>
/// <param name="Iterations">EM iterations run.</param>
public sealed record NoisyLabelFit(double PersonAccuracy, IConfidenceCalibrator Calibrator, int Iterations)
{
    /// <summary>
    /// When fitted by stratum: each stratum's own isotonic map (stated confidence → probability right, corrected for
    /// people's errors), by <see cref="ResolvedItem.Stratum"/>; empty otherwise. <see cref="Calibrator"/> is then the
    /// pooled map of the same posteriors (for reports).
    /// </summary>
    public IReadOnlyDictionary<int, IsotonicCalibrator> Strata { get; init; } = new Dictionary<int, IsotonicCalibrator>();
}

/// <summary>
/// Calibration against people who make mistakes. Fitting a model's confidence to "did one person agree" caps every
/// label's apparent accuracy at about people's accuracy h (a right label is confirmed with probability h only), so a
/// router that trusts such a map sends good model labels to people. Here the truth is a latent class (Dawid &amp; Skene
/// 1979, one coin per person, pooled): the model's label is right with probability q(c) — an isotonic function of its
/// stated confidence c — and each person answers the truth with probability h, another class uniformly otherwise.
/// EM alternates the posterior of the truth per item with refitting q (isotonic regression on the posterior that the
/// model's label is right) and h (the expected share of people's answers that are right). People's accuracy is
/// identified only by items more than one person answered; <see cref="TwoRaterAccuracy"/> gives the moment estimate
/// from pairs asked regardless of the answers, used to start EM. Asking a further person because of the answers seen
/// (a disagreement with the model) keeps the likelihood valid: the choice depends only on observed answers (Rubin's
/// ignorability). Pure functions; thread-safe.
/// </summary>
public static class NoisyLabels
{
    /// <summary>
    /// People's one-coin accuracy from how often two people agree on the same items (asked regardless of their answers):
    /// agreement r = h² + (1 − h)²/(K − 1) when errors fall uniformly on the other classes, solved for the root
    /// h ≥ 1/K: h = (1 + √(1 − K + K(K − 1)·r)) / K. Agreement at or below chance (1/K) gives 1/K; NaN for no pairs.
    /// </summary>
    /// <param name="agreements">Pairs whose two answers agree.</param>
    /// <param name="pairs">Pairs.</param>
    /// <param name="classes">Number of classes K ≥ 2.</param>
    public static double TwoRaterAccuracy(int agreements, int pairs, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agreements);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, agreements);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (pairs == 0) return double.NaN;
        var r = (double)agreements / pairs;
        var k = (double)classes;
        var disc = 1 - k + k * (k - 1) * r;
        return disc <= 0 ? 1 / k : Math.Min(1, (1 + Math.Sqrt(disc)) / k);
    }

    /// <summary>
    /// Fits people's accuracy and the model's noise-corrected calibration by EM on the latent true class.
    /// </summary>
    /// <param name="items">Resolved items (the model's stated confidence and label, people's answers).</param>
    /// <param name="classes">Number of classes K ≥ 2.</param>
    /// <param name="startAccuracy">People's accuracy to start from (e.g. <see cref="TwoRaterAccuracy"/>, or a prior).</param>
    /// <param name="priorAnswers">Pseudo-answers at <paramref name="startAccuracy"/> added to people's accuracy estimate, so a handful of multi-rated items cannot drive it to 0 or 1. Default 2.</param>
    /// <param name="maxIterations">Most EM iterations. Default 200.</param>
    /// <param name="method">The shape of q(c): isotonic (default) or beta (Platt is fitted as beta).</param>
    /// <param name="byStratum">
    /// Fit q(c, s): isotonic in c within each <see cref="ResolvedItem.Stratum"/> s (which input c is), all inside the
    /// same EM; isotonic only. Default false.
    /// </param>
    /// <exception cref="ArgumentException">No items, a confidence outside [0, 1], a label outside the classes, or an item without a person's answer.</exception>
    public static NoisyLabelFit Fit(IReadOnlyList<ResolvedItem> items, int classes, double startAccuracy, double priorAnswers = 2, int maxIterations = 200,
        CalibrationMethod method = CalibrationMethod.Isotonic, bool byStratum = false)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (items.Count == 0) throw new ArgumentException("At least one resolved item is needed.", nameof(items));
        foreach (var it in items)
        {
            if (!(it.Stated >= 0 && it.Stated <= 1)) throw new ArgumentException($"Confidence {it.Stated} is not in [0, 1].", nameof(items));
            if (it.ModelLabel < 0 || it.ModelLabel >= classes) throw new ArgumentException($"Model label {it.ModelLabel} is not a class.", nameof(items));
            if (it.PersonLabels is null || it.PersonLabels.Count == 0) throw new ArgumentException("Every resolved item needs a person's answer.", nameof(items));
            if (it.PersonLabels.Any(l => l < 0 || l >= classes)) throw new ArgumentException("A person's label is not a class.", nameof(items));
            if (it.Stratum < 0) throw new ArgumentException($"Stratum {it.Stratum} is negative.", nameof(items));
        }
        var k = classes;
        var floor = 1.0 / k + 1e-3;
        var h0 = Math.Clamp(double.IsNaN(startAccuracy) ? 0.9 : startAccuracy, floor, 0.999);
        var h = h0;
        byStratum &= method == CalibrationMethod.Isotonic;
        // Sorted by (stratum, confidence) when fitting by stratum: each stratum is one contiguous segment.
        var order = Enumerable.Range(0, items.Count).OrderBy(i => byStratum ? items[i].Stated + 2.0 * items[i].Stratum : items[i].Stated).ToArray();
        var x = order.Select(i => items[i].Stated).ToArray();
        var segments = new List<(int Stratum, int Start, int Length)>();
        for (var j = 0; j < order.Length; j++)
        {
            var s = byStratum ? items[order[j]].Stratum : 0;
            if (segments.Count > 0 && segments[^1].Stratum == s) segments[^1] = segments[^1] with { Length = segments[^1].Length + 1 };
            else segments.Add((s, j, 1));
        }
        double[] PavBySegment(double[] targets)
        {
            if (segments.Count == 1) return Pav(x, targets);
            var fitted = new double[targets.Length];
            foreach (var (_, start, length) in segments)
                Pav(x[start..(start + length)], targets[start..(start + length)]).CopyTo(fitted, start);
            return fitted;
        }
        var w = new double[items.Count];
        // Start: the share of first answers that agree with the model, corrected for people's errors at h0.
        for (var j = 0; j < order.Length; j++) w[j] = items[order[j]].PersonLabels[0] == items[order[j]].ModelLabel ? 1 : 0;
        var q = Correct(PavBySegment(w), h, k);
        BetaCalibrator? beta = null;
        double[] MStep()
        {
            if (method == CalibrationMethod.Isotonic) return PavBySegment(w);
            beta = BetaCalibrator.Fit(x, w, "beta-corrected");
            return x.Select(beta.Map).ToArray();
        }
        var answers = items.Sum(it => it.PersonLabels.Count);
        var post = new double[k];
        var iterations = 0;
        for (; iterations < maxIterations; iterations++)
        {
            double right = 0;
            var e = (1 - h) / (k - 1);
            for (var j = 0; j < order.Length; j++)
            {
                var it = items[order[j]];
                var qa = Math.Clamp(q[j], 1e-9, 1 - 1e-9);
                Array.Fill(post, (1 - qa) / (k - 1));
                post[it.ModelLabel] = qa;
                foreach (var l in it.PersonLabels)
                    for (var c = 0; c < k; c++) post[c] *= c == l ? h : e;
                var sum = post.Sum();
                for (var c = 0; c < k; c++) post[c] /= sum;
                w[j] = post[it.ModelLabel];
                foreach (var l in it.PersonLabels) right += post[l];
            }
            var hNew = Math.Clamp((right + priorAnswers * h0) / (answers + priorAnswers), floor, 0.999);
            var qNew = MStep();
            var change = Math.Abs(hNew - h);
            for (var j = 0; j < q.Length; j++) change = Math.Max(change, Math.Abs(qNew[j] - q[j]));
            h = hNew;
            q = qNew;
            if (change < 1e-7) { iterations++; break; }
        }
        if (method != CalibrationMethod.Isotonic) return new NoisyLabelFit(h, beta ?? BetaCalibrator.Fit(x, q, "beta-corrected"), iterations);
        if (!byStratum) return new NoisyLabelFit(h, IsotonicCalibrator.FromFitted(x, q, "isotonic-corrected"), iterations);
        if (segments.Count == 1)
        {
            // One stratum (e.g. no learner yet): the plain fit, under that stratum too.
            var only = IsotonicCalibrator.FromFitted(x, q, "isotonic-corrected");
            return new NoisyLabelFit(h, only, iterations) { Strata = new Dictionary<int, IsotonicCalibrator> { [segments[0].Stratum] = only } };
        }
        var strata = new Dictionary<int, IsotonicCalibrator>();
        foreach (var (stratum, start, length) in segments)
            strata[stratum] = IsotonicCalibrator.FromFitted(x[start..(start + length)], q[start..(start + length)], $"isotonic-corrected-s{stratum}");
        // The pooled map (reports, and items of a stratum never resolved): isotonic over every item's final posterior.
        var pooled = Enumerable.Range(0, x.Length).OrderBy(j => x[j]).ToArray();
        var px = pooled.Select(j => x[j]).ToArray();
        var pooledFit = IsotonicCalibrator.FromFitted(px, Pav(px, pooled.Select(j => w[j]).ToArray()), "isotonic-corrected-by-learner");
        return new NoisyLabelFit(h, pooledFit, iterations) { Strata = strata };
    }

    /// <summary>Agreement with a person at accuracy h → probability right: (a − e)/(h − e), e = (1 − h)/(K − 1), clipped to [0, 1].</summary>
    private static double[] Correct(double[] agreement, double h, int k)
    {
        var e = (1 - h) / (k - 1);
        return agreement.Select(a => Math.Clamp((a - e) / (h - e), 0, 1)).ToArray();
    }

    /// <summary>Pool-adjacent-violators on sorted x with targets y in [0, 1] (unit weights): the fitted value per point.</summary>
    internal static double[] Pav(double[] x, double[] y)
    {
        var n = x.Length;
        var bSum = new List<double>(n);
        var bWeight = new List<double>(n);
        var bCount = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            // Tied x go in one block.
            if (i > 0 && x[i] == x[i - 1]) { bSum[^1] += y[i]; bWeight[^1] += 1; bCount[^1]++; }
            else { bSum.Add(y[i]); bWeight.Add(1); bCount.Add(1); }
            while (bSum.Count > 1 && bSum[^2] / bWeight[^2] > bSum[^1] / bWeight[^1])
            {
                bSum[^2] += bSum[^1];
                bWeight[^2] += bWeight[^1];
                bCount[^2] += bCount[^1];
                bSum.RemoveAt(bSum.Count - 1);
                bWeight.RemoveAt(bWeight.Count - 1);
                bCount.RemoveAt(bCount.Count - 1);
            }
        }
        var fitted = new double[n];
        var at = 0;
        for (var b = 0; b < bSum.Count; b++)
            for (var j = 0; j < bCount[b]; j++) fitted[at++] = bSum[b] / bWeight[b];
        return fitted;
    }
}
