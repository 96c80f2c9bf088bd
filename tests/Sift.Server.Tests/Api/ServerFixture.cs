using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Sift.Projects;
using Sift.Server.Auth;

namespace Sift.Server.Tests.Api;

/// <summary>
/// The real server on a free loopback port with a temporary SQLite file, shared by one test class, and one user per
/// role. Tests create their own projects (unique names), so they do not depend on each other's data.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sift-server-tests-" + Guid.NewGuid().ToString("N"));

    public WebApplication App { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public ISiftStore Store => App.Services.GetRequiredService<ISiftStore>();

    public string DatabasePath => Path.Combine(_directory, "sift.db");

    /// <summary>Tokens by role name: admin, annotator, annotator2, reviewer, auditor.</summary>
    public Dictionary<string, string> Tokens { get; } = [];

    public Dictionary<string, long> UserIds { get; } = [];

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        // Reports are recomputed as soon as the data changed, however long they took (a busy machine must not make a
        // small report "heavy" and paced); ReportCacheTests covers the pacing.
        var options = new SiftServerOptions
        {
            Port = 0, ReportCache = new Sift.Server.Hosting.ReportCacheOptions { HeavyAbove = TimeSpan.MaxValue },
            ConfigureLiveLoop = ConfigureLiveLoop,
        };
        ConfigureOptions(options);
        Configure(options);
        App = SiftServerApp.Build(options, s =>
        {
            s.AddSiftSqlite(DatabasePath);
            ConfigureServices(s);
        });
        await App.StartAsync();
        Url = SiftServerApp.GetUrl(App);
        foreach (var (name, role) in new[] { ("admin", Role.Admin), ("annotator", Role.Annotator), ("annotator2", Role.Annotator), ("reviewer", Role.Reviewer), ("auditor", Role.Auditor) })
        {
            var token = UserTokens.NewToken();
            var user = await Store.CreateUserAsync(name, role, UserTokens.Hash(token), DateTimeOffset.UtcNow);
            Tokens[name] = token;
            UserIds[name] = user.Id;
        }
    }

    /// <summary>Changes to the server's options for a derived fixture (a sentence encoder, say); none here.</summary>
    protected virtual void ConfigureOptions(SiftServerOptions options)
    {
    }

    /// <summary>Changes to the server's options for a derived fixture; none here.</summary>
    protected virtual void Configure(SiftServerOptions options)
    {
    }

    /// <summary>Services a derived fixture adds to the server (a log recorder, say); none here.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Changes to the live loop's defaults for the servers of a derived fixture; none here.</summary>
    protected virtual Sift.Server.Training.LiveLoopOptions ConfigureLiveLoop(Sift.Server.Training.LiveLoopOptions options) => options;

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    /// <summary>An HTTP client for the user with this role key (null = anonymous).</summary>
    public HttpClient Client(string? who)
    {
        var client = new HttpClient { BaseAddress = Url };
        if (who is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[who]);
        return client;
    }

    /// <summary>The fixture's users who need a membership to reach a project (annotators and the reviewer).</summary>
    public static readonly string[] MemberRoles = ["annotator", "annotator2", "reviewer"];

    /// <summary>
    /// Creates a project with a unique name through the API; returns its id. The fixture's annotators and reviewer are
    /// made members (over the API) unless <paramref name="members"/> names others (empty: nobody).
    /// </summary>
    public async Task<long> CreateProjectAsync(string[] labels, string mode = "single", object? extraSettings = null, int overlap = 1, string[]? members = null)
    {
        using var admin = Client("admin");
        var settings = new JsonObject
        {
            ["mode"] = mode,
            ["labels"] = new JsonArray(labels.Select(l => (JsonNode)l).ToArray()),
            ["overlap"] = overlap,
            ["held_out_share"] = 0.0,
        };
        if (extraSettings is not null)
        {
            foreach (var (key, value) in JsonSerializerNode(extraSettings)) settings[key] = value?.DeepClone();
        }

        var response = await admin.PostAsJsonAsync("/api/projects", new JsonObject
        {
            ["name"] = "p-" + Guid.NewGuid().ToString("N")[..12],
            ["settings"] = settings,
            ["instructions"] = "Label **carefully**.",
        });
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
        foreach (var member in members ?? MemberRoles) await AddMemberAsync(id, member);
        return id;
    }

    /// <summary>Makes the fixture user <paramref name="who"/> a member of the project, as admin over the API.</summary>
    public async Task AddMemberAsync(long projectId, string who)
    {
        using var admin = Client("admin");
        using var response = await admin.PutAsync($"/api/projects/{projectId}/members/{UserIds[who]}", null);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Imports a body (JSONL by default) as admin; returns the response.</summary>
    public async Task<HttpResponseMessage> ImportAsync(long projectId, string body, string query = "format=jsonl")
    {
        using var admin = Client("admin");
        using var content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
        return await admin.PostAsync($"/api/projects/{projectId}/items?{query}", content);
    }

    /// <summary>Imports raw bytes as admin.</summary>
    public async Task<HttpResponseMessage> ImportBytesAsync(long projectId, byte[] body, string query = "format=jsonl")
    {
        using var admin = Client("admin");
        using var content = new ByteArrayContent(body);
        return await admin.PostAsync($"/api/projects/{projectId}/items?{query}", content);
    }

    /// <summary>A project with <paramref name="count"/> imported items (ids i0…), labels a and b; members as in <see cref="CreateProjectAsync"/>.</summary>
    public async Task<long> ProjectWithItemsAsync(int count, int overlap = 1, string mode = "single", string[]? members = null)
    {
        var id = await CreateProjectAsync(["a", "b"], mode, overlap: overlap, members: members);
        var lines = string.Join('\n', Enumerable.Range(0, count).Select(i => $$"""{"id":"i{{i}}","text":"item number {{i}}"}"""));
        var response = await ImportAsync(id, lines);
        response.EnsureSuccessStatusCode();
        return id;
    }

    private static JsonObject JsonSerializerNode(object value) => System.Text.Json.JsonSerializer.SerializeToNode(value)!.AsObject();
}
