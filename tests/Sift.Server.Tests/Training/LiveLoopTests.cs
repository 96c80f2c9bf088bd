using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sift.Projects;
using Sift.Server.Hosting;
using Sift.Server.Training;

namespace Sift.Server.Tests.Training;

/// <summary>The live loop on a real SQLite file: cold start, retrains, hand-out provenance, failures, two owners, lift, dashboard.</summary>
public sealed class LiveLoopTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ProjectSettings Settings(string strategy = "margin", double exploration = 0.1, int retrainEvery = 20, ulong seed = 17) =>
        new() { Labels = SyntheticText.Labels, Strategy = strategy, ExplorationShare = exploration, RetrainEvery = retrainEvery, Seed = seed };

    private static async Task<List<TaskRecord>> DrainAsync(LoopStore s, Project project, User annotator, int max = int.MaxValue)
    {
        var tasks = new List<TaskRecord>();
        while (tasks.Count < max && await s.Store.ClaimNextAsync(project.Id, annotator.Id, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10), 1, Ct) is { } task)
            tasks.Add(task);
        return tasks;
    }

    [Fact]
    public async Task OnItemsImported_NewProject_ColdStartRanksEveryItemInASeededOrder()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var a = await s.ProjectAsync(Settings(seed: 5), 120, goldOnHeldOut: false);
        var b = await s.ProjectAsync(Settings(seed: 5), 120, goldOnHeldOut: false);
        var c = await s.ProjectAsync(Settings(seed: 6), 120, goldOnHeldOut: false);
        foreach (var p in new[] { a, b, c }) await loop.OnItemsImportedAsync(p.Id, Ct);
        var annotator = await s.UserAsync();

        (await s.Store.GetRankingInfoAsync(a.Id, Ct)).ShouldBe((0, "cold-start"));
        var before = (await ProjectSnapshot.LoadAsync(s.Store, a.Id, false, Ct))!;
        var orderA = await ExternalIdsAsync(s, a, await DrainAsync(s, a, annotator));
        var orderB = await ExternalIdsAsync(s, b, await DrainAsync(s, b, annotator));
        var orderC = await ExternalIdsAsync(s, c, await DrainAsync(s, c, annotator));

        orderA.Count.ShouldBe(120); // held-out items without gold are interleaved
        orderA.ShouldBe(RankingComposer.ColdStart(before).Items.Select(p => before.Items.Single(i => i.Id == p.ItemId).ExternalId)); // the store's order is the composer's
        orderA.Distinct().Count().ShouldBe(120);
        orderB.ShouldBe(orderA);
        orderC.ShouldNotBe(orderA);
        orderA.ShouldNotBe(orderA.Order(StringComparer.Ordinal).ToList());
        var tasks = await s.Store.GetTasksAsync(a.Id, Ct);
        tasks.ShouldAllBe(t => t.ModelVersion == 0 && t.Strategy == "cold-start" && t.Reason == "cold start: random order" && !t.Exploration);
        tasks.Count(t => t.HeldOut).ShouldBe(12);
    }

    private static async Task<List<string>> ExternalIdsAsync(LoopStore s, Project project, List<TaskRecord> tasks)
    {
        var items = (await s.Store.GetItemsAsync(project.Id, Ct)).ToDictionary(i => i.Id);
        return tasks.Select(t => items[t.ItemId].ExternalId).ToList();
    }

    [Fact]
    public async Task OnItemsImported_ProjectWithAModel_SchedulesARetrainInsteadOfAColdStart()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(), 200);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        await s.Store.ImportItemsAsync(project.Id, [new NewItem("late", "goal match striker", null, 1, null, null, false)], Ct);
        await loop.OnItemsImportedAsync(project.Id, Ct);

        (await s.Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBe((1, "margin"));
        loop.IsRequested(project.Id).ShouldBeTrue();
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        (await s.Store.GetModelVersionsAsync(project.Id, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task ProcessAsync_AfterRetrainEveryLabels_StoresAModelAndHandsOutByStrategyWithExploration()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(exploration: 0.2), 400);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();

        for (var i = 0; i < 19; i++) await s.LabelNextAsync(project, annotator);
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.NotDue);
        await s.LabelNextAsync(project, annotator);
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        var model = (await s.Store.GetModelVersionsAsync(project.Id, Ct)).ShouldHaveSingleItem();
        model.Version.ShouldBe(1);
        model.HeldOutLabeled.ShouldBe(40);
        var heldOutAnswered = (await s.Store.GetTasksAsync(project.Id, Ct)).Count(t => t.HeldOut);
        heldOutAnswered.ShouldBe(0); // held-out items have gold, so the cold start left them out
        model.Labels.ShouldBe(20);
        (await s.Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBe((1, "margin"));
        (await s.Store.GetTrainerStatusAsync(project.Id, Ct)).State.ShouldBe(TrainerState.Done);

        var handed = await DrainAsync(s, project, annotator);
        handed.Count.ShouldBe(360 - 20);
        handed.ShouldAllBe(t => t.ModelVersion == 1 && t.Strategy == "margin" && !t.HeldOut);
        var exploration = handed.Where(t => t.Exploration).ToList();
        exploration.Count.ShouldBe(68); // round(0.2 × 340)
        exploration.ShouldAllBe(t => t.Reason == "random control (ε = 0.2)" && t.Score == 0);
        exploration.Count(t => handed.IndexOf(t) < 170).ShouldBeInRange(20, 48); // spread over the queue
        var chosen = handed.Where(t => !t.Exploration).ToList();
        chosen.Select(t => t.Score).ShouldBe(chosen.Select(t => t.Score).OrderDescending());
        chosen.ShouldAllBe(t => t.Reason.StartsWith("margin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TopUpAsync_StoredTopDrains_AppendsTheRankingsNextPositionsSoHandOutStaysRanked()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store, rankingPositions: 40);
        var project = await s.ProjectAsync(Settings(exploration: 0.2), 400);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        // 340 items ranked; 40 stored, the rest held by the loop.
        (await s.Store.GetQueueStateAsync(project.Id, Ct)).ShouldBe(new QueueState(1, "margin", 40, 40, true));
        (await loop.TopUpAsync(project.Id, Ct)).ShouldBe(TopUpOutcome.Nothing);
        var handed = new List<TaskRecord>();
        while (await s.LabelNextAsync(project, annotator) is { } task)
        {
            handed.Add(task);
            var state = (await s.Store.GetQueueStateAsync(project.Id, Ct))!;
            var unranked = (await s.Store.GetCountsAsync(project.Id, 1, DateTimeOffset.UtcNow, Ct)).Unranked;
            state.AnyUnranked.ShouldBe(unranked > 0);
            var outcome = await loop.TopUpAsync(project.Id, Ct);
            // Topped up exactly when fewer than half of the 40 stored positions were open, back to 40 (or what is left).
            outcome.ShouldBe(state.OpenPositions < 20 && unranked > 0 ? TopUpOutcome.ToppedUp : TopUpOutcome.Nothing);
            if (outcome == TopUpOutcome.ToppedUp)
                (await s.Store.GetQueueStateAsync(project.Id, Ct))!.OpenPositions.ShouldBe(Math.Min(40, state.OpenPositions + unranked));
        }

        handed.Count.ShouldBe(340);
        handed.ShouldAllBe(t => t.ModelVersion == 1 && t.Strategy == "margin");
        handed.Take(50).Count(t => t.Exploration).ShouldBe(10); // 20% of every layout block, the first included
        handed.Count(t => t.Exploration).ShouldBe(68);
        var chosen = handed.Where(t => !t.Exploration).ToList();
        chosen.Select(t => t.Score).ShouldBe(chosen.Select(t => t.Score).OrderDescending()); // the strategy's order across top-ups
        (await s.Store.GetQueueStateAsync(project.Id, Ct))!.Positions.ShouldBeLessThan(40); // answered positions were dropped
    }

    [Fact]
    public async Task TopUpAsync_ProcessWithoutTheRankingsRest_AsksForOneRetrainWhenTheStoredTopIsNearlyGone()
    {
        await using var s = await LoopStore.CreateAsync();
        var trainer = LoopStore.Loop(s.Store, "process-a", rankingPositions: 40);
        var project = await s.ProjectAsync(Settings(), 400);
        await trainer.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        (await trainer.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        // A restarted process: same database, none of the ranking in memory.
        var restarted = LoopStore.Loop(await s.OpenAsync(), "process-b", rankingPositions: 40);

        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);   // 20 of 40 open: the holder would top up
        (await restarted.TopUpAsync(project.Id, Ct)).ShouldBe(TopUpOutcome.Nothing);
        for (var i = 0; i < 16; i++) await s.LabelNextAsync(project, annotator);   // 4 of 40 open: nearly gone
        (await restarted.TopUpAsync(project.Id, Ct)).ShouldBe(TopUpOutcome.RetrainRequested);
        restarted.IsRequested(project.Id).ShouldBeTrue();
        (await restarted.TopUpAsync(project.Id, Ct)).ShouldBe(TopUpOutcome.Nothing); // once per model version

        // Meanwhile hand-out goes on past the stored ranking; the retrain stores a fresh top, and the first process's
        // rest is stale: it appends nothing.
        for (var i = 0; i < 10; i++) (await s.LabelNextAsync(project, annotator)).ShouldNotBeNull();
        (await restarted.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        (await s.Store.GetQueueStateAsync(project.Id, Ct))!.ModelVersion.ShouldBe(2);
        (await trainer.TopUpAsync(project.Id, Ct)).ShouldBe(TopUpOutcome.Nothing);
        (await s.Store.GetQueueStateAsync(project.Id, Ct))!.OpenPositions.ShouldBe(40);
        var tasks = await s.Store.GetTasksAsync(project.Id, Ct);
        tasks.Count(t => t.Reason == ColdStartOrder.BeyondRankingReason).ShouldBeGreaterThanOrEqualTo(6);
    }

    [Fact]
    public async Task RunAsync_LongFit_TopsUpTheStoredRankingMeanwhile()
    {
        await using var s = await LoopStore.CreateAsync();
        var time = new ObservedTimeProvider();
        var topUpInterval = TimeSpan.FromMilliseconds(50);
        var services = new ServiceCollection();
        services.AddSingleton<ISiftStore>(s.Store);
        services.AddSingleton<TimeProvider>(time);
        services.AddSiftLiveLoop(o => o with
        {
            PollInterval = TimeSpan.FromHours(1), WakeDelay = TimeSpan.Zero, TopUpInterval = topUpInterval,
            RankingPositions = 40, BootstrapSamples = 300,
        });
        await using var provider = services.BuildServiceProvider();
        var loop = provider.GetRequiredService<LiveLoop>();
        var project = await s.ProjectAsync(Settings(), 400);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        var inFit = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        loop.FitStarting = async (_, ct) =>
        {
            inFit.TrySetResult();
            await release.Task.WaitAsync(ct);
        };
        var hosted = provider.GetServices<IHostedService>().ShouldHaveSingleItem();
        await hosted.StartAsync(Ct);
        try
        {
            loop.RequestRetrain(project.Id);
            await inFit.Task.WaitAsync(Ct);
            // The fit hangs; annotators take 60 tasks, three stored tops' worth.
            var handed = new List<TaskRecord>();
            for (var i = 0; i < 60; i++)
            {
                handed.Add((await s.LabelNextAsync(project, annotator)).ShouldNotBeNull());
                loop.OnTasksClaimed(project.Id, 1);
                if (i % 10 == 9) await WaitForOpenPositionsAsync(s, project, 20, time, topUpInterval);
            }
            (await s.Store.GetTrainerStatusAsync(project.Id, Ct)).State.ShouldBe(TrainerState.Running);
            handed.ShouldAllBe(t => t.ModelVersion == 1);
        }
        finally
        {
            release.TrySetResult();
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Lets top-up intervals pass on the clock, one at a time, until the stored ranking has enough open positions.</summary>
    private static async Task WaitForOpenPositionsAsync(LoopStore s, Project project, int atLeast, ObservedTimeProvider time, TimeSpan topUpInterval)
    {
        for (var intervals = 0; (await s.Store.GetQueueStateAsync(project.Id, Ct))!.OpenPositions < atLeast; intervals++)
        {
            intervals.ShouldBeLessThan(100, $"fewer than {atLeast} open positions after 100 top-up intervals");
            var looks = time.Started(d => d == topUpInterval);
            time.Advance(topUpInterval);
            await time.TimersStartedAsync(topUpInterval, looks + 1, Ct); // the top-up loop looked again and waits for the next interval
        }
    }

    [Fact]
    public async Task ProcessAsync_RequestForUnknownProject_IsDropped()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        loop.RequestRetrain(424_242);
        (await loop.ProcessAsync(424_242, Ct)).ShouldBe(TrainOutcome.NotFound);
        loop.IsRequested(424_242).ShouldBeFalse();
    }

    [Fact]
    public async Task ProcessAsync_HeldOutAnswers_NeverCountAsTrainingLabels()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(retrainEvery: 30), 300, goldOnHeldOut: false);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 60; i++) await s.LabelNextAsync(project, annotator);

        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        var tasks = await s.Store.GetTasksAsync(project.Id, Ct);
        var heldOut = tasks.Count(t => t.HeldOut);
        heldOut.ShouldBeGreaterThan(0);
        var model = (await s.Store.GetModelVersionsAsync(project.Id, Ct)).ShouldHaveSingleItem();
        model.Labels.ShouldBe(60 - heldOut);
        model.HeldOutLabeled.ShouldBe(heldOut);
    }

    [Fact]
    public async Task ProcessAsync_InvalidStoredSettings_MarksTheTrainerFailedAndRecovers()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(), 200);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        await s.Store.UpdateSettingsAsync(project.Id, project.Settings with { Strategy = "no-such-strategy" }, Ct);

        loop.RequestRetrain(project.Id);
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.InvalidSettings);
        loop.IsRequested(project.Id).ShouldBeFalse();
        var failed = await s.Store.GetTrainerStatusAsync(project.Id, Ct);
        failed.State.ShouldBe(TrainerState.Failed);
        failed.Error.ShouldBe("Not trained until the settings are fixed: strategy: Unknown strategy 'no-such-strategy'.");
        (await s.Store.GetModelVersionsAsync(project.Id, Ct)).ShouldBeEmpty();
        (await s.Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBe((0, "cold-start"));
        (await s.Store.TryAcquireTrainerAsync(project.Id, "someone-else", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), Ct)).ShouldBeTrue(); // released
        await s.Store.ReleaseTrainerAsync(project.Id, "someone-else", Ct);

        await s.Store.UpdateSettingsAsync(project.Id, project.Settings, Ct);
        loop.RequestRetrain(project.Id);
        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        var done = await s.Store.GetTrainerStatusAsync(project.Id, Ct);
        done.State.ShouldBe(TrainerState.Done);
        done.Error.ShouldBeNull();
        done.LastDurationSeconds.ShouldNotBeNull();
        done.Owner.ShouldBe("test-owner");
    }

    [Fact]
    public async Task ProcessAsync_FitThrows_MarksTheTrainerFailedWithTheExceptionsSentence()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(), 200);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        loop.FitStarting = (_, _) => throw new InvalidOperationException("boom");

        (await loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Failed);
        var failed = await s.Store.GetTrainerStatusAsync(project.Id, Ct);
        failed.State.ShouldBe(TrainerState.Failed);
        failed.Error.ShouldBe("Training failed (InvalidOperationException): boom.");
    }

    [Fact]
    public async Task RunAsync_ProjectsStoredWithSpecsOverTheLimits_MarkedFailedWithTheReasonWhileAnotherTrains()
    {
        // Issue 9: a strategy of 70,000 decorators, or a stop rule of 20,000 nested any(, stored before validation
        // existed (here: straight through the store) overflowed the stack of the process that trained the project.
        await using var s = await LoopStore.CreateAsync();
        var time = new ObservedTimeProvider();
        var poll = TimeSpan.FromHours(1);
        var loop = new LiveLoop(s.Store, time, new LiveLoopOptions
        {
            Owner = "test-owner", PollInterval = poll, WakeDelay = TimeSpan.Zero, BootstrapSamples = 300,
        });
        var strategy = "margin" + string.Concat(Enumerable.Repeat("+explore(0.1)", 70_000));
        var stopRule = string.Concat(Enumerable.Repeat("any(", 20_000)) + "labels(5)" + new string(')', 20_000);
        var badStrategy = await s.ProjectAsync(Settings() with { Strategy = strategy }, 200);
        var good = await s.ProjectAsync(Settings(), 200);
        var badRule = await s.ProjectAsync(Settings() with { StopRule = stopRule }, 200);
        var annotator = await s.UserAsync();
        foreach (var project in new[] { badStrategy, good, badRule })
        {
            await loop.OnItemsImportedAsync(project.Id, Ct);
            for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
            loop.RequestRetrain(project.Id);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = loop.RunAsync(stop.Token);
        try
        {
            // The first look takes every project in turn; then the loop waits on the clock for the next poll.
            var parked = time.TimersStartedAsync(poll, 1, Ct);
            (await Task.WhenAny(parked, running)).ShouldBe(parked, "the loop ended before it had looked at every project");
            running.IsCompleted.ShouldBeFalse();
            (await s.Store.GetModelVersionsAsync(good.Id, Ct)).Count.ShouldBe(1);
            (await s.Store.GetTrainerStatusAsync(badStrategy.Id, Ct)).State.ShouldBe(TrainerState.Failed);
            (await s.Store.GetTrainerStatusAsync(badRule.Id, Ct)).State.ShouldBe(TrainerState.Failed);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }

        (await s.Store.GetTrainerStatusAsync(good.Id, Ct)).State.ShouldBe(TrainerState.Done);
        (await s.Store.GetModelVersionsAsync(badStrategy.Id, Ct)).ShouldBeEmpty();
        (await s.Store.GetModelVersionsAsync(badRule.Id, Ct)).ShouldBeEmpty();
        var strategyFailure = await s.Store.GetTrainerStatusAsync(badStrategy.Id, Ct);
        strategyFailure.Error.ShouldBe("Not trained until the settings are fixed: strategy: Strategy 'margin+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)+explore(0.1)+explo…' is 910,006 characters long; at most 1,000 are accepted.");
        (await s.Store.GetTrainerStatusAsync(badRule.Id, Ct)).Error!.ShouldStartWith("Not trained until the settings are fixed: stop_rule: Stopping rule 'any(any(");
        (await s.Store.GetTrainerStatusAsync(badRule.Id, Ct)).Error!.ShouldContain("it is 100,009 characters long; at most 1,000 are accepted.");

        // Looking again leaves the recorded failure as it was (no rewrite on every poll), and the dashboard shows it.
        (await loop.ProcessAsync(badStrategy.Id, Ct)).ShouldBe(TrainOutcome.InvalidSettings);
        (await s.Store.GetTrainerStatusAsync(badStrategy.Id, Ct)).ShouldBe(strategyFailure);
        var dashboard = await loop.GetDashboardAsync(badRule.Id, Ct);
        dashboard.Trainer.State.ShouldBe(TrainerState.Failed);
        dashboard.Trainer.Error.ShouldStartWith("Not trained until the settings are fixed: stop_rule:");
        dashboard.Stop.Rule.ShouldBe(stopRule[..80] + "… (100,009 characters)");
    }

    [Fact]
    public async Task ProcessAsync_TwoOwnersOnOneDatabase_NeverTrainOneProjectAtOnce()
    {
        await using var s = await LoopStore.CreateAsync();
        var storeB = await s.OpenAsync();
        var a = LoopStore.Loop(s.Store, "process-a");
        var b = LoopStore.Loop(storeB, "process-b");
        var project = await s.ProjectAsync(Settings(), 200);
        await a.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);

        var inFit = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        a.FitStarting = async (_, ct) =>
        {
            inFit.TrySetResult();
            await release.Task.WaitAsync(ct);
        };
        var first = a.ProcessAsync(project.Id, Ct);
        await inFit.Task.WaitAsync(Ct);

        // A is mid-fit: B sees the work but not the lease, even when asked to retrain.
        (await b.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.LeaseHeldElsewhere);
        b.RequestRetrain(project.Id);
        (await b.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.LeaseHeldElsewhere);
        b.IsRequested(project.Id).ShouldBeTrue(); // kept for the next look
        var running = await storeB.GetTrainerStatusAsync(project.Id, Ct);
        running.State.ShouldBe(TrainerState.Running);
        running.Owner.ShouldBe("process-a");
        // Requests to A while it trains coalesce into one more retrain.
        a.RequestRetrain(project.Id);
        a.RequestRetrain(project.Id);

        a.FitStarting = null;
        release.SetResult();
        (await first).ShouldBe(TrainOutcome.Trained);
        (await b.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        b.IsRequested(project.Id).ShouldBeFalse();
        (await a.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        (await a.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.NotDue);

        var versions = await s.Store.GetModelVersionsAsync(project.Id, Ct);
        versions.Select(v => v.Version).ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task ProcessAsync_LongFit_RenewsTheLeaseSoNoOtherOwnerTakesOver()
    {
        await using var s = await LoopStore.CreateAsync();
        var time = new ObservedTimeProvider();
        var lease = TimeSpan.FromSeconds(3);
        var a = LoopStore.Loop(s.Store, "process-a", lease, time: time);
        var project = await s.ProjectAsync(Settings(), 120);
        await a.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        var inFit = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        a.FitStarting = async (_, ct) =>
        {
            inFit.TrySetResult();
            await release.Task.WaitAsync(ct);
        };
        var fit = a.ProcessAsync(project.Id, Ct);
        await inFit.Task.WaitAsync(Ct);

        // Six renewal periods (a third of the lease each) on the loop's clock, twice the first lease's length: only
        // renewals keep it. Each step waits until the renewer is parked on its next period, so none is skipped.
        var period = lease / 3;
        for (var renewal = 1; renewal <= 6; renewal++)
        {
            await time.TimersStartedAsync(period, renewal, Ct);
            time.Advance(period);
        }
        await time.TimersStartedAsync(period, 7, Ct); // the sixth renewal is stored
        (time.GetUtcNow() - time.Start).ShouldBe(2 * lease);
        (await s.Store.TryAcquireTrainerAsync(project.Id, "process-b", time.GetUtcNow(), lease, Ct)).ShouldBeFalse();

        release.SetResult();
        (await fit).ShouldBe(TrainOutcome.Trained);
    }

    [Fact]
    public async Task ProcessAsync_EnoughRandomControlLabels_DashboardShowsTheLift()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(exploration: 0.3), 400);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();

        DashboardView? dashboard = null;
        for (var labels = 1; labels <= 200; labels++)
        {
            (await s.LabelNextAsync(project, annotator)).ShouldNotBeNull();
            loop.OnLabelsChanged(project.Id);
            if (await loop.ProcessAsync(project.Id, Ct) != TrainOutcome.Trained) continue;
            dashboard = await loop.GetDashboardAsync(project.Id, Ct);
            if (dashboard.Lift is not null) break;
        }

        dashboard.ShouldNotBeNull();
        var lift = dashboard.Lift.ShouldNotBeNull();
        var random = (await s.Store.GetTasksAsync(project.Id, Ct)).Count(t => t.Exploration && t.State == TaskState.Submitted);
        random.ShouldBeGreaterThanOrEqualTo(10);
        lift.Labels.ShouldBeGreaterThanOrEqualTo(30); // 20 cold-start labels plus at least 10 per arm
        lift.Low.ShouldBeLessThanOrEqualTo(lift.Difference);
        lift.High.ShouldBeGreaterThanOrEqualTo(lift.Difference);
        TestContext.Current.TestOutputHelper!.WriteLine($"lift: {lift}");
        lift.RandomAccuracy.ShouldBeGreaterThan(0.8);
        lift.ActiveAccuracy.ShouldBeGreaterThan(0.8);
        dashboard.LiftStatus.ShouldStartWith("20 cold-start labels plus ");
        dashboard.LearningCurve.Count.ShouldBe(dashboard.ModelVersion);
        dashboard.LearningCurve.ShouldAllBe(p => p.Accuracy > 0.8);
        var svg = await loop.GetLearningCurveSvgAsync(project.Id, Ct);
        svg.ShouldContain("random control");
        svg.ShouldContain("held-out accuracy vs labels");
    }

    [Fact]
    public async Task GetDashboardAsync_AfterLabels_ShowsCountsClassesTimeCurveStatusAndStop()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(), 200);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();

        var empty = await loop.GetDashboardAsync(project.Id, Ct);
        empty.ModelVersion.ShouldBe(0);
        empty.Trainer.State.ShouldBe(TrainerState.Idle);
        empty.Stop.Stop.ShouldBeFalse();
        empty.Stop.Reason.ShouldBe("no model yet: the first model is trained after 20 resolved labels");
        empty.Counts.Items.ShouldBe(200);
        (empty.Counts.QueueDepth, empty.Counts.Unranked).ShouldBe((0, 180)); // a cold start stores no positions: all 180 go in the cold-start order
        empty.LabelsOverTime.ShouldBeEmpty();
        empty.Lift.ShouldBeNull();

        for (var i = 0; i < 25; i++) await s.LabelNextAsync(project, annotator);
        loop.RequestRetrain(project.Id);
        (await loop.GetDashboardAsync(project.Id, Ct)).Trainer.State.ShouldBe(TrainerState.Queued);
        await loop.ProcessAsync(project.Id, Ct);
        var view = await loop.GetDashboardAsync(project.Id, Ct);

        view.Counts.Annotations.ShouldBe(25);
        view.LabelsPerClass.Keys.ShouldBe(SyntheticText.Labels, ignoreOrder: true);
        view.LabelsPerClass.Values.Sum().ShouldBe(25);
        view.LabelsOverTime[^1].Total.ShouldBe(25);
        view.ModelVersion.ShouldBe(1);
        view.LearningCurve.ShouldHaveSingleItem().Labels.ShouldBe(25);
        view.Trainer.State.ShouldBe(TrainerState.Done);
        view.Stop.Rule.ShouldNotBeNullOrEmpty();
        view.Stop.Reason.ShouldContain("waiting for 4 validation points");
        view.LiftStatus.ShouldBe("waiting for 10 labels from random-control positions (0 so far)");
        await Should.ThrowAsync<NotFoundException>(() => loop.GetDashboardAsync(999_999, Ct));
    }

    [Fact]
    public async Task GetDashboardAsync_CountsHeavy_PreviousCountsWithTheirTimeWhileTheTrainerStateIsFresh()
    {
        // Issue 9: on a 200,000-item project one read of the counts scans every item; with reviewers polling, reads took
        // a core from the annotators. Heavy counts are paced: here every computation counts as heavy and rests a long time.
        await using var s = await LoopStore.CreateAsync();
        var loop = new LiveLoop(s.Store, TimeProvider.System, new LiveLoopOptions
        {
            Owner = "test-owner", BootstrapSamples = 300,
            DashboardCounts = new ReportCacheOptions { HeavyAbove = TimeSpan.Zero, CostFactor = 1e9 },
        });
        var project = await s.ProjectAsync(Settings(), 200);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        var first = await loop.GetDashboardAsync(project.Id, Ct);

        for (var i = 0; i < 25; i++) await s.LabelNextAsync(project, annotator);
        loop.RequestRetrain(project.Id);
        var paced = await loop.GetDashboardAsync(project.Id, Ct);

        paced.Counts.ShouldBe(first.Counts);
        paced.CountsAsOf.ShouldBe(first.CountsAsOf);
        paced.LabelsPerClass.Values.Sum().ShouldBe(0);
        paced.Trainer.State.ShouldBe(TrainerState.Queued);
        await loop.ProcessAsync(project.Id, Ct);
        var trained = await loop.GetDashboardAsync(project.Id, Ct);
        (trained.ModelVersion, trained.Trainer.State).ShouldBe((1, TrainerState.Done));
        trained.LearningCurve.ShouldHaveSingleItem().Labels.ShouldBe(25);
    }

    [Fact]
    public async Task GetDashboardAsync_CountsLight_FreshAfterEveryAnswer()
    {
        await using var s = await LoopStore.CreateAsync();
        var loop = LoopStore.Loop(s.Store);
        var project = await s.ProjectAsync(Settings(), 200);
        await loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 1; i <= 3; i++)
        {
            var before = await loop.GetDashboardAsync(project.Id, Ct);
            await s.LabelNextAsync(project, annotator);
            var after = await loop.GetDashboardAsync(project.Id, Ct);
            (before.Counts.Annotations, after.Counts.Annotations).ShouldBe((i - 1, i));
            after.CountsAsOf.ShouldBeGreaterThanOrEqualTo(before.CountsAsOf);
        }
    }

    [Fact]
    public async Task AddSiftLiveLoop_HostedService_RetrainsInTheBackgroundAfterLabels()
    {
        await using var s = await LoopStore.CreateAsync();
        var time = new ObservedTimeProvider();
        var poll = TimeSpan.FromHours(1);
        var wakeDelay = TimeSpan.FromMilliseconds(20);
        var services = new ServiceCollection();
        services.AddSingleton<ISiftStore>(s.Store);
        services.AddSingleton<TimeProvider>(time);
        services.AddSiftLiveLoop(o => o with { PollInterval = poll, WakeDelay = wakeDelay });
        await using var provider = services.BuildServiceProvider();
        var loop = provider.GetRequiredService<ILiveLoop>();
        var hosted = provider.GetServices<IHostedService>().ShouldHaveSingleItem();
        await hosted.StartAsync(Ct);
        try
        {
            await time.TimersStartedAsync(poll, 1, Ct); // the first look found nothing; the loop waits for the next poll
            var project = await s.ProjectAsync(Settings(), 200);
            await loop.OnItemsImportedAsync(project.Id, Ct);
            var annotator = await s.UserAsync();
            for (var i = 0; i < 20; i++)
            {
                await s.LabelNextAsync(project, annotator);
                loop.OnLabelsChanged(project.Id);
            }

            // The first change woke the loop, and it waits the wake delay on the clock for more labels before it looks.
            await time.TimersStartedAsync(wakeDelay, 1, Ct);
            (await s.Store.GetModelVersionsAsync(project.Id, Ct)).ShouldBeEmpty();
            var parked = time.TimersStartedAsync(poll - wakeDelay, 1, Ct);
            time.Advance(wakeDelay);
            await parked; // it looked, trained, and waits for the next poll

            (await s.Store.GetTrainerStatusAsync(project.Id, Ct)).State.ShouldBe(TrainerState.Done);
            (await s.Store.GetModelVersionsAsync(project.Id, Ct)).ShouldHaveSingleItem().Labels.ShouldBe(20);
            (await s.Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBe((1, "margin"));
        }
        finally
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }
}
