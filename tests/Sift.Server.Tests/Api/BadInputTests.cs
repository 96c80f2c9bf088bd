using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Server.Tests.Api;

/// <summary>
/// Characters the stores cannot hold or that make no sense in a name (docs/server-design.md, "Characters"): every entry
/// point answers 400 naming the field (and line), the stores are never reached, nothing is half-stored.
/// </summary>
public sealed class BadInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"labels":[null],"client_request_id":"r1"}""")]
    [InlineData("""{"labels":["a",null],"client_request_id":"r1"}""")]
    [InlineData("""{"labels":["a\u0000"],"client_request_id":"r1"}""")]
    [InlineData("""{"labels":["a\u001b"],"client_request_id":"r1"}""")]
    public async Task Submit_NullOrControlCharacterLabel_Is400NamingLabels(string body)
    {
        var projectId = await server.ProjectWithItemsAsync(2, mode: "multi");
        using var annotator = server.Client("annotator");
        var task = (await TaskFlow.NextAsync(annotator, projectId)).Single();

        var response = await annotator.PostAsync($"/api/projects/{projectId}/tasks/{task["task_id"]}/submit", Json(body), Ct);

        await ShouldBeProblemAsync(response, "labels");
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("r\\u0000x")]
    [InlineData("r\\u0001")]
    [InlineData("r\\tx")]
    [InlineData("r\\nx")]
    [InlineData("r\\u007f")]
    [InlineData("r\\u0085x")]
    public async Task Submit_ControlCharacterInClientRequestId_Is400NamingIt(string escapedId)
    {
        var projectId = await server.ProjectWithItemsAsync(2);
        using var annotator = server.Client("annotator");
        var task = (await TaskFlow.NextAsync(annotator, projectId)).Single();

        var body = $$"""{"labels":["a"],"client_request_id":"{{escapedId}}"}""";
        var response = await annotator.PostAsync($"/api/projects/{projectId}/tasks/{task["task_id"]}/submit", Json(body), Ct);

        await ShouldBeProblemAsync(response, "client_request_id");
        (await server.Store.GetAnnotationsAsync(projectId, cancellationToken: Ct)).ShouldBeEmpty();
    }

    public static TheoryData<string, string, long, string> BadImports => new()
    {
        // body, query, line at fault, field at fault
        { "{\"id\":\"1\",\"text\":\"fine\"}\n{\"id\":\"2\",\"text\":\"a\\u0000b\"}\n", "format=jsonl", 2, "text" },
        { "{\"id\":\"1\\u0000\",\"text\":\"fine\"}\n", "format=jsonl", 1, "id" },
        { "{\"id\":\"1\",\"text\":\"fine\",\"group\":\"g\\u0000\"}\n", "format=jsonl", 1, "group" },
        { "{\"id\":\"1\",\"text\":\"fine\",\"group\":\"two\\nlines\"}\n", "format=jsonl", 1, "group" },
        { "{\"id\":\"1\",\"text\":\"fine\",\"label\":\"a\\u0000\"}\n", "format=jsonl", 1, "label" },
        { "{\"id\":\"1\",\"text\":\"fine\",\"meta\":{\"k\":\"v\\u0000\"}}\n", "format=jsonl", 1, "meta" },
        { "{\"id\":\"1\",\"text\":\"fine\",\"meta\":{\"k\\u0000\":1}}\n", "format=jsonl", 1, "meta" },
        { "{\"id\":\"1\",\"text\":\"fine\",\"meta\":{\"k\":[\"\\ud800\"]}}\n", "format=jsonl", 1, "meta" },
        { "id,text\n1,fine\n2,a\0b\n", "format=csv", 3, "text" },
        { "id,text\n1\0,fine\n", "format=csv", 2, "id" },
        { "id,text,group\n1,fine,g\u0007\n", "format=csv", 2, "group" },
        { "id,text,label\n1,fine,\"a\nb\"\n", "format=csv", 2, "label" },
        { "id,text,source\n1,fine,web\0\n", "format=csv", 2, "source" },
    };

    [Theory]
    [MemberData(nameof(BadImports))]
    public async Task Import_NulOrControlCharacterWhereNotAllowed_Is400NamingLineAndField(string body, string query, long line, string field)
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);

        var response = await server.ImportBytesAsync(projectId, Encoding.UTF8.GetBytes(body), query);

        var problem = await ShouldBeProblemAsync(response, field);
        problem["line"]!.GetValue<long>().ShouldBe(line);
        (await server.Store.GetItemsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("id,text,so\0urce\n1,fine,web\n", "format=csv", 1)]
    [InlineData("{\"id\":\"1\",\"text\":\"fine\"}\n{\"id\":\"2\",\"text\":\"fine\",\"meta\":{\"\\udc00\":1}}\n", "format=jsonl", 2)]
    public async Task Import_NulInAColumnNameOrUnpairedSurrogateInAKey_Is400NamingTheLine(string body, string query, long line)
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);

        var response = await server.ImportBytesAsync(projectId, Encoding.UTF8.GetBytes(body), query);

        var problem = await ShouldBeProblemAsync(response, null);
        problem["line"]!.GetValue<long>().ShouldBe(line);
        (await server.Store.GetItemsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Import_TextWithTabsBreaksAndOtherControlCharacters_IsKept()
    {
        // As in 20 Newsgroups: backspaces, form feeds and escapes are data; only NUL is refused in text.
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        const string text = "tab\there\r\nform\ffeed back\bspace esc\u001b[0m del\u007f c1\u0085";

        var response = await server.ImportAsync(projectId, new JsonObject { ["id"] = "k1", ["text"] = text, ["meta"] = new JsonObject { ["note"] = "bell\u0007" } }.ToJsonString());

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var item = (await server.Store.GetItemsAsync(projectId, Ct)).Single();
        item.Text.ShouldBe(text);
        JsonNode.Parse(item.MetaJson!)!["note"]!.GetValue<string>().ShouldBe("bell\u0007");
    }

    public static TheoryData<string, string> BadProjects => new()
    {
        { """{"name":"p","settings":{"labels":["a\u0000","b"]}}""", "settings.labels" },
        { """{"name":"p","settings":{"labels":["a\tb","b"]}}""", "settings.labels" },
        { """{"name":"p","settings":{"labels":["a","b\u009f"]}}""", "settings.labels" },
        { """{"name":"p","settings":{"mode":"multi","labels":["a;b","c"]}}""", "settings.labels" },
        { """{"name":"p\u0000","settings":{"labels":["a","b"]}}""", "name" },
        { """{"name":"p\u007f","settings":{"labels":["a","b"]}}""", "name" },
        { """{"name":"p\ud800","settings":{"labels":["a","b"]}}""", "name" },
        { """{"name":"p","settings":{"labels":["a","b"]},"instructions":"rules\u0000"}""", "instructions" },
        { """{"name":"p","settings":{"labels":["a","b"]},"instructions":"rules\udc00"}""", "instructions" },
    };

    [Theory]
    [MemberData(nameof(BadProjects))]
    public async Task CreateProject_ForbiddenCharacter_Is400NamingTheField(string json, string field)
    {
        using var admin = server.Client("admin");
        var before = (await server.Store.ListProjectsAsync(Ct)).Count;

        var response = await admin.PostAsync("/api/projects", Json(json.Replace("\"p", "\"p" + Guid.NewGuid().ToString("N")[..8], StringComparison.Ordinal)), Ct);

        await ShouldBeProblemAsync(response, field);
        (await server.Store.ListProjectsAsync(Ct)).Count.ShouldBe(before);
    }

    [Fact]
    public async Task UpdateSettingsAndInstructions_ForbiddenCharacter_Is400NamingTheField()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"]);
        using var admin = server.Client("admin");

        var settings = await admin.PutAsync($"/api/projects/{projectId}/settings", Json("""{"labels":["a","b","c\u0000"]}"""), Ct);
        var instructions = await admin.PutAsync($"/api/projects/{projectId}/instructions", Json("""{"markdown":"# Rules\u0000"}"""), Ct);

        await ShouldBeProblemAsync(settings, "labels");
        await ShouldBeProblemAsync(instructions, "markdown");
        var project = (await server.Store.GetProjectAsync(projectId, Ct))!;
        project.Settings.Labels.ShouldBe(["a", "b"]);
        project.InstructionsVersion.ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"name":"u\u0000","role":"annotator"}""")]
    [InlineData("""{"name":"two\nlines","role":"annotator"}""")]
    public async Task CreateUser_ControlCharacterInName_Is400NamingName(string json)
    {
        using var admin = server.Client("admin");
        var response = await admin.PostAsync("/api/users", Json(json), Ct);
        await ShouldBeProblemAsync(response, "name");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonObject> ShouldBeProblemAsync(HttpResponseMessage response, string? field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(text)!.AsObject();
        if (field is null) problem.ContainsKey("field").ShouldBeFalse(text);
        else problem["field"]!.GetValue<string>().ShouldBe(field, text);
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        return problem;
    }
}
