using System.Net;
using System.Text;
using Microsoft.Playwright;

namespace Sift.Server.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class AdminPageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Admin_Reviewer_SeesNoAdminDataAndTheApiRefuses()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("guarded"), new { labels = new[] { "spam", "ham" } });
        var annotatorName = Unique("someone");
        var (annotatorId, _) = await fixture.Admin.CreateUserAsync(annotatorName, "annotator");
        var reviewerName = Unique("reviewer");
        var (_, token) = await fixture.Admin.CreateUserAsync(reviewerName, "reviewer");

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        var apiCalls = new List<string>();
        page.Request += (_, request) =>
        {
            var path = new Uri(request.Url).AbsolutePath;
            if (path.StartsWith("/api/", StringComparison.Ordinal)) apiCalls.Add(path);
        };
        await session.LoginAsync(token);
        (await page.Locator("nav a[href='/admin']").CountAsync()).ShouldBe(0, "no Admin link for a reviewer");

        await page.GotoAsync("/admin");
        await page.GetByText("You do not have access").WaitForAsync();
        (await page.Locator("#projects, #project, #users, #user-table, form").CountAsync()).ShouldBe(0);
        (await page.Locator("body").TextContentAsync())!.ShouldNotContain(annotatorName);
        apiCalls.ShouldNotContain("/api/users");
        await session.ShouldBeCleanAsync();

        // The API refuses the reviewer whatever the page does.
        using var reviewer = fixture.ApiAs(token);
        var refused = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, "/api/users", null),
            (HttpMethod.Post, "/api/users", new { name = Unique("intruder"), role = "admin" }),
            (HttpMethod.Post, $"/api/users/{annotatorId}/token", null),
            (HttpMethod.Put, $"/api/users/{annotatorId}/disabled", new { disabled = true }),
            (HttpMethod.Post, "/api/projects", new { name = Unique("intruder"), settings = new { labels = new[] { "a", "b" } } }),
            (HttpMethod.Put, $"/api/projects/{projectId}/settings", new { labels = new[] { "a", "b" } }),
            (HttpMethod.Put, $"/api/projects/{projectId}/instructions", new { markdown = "changed" }),
            (HttpMethod.Post, $"/api/projects/{projectId}/train", null),
        };
        foreach (var (method, path, body) in refused)
        {
            using var response = await reviewer.SendAsync(method, path, body);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {path}");
        }

        // The same page shows an admin everything (so the refusal above is the reviewer's, not an empty page's).
        await using var adminSession = await fixture.OpenAsync();
        await adminSession.LoginAsync(fixture.Admin.Token);
        await adminSession.Page.GotoAsync("/admin");
        await adminSession.Page.Locator("#user-table").GetByText(reviewerName).WaitForAsync();
        await adminSession.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Admin_CreateProjectImportAndUser_ShowsLineErrorsAndTheOneTimeToken()
    {
        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(fixture.Admin.Token);
        await page.GotoAsync("/admin");

        var name = Unique("created");
        var create = page.Locator("#create-project");
        if (!await create.IsVisibleAsync()) await page.GetByText("Create a project", new() { Exact = true }).ClickAsync();
        await create.GetByLabel("Name").FillAsync(name);
        await create.GetByLabel("Mode").SelectOptionAsync("single");
        await create.GetByLabel("Labels").FillAsync("spam\nham");
        await create.GetByLabel("Instructions (Markdown)").FillAsync("# Spam or not\n\nUse **judgement**.");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await page.Locator("#project-h").GetByText(name).WaitForAsync();
        (await page.Locator("#instructions-preview h3").TextContentAsync()).ShouldBe("Spam or not");

        // A bad second line: nothing is imported and the error names the line and the field.
        var import = page.Locator("#import-form");
        await import.GetByLabel("File").SetInputFilesAsync(new FilePayload
        {
            Name = "bad.jsonl", MimeType = "application/x-ndjson",
            Buffer = Encoding.UTF8.GetBytes("{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"x\",\"label\":\"eggs\"}\n"),
        });
        await import.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
        var error = import.Locator(".form-error");
        await error.Filter(new() { HasText = "line 2" }).WaitForAsync();
        (await error.TextContentAsync())!.ShouldContain("eggs");

        await import.GetByLabel("File").SetInputFilesAsync(new FilePayload
        {
            Name = "good.jsonl", MimeType = "application/x-ndjson",
            Buffer = Encoding.UTF8.GetBytes("{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"also fine\",\"label\":\"ham\"}\n"),
        });
        await import.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
        await import.Locator(".form-ok").Filter(new() { HasText = "Imported 2 items" }).WaitForAsync();

        // A new user's token is shown once, and it works.
        var userName = Unique("newcomer");
        var createUser = page.Locator("#create-user");
        await createUser.GetByLabel("Name").FillAsync(userName);
        await createUser.GetByLabel("Role").SelectOptionAsync("annotator");
        await createUser.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        var shown = page.Locator("#new-token");
        await shown.WaitForAsync();
        var token = await shown.InputValueAsync();
        token.ShouldStartWith("sift_");
        using var newcomer = fixture.ApiAs(token);
        ((string)(await newcomer.GetAsync("/api/me"))!["name"]!).ShouldBe(userName);

        // Disabling the user takes effect at once.
        await page.Locator("#user-table tr", new() { HasText = userName }).GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await page.Locator("#user-table tr", new() { HasText = userName }).GetByText("disabled").WaitForAsync();
        using var refused = await newcomer.SendAsync(HttpMethod.Get, "/api/me");
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await session.ShouldBeCleanAsync();
    }

    [Fact]
    public async Task Admin_Members_AddAndRemove_DecidesWhoReachesTheProject()
    {
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("members"), new { labels = new[] { "spam", "ham" }, held_out_share = 0.0 });
        await fixture.Admin.ImportJsonlAsync(projectId, Enumerable.Range(0, 4).Select(i => new { id = $"m{i}", text = $"message {i}" }));
        // A name that is markup: it must show as text.
        var annotatorName = "<img src=x onerror=alert(1)> " + Unique("ann");
        var (_, annotatorToken) = await fixture.Admin.CreateUserAsync(annotatorName, "annotator");
        var reviewerName = Unique("rev");
        await fixture.Admin.CreateUserAsync(reviewerName, "reviewer");
        var auditorName = Unique("aud");
        await fixture.Admin.CreateUserAsync(auditorName, "auditor");
        using var annotator = fixture.ApiAs(annotatorToken);
        (await annotator.SendAsync(HttpMethod.Get, $"/api/projects/{projectId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(fixture.Admin.Token);
        await page.GotoAsync($"/admin?project={projectId}");
        var members = page.Locator("#members");
        await members.Locator("#no-members").WaitForAsync();

        // Only annotators and reviewers are offered; admins and auditors reach every project anyway.
        var offered = await members.Locator("#member-picker option").AllTextContentsAsync();
        offered.ShouldContain($"{annotatorName} (annotator)");
        offered.ShouldContain($"{reviewerName} (reviewer)");
        offered.ShouldNotContain(o => o.Contains(auditorName, StringComparison.Ordinal) || o.StartsWith("admin ", StringComparison.Ordinal));

        await members.GetByLabel("Add an annotator or reviewer").SelectOptionAsync(new SelectOptionValue { Label = $"{annotatorName} (annotator)" });
        await members.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await members.Locator(".form-ok").Filter(new() { HasText = "Added" }).WaitForAsync();
        var row = members.Locator("#member-table tr", new() { HasText = annotatorName });
        (await row.Locator("td").First.TextContentAsync()).ShouldBe(annotatorName);
        (await page.Locator("#members img").CountAsync()).ShouldBe(0, "the name is text, not markup");
        (await members.Locator("#member-picker option").AllTextContentsAsync()).ShouldNotContain($"{annotatorName} (annotator)");
        await Screenshots.SaveAsync(page, "admin-members.png");

        // The annotator now reaches the project and gets work from it.
        var tasks = (await annotator.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=2"))!.AsArray();
        tasks.Count.ShouldBe(2);

        // Remove asks for a second click; then the annotator is out and the held items are free again.
        var remove = row.GetByRole(AriaRole.Button, new() { Name = "Remove" });
        await remove.ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Click again: their open tasks go back to the queue" }).ClickAsync();
        await members.Locator(".form-ok").Filter(new() { HasText = "Removed" }).WaitForAsync();
        await members.Locator("#no-members").WaitForAsync();
        (await annotator.SendAsync(HttpMethod.Post, $"/api/projects/{projectId}/tasks/next")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var log = (await fixture.Admin.GetAsync($"/api/projects/{projectId}/tasks"))!.AsArray();
        log.Select(t => (string)t!["state"]!).ShouldBe(["expired", "expired"]);
        session.RequestedPaths.ShouldNotContain("/x");
        await session.ShouldBeCleanAsync();
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
