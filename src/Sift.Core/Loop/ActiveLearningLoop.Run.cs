using System.Globalization;
using Sift.Evidence;
using Sift.Items;
using Sift.Oracles;
using Sift.Projects;
using Sift.Stopping;

namespace Sift.Loop;

public sealed partial class ActiveLearningLoop
{
    /// <summary>
    /// Runs the whole loop against an oracle of your own, until the stopping rule says stop or every item has been
    /// asked. There is no model at first, so the first batch follows a seeded random order (the order a server project
    /// with the same seed starts in, <see cref="ColdStartOrder"/>), batch after batch until the oracle has answered one;
    /// then each round fits on every answer so far (<see cref="RunRound"/>, warm-started), consults the stopping rule,
    /// and asks the oracle about the strategy's next batch. The last batch is cut to what the smallest label budget
    /// (<c>labels(N)</c>, alone or inside <c>any(…)</c>) still needs. A declined or deferred answer is kept in
    /// <see cref="LoopRun.Answers"/> and not learned from, and its item is not asked again. Money spent, for
    /// <c>money(X)</c>, is the cost the oracle reports in each answer's provenance. When
    /// <see cref="LoopRunOptions.Validation"/> indexes the pool's own matrix, its rows are never asked. The same
    /// setup, items, options and answers give the same run.
    /// </summary>
    /// <param name="oracle">Answers the chosen items, one batch at a time.</param>
    /// <param name="itemIds">Pool item ids (row = position), as the oracle's questions name them.</param>
    /// <param name="items">Pool contents, aligned with <paramref name="itemIds"/>: what the oracle is shown.</param>
    /// <param name="options">Batch size, seed, validation set, stop set and evidence sink; null: the defaults.</param>
    /// <param name="cancellationToken">Cancels the run between and inside rounds.</param>
    /// <returns>The last model, every round, every answer, and why the run ended.</returns>
    /// <exception cref="ArgumentException"><paramref name="itemIds"/> or <paramref name="items"/> does not hold one entry per pool row.</exception>
    /// <exception cref="ConfigurationException">An option is out of range.</exception>
    /// <exception cref="SiftException">
    /// The oracle broke its contract (not one answer per question in order, or labels outside the schema), or the
    /// strategy chose items it may not (<see cref="QueryException"/>).
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async Task<LoopRun> RunAsync(IOracle oracle, IReadOnlyList<string> itemIds, IReadOnlyList<ItemContent> items,
        LoopRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(items);
        options ??= new LoopRunOptions();
        options.Validate();
        var n = _setup.Features.Pool.Rows;
        if (itemIds.Count != n || items.Count != n)
            throw new ArgumentException($"The pool has {n} rows; {itemIds.Count} item ids and {items.Count} contents were given.", nameof(items));

        var schema = _setup.Labels;
        var labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < schema.Count; i++) labelIndex.TryAdd(schema[i], i);
        var seed = options.Seed;
        var cap = LabelCap(_setup.Stop);
        var evidence = options.Evidence ?? NullEvidenceSink.Instance;
        var learner = _setup.Learner.Describe();
        var featurizer = _setup.Features.Description.TryGetValue("kind", out var kind) ? Convert.ToString(kind, CultureInfo.InvariantCulture) ?? "" : "";

        // Held-out rows of the pool itself are never asked: they judge the model.
        var asked = new bool[n];
        if (options.Validation is { } held && ReferenceEquals(held.Features, _setup.Features.Pool))
            foreach (var r in held.Rows) asked[r] = true;
        var stopSet = Enumerable.Range(0, n).OrderBy(r => Seeds.Mix(Seeds.Mix(seed, "stop-set"), (ulong)r)).Take(options.StopSetSize).Order().ToArray();
        var answers = new List<LoopAnswer>();
        var trainingRows = new List<int>();
        var trainingLabels = new List<int[]>();
        var rounds = new List<RoundOutcome>();
        var validationHistory = new List<double>();
        var agreement = new List<double>();
        double spent = 0;
        var requests = 0;

        var coldStart = Enumerable.Range(0, n).Where(r => !asked[r])
            .OrderBy(r => ColdStartOrder.Key(seed, itemIds[r])).ThenBy(r => itemIds[r], StringComparer.Ordinal).ToArray();
        for (var next = 0; trainingRows.Count == 0 && next < coldStart.Length && cap > 0;)
        {
            var batch = coldStart.AsSpan(next, Math.Min(Math.Min(options.BatchSize, cap), coldStart.Length - next)).ToArray();
            next += batch.Length;
            evidence.Emit(new SelectionEvent(0, ColdStartOrder.Strategy, [.. batch.Select(r => new SelectedItem(itemIds[r], 0, ColdStartOrder.Reason))]));
            await AskAsync(batch, 0).ConfigureAwait(false);
        }
        if (trainingRows.Count == 0)
        {
            var remaining = asked.Count(a => !a);
            var first = _setup.Stop.Evaluate(new StoppingContext { Spent = spent, Remaining = remaining });
            return new LoopRun([], answers, first.Stop ? first : Exhausted(remaining));
        }

        for (var round = 0; ; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var previous = rounds.Count > 0 ? rounds[^1] : null;
            var outcome = RunRound(new RoundInput
            {
                Round = round,
                TrainingRows = [.. trainingRows],
                TrainingLabels = [.. trainingLabels],
                WarmModel = previous?.Model,
                WarmCommittee = previous?.Committee,
                Validation = options.Validation,
                StopSet = stopSet,
                PreviousStopSet = previous?.StopSet,
                ValidationHistory = [.. validationHistory],
                AgreementHistory = [.. agreement],
                Unlabeled = [.. Enumerable.Range(0, n).Where(r => !asked[r])],
                Spent = spent,
                Selection = SelectionRequest.Batch(Math.Max(0, Math.Min(options.BatchSize, cap - trainingRows.Count))),
                QuerySeed = Seeds.Mix(seed, (ulong)(1000 + round)),
                CommitteeSeed = Seeds.Mix(seed, (ulong)round),
            }, cancellationToken);
            rounds.Add(outcome);
            if (outcome.Validation is { } v) validationHistory.Add(v.Accuracy);
            if (outcome.Kappa is { } kappa) agreement.Add(kappa);
            // Nothing chosen while the rule goes on: every item has been asked (a label budget's cut stops the rule too).
            var decision = outcome.Decision.Stop || outcome.Picks.Count > 0 ? outcome.Decision : Exhausted(0);

            var version = round + 1;
            var perClass = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var c = 0; c < schema.Count; c++) perClass[schema[c]] = outcome.LabelsPerClass[c];
            evidence.Emit(new ModelEvent(version, outcome.Model.Fingerprint, learner, featurizer, trainingRows.Count, perClass, new Dictionary<string, double?>
            {
                ["validation_accuracy"] = outcome.Validation?.Accuracy,
                ["validation_macro_f1"] = outcome.Validation is { MacroF1: var f1 } && !double.IsNaN(f1) ? f1 : null,
                ["stop_set_kappa"] = outcome.Kappa,
                ["mean_uncertainty"] = outcome.MeanUncertainty,
            }));
            evidence.Emit(new StopEvent(decision.Stop, decision.Rule, decision.Reason));
            if (decision.Stop) return new LoopRun(rounds, answers, decision);

            evidence.Emit(new SelectionEvent(version, outcome.Ranker, [.. outcome.Picks.Select(p => new SelectedItem(itemIds[p.Row], p.Score, p.Reason))]));
            await AskAsync([.. outcome.Picks.Select(p => p.Row)], version).ConfigureAwait(false);
        }

        async Task AskAsync(int[] rows, int version)
        {
            var questions = rows.Select(r => new OracleQuestion(itemIds[r], items[r]) { PoolIndex = r, Cost = _setup.Costs?[r] ?? 1 }).ToList();
            var request = new OracleRequest(questions, schema) { MultiLabel = _setup.Mode == LabelMode.Multi, Round = version, Seed = Seeds.Mix(seed, (ulong)(2000 + requests++)) };
            var given = await oracle.AskAsync(request, cancellationToken).ConfigureAwait(false);
            OracleReplies.CheckCount(oracle, questions.Count, given.Count);
            for (var q = 0; q < questions.Count; q++)
            {
                var answer = given[q];
                OracleReplies.CheckItem(oracle, questions[q], answer);
                var labels = answer.Status == AnswerStatus.Answered ? OracleReplies.LabelSet(oracle, answer, labelIndex, _setup.Mode) : [];
                asked[rows[q]] = true;
                spent += answer.Provenance.Cost.Money;
                answers.Add(new LoopAnswer(rows[q], answer, labels));
                evidence.Emit(new AnswerEvent(answer.ItemId, answer.Labels, answer.Status, answer.Provenance) { Reason = answer.Reason });
                if (answer.Status != AnswerStatus.Answered) continue;
                trainingRows.Add(rows[q]);
                trainingLabels.Add(labels);
            }
        }
    }

    private static StopDecision Exhausted(int remaining) =>
        new(true, "pool-exhausted", "every item has been asked", new Dictionary<string, object?> { ["remaining"] = remaining });

    /// <summary>The most labels <paramref name="rule"/> lets a run gather: the smallest label budget that stops it on its own.</summary>
    private static int LabelCap(IStoppingRule rule) => rule switch
    {
        LabelBudget budget => budget.Budget,
        CombinedRule { RequireAll: false } any => any.Rules.Select(LabelCap).DefaultIfEmpty(int.MaxValue).Min(),
        _ => int.MaxValue,
    };
}
