using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sift.Llm.Tests.TestDoubles;
using Sift.Server.Tests.Api;
using Sift.Storage;

namespace Sift.Server.Tests.Models;

/// <summary>
/// The real server with its model worker looking every 50 ms (failures retried after half a second), every log line it
/// writes kept (<see cref="Logs"/>, from trace level up), and helpers for projects with model annotators.
/// </summary>
public sealed class ModelServerFixture : ServerFixture
{
    internal RecordingLogger Logs { get; } = new();

    internal IModelAnnotatorStore Models => App.Services.GetRequiredService<IModelAnnotatorStore>();

    protected override void Configure(SiftServerOptions options)
    {
        options.MinimumLogLevel = LogLevel.Trace;
        options.ConfigureModelWorker = o => o with { PollInterval = TimeSpan.FromMilliseconds(50), ErrorBackoff = TimeSpan.FromMilliseconds(500) };
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);

    /// <summary>A project with items i0… (labels a and b, no held-out items) and the given settings added.</summary>
    public async Task<long> ModelProjectAsync(int items, object? settings = null)
    {
        var id = await CreateProjectAsync(["a", "b"], extraSettings: settings);
        if (items == 0) return id;
        var lines = string.Join('\n', Enumerable.Range(0, items).Select(i => $$"""{"id":"i{{i}}","text":"message number {{i}} about {{(i % 2 == 0 ? "prizes" : "meetings")}}"}"""));
        (await ImportAsync(id, lines)).EnsureSuccessStatusCode();
        return id;
    }

    /// <summary>POST …/model-annotators as admin.</summary>
    public async Task<HttpResponseMessage> AddModelAsync(long projectId, JsonObject body)
    {
        using var admin = Client("admin");
        return await admin.PostAsJsonAsync($"/api/projects/{projectId}/model-annotators", body);
    }

    /// <summary>Adds a model annotator (201 expected); returns its view.</summary>
    public async Task<JsonObject> AddModelOkAsync(long projectId, JsonObject body)
    {
        var response = await AddModelAsync(projectId, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Waits (at most a minute) until the project's model answers number at least <paramref name="count"/>; returns them.</summary>
    public async Task<IReadOnlyList<ModelAnswer>> AnswersAsync(long projectId, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var answers = await Models.GetModelAnswersAsync(projectId);
            if (answers.Count >= count) return answers;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Only {answers.Count} of {count} model answers arrived in a minute.");
            await Task.Delay(50);
        }
    }

    /// <summary>Every text cell of every row of every table of the database (the file, read as another process would).</summary>
    public IEnumerable<string> EveryStoredText()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        tables.ShouldContain("model_annotators");
        var cells = new List<string>();
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = select.ExecuteReader();
            while (reader.Read())
                for (var i = 0; i < reader.FieldCount; i++)
                    if (!reader.IsDBNull(i)) cells.Add(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
        return cells;
    }
}
