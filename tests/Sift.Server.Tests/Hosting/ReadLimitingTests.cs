using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sift.Server.Hosting;

namespace Sift.Server.Tests.Hosting;

/// <summary>The limit on concurrent polled reads, through the real pipeline: a read beyond the permits waits, beyond the queue it is a 429.</summary>
public sealed class ReadLimitingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LimitedRead_PermitTakenAndQueueFull_429ProblemDetailsThenTheWaitingOneRuns()
    {
        var folder = Directory.CreateTempSubdirectory("sift-read-limit-");
        var app = SiftServerApp.Build(new SiftServerOptions { Port = 0, ReadConcurrency = 1, ReadQueueLimit = 1 }, s => s.AddSiftSqlite(Path.Combine(folder.FullName, "sift.db")));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = 0;
        // A read under the same policy that holds its permit until the test lets it go.
        app.MapGet("/api/test/held-read", async () =>
        {
            Interlocked.Increment(ref entered);
            await gate.Task;
            return TypedResults.Ok("done");
        }).AllowAnonymous().RequireRateLimiting(ReadLimiting.Policy);
        await app.StartAsync(Ct);
        try
        {
            using var client = new HttpClient { BaseAddress = SiftServerApp.GetUrl(app) };
            var holding = client.GetAsync("/api/test/held-read", Ct);
            while (Volatile.Read(ref entered) == 0) await Task.Delay(10, Ct);
            var queued = client.GetAsync("/api/test/held-read", Ct);
            await Task.Delay(200, Ct);

            var rejected = await client.GetAsync("/api/test/held-read", Ct);

            rejected.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
            rejected.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldBe(TimeSpan.FromSeconds(1));
            rejected.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            ((int)JsonNode.Parse(await rejected.Content.ReadAsStringAsync(Ct))!["status"]!).ShouldBe(429);
            Volatile.Read(ref entered).ShouldBe(1);   // the queued one waits for the permit
            gate.SetResult();
            (await holding).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await queued).StatusCode.ShouldBe(HttpStatusCode.OK);
            Volatile.Read(ref entered).ShouldBe(2);
        }
        finally
        {
            gate.TrySetResult();
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(1, -1)]
    public void Validate_NegativeReadLimits_Throws(int concurrency, int queue) =>
        Should.Throw<ConfigurationException>(() => new SiftServerOptions { ReadConcurrency = concurrency, ReadQueueLimit = queue }.Validate());
}
