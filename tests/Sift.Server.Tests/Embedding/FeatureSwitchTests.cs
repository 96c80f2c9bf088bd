using System.Text.Json.Nodes;
using Sift.Features;
using Sift.Projects;
using Sift.Server.Embedding;
using Sift.Server.Tests.Training;
using Sift.Server.Training;

namespace Sift.Server.Tests.Embedding;

/// <summary>
/// The live loop's switch from TF-IDF to the project's features once every item has its sentence vector: before,
/// during and after, on a real SQLite store with the fake encoder.
/// </summary>
public sealed class FeatureSwitchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ProjectSettings Settings(string features = "tfidf+minilm", string strategy = "margin-kmeans") =>
        new() { Labels = SyntheticText.Labels, Strategy = strategy, RetrainEvery = 20, Seed = 3, Features = features };

    private sealed record Rig(LoopStore S, LiveLoop Loop, EmbeddingWorker Worker, EmbeddingStatus Status, FakeEncoder Encoder) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => S.DisposeAsync();
    }

    private static async Task<Rig> RigAsync(FakeEncoder? encoder = null)
    {
        var s = await LoopStore.CreateAsync();
        encoder ??= new FakeEncoder(dimension: 16);
        var (worker, status, host) = EmbeddingWorkerTests.Worker(s.Store, encoder, batch: 32);
        var loop = new LiveLoop(s.Store, TimeProvider.System, new LiveLoopOptions { Owner = "switch-test", BootstrapSamples = 300 }, vectors: new ProjectVectors(s.Store, host, status));
        return new Rig(s, loop, worker, status, encoder);
    }

    private static async Task<List<JsonObject>> EvidenceAsync(LoopStore s, long projectId, string kind) =>
        (await s.Store.ReadEvidenceAsync(projectId, 0, 10_000, Ct)).Where(e => e.Kind == kind).Select(e => JsonNode.Parse(e.Json)!.AsObject()).ToList();

    [Fact]
    public async Task Trainer_BeforeEveryItemHasItsVector_UsesTfidf_ThenSwitchesOnceAndRecordsTheSwitch()
    {
        await using var rig = await RigAsync();
        var s = rig.S;
        var project = await s.ProjectAsync(Settings(), 200);
        await rig.Loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);

        // Before: the encoder has not even loaded; the first model trains on TF-IDF and says why.
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        var first = ModelMetrics.Parse((await s.Store.GetModelVersionsAsync(project.Id, Ct)).Single().MetricsJson);
        first.Features.ShouldBe("tfidf");
        first.FeaturesNote.ShouldBe("waiting for the sentence encoder to load");
        rig.Loop.CacheOf(project.Id)!.Features!.Data.VectorsAreEmbeddings.ShouldBeFalse();

        // Part-way: some vectors stored, not all: still not due, still TF-IDF when trained for labels.
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            rig.Encoder.OnEncode = (_, _) => { if (rig.Encoder.Calls.Count == 3) stop.Cancel(); };
            await Should.ThrowAsync<OperationCanceledException>(() => rig.Worker.EmbedProjectAsync(project.Id, stop.Token));
            rig.Encoder.OnEncode = null;
        }
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.NotDue);
        rig.Loop.RequestRetrain(project.Id);
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        var second = ModelMetrics.Parse((await s.Store.GetModelVersionsAsync(project.Id, Ct))[^1].MetricsJson);
        second.Features.ShouldBe("tfidf");
        second.FeaturesNote.ShouldBe("waiting for vectors: 96 of 200 items embedded");

        // After: every item has its vector; the loop finds a retrain due by itself and switches.
        (await rig.Worker.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.Embedded);
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
        var models = await s.Store.GetModelVersionsAsync(project.Id, Ct);
        models.Count.ShouldBe(3);
        var third = ModelMetrics.Parse(models[^1].MetricsJson);
        third.Features.ShouldBe("tfidf+minilm");
        third.FeaturesNote.ShouldBeNull();
        var features = rig.Loop.CacheOf(project.Id)!.Features!;
        features.Kind.ShouldBe("tfidf+minilm");
        features.Data.VectorsAreEmbeddings.ShouldBeTrue(); // margin-kmeans clusters the encoder's vectors
        features.Data.Vectors.Columns.ShouldBe(16);
        var items = await s.Store.GetItemsAsync(project.Id, Ct);
        var row = features.Row[items[5].Id];
        features.Data.Vectors.Row(row).ToArray().ShouldBe(FakeEncoder.VectorOf(items[5].Text, 16), tolerance: 1e-6);

        // Recorded: each model event names its features; one features event marks the switch.
        var modelEvents = await EvidenceAsync(s, project.Id, "model");
        modelEvents.Select(e => (string)e["featurizer"]!).ShouldBe(["tfidf", "tfidf", $"tfidf+minilm ({rig.Encoder.ModelId})"]);
        modelEvents.ShouldAllBe(e => ((string)e["fingerprint"]!).Length > 0 && ((string)e["learner"]!).Length > 0);
        var change = (await EvidenceAsync(s, project.Id, "features")).ShouldHaveSingleItem();
        ((int)change["model_version"]!).ShouldBe(3);
        ((string)change["from"]!).ShouldBe("tfidf");
        ((string)change["to"]!).ShouldBe("tfidf+minilm");
        ((string)change["encoder"]!).ShouldBe(rig.Encoder.ModelId);

        // And it settles: nothing more is due.
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.NotDue);
    }

    [Fact]
    public async Task Trainer_VectorsReadyBeforeTheFirstModel_FirstModelUsesTheProjectsFeaturesWithoutASwitchEvent()
    {
        await using var rig = await RigAsync();
        var s = rig.S;
        var project = await s.ProjectAsync(Settings(features: "minilm", strategy: "margin"), 120);
        await rig.Worker.EmbedProjectAsync(project.Id, Ct);
        await rig.Loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);

        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        ModelMetrics.Parse((await s.Store.GetModelVersionsAsync(project.Id, Ct)).Single().MetricsJson).Features.ShouldBe("minilm");
        rig.Loop.CacheOf(project.Id)!.Features!.Data.Pool.Columns.ShouldBe(16); // the vectors alone
        (await EvidenceAsync(s, project.Id, "features")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Trainer_FeaturesSetToTfidfAfterTheSwitch_RetrainsOnTfidfAndRecordsTheWayBack()
    {
        await using var rig = await RigAsync();
        var s = rig.S;
        var project = await s.ProjectAsync(Settings(strategy: "margin"), 150);
        await rig.Worker.EmbedProjectAsync(project.Id, Ct);
        await rig.Loop.OnItemsImportedAsync(project.Id, Ct);
        var annotator = await s.UserAsync();
        for (var i = 0; i < 20; i++) await s.LabelNextAsync(project, annotator);
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        await s.Store.UpdateSettingsAsync(project.Id, project.Settings with { Features = "tfidf" }, DateTimeOffset.UtcNow, Ct);
        (await rig.Worker.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.NotNeeded);
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);

        var metrics = (await s.Store.GetModelVersionsAsync(project.Id, Ct)).Select(m => ModelMetrics.Parse(m.MetricsJson).Features).ToList();
        metrics.ShouldBe(["tfidf+minilm", "tfidf"]);
        var change = (await EvidenceAsync(s, project.Id, "features")).ShouldHaveSingleItem();
        ((string)change["to"]!).ShouldBe("tfidf");
        change.ContainsKey("encoder").ShouldBeFalse();
        (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.NotDue);
    }

    [Fact]
    public async Task Labeling_WhileTheEncoderIsBusy_HandsOutAndTrainsOnTfidfWithoutWaiting()
    {
        var release = new ManualResetEventSlim();
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var encoder = new FakeEncoder(dimension: 16)
        {
            OnEncode = (_, token) =>
            {
                busy.TrySetResult();
                WaitHandle.WaitAny([release.WaitHandle, token.WaitHandle], TimeSpan.FromMinutes(2));
            },
        };
        await using var rig = await RigAsync(encoder);
        var s = rig.S;
        var project = await s.ProjectAsync(Settings(strategy: "margin"), 150);
        await rig.Loop.OnItemsImportedAsync(project.Id, Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var embedding = Task.Run(() => rig.Worker.EmbedProjectAsync(project.Id, cts.Token), Ct);
        try
        {
            await busy.Task.WaitAsync(TimeSpan.FromMinutes(1), Ct);

            // The encoder sits in its first batch; people label and the trainer fits all the same.
            var annotator = await s.UserAsync();
            for (var i = 0; i < 20; i++) (await s.LabelNextAsync(project, annotator)).ShouldNotBeNull();
            (await rig.Loop.ProcessAsync(project.Id, Ct)).ShouldBe(TrainOutcome.Trained);
            ModelMetrics.Parse((await s.Store.GetModelVersionsAsync(project.Id, Ct)).Single().MetricsJson).Features.ShouldBe("tfidf");
            (await s.LabelNextAsync(project, annotator))!.ModelVersion.ShouldBe(1);
            embedding.IsCompleted.ShouldBeFalse();
        }
        finally
        {
            release.Set();
            await embedding;
            release.Dispose();
        }
        rig.Status.IsComplete(project.Id, 150).ShouldBeTrue();
    }

    [Fact]
    public void Train_VectorsPlannedButOneMissing_FallsBackToTfidfAndSaysWhy()
    {
        var snapshot = SnapshotBuilderFor(60);
        var choice = FeatureChoice.WithVectors("tfidf+minilm", (_, _) => null);

        var result = Trainer.Train(snapshot, new ProjectCache(), new LiveLoopOptions { BootstrapSamples = 300 }, DateTimeOffset.UnixEpoch, CancellationToken.None, choice);

        var metrics = ModelMetrics.Parse(result.Model!.MetricsJson);
        metrics.Features.ShouldBe("tfidf");
        metrics.FeaturesNote.ShouldBe("some items lack a usable sentence vector; they are being embedded again");
        result.Evidence!.Featurizer.ShouldBe("tfidf");
        result.Switch.ShouldBeNull(); // the first model: nothing to switch from
    }

    [Fact]
    public void Train_WithStoredVectors_ConcatenatesTfidfAndTheVectors()
    {
        var snapshot = SnapshotBuilderFor(60);
        var dimension = 6;
        var vectors = snapshot.Items.Select(i => i.Text).Distinct().ToDictionary(t => EmbeddingKey.Create("m", t), t => FakeEncoder.VectorOf(t, dimension));
        var choice = FeatureChoice.WithVectors("tfidf+minilm", (_, _) => new StoredVectorsEncoder("m", dimension, vectors));
        var cache = new ProjectCache();

        var result = Trainer.Train(snapshot, cache, new LiveLoopOptions { BootstrapSamples = 300 }, DateTimeOffset.UnixEpoch, CancellationToken.None, choice);
        result.Commit();

        var tfidfOnly = new ProjectCache();
        Trainer.Train(snapshot, tfidfOnly, new LiveLoopOptions { BootstrapSamples = 300 }, DateTimeOffset.UnixEpoch, CancellationToken.None).Commit();
        cache.Features!.Data.Pool.Columns.ShouldBe(tfidfOnly.Features!.Data.Pool.Columns + dimension);
        cache.Features.Data.VectorsAreEmbeddings.ShouldBeTrue();
        result.Evidence!.Featurizer.ShouldBe("tfidf+minilm (m)");
    }

    private static ProjectSnapshot SnapshotBuilderFor(int items)
    {
        var b = new SnapshotBuilder(Settings(strategy: "margin")).WithCorpus(items);
        foreach (var item in b.Items.Where(i => !i.HeldOut).Take(20)) b.AnswerTruly(item.Id);
        return b.Build();
    }
}
