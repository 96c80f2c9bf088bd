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
        var projectId = await CreateProjectAsync(admin, overlap);
        var import = await admin.PostAsync($"/api/projects/{projectId}/items?format=jsonl", new StringContent(ItemLines(items), Encoding.UTF8, "application/x-ndjson"));
        import.StatusCode.ShouldBe(HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
        return projectId;
    }

    public static async Task<long> CreateProjectAsync(HttpClient admin, int overlap, double heldOutShare = 0.0)
    {
        var create = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = "p-" + Guid.NewGuid().ToString("N")[..12],
            ["settings"] = new JsonObject { ["labels"] = new JsonArray("a", "b"), ["overlap"] = overlap, ["held_out_share"] = heldOutShare, ["retrain_every"] = 50 },
        });
        create.StatusCode.ShouldBe(HttpStatusCode.Created, await create.Content.ReadAsStringAsync());
        return (await create.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
    }

    /// <summary>A JSONL import body of <paramref name="items"/> short messages in two themes (ids d0, d1, …).</summary>
    public static string ItemLines(int items) =>
        string.Join('\n', Enumerable.Range(0, items).Select(i => $$"""{"id":"d{{i}}","text":"message {{i}} about {{(i % 3 == 0 ? "prizes and offers" : "the weekly meeting")}} number {{i * 7919 % 1000}}"}"""));

    /// <summary>The project's dashboard as an admin sees it.</summary>
    public static async Task<JsonObject> DashboardAsync(HttpClient admin, long projectId) =>
        JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/dashboard"))!.AsObject();

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

    /// <summary>Every annotation of the project, undone ones included, as the admin sees them (following the pages' Link headers).</summary>
    public static async Task<List<JsonObject>> AnnotationsAsync(HttpClient admin, long projectId)
    {
        var all = new List<JsonObject>();
        string? next = $"/api/projects/{projectId}/annotations?include_undone=true&limit=10000";
        while (next is not null)
        {
            using var response = await admin.GetAsync(next);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            all.AddRange(JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray().Select(n => n!.AsObject()));
            next = response.Headers.TryGetValues("Link", out var links) && links.FirstOrDefault() is { } link && link.EndsWith("rel=\"next\"", StringComparison.Ordinal)
                ? link[(link.IndexOf('<', StringComparison.Ordinal) + 1)..link.IndexOf('>', StringComparison.Ordinal)]
                : null;
        }
        return all;
    }

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
