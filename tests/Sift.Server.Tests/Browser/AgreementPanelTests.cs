using System.Globalization;

namespace Sift.Server.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class AgreementPanelTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Dashboard_OverlapTwo_AgreementPanelShowsTheApiNumbersAndNamesInert()
    {
        // Three annotators, overlap 2: every item gets two answers. One annotator's name is markup.
        const string Hostile = "<img src=x onerror=alert(1)>";
        var projectId = await fixture.Admin.CreateProjectAsync(Unique("agreement"),
            new { mode = "single", labels = new[] { "spam", "ham" }, overlap = 2, held_out_share = 0.0, retrain_every = 1000 });
        var truth = Enumerable.Range(0, 12).ToDictionary(i => $"message {i}", i => i % 3 == 0 ? "spam" : "ham");
        await fixture.Admin.ImportJsonlAsync(projectId, truth.Select(t => new { id = t.Key.Replace(' ', '-'), text = t.Key, label = t.Value }));
        var annotators = new List<(string Name, SiftApi Api, Func<int, string, string> Answer)>();
        foreach (var (name, answer) in new (string, Func<int, string, string>)[]
        {
            (Unique("ana"), (_, right) => right),
            ($"{Hostile} {Unique("ben")}", (n, right) => n % 4 == 3 ? Flip(right) : right),
            (Unique("cai"), (n, right) => n % 2 == 1 ? Flip(right) : right),
        })
        {
            var (_, token) = await fixture.Admin.CreateUserAsync(name, "annotator", projectId);
            annotators.Add((name, fixture.ApiAs(token), answer));
        }

        // In turns, one task each, until nobody gets one: the queue hands every item to two of the three.
        var answered = new int[annotators.Count];
        var done = new bool[annotators.Count];
        while (done.Any(d => !d))
        {
            for (var a = 0; a < annotators.Count; a++)
            {
                if (done[a]) continue;
                var tasks = await annotators[a].Api.PostAsync($"/api/projects/{projectId}/tasks/next?prefetch=1");
                if (tasks is null)
                {
                    done[a] = true;
                    continue;
                }

                var task = tasks.AsArray()[0]!;
                var label = annotators[a].Answer(answered[a]++, truth[(string)task["text"]!]);
                await annotators[a].Api.PostAsync($"/api/projects/{projectId}/tasks/{(long)task["task_id"]!}/submit",
                    new { labels = new[] { label }, client_request_id = Guid.NewGuid().ToString() });
            }
        }

        var (_, auditorToken) = await fixture.Admin.CreateUserAsync(Unique("auditor"), "auditor");
        using var auditor = fixture.ApiAs(auditorToken);
        var view = (await auditor.GetAsync($"/api/projects/{projectId}/agreement"))!;
        ((int)view["counts"]!["pairable_items"]!).ShouldBe(12);

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await session.LoginAsync(auditorToken);
        await page.GotoAsync($"/dashboard/{projectId}");

        // The machine is often busy: give the first render more time than the context default.
        var panel = page.Locator("#agreement");
        await panel.Locator("#agreement-annotators tbody tr").First.WaitForAsync(new() { Timeout = 90_000 });
        (await panel.IsVisibleAsync()).ShouldBeTrue();

        var alpha = (double?)view["agreement"]!["krippendorff_alpha"];
        (await panel.Locator("#agreement-alpha .value").TextContentAsync()).ShouldBe(Measure(alpha));
        (await panel.Locator("#agreement-kappa .value").TextContentAsync()).ShouldBe(Measure((double?)view["agreement"]!["fleiss_kappa"]));
        (await panel.Locator("#agreement-reading").TextContentAsync())!.ShouldStartWith(
            alpha is null ? "Not defined" : alpha >= 0.8 ? "Reliable" : alpha >= 0.667 ? "Tentative" : "Unreliable");

        var expected = view["annotators"]!.AsArray();
        var rows = panel.Locator("#agreement-annotators tbody tr");
        (await rows.CountAsync()).ShouldBe(expected.Count);
        var gold = view["gold"]!["annotators"]!.AsArray().ToDictionary(g => (string)g!["name"]!);
        for (var i = 0; i < expected.Count; i++)
        {
            var name = (string)expected[i]!["name"]!;
            var row = rows.Nth(i);
            (await row.Locator("td.name").TextContentAsync()).ShouldBe(name);
            (await row.Locator("td.estimated").TextContentAsync()).ShouldBe(Percent((double)expected[i]!["estimated_accuracy"]!));
            (await row.Locator("td.gold").TextContentAsync()).ShouldBe($"{Percent((double)gold[name]!["accuracy"]!)} of {(int)gold[name]!["items"]!}");
        }

        (await panel.Locator("#agreement-accuracy svg rect.bar").CountAsync()).ShouldBe(expected.Count);
        (await panel.Locator("#agreement-accuracy svg text.name title").AllTextContentsAsync()).ShouldBe(expected.Select(a => (string)a!["name"]!));

        // The markup in the name is text: no element, no request for "x", no dialog.
        (await panel.Locator("#agreement-annotators").TextContentAsync())!.ShouldContain(Hostile);
        (await page.Locator("img").CountAsync()).ShouldBe(0);
        session.Dialogs.ShouldBeEmpty();
        session.RequestedPaths.ShouldNotContain("/x");
        await Screenshots.SaveAsync(page, "dashboard-agreement.png", fullPage: true);
        await session.ShouldBeCleanAsync();
        foreach (var a in annotators) a.Api.Dispose();
    }

    private static string Flip(string label) => label == "spam" ? "ham" : "spam";

    /// <summary>As the panel shows α and κ: three decimals, '—' when undefined.</summary>
    private static string Measure(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "—";

    /// <summary>As dom.js pct shows a share: one decimal and '%'.</summary>
    private static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
