using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sift.Projects;

namespace Sift.Server.Tests.Models;

/// <summary>
/// Adding, listing, enabling and disabling model annotators over HTTP: a 400 naming the field for every bad input, a
/// model user that never signs in, the key only ever by its variable's name. (Who may call each endpoint is in
/// <see cref="Api.AuthorizationMatrixTests"/>.)
/// </summary>
public sealed class ModelAnnotatorsApiTests(ModelServerFixture server) : IClassFixture<ModelServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // An endpoint nothing listens on: adding an annotator does not call it, and the worker's failures only mark it.
    private const string Nowhere = "openai:tiny@http://127.0.0.1:9/v1";

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { """{}""", "model", "'model' is required" },
        { """{"model":""}""", "model", "may not be empty" },
        { """{"model":"ollama:llama3"}""", "model", "must start with gguf: (a GGUF file" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1,shots=2"}""", "model", "may not contain a comma" },
        { """{"model":"openai:tiny"}""", "model", "openai:MODEL@URL" },
        { """{"model":"openai:tiny@ftp://host/v1"}""", "model", "http or https" },
        { """{"model":"openai:tiny@http://user:pw@127.0.0.1:9/v1"}""", "model", "user info" },
        { """{"model":"gguf:/no/such/model.gguf"}""", "model", "no GGUF file exists" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","key_env":"sk-proj-abc"}""", "key_env", "must name an environment variable" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","key_env":"SIFT_NOT_SET_ANYWHERE_4711"}""", "key_env", "is not set in the server's environment" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","concurrency":0}""", "concurrency", "between 1 and 64" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","concurrency":65}""", "concurrency", "between 1 and 64" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","timeout_seconds":0}""", "timeout_seconds", "between 0.1 and 3600" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","retries":11}""", "retries", "between 0 and 10" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","price_in":-1}""", "price_in", "from 0 to 1000" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","price_out":1001}""", "price_out", "from 0 to 1000" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","name":"  "}""", "name", "may not be empty" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","name":"a\u0007b"}""", "name", "control characters" },
        { """{"model":"openai:tiny@http://127.0.0.1:9/v1","concurrency":"two"}""", "concurrency", "" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Add_BadInput_Is400NamingTheField_AndStoresNothing(string body, string field, string detail)
    {
        var projectId = await server.ModelProjectAsync(1);
        using var admin = server.Client("admin");

        var response = await admin.PostAsync($"/api/projects/{projectId}/model-annotators", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        var problem = JsonNode.Parse(text)!;
        problem["field"]!.GetValue<string>().ShouldBe(field);
        problem["detail"]!.GetValue<string>().ShouldContain(detail);
        (await server.Models.ListModelAnnotatorsAsync(projectId, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Add_GgufWithEndpointOptions_Is400NamingEachField()
    {
        var projectId = await server.ModelProjectAsync(1);
        var gguf = "gguf:" + Path.Combine(AppContext.BaseDirectory, "Models", "stories260K.gguf");
        foreach (var (field, value) in new (string, JsonNode)[] { ("key_env", "HOME"), ("concurrency", 2), ("retries", 1) })
        {
            var response = await server.AddModelAsync(projectId, new JsonObject { ["model"] = gguf, [field] = value });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, field);
            JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe(field);
        }
    }

    [Fact]
    public async Task Add_MultiLabelProject_Is400()
    {
        var projectId = await server.CreateProjectAsync(["a", "b"], mode: "multi");

        var response = await server.AddModelAsync(projectId, new JsonObject { ["model"] = Nowhere });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("single-label projects only");
    }

    [Fact]
    public async Task Add_Endpoint_ShowsItsLimitsAndPrices_TheKeyOnlyByName_AndListsIt()
    {
        var projectId = await server.ModelProjectAsync(0);
        var variable = "SIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, "sk-test-" + Guid.NewGuid().ToString("N"));

        var view = await server.AddModelOkAsync(projectId, new JsonObject
        {
            ["model"] = Nowhere, ["name"] = "cheap", ["key_env"] = variable, ["concurrency"] = 3, ["timeout_seconds"] = 7.5, ["retries"] = 1,
            ["price_in"] = 0.15, ["price_out"] = 0.6,
        });

        view["name"]!.GetValue<string>().ShouldBe("cheap");
        view["model"]!.GetValue<string>().ShouldBe(Nowhere);
        view["key_env"]!.GetValue<string>().ShouldBe(variable);
        view["key_present"]!.GetValue<bool>().ShouldBeTrue();
        view["concurrency"]!.GetValue<int>().ShouldBe(3);
        view["timeout_seconds"]!.GetValue<double>().ShouldBe(7.5);
        view["retries"]!.GetValue<int>().ShouldBe(1);
        view["price_in"]!.GetValue<double>().ShouldBe(0.15);
        view["price_out"]!.GetValue<double>().ShouldBe(0.6);
        view["enabled"]!.GetValue<bool>().ShouldBeTrue();
        using var admin = server.Client("admin");
        var listed = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/model-annotators", Ct))!.AsArray();
        listed.Select(v => v!["id"]!.GetValue<long>()).ShouldBe([view["id"]!.GetValue<long>()]);
        var user = (await server.Store.GetUserAsync(view["user_id"]!.GetValue<long>(), Ct)).ShouldNotBeNull();
        user.Role.ShouldBe(Role.Model);
        user.Disabled.ShouldBeTrue();
        user.Name.ShouldBe($"cheap (project {projectId})");
    }

    [Fact]
    public async Task Add_DefaultsAndName_FromTheModel_SameNameTwice_Is409()
    {
        var projectId = await server.ModelProjectAsync(0);

        var view = await server.AddModelOkAsync(projectId, new JsonObject { ["model"] = Nowhere });
        var again = await server.AddModelAsync(projectId, new JsonObject { ["model"] = Nowhere });

        view["name"]!.GetValue<string>().ShouldBe("openai:tiny");
        view["concurrency"]!.GetValue<int>().ShouldBe(4);
        view["timeout_seconds"]!.GetValue<double>().ShouldBe(60);
        view["retries"]!.GetValue<int>().ShouldBe(2);
        view["key_env"].ShouldBeNull();
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task SetEnabled_DisableThenEnable_ShowsIt_UnknownIs404_MissingBodyIs400()
    {
        var projectId = await server.ModelProjectAsync(0);
        var id = (await server.AddModelOkAsync(projectId, new JsonObject { ["model"] = Nowhere }))["id"]!.GetValue<long>();
        using var admin = server.Client("admin");

        var disabled = await admin.PutAsJsonAsync($"/api/projects/{projectId}/model-annotators/{id}/enabled", new JsonObject { ["enabled"] = false }, Ct);
        var enabled = await admin.PutAsJsonAsync($"/api/projects/{projectId}/model-annotators/{id}/enabled", new JsonObject { ["enabled"] = true }, Ct);
        var unknown = await admin.PutAsJsonAsync($"/api/projects/{projectId}/model-annotators/{id + 1000}/enabled", new JsonObject { ["enabled"] = true }, Ct);
        var otherProject = await server.ModelProjectAsync(0);
        var elsewhere = await admin.PutAsJsonAsync($"/api/projects/{otherProject}/model-annotators/{id}/enabled", new JsonObject { ["enabled"] = true }, Ct);
        var empty = await admin.PutAsJsonAsync($"/api/projects/{projectId}/model-annotators/{id}/enabled", new JsonObject(), Ct);

        JsonNode.Parse(await disabled.Content.ReadAsStringAsync(Ct))!["enabled"]!.GetValue<bool>().ShouldBeFalse();
        JsonNode.Parse(await enabled.Content.ReadAsStringAsync(Ct))!["enabled"]!.GetValue<bool>().ShouldBeTrue();
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        elsewhere.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await empty.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("enabled");
        var events = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/evidence", Ct))!.AsArray()
            .Where(e => e!["kind"]!.GetValue<string>() == "model_annotator").Select(e => e!["event"]!["change"]!.GetValue<string>());
        events.ShouldBe(["added", "disabled", "enabled"]);
    }

    [Fact]
    public async Task ModelUser_CannotBeGivenATokenOrEnabled_NorMadeThroughTheUsersApi()
    {
        var projectId = await server.ModelProjectAsync(0);
        var userId = (await server.AddModelOkAsync(projectId, new JsonObject { ["model"] = Nowhere }))["user_id"]!.GetValue<long>();
        using var admin = server.Client("admin");

        var rotate = await admin.PostAsync($"/api/users/{userId}/token", null, Ct);
        var enable = await admin.PutAsJsonAsync($"/api/users/{userId}/disabled", new JsonObject { ["disabled"] = false }, Ct);
        var create = await admin.PostAsJsonAsync("/api/users", new JsonObject { ["name"] = "m-" + Guid.NewGuid().ToString("N")[..8], ["role"] = "model" }, Ct);

        foreach (var response in new[] { rotate, enable })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("userId");
        }
        create.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await create.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("role");
        (await server.Store.GetUserAsync(userId, Ct))!.Disabled.ShouldBeTrue();
        var users = JsonNode.Parse(await admin.GetStringAsync("/api/users", Ct))!.AsArray();
        users.Single(u => u!["id"]!.GetValue<long>() == userId)!["role"]!.GetValue<string>().ShouldBe("model");
    }

    [Fact]
    public async Task Settings_PreAnnotationRoutingAndPersonRate_DefaultAndRoundTrip_BadValuesAre400()
    {
        var projectId = await server.ModelProjectAsync(0);
        using var admin = server.Client("admin");
        var settings = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}", Ct))!["settings"]!;
        settings["pre_annotation"]!.GetValue<bool>().ShouldBeFalse();
        settings["routing"]!["target_accuracy"]!.GetValue<double>().ShouldBe(0.95);
        settings["routing"]!["audit_share"]!.GetValue<double>().ShouldBe(0.05);
        settings["routing"]!["warm_up"]!.GetValue<int>().ShouldBe(100);
        settings["person_rate"]!["per_label"]!.GetValue<double>().ShouldBe(0);

        var updated = await admin.PutAsJsonAsync($"/api/projects/{projectId}/settings", new JsonObject
        {
            ["labels"] = new JsonArray("a", "b"), ["pre_annotation"] = true, ["routing"] = new JsonObject { ["target_accuracy"] = 0.9 },
            ["person_rate"] = new JsonObject { ["per_label"] = 0.5, ["per_hour"] = 30 },
        }, Ct);
        var bad = await admin.PutAsJsonAsync($"/api/projects/{projectId}/settings", new JsonObject
        {
            ["labels"] = new JsonArray("a", "b"), ["routing"] = new JsonObject { ["audit_share"] = 1.5 },
        }, Ct);

        var shown = JsonNode.Parse(await updated.Content.ReadAsStringAsync(Ct))!["settings"]!;
        shown["pre_annotation"]!.GetValue<bool>().ShouldBeTrue();
        shown["routing"]!["target_accuracy"]!.GetValue<double>().ShouldBe(0.9);
        shown["routing"]!["warm_up"]!.GetValue<int>().ShouldBe(100);
        shown["person_rate"]!["per_hour"]!.GetValue<double>().ShouldBe(30);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await bad.Content.ReadAsStringAsync(Ct))!["field"]!.GetValue<string>().ShouldBe("routing.audit_share");
    }
}
