using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sift.Server.Api;

namespace Sift.Server.Tests.Api;

/// <summary>
/// The read endpoints that reviewers poll (issue 9, "reads starve writes"): the annotation and hand-out logs come in
/// keyset pages linked by a Link header, and the agreement report is cached until the project's answers change.
/// </summary>
public sealed class ReadsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A project with <paramref name="count"/> items, all answered by the annotator ("a" for even items, "b" for odd); returns it and the annotation ids in order.</summary>
    private async Task<long> AnsweredAsync(int count, int overlap = 1)
    {
        var projectId = await server.ProjectWithItemsAsync(count, overlap);
        using var annotator = server.Client("annotator");
        var i = 0;
        while (await TaskFlow.NextAsync(annotator, projectId) is [var task, ..])
            await TaskFlow.SubmitAsync(annotator, projectId, (long)task["task_id"]!, [i++ % 2 == 0 ? "a" : "b"], Guid.NewGuid().ToString());
        i.ShouldBe(count);
        return projectId;
    }

    private static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        var link = values.Single();
        link.ShouldEndWith(">; rel=\"next\"");
        link.ShouldStartWith("</api/projects/");
        return link[1..link.IndexOf('>', StringComparison.Ordinal)];
    }

    /// <summary>Follows the Link headers from <paramref name="path"/>; returns every page's entries.</summary>
    private static async Task<List<List<JsonObject>>> PagesAsync(HttpClient client, string path)
    {
        var pages = new List<List<JsonObject>>();
        for (string? next = path; next is not null;)
        {
            var response = await client.GetAsync(next, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            pages.Add(JsonNode.Parse(text)!.AsArray().Select(n => n!.AsObject()).ToList());
            next = NextLink(response);
            pages.Count.ShouldBeLessThan(100);
        }
        return pages;
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> GetJsonAsync(string who, string path)
    {
        using var client = server.Client(who);
        var response = await client.GetAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, JsonNode.Parse(text) is JsonObject o ? o : new JsonObject { ["array"] = JsonNode.Parse(text) });
    }

    // ---- paging ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Annotations_LimitTwo_LinkHeadersWalkEveryAnnotationOnceInIdOrder()
    {
        var projectId = await AnsweredAsync(5);
        using var reviewer = server.Client("reviewer");

        var pages = await PagesAsync(reviewer, $"/api/projects/{projectId}/annotations?limit=2");

        pages.Select(p => p.Count).ShouldBe([2, 2, 1]);
        var ids = pages.SelectMany(p => p).Select(a => (long)a["id"]!).ToList();
        ids.ShouldBe(ids.Order().Distinct());
        ids.Count.ShouldBe(5);
        pages.SelectMany(p => p).Select(a => (string)a["item_external_id"]!).ShouldBe(["i0", "i1", "i2", "i3", "i4"], ignoreOrder: true);
        // Without a limit, one page of the default size holds them all and links nowhere.
        var all = await reviewer.GetAsync($"/api/projects/{projectId}/annotations", Ct);
        all.Headers.Contains("Link").ShouldBeFalse();
        JsonNode.Parse(await all.Content.ReadAsStringAsync(Ct))!.AsArray().Select(a => (long)a!["id"]!).ShouldBe(ids);
    }

    [Fact]
    public async Task HandoutLog_LimitTwo_LinkHeadersWalkEveryTaskOnceInIdOrder()
    {
        var projectId = await AnsweredAsync(3);
        using var auditor = server.Client("auditor");

        var pages = await PagesAsync(auditor, $"/api/projects/{projectId}/tasks?limit=2");

        pages.Select(p => p.Count).ShouldBe([2, 1]);
        var ids = pages.SelectMany(p => p).Select(t => (long)t["task_id"]!).ToList();
        ids.ShouldBe(ids.Order().Distinct());
        pages.SelectMany(p => p).ShouldAllBe(t => (string)t["state"]! == "submitted");
    }

    [Fact]
    public async Task Annotations_FullLastPage_LinkLeadsToAnEmptyPage()
    {
        var projectId = await AnsweredAsync(2);
        using var reviewer = server.Client("reviewer");

        var pages = await PagesAsync(reviewer, $"/api/projects/{projectId}/annotations?limit=2");

        pages.Select(p => p.Count).ShouldBe([2, 0]);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=10001", "limit")]
    [InlineData("limit=-3", "limit")]
    [InlineData("after=-1", "after")]
    [InlineData("after=abc", "after")]
    [InlineData("limit=ten", "limit")]
    [InlineData("after=99999999999999999999", "after")]
    [InlineData("include_undone=maybe", "include_undone")]
    [InlineData("includeUndone=maybe", "includeUndone")]
    [InlineData("include_undone=true&includeUndone=false", "include_undone")]
    public async Task Annotations_BadPageOrFlag_400NamingTheField(string query, string field)
    {
        var projectId = await server.ProjectWithItemsAsync(1);

        var (status, body) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/annotations?{query}");

        status.ShouldBe(HttpStatusCode.BadRequest);
        ((string)body["field"]!).ShouldBe(field);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=20000", "limit")]
    [InlineData("after=-5", "after")]
    public async Task HandoutLog_BadPage_400NamingTheField(string query, string field)
    {
        var projectId = await server.ProjectWithItemsAsync(1);

        var (status, body) = await GetJsonAsync("auditor", $"/api/projects/{projectId}/tasks?{query}");

        status.ShouldBe(HttpStatusCode.BadRequest);
        ((string)body["field"]!).ShouldBe(field);
    }

    [Theory]
    [InlineData("include_undone=true")]
    [InlineData("includeUndone=true")]
    [InlineData("include_undone=true&includeUndone=true")]
    public async Task Annotations_IncludeUndoneEitherSpelling_ListsTheUndoneAnswer(string query)
    {
        var projectId = await AnsweredAsync(2);
        using (var annotator = server.Client("annotator"))
            (await annotator.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (_, live) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/annotations");
        var (status, all) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/annotations?{query}");

        status.ShouldBe(HttpStatusCode.OK);
        live["array"]!.AsArray().Count.ShouldBe(1);
        all["array"]!.AsArray().Select(a => (bool)a!["undone"]!).ShouldBe([false, true]);
    }

    [Fact]
    public async Task Annotations_IncludeUndonePaged_NextLinkKeepsTheFlag()
    {
        var projectId = await AnsweredAsync(3);
        using (var annotator = server.Client("annotator"))
            (await annotator.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var reviewer = server.Client("reviewer");

        var pages = await PagesAsync(reviewer, $"/api/projects/{projectId}/annotations?include_undone=true&limit=2");

        pages.SelectMany(p => p).Select(a => (bool)a["undone"]!).ShouldBe([false, false, true]);
    }

    [Theory]
    [InlineData("jsonl")]
    [InlineData("csv")]
    public async Task Export_MoreItemsThanOnePage_EveryItemOnceInIdOrder(string format)
    {
        var count = Sift.Projects.Paging.DefaultLimit * 2 + 345;
        var projectId = await server.ProjectWithItemsAsync(count);
        using var auditor = server.Client("auditor");

        var text = await auditor.GetStringAsync($"/api/projects/{projectId}/export?format={format}", Ct);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ids = format == "jsonl"
            ? lines.Select(l => (string)JsonNode.Parse(l)!["id"]!).ToList()
            : lines.Skip(1).Select(l => l.Split(',')[0]).ToList();
        ids.ShouldBe(Enumerable.Range(0, count).Select(i => $"i{i}"));
    }

    // ---- agreement cache ---------------------------------------------------------------------------------------

    private AgreementReports Reports => server.App.Services.GetRequiredService<AgreementReports>();

    [Fact]
    public async Task Agreement_AskedTwice_OneComputationSameReportAsAFreshOne()
    {
        var projectId = await AnsweredAsync(4, overlap: 1);
        var (_, first) = await GetJsonAsync("admin", $"/api/projects/{projectId}/agreement");
        var computations = Reports.Computations;

        var (_, second) = await GetJsonAsync("admin", $"/api/projects/{projectId}/agreement");
        var project = (await server.Store.GetProjectAsync(projectId, Ct))!;
        var fresh = System.Text.Json.JsonSerializer.SerializeToNode(await Reports.ComputeAsync(project, Ct), JsonOptions)!.AsObject();

        Reports.Computations.ShouldBe(computations);
        ((bool)second["up_to_date"]!).ShouldBeTrue();
        ((string)second["computed_at"]!).ShouldBe((string)first["computed_at"]!);
        foreach (var view in new[] { first, second, fresh })
        {
            view.Remove("computed_at");
            view.Remove("up_to_date");
        }
        JsonNode.DeepEquals(first, second).ShouldBeTrue();
        JsonNode.DeepEquals(second, fresh).ShouldBeTrue(second.ToJsonString() + "\n" + fresh.ToJsonString());
    }

    [Fact]
    public async Task Agreement_AfterASubmitAndAnUndo_RecomputedWithTheChange()
    {
        var projectId = await server.ProjectWithItemsAsync(3, overlap: 2);
        using var annotator = server.Client("annotator");
        using var annotator2 = server.Client("annotator2");
        var task = (await TaskFlow.NextAsync(annotator, projectId))[0];
        await TaskFlow.SubmitAsync(annotator, projectId, (long)task["task_id"]!, ["a"], "r1");
        var (_, before) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/agreement");
        var computations = Reports.Computations;

        var other = (await TaskFlow.NextAsync(annotator2, projectId))[0];
        await TaskFlow.SubmitAsync(annotator2, projectId, (long)other["task_id"]!, ["b"], "r2");
        var (_, afterSubmit) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/agreement");
        (await annotator2.PostAsync($"/api/projects/{projectId}/tasks/undo", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (_, afterUndo) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/agreement");

        ((int)before["counts"]!["annotations"]!, (int)before["counts"]!["annotators"]!).ShouldBe((1, 1));
        ((int)afterSubmit["counts"]!["annotations"]!, (int)afterSubmit["counts"]!["annotators"]!).ShouldBe((2, 2));
        ((int)afterUndo["counts"]!["annotations"]!, (int)afterUndo["counts"]!["annotators"]!).ShouldBe((1, 1));
        ((bool)afterUndo["up_to_date"]!).ShouldBeTrue();
        Reports.Computations.ShouldBe(computations + 2);
    }

    [Fact]
    public async Task Agreement_AfterAnImport_CountsTheNewItems()
    {
        var projectId = await server.ProjectWithItemsAsync(2);
        var (_, before) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/agreement");

        (await server.ImportAsync(projectId, """{"id":"late","text":"a late item"}""")).EnsureSuccessStatusCode();
        var (_, after) = await GetJsonAsync("reviewer", $"/api/projects/{projectId}/agreement");

        ((int)before["counts"]!["items"]!, (int)after["counts"]!["items"]!).ShouldBe((2, 3));
    }

    [Fact]
    public async Task Agreement_ManyReadersAtOnce_OneComputation()
    {
        var projectId = await AnsweredAsync(6);
        var computations = Reports.Computations;

        var reads = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => GetJsonAsync(i % 2 == 0 ? "reviewer" : "auditor", $"/api/projects/{projectId}/agreement")));

        reads.ShouldAllBe(r => r.Status == HttpStatusCode.OK);
        Reports.Computations.ShouldBe(computations + 1);
        reads.Where((_, i) => i % 2 == 0).ShouldAllBe(r => !r.Body.ContainsKey("gold"));
        reads.Where((_, i) => i % 2 == 1).ShouldAllBe(r => r.Body.ContainsKey("gold"));
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = CreateJsonOptions();

    private static System.Text.Json.JsonSerializerOptions CreateJsonOptions()
    {
        var options = new System.Text.Json.JsonSerializerOptions();
        Sift.Server.Hosting.SiftServerServices.ConfigureJson(options);
        return options;
    }
}
