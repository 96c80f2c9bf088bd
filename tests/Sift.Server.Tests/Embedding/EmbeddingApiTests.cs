using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Server.Embedding;
using Sift.Server.Tests.Api;

namespace Sift.Server.Tests.Embedding;

/// <summary>The real server with the fake sentence encoder (fast, deterministic).</summary>
public sealed class EncoderServerFixture : ServerFixture
{
    public FakeEncoder Encoder { get; } = new(dimension: 12);

    protected override void ConfigureOptions(SiftServerOptions options) => options.TextEncoder = () => Encoder;
}

/// <summary>
/// The embedding progress in GET …/dashboard over real HTTP: its shape, who sees it (the dashboard's roles, members
/// only), the <c>features</c> setting's validation, and a server without an encoder saying so.
/// </summary>
public sealed class EmbeddingApiTests(EncoderServerFixture server) : IClassFixture<EncoderServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    internal static async Task<JsonObject> DashboardAsync(HttpClient client, long projectId)
    {
        using var response = await client.GetAsync($"/api/projects/{projectId}/dashboard", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    internal static async Task<JsonObject> WaitForEmbeddingAsync(HttpClient client, long projectId, string state)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var view = await DashboardAsync(client, projectId);
            if (view["embedding"] is JsonObject e && (string)e["state"]! == state) return e;
            if (DateTime.UtcNow > until) throw new TimeoutException($"The embedding did not reach '{state}': {view["embedding"]?.ToJsonString()}");
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task Dashboard_AfterAnImport_ShowsTheEmbeddingProgressUntilEveryItemHasItsVector()
    {
        var projectId = await server.ProjectWithItemsAsync(30);
        using var admin = server.Client("admin");

        var done = await WaitForEmbeddingAsync(admin, projectId, "done");

        done.Select(p => p.Key).Order().ShouldBe(["done", "error", "eta_seconds", "features", "model", "rate", "state", "total"]);
        ((int)done["done"]!).ShouldBe(30);
        ((int)done["total"]!).ShouldBe(30);
        done["rate"].ShouldBeNull();
        done["eta_seconds"].ShouldBeNull();
        done["error"].ShouldBeNull();
        ((string)done["model"]!).ShouldBe(server.Encoder.ModelId);
        ((string)done["features"]!).ShouldBe("tfidf+minilm");
        var view = await DashboardAsync(admin, projectId);
        view["model_features"].ShouldBeNull(); // no model yet
        server.Encoder.Texts.ShouldContain("item number 29");
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("reviewer")]
    [InlineData("auditor")]
    public async Task Dashboard_EmbeddingField_EveryRoleThatSeesTheDashboardGetsIt(string role)
    {
        var projectId = await server.ProjectWithItemsAsync(6);
        using var client = server.Client(role);

        var embedding = await WaitForEmbeddingAsync(client, projectId, "done");

        ((int)embedding["total"]!).ShouldBe(6);
    }

    [Fact]
    public async Task Dashboard_EmbeddingField_AnnotatorsAnonymousAndNonMembersDoNotGetIt()
    {
        var member = await server.ProjectWithItemsAsync(4);
        var other = await server.ProjectWithItemsAsync(4, members: []);

        using (var annotator = server.Client("annotator"))
        using (var response = await annotator.GetAsync($"/api/projects/{member}/dashboard", Ct))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync(Ct)).ShouldNotContain("embedding");
        }
        using (var anonymous = server.Client(null))
        using (var response = await anonymous.GetAsync($"/api/projects/{member}/dashboard", Ct))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var reviewer = server.Client("reviewer"))
        using (var response = await reviewer.GetAsync($"/api/projects/{other}/dashboard", Ct))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await response.Content.ReadAsStringAsync(Ct)).ShouldContain($"Project {other} does not exist.");
        }
    }

    [Fact]
    public async Task Settings_Features_DefaultShownUnknownRefusedAndTfidfNeedsNoEmbedding()
    {
        using var admin = server.Client("admin");
        var name = "features-" + Guid.NewGuid().ToString("N")[..12];
        using (var bad = await admin.PostAsync("/api/projects", Json("{\"name\":\"" + name + "\",\"settings\":{\"labels\":[\"a\",\"b\"],\"features\":\"bert\"}}"), Ct))
        {
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            var problem = JsonNode.Parse(await bad.Content.ReadAsStringAsync(Ct))!;
            ((string)problem["field"]!).ShouldBe("settings.features");
            ((string)problem["detail"]!).ShouldBe("features: must be 'tfidf', 'minilm' or 'tfidf+minilm', not 'bert'.");
        }

        var projectId = await server.ProjectWithItemsAsync(5);
        var project = (await admin.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}", Ct))!;
        ((string)project["settings"]!["features"]!).ShouldBe("tfidf+minilm");

        var settings = project["settings"]!.AsObject().DeepClone().AsObject();
        settings["features"] = "tfidf";
        using (var put = await admin.PutAsync($"/api/projects/{projectId}/settings", Json(settings.ToJsonString()), Ct))
        {
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync(Ct));
            ((string)JsonNode.Parse(await put.Content.ReadAsStringAsync(Ct))!["settings"]!["features"]!).ShouldBe("tfidf");
        }
        (await DashboardAsync(admin, projectId))["embedding"].ShouldBeNull();

        settings["features"] = "TFIDF";
        using var wrongCase = await admin.PutAsync($"/api/projects/{projectId}/settings", Json(settings.ToJsonString()), Ct);
        wrongCase.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ((string)JsonNode.Parse(await wrongCase.Content.ReadAsStringAsync(Ct))!["field"]!).ShouldBe("features");
    }
}

/// <summary>A server built without a sentence encoder: projects asking for one say why they train on TF-IDF.</summary>
public sealed class EmbeddingWithoutEncoderTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Dashboard_ServerWithoutAnEncoder_EmbeddingFailedWithTheReason()
    {
        var projectId = await server.ProjectWithItemsAsync(3);
        using var admin = server.Client("admin");

        var failed = await EmbeddingApiTests.WaitForEmbeddingAsync(admin, projectId, "failed");

        ((string)failed["error"]!).ShouldBe(SentenceEncoderHost.NoEncoder);
    }
}
