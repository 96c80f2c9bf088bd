using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Processes;

/// <summary>Setting up a project and annotators over HTTP against a <see cref="ServeProcess"/>.</summary>
internal static class ProcessTestSupport
{
    public static async Task<long> CreateProjectWithItemsAsync(HttpClient admin, int items, int overlap)
    {
        var create = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = "p-" + Guid.NewGuid().ToString("N")[..12],
            ["settings"] = new JsonObject { ["labels"] = new JsonArray("a", "b"), ["overlap"] = overlap, ["held_out_share"] = 0.0, ["retrain_every"] = 50 },
        });
        create.StatusCode.ShouldBe(HttpStatusCode.Created, await create.Content.ReadAsStringAsync());
        var projectId = (await create.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
        var lines = string.Join('\n', Enumerable.Range(0, items).Select(i => $$"""{"id":"d{{i}}","text":"message {{i}} about {{(i % 3 == 0 ? "prizes and offers" : "the weekly meeting")}} number {{i * 7919 % 1000}}"}"""));
        var import = await admin.PostAsync($"/api/projects/{projectId}/items?format=jsonl", new StringContent(lines, Encoding.UTF8, "application/x-ndjson"));
        import.StatusCode.ShouldBe(HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
        return projectId;
    }

    /// <summary>Creates an annotator who is a member of the project; returns its token.</summary>
    public static async Task<string> CreateAnnotatorAsync(HttpClient admin, string name, long projectId)
    {
        var response = await admin.PostAsJsonAsync("/api/users", new JsonObject { ["name"] = name, ["role"] = "annotator" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var member = await admin.PutAsync($"/api/projects/{projectId}/members/{created["user"]!["id"]!.GetValue<long>()}", null);
        member.StatusCode.ShouldBe(HttpStatusCode.Created, await member.Content.ReadAsStringAsync());
        return created["token"]!.GetValue<string>();
    }

    public static StringContent SubmitBody(string label, string requestId) =>
        new(new JsonObject { ["labels"] = new JsonArray(label), ["client_request_id"] = requestId }.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>Every annotation of the project, undone ones included, as the admin sees them.</summary>
    public static async Task<List<JsonObject>> AnnotationsAsync(HttpClient admin, long projectId) =>
        JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/annotations?include_undone=true"))!.AsArray().Select(n => n!.AsObject()).ToList();

    public static string TempDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sift-process-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
