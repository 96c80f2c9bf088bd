using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sift.Embeddings;
using Sift.Features;
using Sift.Server.Tests.Api;
using Sift.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Sift.Server.Tests.Embedding;

/// <summary>The real server with the real in-process MiniLM encoder, as <c>sift serve</c> runs it.</summary>
public sealed class MiniLmServerFixture : ServerFixture
{
    protected override void ConfigureOptions(SiftServerOptions options) => options.TextEncoder = () => new MiniLmEncoder();
}

/// <summary>
/// End to end with the real encoder (a few short texts, so it stays quick): the items are embedded in the background,
/// their 384-dimensional unit vectors land in the store's embedding table, and the first model trains on TF-IDF ⊕ MiniLM.
/// </summary>
public sealed class MiniLmServerTests(MiniLmServerFixture server) : IClassFixture<MiniLmServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Server_WithMiniLm_EmbedsTheItemsAndTheModelTrainsOnTfidfPlusMiniLm()
    {
        var projectId = await server.CreateProjectAsync(["sport", "cooking"], extraSettings: new { retrain_every = 12 });
        var corpus = Training.SyntheticText.Create(24, seed: 4);
        var truth = corpus.ToDictionary(c => c.Text, c => c.Label);
        (await server.ImportAsync(projectId, string.Join('\n', corpus.Select(c => new JsonObject { ["id"] = c.Id, ["text"] = c.Text }.ToJsonString())))).EnsureSuccessStatusCode();
        using var admin = server.Client("admin");

        var done = await EmbeddingApiTests.WaitForEmbeddingAsync(admin, projectId, "done");
        ((int)done["total"]!).ShouldBe(24);
        var model = (string)done["model"]!;
        model.ShouldStartWith(MiniLmEncoder.ModelName + "@");

        var vectors = server.App.Services.GetRequiredService<IEmbeddingStore>();
        var stored = await vectors.GetEmbeddingsAsync(model, MiniLmEncoder.VectorDimension, corpus.Select(c => EmbeddingKey.Create(model, c.Text)).ToList(), Ct);
        stored.ShouldAllBe(v => v != null && v.Length == 384);
        stored.ShouldAllBe(v => Math.Abs(Math.Sqrt(v!.Sum(x => (double)x * x)) - 1) < 1e-3);

        using var annotator = server.Client("annotator");
        for (var i = 0; i < 12; i++)
        {
            var task = (await (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next", null, Ct)).Content.ReadFromJsonAsync<JsonArray>(Ct))![0]!;
            using var submit = await annotator.PostAsJsonAsync($"/api/projects/{projectId}/tasks/{(long)task["task_id"]!}/submit",
                new { labels = new[] { truth[(string)task["text"]!] }, client_request_id = Guid.NewGuid().ToString() }, Ct);
            submit.EnsureSuccessStatusCode();
        }

        var until = DateTime.UtcNow.AddMinutes(2);
        JsonObject view;
        while ((view = await EmbeddingApiTests.DashboardAsync(admin, projectId))["model_features"] is null)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("No model was trained.");
            await Task.Delay(100, Ct);
        }
        ((string)view["model_features"]!).ShouldBe("tfidf+minilm");
        view["features_note"].ShouldBeNull();
        using var auditor = server.Client("auditor");
        var evidence = (await auditor.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/evidence?limit=10000", Ct))!;
        var modelEvent = evidence.Select(e => e!["event"]!).First(e => (string)e["kind"]! == "model");
        ((string)modelEvent["featurizer"]!).ShouldBe($"tfidf+minilm ({model})");
    }
}
