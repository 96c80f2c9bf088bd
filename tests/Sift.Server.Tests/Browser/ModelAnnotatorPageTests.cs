using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Sift.Llm.Tests.TestDoubles;
using Sift.Storage;

namespace Sift.Server.Tests.Browser;

/// <summary>
/// A model annotator end to end in the browser: added on the admin page, its answers routed, its suggestion on the
/// annotate page (pre-annotation on) and recorded with the answer, and the people-and-models card on the dashboard.
/// The model is the loopback OpenAI wire-format test double.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ModelAnnotatorPageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task ModelAnnotator_AddedOnTheAdminPage_ItsSuggestionShownToAnnotators_AndItsCostOnTheDashboard()
    {
        await using var model = OpenAiWireDouble.Start(_ => WireReply.LabelWithLogprobs("ham", 0.6, ("spam", 0.4)));
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("Routed"), new
        {
            labels = new[] { "spam", "ham" }, held_out_share = 0.0, pre_annotation = true,
            routing = new { warm_up = 0, audit_share = 0.0, target_accuracy = 0.99 },
        });
        await fixture.Admin.ImportJsonlAsync(projectId, Enumerable.Range(0, 2).Select(i => new { id = $"m{i}", text = $"Win a <b>prize</b> number {i}" }));
        var (_, annotatorToken) = await fixture.Admin.CreateUserAsync(Unique("annotator"), "annotator", projectId);

        await using (var admin = await fixture.OpenAsync())
        {
            await admin.LoginAsync(fixture.Admin.Token);
            await admin.Page.GotoAsync($"/admin?project={projectId}");
            var panel = admin.Page.Locator("#model-annotators");
            await panel.GetByText("No model annotators").WaitForAsync();
            await panel.GetByText("Add a model annotator").ClickAsync();
            var form = panel.Locator("#add-model");
            await form.GetByLabel("Model", new() { Exact = true }).FillAsync("openai:tiny@" + model.BaseUrl);
            await form.GetByLabel("Name (optional)").FillAsync("tiny <i>model</i>");
            await form.GetByLabel("Concurrency").FillAsync("1");
            await form.GetByLabel("Retries").FillAsync("0");
            await form.GetByLabel("Price per 1k prompt tokens").FillAsync("1");
            await form.GetByRole(AriaRole.Button, new() { Name = "Add model annotator" }).ClickAsync();
            var row = panel.Locator("#model-table tbody tr");
            await row.Filter(new() { HasText = "tiny <i>model</i>" }).WaitForAsync();
            (await row.Locator(".badge").TextContentAsync()).ShouldBe("enabled");
            (await panel.Locator("i").CountAsync()).ShouldBe(0);
            await admin.ShouldBeCleanAsync();
        }

        var models = (IModelAnnotatorStore)fixture.Store;
        for (var waited = 0; (await models.GetModelAnswersAsync(projectId)).Count < 2; waited++)
        {
            waited.ShouldBeLessThan(600, "the model answered both items within a minute");
            await Task.Delay(100);
        }

        await using (var annotator = await fixture.OpenAsync())
        {
            var page = annotator.Page;
            await annotator.LoginAsync(annotatorToken);
            await page.GotoAsync($"/annotate/{projectId}");
            await page.Locator("#suggestion").Filter(new() { HasText = "A model suggests: ham" }).WaitForAsync();
            (await page.Locator("button.label.suggested").TextContentAsync())!.ShouldContain("ham");
            (await page.Locator("#item-text").TextContentAsync())!.ShouldContain("<b>prize</b>");
            await page.Keyboard.PressAsync("1");
            await page.Keyboard.PressAsync("Enter");
            await page.Locator("#progress").Filter(new() { HasText = "You: 1 answered" }).WaitForAsync();
            await annotator.ShouldBeCleanAsync();
        }

        var answers = await fixture.Store.GetAnnotationsAsync(projectId);
        answers.ShouldHaveSingleItem().Provenance!.SuggestionShown.ShouldBe("ham");

        await using (var admin = await fixture.OpenAsync())
        {
            var page = admin.Page;
            await admin.LoginAsync(fixture.Admin.Token);
            await page.GotoAsync($"/dashboard/{projectId}");
            var table = page.Locator("#oracles #oracle-table");
            await table.WaitForAsync();
            var modelRow = table.Locator("tr.model");
            (await modelRow.Locator("td.name").TextContentAsync())!.ShouldStartWith("tiny <i>model</i>");
            (await modelRow.Locator("td").Nth(2).TextContentAsync()).ShouldBe("2");
            (await page.Locator("#oracles-money").TextContentAsync())!.ShouldContain("Money spent: 0.24");
            // The one answer was given with the suggestion shown, so nothing blind stands behind an estimate yet.
            (await modelRow.Locator(".router-accuracy").TextContentAsync())!.ShouldBe("router accuracy: nothing labeled yet · solve rule, people at 90.0% (prior)");
            (await page.Locator("#anchoring").TextContentAsync())!.ShouldContain("0.0% of 1 answers with its suggestion shown, no answers yet without");
            await page.Locator("#money-curve svg").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Screenshots.SaveAsync(page, "dashboard-models.png", fullPage: true);
            await admin.ShouldBeCleanAsync();
        }
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
