using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Browser;

/// <summary>The REST API over real HTTP as one user (one token): what the browser tests set up and check with.</summary>
internal sealed class SiftApi(Uri baseUrl, string token) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly HttpClient http = new()
    {
        BaseAddress = baseUrl,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
        Timeout = TimeSpan.FromSeconds(60),
    };

    public string Token { get; } = token;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<JsonNode?> CallAsync(HttpMethod method, string path, object? body = null)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        return response.StatusCode == HttpStatusCode.NoContent || text.Length == 0 ? null : JsonNode.Parse(text);
    }

    public Task<JsonNode?> GetAsync(string path) => CallAsync(HttpMethod.Get, path);

    public Task<JsonNode?> PostAsync(string path, object? body = null) => CallAsync(HttpMethod.Post, path, body);

    /// <summary>Creates a user, a member of <paramref name="projects"/>; returns its id and its one-time token.</summary>
    public async Task<(long Id, string Token)> CreateUserAsync(string name, string role, params long[] projects)
    {
        var created = await PostAsync("/api/users", new { name, role }) ?? throw new InvalidOperationException("No body.");
        var id = (long)created["user"]!["id"]!;
        foreach (var project in projects) await CallAsync(HttpMethod.Put, $"/api/projects/{project}/members/{id}");
        return (id, (string)created["token"]!);
    }

    /// <summary>Creates a project; <paramref name="settings"/> is sent as the settings object (snake_case).</summary>
    public async Task<long> CreateProjectAsync(string name, object settings, string instructions = "")
    {
        var created = await PostAsync("/api/projects", new { name, settings, instructions }) ?? throw new InvalidOperationException("No body.");
        return (long)created["id"]!;
    }

    /// <summary>Imports JSONL rows (objects serialised one per line); returns the answer.</summary>
    public async Task<JsonNode> ImportJsonlAsync(long projectId, IEnumerable<object> rows)
    {
        var body = string.Join('\n', rows.Select(r => JsonSerializer.Serialize(r, r.GetType(), Json)));
        using var content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
        using var response = await http.PostAsync($"/api/projects/{projectId}/items?format=jsonl", content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"import answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public void Dispose() => http.Dispose();
}
