using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Sift.Features;
using Sift.Projects;
using Sift.Server.Embedding;
using Sift.Server.Tests.Training;

namespace Sift.Server.Tests.Embedding;

/// <summary>The background embedding worker on a real SQLite store, with a deterministic fake encoder.</summary>
public sealed class EmbeddingWorkerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ProjectSettings Settings(string features = "tfidf+minilm") => new() { Labels = SyntheticText.Labels, Features = features };

    /// <summary>A worker over the store, its status, and the encoder (loaded on first need, as in the server).</summary>
    internal static (EmbeddingWorker Worker, EmbeddingStatus Status, SentenceEncoderHost Host) Worker(
        SqliteSiftStore store, ITextEncoder? encoder, TimeProvider? time = null, int batch = 8)
    {
        time ??= TimeProvider.System;
        var options = new SiftServerOptions
        {
            TextEncoder = encoder is null ? null : () => encoder,
            Embedding = new EmbeddingOptions { BatchSize = batch, LowPriority = false },
        };
        var host = new SentenceEncoderHost(options);
        var status = new EmbeddingStatus(time);
        return (new EmbeddingWorker(store, store, host, status, time, options.Embedding), status, host);
    }

    private static async Task<Project> ProjectAsync(LoopStore s, IEnumerable<string> texts, string features = "tfidf+minilm")
    {
        var project = await s.Store.CreateProjectAsync($"p{Guid.NewGuid():N}", Settings(features), "", s.Admin.Id, DateTimeOffset.UtcNow, Ct);
        await ImportAsync(s, project, texts);
        return project;
    }

    private static async Task ImportAsync(LoopStore s, Project project, IEnumerable<string> texts, string prefix = "i")
    {
        var items = texts.Select((t, i) => new NewItem($"{prefix}{i}", t, null, 1, null, null, false)).ToList();
        await s.Store.ImportItemsAsync(project.Id, items, new ImportOrigin("test", DateTimeOffset.UtcNow), Ct);
    }

    private static List<string> Texts(int count, int seed = 1) => SyntheticText.Create(count, seed).Select(x => x.Text).ToList();

    [Fact]
    public async Task EmbedProject_NewProject_EmbedsEachDistinctTextOnceInBatchesAndStoresEveryItemsVector()
    {
        await using var s = await LoopStore.CreateAsync();
        var texts = Texts(45);
        // Five items repeat earlier texts (one with outer white space: the same normal form).
        texts.AddRange([texts[0], texts[1], "  " + texts[2] + "\n", texts[3], texts[0]]);
        var project = await ProjectAsync(s, texts);
        var encoder = new FakeEncoder();
        var (worker, status, _) = Worker(s.Store, encoder, batch: 8);

        (await worker.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.Embedded);

        encoder.Texts.Count.ShouldBe(45);
        encoder.Texts.Distinct().Count().ShouldBe(45);
        encoder.Calls.ShouldAllBe(n => n <= 8);
        var progress = status.Get(project.Id, project.Settings, 50)!;
        progress.ShouldBe(new EmbeddingProgress(EmbeddingState.Done, 50, 50, null, null, null) { Model = encoder.ModelId, Features = "tfidf+minilm" });
        status.IsComplete(project.Id, 50).ShouldBeTrue();
        var items = await s.Store.GetItemsAsync(project.Id, Ct);
        var stored = await s.Store.GetEmbeddingsAsync(encoder.ModelId, encoder.Dimension, items.Select(i => EmbeddingKey.Create(encoder.ModelId, i.Text)).ToList(), Ct);
        for (var i = 0; i < items.Count; i++) stored[i].ShouldBe(FakeEncoder.VectorOf(items[i].Text, encoder.Dimension));

        // Looked at again: nothing new, nothing embedded.
        (await worker.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.UpToDate);
        encoder.Texts.Count.ShouldBe(45);
    }

    [Fact]
    public async Task EmbedProject_WhileRunning_ProgressCountsItemsAndRateAndEtaComeFromTheInjectedClock()
    {
        await using var s = await LoopStore.CreateAsync();
        var project = await ProjectAsync(s, Texts(40));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
        // Each call of 10 texts takes 2 s on the fake clock: 5 items/s.
        var encoder = new FakeEncoder { OnEncode = (_, _) => time.Advance(TimeSpan.FromSeconds(2)) };
        var (worker, status, _) = Worker(s.Store, encoder, time, batch: 10);
        var seen = new List<EmbeddingProgress>();
        worker.BatchStarting = (id, _) => seen.Add(status.Get(id, project.Settings, 40)!);

        await worker.EmbedProjectAsync(project.Id, Ct);

        seen.Count.ShouldBe(4);
        seen[0].ShouldBe(new EmbeddingProgress(EmbeddingState.Running, 0, 40, null, null, null) { Model = encoder.ModelId, Features = "tfidf+minilm" });
        seen[1].State.ShouldBe(EmbeddingState.Running);
        seen[1].Done.ShouldBe(10);
        seen[1].Rate.ShouldBe(5.0);
        seen[1].EtaSeconds.ShouldBe(6.0); // 30 items at 5 items/s
        seen[3].Done.ShouldBe(30);
        seen[3].EtaSeconds.ShouldBe(2.0);
        status.Get(project.Id, project.Settings, 40)!.State.ShouldBe(EmbeddingState.Done);
    }

    [Fact]
    public async Task EmbedProject_StoppedPartWayThenANewProcess_ResumesFromTheStoredVectorsAndEmbedsNoTextTwice()
    {
        await using var s = await LoopStore.CreateAsync();
        var project = await ProjectAsync(s, Texts(60));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var first = new FakeEncoder();
        first.OnEncode = (_, _) =>
        {
            // The third batch never finishes: the process stops (or dies) while it runs.
            if (first.Calls.Count == 2) stop.Cancel();
        };
        var (worker, _, _) = Worker(s.Store, first, batch: 8);
        await Should.ThrowAsync<OperationCanceledException>(() => worker.EmbedProjectAsync(project.Id, stop.Token));
        first.Texts.Count.ShouldBe(16);

        // A new process: new worker, new status, nothing in memory; the vectors of the two stored batches remain.
        var reopened = await s.OpenAsync();
        var second = new FakeEncoder();
        var (again, status, _) = Worker(reopened, second, batch: 8);
        (await again.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.Embedded);

        second.Texts.Count.ShouldBe(60 - 16);
        second.Texts.Intersect(first.Texts).ShouldBeEmpty();
        status.IsComplete(project.Id, 60).ShouldBeTrue();
    }

    [Fact]
    public async Task RunAsync_CancelledDuringAnEncoderCall_StopsWithoutFinishingTheProject()
    {
        await using var s = await LoopStore.CreateAsync();
        var project = await ProjectAsync(s, Texts(30));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var encoder = new FakeEncoder
        {
            OnEncode = (_, token) =>
            {
                entered.TrySetResult();
                // Holds the call until the worker's token is cancelled, as a long batch would.
                token.WaitHandle.WaitOne(TimeSpan.FromMinutes(2));
            },
        };
        var (worker, status, _) = Worker(s.Store, encoder, batch: 8);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = worker.RunAsync(cts.Token);
        await entered.Task.WaitAsync(TimeSpan.FromMinutes(1), Ct);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromMinutes(1), Ct); // returns (a hang would fail here), without throwing

        encoder.Texts.ShouldBeEmpty();
        status.IsComplete(project.Id, 30).ShouldBeFalse();
        status.Get(project.Id, project.Settings, 30)!.State.ShouldBe(EmbeddingState.Running);
    }

    [Fact]
    public async Task RunAsync_ProjectsAtStartAndAnImportRequested_EmbedsBoth()
    {
        await using var s = await LoopStore.CreateAsync();
        var existing = await ProjectAsync(s, Texts(12, seed: 1));
        var encoder = new FakeEncoder();
        var (worker, status, _) = Worker(s.Store, encoder, batch: 8);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = worker.RunAsync(cts.Token);
        try
        {
            await WaitUntilAsync(() => status.IsComplete(existing.Id, 12));
            var later = await ProjectAsync(s, Texts(9, seed: 2));
            worker.Request(later.Id);
            await WaitUntilAsync(() => status.IsComplete(later.Id, 9));
        }
        finally
        {
            await cts.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task EmbedProject_TextsAnotherProjectHad_AreNotEmbeddedAgain_AndNewItemsOnlyTheirs()
    {
        await using var s = await LoopStore.CreateAsync();
        var texts = Texts(20);
        var a = await ProjectAsync(s, texts);
        var encoder = new FakeEncoder();
        var (worker, status, _) = Worker(s.Store, encoder);
        await worker.EmbedProjectAsync(a.Id, Ct);
        encoder.Texts.Count.ShouldBe(20);

        var b = await ProjectAsync(s, texts.Take(15).Append("a text only project b has"));
        (await worker.EmbedProjectAsync(b.Id, Ct)).ShouldBe(EmbedOutcome.Embedded);
        encoder.Texts.Count.ShouldBe(21);
        encoder.Texts[^1].ShouldBe("a text only project b has");

        // More items in project a: only they are looked at and embedded; the total grows.
        await ImportAsync(s, a, ["brand new text one", "brand new text two", texts[4]], prefix: "late");
        status.Get(a.Id, a.Settings, 23)!.State.ShouldBe(EmbeddingState.Pending); // the dashboard saw the import first
        (await worker.EmbedProjectAsync(a.Id, Ct)).ShouldBe(EmbedOutcome.Embedded);
        encoder.Texts.Count.ShouldBe(23);
        status.Get(a.Id, a.Settings, 23)!.ShouldBe(new EmbeddingProgress(EmbeddingState.Done, 23, 23, null, null, null) { Model = encoder.ModelId, Features = "tfidf+minilm" });
    }

    [Fact]
    public async Task EmbedProject_FeaturesTfidf_EmbedsNothingAndShowsNoProgress()
    {
        await using var s = await LoopStore.CreateAsync();
        var project = await ProjectAsync(s, Texts(10), features: "tfidf");
        var encoder = new FakeEncoder();
        var (worker, status, host) = Worker(s.Store, encoder);

        (await worker.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.NotNeeded);

        encoder.Texts.ShouldBeEmpty();
        host.Loaded.ShouldBeNull(); // the model is not even loaded
        status.Get(project.Id, project.Settings, 10).ShouldBeNull();
    }

    [Fact]
    public async Task EmbedProject_NoEncoderOrOneThatFailsToLoad_FailsWithASentence()
    {
        await using var s = await LoopStore.CreateAsync();
        var project = await ProjectAsync(s, Texts(5));
        var (none, noneStatus, _) = Worker(s.Store, encoder: null);
        (await none.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.Failed);
        noneStatus.Get(project.Id, project.Settings, 5)!.ShouldBe(new EmbeddingProgress(EmbeddingState.Failed, 0, 5, null, null, SentenceEncoderHost.NoEncoder) { Features = "tfidf+minilm" });

        var options = new SiftServerOptions
        {
            TextEncoder = () => throw new SiftException("The model file models/x.dll is missing."),
            Embedding = new EmbeddingOptions { LowPriority = false },
        };
        var status = new EmbeddingStatus(TimeProvider.System);
        var broken = new EmbeddingWorker(s.Store, s.Store, new SentenceEncoderHost(options), status, TimeProvider.System, options.Embedding);
        (await broken.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.Failed);
        status.Get(project.Id, project.Settings, 5)!.Error.ShouldBe("The sentence encoder could not be loaded: The model file models/x.dll is missing.");
    }

    [Fact]
    public async Task EmbedProject_AfterTheTrainerFoundAStoredVectorDamaged_ReembedsThatTextOnly()
    {
        await using var s = await LoopStore.CreateAsync();
        var texts = Texts(12);
        var project = await ProjectAsync(s, texts);
        var encoder = new FakeEncoder();
        var (worker, status, host) = Worker(s.Store, encoder);
        await worker.EmbedProjectAsync(project.Id, Ct);

        // A row cut short (a hand edit, a disk fault): the trainer's read finds it unusable and says so.
        var key = new byte[EmbeddingKey.Size];
        EmbeddingKey.Create(encoder.ModelId, texts[7]).WriteTo(key);
        await using (var connection = new SqliteConnection($"Data Source={s.Store.FilePath};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE embeddings SET vector = substr(vector, 1, 12) WHERE key = @k";
            command.Parameters.AddWithValue("@k", key);
            (await command.ExecuteNonQueryAsync(Ct)).ShouldBe(1);
        }
        var vectors = new ProjectVectors(s.Store, host, status);
        var choice = vectors.Choose(project.Id, project.Settings, 12);
        choice.Kind.ShouldBe("tfidf+minilm");
        choice.LoadVectors(await s.Store.GetItemsAsync(project.Id, Ct), Ct).ShouldBeNull();
        status.IsComplete(project.Id, 12).ShouldBeFalse();

        (await worker.EmbedProjectAsync(project.Id, Ct)).ShouldBe(EmbedOutcome.Embedded);
        encoder.Texts.Count.ShouldBe(13);
        encoder.Texts[^1].ShouldBe(texts[7]);
        vectors.Choose(project.Id, project.Settings, 12).LoadVectors(await s.Store.GetItemsAsync(project.Id, Ct), Ct).ShouldNotBeNull();
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("The condition did not come true in time.");
            await Task.Delay(20, Ct);
        }
    }
}
