using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Embedding;
using Sift.Server.Tests.Embedding;

namespace Sift.Server.Tests.Browser;

/// <summary>
/// The dashboard's embedding card in Chromium, on a server of its own whose (fake) encoder the test holds part-way:
/// the bar, the counts and the rate while it runs, then done.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EmbeddingProgressTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Dashboard_WhileItemsAreEmbedded_ShowsTheProgressBarAndRateThenDone()
    {
        var folder = Directory.CreateTempSubdirectory("sift-ui-embedding-");
        using var release = new ManualResetEventSlim();
        var encoder = new FakeEncoder();
        // Two batches of five go through; the third waits for the test.
        encoder.OnEncode = (_, token) =>
        {
            if (encoder.Calls.Count >= 2) WaitHandle.WaitAny([release.WaitHandle, token.WaitHandle], TimeSpan.FromMinutes(2));
        };
        var app = SiftServerApp.Build(new SiftServerOptions
        {
            Port = 0,
            TextEncoder = () => encoder,
            Embedding = new EmbeddingOptions { BatchSize = 5, LowPriority = false },
        }, s => s.AddSiftSqlite(Path.Combine(folder.FullName, "sift.db")));
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
            var url = SiftServerApp.GetUrl(app);
            var token = UserTokens.NewToken();
            await app.Services.GetRequiredService<ISiftStore>().CreateUserAsync("admin", Role.Admin, UserTokens.Hash(token), DateTimeOffset.UtcNow);
            using var admin = new SiftApi(url, token);
            var projectId = await admin.CreateProjectAsync("Embedded mail", new { mode = "single", labels = new[] { "spam", "ham" } });
            await admin.ImportJsonlAsync(projectId, Mail.GenerateMixed(20, seed: 5, noise: 0).Select((m, i) => new { id = m.Id, text = $"{m.Text} #{i}" }));
            var (_, reviewerToken) = await admin.CreateUserAsync("reviewer", "reviewer", projectId);

            await using var session = await fixture.OpenAsync(url);
            var page = session.Page;
            await session.LoginAsync(reviewerToken);
            await page.GotoAsync($"/dashboard/{projectId}");

            await page.Locator("#embedding-state").Filter(new() { HasText = "running" }).WaitForAsync();
            (await page.Locator("#embedding-count").TextContentAsync()).ShouldBe("10 of 20 items (50.0%)");
            (await page.Locator("#embedding-bar").EvaluateAsync<double[]>("bar => [bar.value, bar.max]")).ShouldBe([10, 20]);
            (await page.Locator("#embedding-pace").TextContentAsync())!.ShouldMatch(@"^[0-9,.]+ items/s · about [0-9]+ s left$");
            (await page.Locator("#embedding-features").TextContentAsync()).ShouldBe("The first model will use tfidf, or tfidf+minilm if every item has its vector by then.");
            await Screenshots.SaveAsync(page, "dashboard-embedding.png", fullPage: true);

            release.Set();
            await page.Locator("#embedding-state").Filter(new() { HasText = "done" }).WaitForAsync();
            (await page.Locator("#embedding-count").TextContentAsync()).ShouldBe("20 of 20 items (100.0%)");
            (await page.Locator("#embedding-bar").EvaluateAsync<double>("bar => bar.value")).ShouldBe(20);
            (await page.Locator("#embedding-pace").TextContentAsync()).ShouldBe("Every item has its vector.");
            (await page.Locator("#embedding").TextContentAsync())!.ShouldContain(encoder.ModelId);
            await session.ShouldBeCleanAsync();
        }
        finally
        {
            release.Set();
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }
}
