namespace Sift.Quality;

/// <summary>How <see cref="DawidSkene"/> models an annotator's errors.</summary>
public enum DawidSkeneModel
{
    /// <summary>A full confusion matrix per annotator: P(label k | true class c) for every (c, k) (Dawid &amp; Skene 1979).</summary>
    ConfusionMatrix,

    /// <summary>
    /// One accuracy p per annotator; errors spread evenly over the other classes, P(k | c) = (1 − p) / (C − 1) ("one-coin").
    /// Fewer parameters: steadier for annotators with few ratings, blind to systematic confusions.
    /// </summary>
    OneCoin,
}

/// <summary>Settings of <see cref="DawidSkene.Fit(RatingTable, DawidSkeneOptions?)"/>.</summary>
public sealed record DawidSkeneOptions
{
    /// <summary>The annotator model. Default <see cref="DawidSkeneModel.ConfusionMatrix"/>.</summary>
    public DawidSkeneModel Model { get; init; } = DawidSkeneModel.ConfusionMatrix;

    /// <summary>Iteration cap (one iteration = M-step then E-step). Default 200.</summary>
    public int MaxIterations { get; init; } = 200;

    /// <summary>
    /// Convergence: stop once the log posterior changes by less than this much per rating between iterations (0: always
    /// run <see cref="MaxIterations"/>). Default 1e-7.
    /// </summary>
    public double Tolerance { get; init; } = 1e-7;

    /// <summary>
    /// Additive smoothing s &gt; 0: a pseudo-count added to every confusion-matrix cell and every class-prior count, so
    /// no probability is 0 and an annotator with few ratings is pulled toward chance rather than toward certainty.
    /// Each M-step is then the MAP estimate under a symmetric Dirichlet(1 + s) prior on every confusion row and on the
    /// class priors (one-coin: Beta(1 + s, 1 + (C − 1)s) on each accuracy). Default 1 (Laplace).
    /// </summary>
    public double Smoothing { get; init; } = 1.0;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public void Validate()
    {
        if (MaxIterations < 1) throw new ConfigurationException("Dawid–Skene needs at least 1 iteration.");
        if (!(Tolerance >= 0) || double.IsInfinity(Tolerance)) throw new ConfigurationException("The Dawid–Skene tolerance must be a finite number ≥ 0.");
        if (!(Smoothing > 0) || double.IsInfinity(Smoothing)) throw new ConfigurationException("The Dawid–Skene smoothing must be a finite number > 0.");
    }
}

/// <summary>
/// Dawid–Skene aggregation (Dawid &amp; Skene 1979, "Maximum likelihood estimation of observer error-rates using the EM
/// algorithm"): estimates each annotator's confusion matrix, the class priors and each item's posterior over classes
/// by EM, starting from the soft majority vote. Items without ratings take no part in the fit and get the class priors
/// as posterior and <see cref="MajorityVote.NoLabel"/> as label. Deterministic: no randomness, fixed summation order.
/// Cost per iteration is O(ratings × classes) with flat arrays and no allocation in the loop. Thread-safe (pure).
/// </summary>
public static class DawidSkene
{
    /// <summary>Fits the model.</summary>
    /// <param name="table">The ratings.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <exception cref="ConfigurationException">The options are invalid.</exception>
    public static DawidSkeneResult Fit(RatingTable table, DawidSkeneOptions? options = null) => Fit(table, options, null);

    /// <summary>
    /// Fits the model with known labels and annotator weights (<see cref="DawidSkeneEvidence"/>): a known item's posterior
    /// is clamped to its known class in every E-step (so gold items teach the confusion matrices and never move), and each
    /// annotator's ratings count with their weight in both steps (a tempered likelihood, θ^w).
    /// </summary>
    /// <param name="table">The ratings.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="evidence">Known labels and weights; null for none.</param>
    /// <exception cref="ConfigurationException">The options are invalid.</exception>
    /// <exception cref="ArgumentException">A known item or class is out of range, or the weights are not one per annotator in [0, 1].</exception>
    public static DawidSkeneResult Fit(RatingTable table, DawidSkeneOptions? options, DawidSkeneEvidence? evidence)
    {
        ArgumentNullException.ThrowIfNull(table);
        options ??= new DawidSkeneOptions();
        options.Validate();
        var weight = Weights(table, evidence);
        var known = Known(table, evidence);
        int items = table.Items, classes = table.Categories, annotators = table.Annotators;
        var cc = classes * classes;
        var s = options.Smoothing;
        var posterior = weight is null ? MajorityVote.Shares(table) : WeightedShares(table, weight);
        Clamp(posterior, known, classes);
        var prior = new double[classes];
        var theta = new double[annotators * cc];
        var logPrior = new double[classes];
        var logTheta = new double[annotators * cc];
        var counts = new double[annotators * cc];
        var scratch = new double[classes];
        var who = table.AllAnnotators;
        var what = table.AllLabels;
        var rated = new bool[items];
        for (var i = 0; i < items; i++) rated[i] = table.RatingsOf(i) > 0 || known[i] >= 0;

        double previous = double.NegativeInfinity, logLikelihood = 0;
        int iterations = 0;
        var converged = false;
        if (table.Ratings == 0)
        {
            // Nothing to fit: uniform priors and confusion rows.
            Array.Fill(prior, classes == 0 ? 0 : 1.0 / classes);
            Array.Fill(theta, classes == 0 ? 0 : 1.0 / classes);
            converged = true;
        }
        while (!converged && iterations < options.MaxIterations)
        {
            iterations++;
            MStep(table, options.Model, s, posterior, rated, prior, theta, counts, weight);
            var logDensity = LogPriorDensity(options.Model, s, prior, theta, annotators, classes);
            for (var c = 0; c < classes; c++) logPrior[c] = Math.Log(prior[c]);
            for (var k = 0; k < theta.Length; k++) logTheta[k] = Math.Log(theta[k]);

            // E-step (Dawid & Skene 1979, eq. 2.5): p(c | item) ∝ π_c Π_ratings θ_a[c, label].
            logLikelihood = 0;
            for (var i = 0; i < items; i++)
            {
                if (!rated[i]) continue;
                logPrior.CopyTo(scratch, 0);
                for (var r = table.Start(i); r < table.Start(i + 1); r++)
                {
                    var cell = who[r] * cc + what[r];
                    var w = weight?[who[r]] ?? 1.0;
                    for (var c = 0; c < classes; c++) scratch[c] += w * logTheta[cell + c * classes];
                }
                if (known[i] >= 0)
                {
                    // A known (gold) item: its likelihood term is that of its known class, and its posterior stays one-hot.
                    logLikelihood += scratch[known[i]];
                    continue;
                }
                var max = double.NegativeInfinity;
                foreach (var v in scratch) max = Math.Max(max, v);
                var sum = 0.0;
                foreach (var v in scratch) sum += Math.Exp(v - max);
                var logSum = max + Math.Log(sum);
                logLikelihood += logSum;
                var row = posterior.AsSpan(i * classes, classes);
                for (var c = 0; c < classes; c++) row[c] = Math.Exp(scratch[c] - logSum);
            }

            // MAP-EM never lowers the log posterior; stop once its change per rating is within the tolerance.
            var objective = logLikelihood + logDensity;
            if (Math.Abs(objective - previous) < options.Tolerance * table.Ratings) converged = true;
            previous = objective;
        }

        var labels = new int[items];
        for (var i = 0; i < items; i++)
        {
            var row = posterior.AsSpan(i * classes, classes);
            if (!rated[i])
            {
                prior.CopyTo(row);
                labels[i] = MajorityVote.NoLabel;
                continue;
            }
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            labels[i] = best;
        }
        return new DawidSkeneResult(table, options.Model, prior, theta, posterior, labels, iterations, converged, logLikelihood);
    }

    private static double[]? Weights(RatingTable table, DawidSkeneEvidence? evidence)
    {
        if (evidence?.AnnotatorWeights is not { } given) return null;
        if (given.Count != table.Annotators) throw new ArgumentException($"Give one weight per annotator ({table.Annotators}), not {given.Count}.", nameof(evidence));
        var weights = new double[given.Count];
        for (var a = 0; a < weights.Length; a++)
        {
            if (!(given[a] is >= 0 and <= 1)) throw new ArgumentException($"Annotator {a}'s weight must be between 0 and 1, not {given[a]}.", nameof(evidence));
            weights[a] = given[a];
        }
        return weights;
    }

    /// <summary>The soft majority vote with each rating counted by its annotator's weight (an item whose weights sum to 0: uniform).</summary>
    private static double[] WeightedShares(RatingTable table, double[] weight)
    {
        int classes = table.Categories;
        var shares = new double[table.Items * classes];
        for (var i = 0; i < table.Items; i++)
        {
            var row = shares.AsSpan(i * classes, classes);
            var who = table.AnnotatorsOf(i);
            var what = table.LabelsOf(i);
            var total = 0.0;
            for (var r = 0; r < who.Length; r++)
            {
                row[what[r]] += weight[who[r]];
                total += weight[who[r]];
            }
            if (total > 0)
                for (var c = 0; c < classes; c++) row[c] /= total;
            else if (who.Length > 0)
                row.Fill(1.0 / classes);
        }
        return shares;
    }

    private static int[] Known(RatingTable table, DawidSkeneEvidence? evidence)
    {
        var known = new int[table.Items];
        Array.Fill(known, -1);
        if (evidence?.Known is not { } given) return known;
        foreach (var (item, label) in given)
        {
            if ((uint)item >= (uint)table.Items) throw new ArgumentException($"Known item {item} is not an item of the table (0–{table.Items - 1}).", nameof(evidence));
            if ((uint)label >= (uint)table.Categories) throw new ArgumentException($"Known item {item}'s class {label} is not a category of the table.", nameof(evidence));
            known[item] = label;
        }
        return known;
    }

    private static void Clamp(double[] posterior, int[] known, int classes)
    {
        for (var i = 0; i < known.Length; i++)
        {
            if (known[i] < 0) continue;
            var row = posterior.AsSpan(i * classes, classes);
            row.Clear();
            row[known[i]] = 1;
        }
    }

    /// <summary>M-step (Dawid &amp; Skene 1979, eqs. 2.3–2.4) with additive smoothing: expected counts plus s, normalised.</summary>
    private static void MStep(RatingTable table, DawidSkeneModel model, double s, double[] posterior, bool[] rated, double[] prior, double[] theta, double[] counts, double[]? weight)
    {
        int items = table.Items, classes = table.Categories, annotators = table.Annotators;
        var cc = classes * classes;
        var who = table.AllAnnotators;
        var what = table.AllLabels;

        Array.Fill(prior, s);
        var ratedItems = 0;
        for (var i = 0; i < items; i++)
        {
            if (!rated[i]) continue;
            ratedItems++;
            for (var c = 0; c < classes; c++) prior[c] += posterior[i * classes + c];
        }
        for (var c = 0; c < classes; c++) prior[c] /= ratedItems + classes * s;

        Array.Clear(counts);
        for (var i = 0; i < items; i++)
        {
            var row = posterior.AsSpan(i * classes, classes);
            for (var r = table.Start(i); r < table.Start(i + 1); r++)
            {
                var cell = who[r] * cc + what[r];
                var w = weight?[who[r]] ?? 1.0;
                for (var c = 0; c < classes; c++) counts[cell + c * classes] += w * row[c];
            }
        }

        for (var a = 0; a < annotators; a++)
        {
            if (model == DawidSkeneModel.ConfusionMatrix)
            {
                for (var c = 0; c < classes; c++)
                {
                    var rowCounts = counts.AsSpan(a * cc + c * classes, classes);
                    var total = 0.0;
                    foreach (var n in rowCounts) total += n;
                    for (var k = 0; k < classes; k++) theta[a * cc + c * classes + k] = (rowCounts[k] + s) / (total + classes * s);
                }
            }
            else
            {
                double correct = 0, total = 0;
                for (var c = 0; c < classes; c++)
                {
                    for (var k = 0; k < classes; k++)
                    {
                        var n = counts[a * cc + c * classes + k];
                        total += n;
                        if (c == k) correct += n;
                    }
                }
                var p = classes == 1 ? 1.0 : (correct + s) / (total + classes * s);
                var miss = classes == 1 ? 0.0 : (1 - p) / (classes - 1);
                for (var c = 0; c < classes; c++)
                    for (var k = 0; k < classes; k++) theta[a * cc + c * classes + k] = c == k ? p : miss;
            }
        }
    }

    /// <summary>Log density of the Dirichlet(1 + s) (one-coin: Beta) priors at the current parameters, up to a constant.</summary>
    private static double LogPriorDensity(DawidSkeneModel model, double s, double[] prior, double[] theta, int annotators, int classes)
    {
        var sum = 0.0;
        foreach (var p in prior) sum += s * Math.Log(p);
        var cc = classes * classes;
        for (var a = 0; a < annotators; a++)
        {
            if (model == DawidSkeneModel.ConfusionMatrix)
            {
                for (var k = 0; k < cc; k++) sum += s * Math.Log(theta[a * cc + k]);
            }
            else if (classes > 1)
            {
                var p = theta[a * cc];
                sum += s * Math.Log(p) + (classes - 1) * s * Math.Log(1 - p);
            }
        }
        return sum;
    }
}

/// <summary>
/// What <see cref="DawidSkene.Fit(RatingTable, DawidSkeneOptions?, DawidSkeneEvidence?)"/> knows besides the ratings.
/// </summary>
public sealed record DawidSkeneEvidence
{
    /// <summary>Items whose class is known (gold): item index → class index. Their posterior is clamped to it. Default none.</summary>
    public IReadOnlyDictionary<int, int>? Known { get; init; }

    /// <summary>
    /// Per annotator (table order) a weight in [0, 1] on their ratings; 1 counts fully, 0 ignores them. Default null (all 1).
    /// Used to down-weight annotators whose gold accuracy is below the project's threshold.
    /// </summary>
    public IReadOnlyList<double>? AnnotatorWeights { get; init; }
}

/// <summary>A fitted Dawid–Skene model. Immutable.</summary>
public sealed class DawidSkeneResult
{
    private readonly double[] _prior;
    private readonly double[] _theta;
    private readonly double[] _posterior;
    private readonly int[] _labels;
    private readonly double?[] _expectedCorrect;

    internal DawidSkeneResult(RatingTable table, DawidSkeneModel model, double[] prior, double[] theta, double[] posterior, int[] labels,
        int iterations, bool converged, double logLikelihood)
    {
        Model = model;
        Items = table.Items;
        Annotators = table.Annotators;
        Classes = table.Categories;
        _prior = prior;
        _theta = theta;
        _posterior = posterior;
        _labels = labels;
        Iterations = iterations;
        Converged = converged;
        LogLikelihood = logLikelihood;

        var correct = new double[Annotators];
        var ratings = new int[Annotators];
        var who = table.AllAnnotators;
        var what = table.AllLabels;
        for (var i = 0; i < Items; i++)
        {
            for (var r = table.Start(i); r < table.Start(i + 1); r++)
            {
                correct[who[r]] += posterior[i * Classes + what[r]];
                ratings[who[r]]++;
            }
        }
        _expectedCorrect = new double?[Annotators];
        for (var a = 0; a < Annotators; a++) _expectedCorrect[a] = ratings[a] == 0 ? null : correct[a] / ratings[a];
    }

    /// <summary>The annotator model that was fitted.</summary>
    public DawidSkeneModel Model { get; }

    /// <summary>Number of items.</summary>
    public int Items { get; }

    /// <summary>Number of annotators.</summary>
    public int Annotators { get; }

    /// <summary>Number of classes (the table's categories).</summary>
    public int Classes { get; }

    /// <summary>EM iterations run.</summary>
    public int Iterations { get; }

    /// <summary>Whether the tolerance was met before the iteration cap.</summary>
    public bool Converged { get; }

    /// <summary>Log-likelihood of the ratings, Σ_items log Σ_c π_c Π θ_a[c, label], at the final parameters (0 with no ratings).</summary>
    public double LogLikelihood { get; }

    /// <summary>Estimated class priors π_c.</summary>
    public IReadOnlyList<double> Priors => _prior;

    /// <summary>Each item's most probable class (lowest class index on a tie), or <see cref="MajorityVote.NoLabel"/> for items without ratings.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>The posterior over classes of <paramref name="item"/> (the class priors for an unrated item).</summary>
    public ReadOnlySpan<double> Posterior(int item) => _posterior.AsSpan(item * Classes, Classes);

    /// <summary>Estimated P(annotator answers <paramref name="label"/> | true class <paramref name="truth"/>).</summary>
    public double Confusion(int annotator, int truth, int label) => _theta[annotator * Classes * Classes + truth * Classes + label];

    /// <summary>The annotator's estimated confusion matrix (rows: true class, columns: answer; rows sum to 1).</summary>
    public double[,] ConfusionMatrix(int annotator)
    {
        var m = new double[Classes, Classes];
        for (var c = 0; c < Classes; c++)
            for (var k = 0; k < Classes; k++) m[c, k] = Confusion(annotator, c, k);
        return m;
    }

    /// <summary>The annotator's estimated accuracy under the model: Σ_c π_c θ[c, c] (chance-level rows where the annotator saw no item of a class).</summary>
    public double Accuracy(int annotator)
    {
        var sum = 0.0;
        for (var c = 0; c < Classes; c++) sum += _prior[c] * Confusion(annotator, c, c);
        return sum;
    }

    /// <summary>
    /// The expected share of the annotator's own ratings that are correct: the mean posterior probability of the label they
    /// gave. Unlike <see cref="Accuracy"/>, it weighs classes as they occur among the annotator's items. Null for an
    /// annotator without ratings.
    /// </summary>
    public double? ExpectedCorrect(int annotator) => _expectedCorrect[annotator];
}
