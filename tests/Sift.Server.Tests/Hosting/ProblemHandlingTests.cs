using System.Data.Common;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sift.Server.Hosting;

namespace Sift.Server.Tests.Hosting;

/// <summary>How the server's exception handler answers: a busy database is a 503 with Retry-After, never a 500.</summary>
public sealed class ProblemHandlingTests
{
    /// <summary>A database error as a driver reports one (Npgsql and Microsoft.Data.Sqlite derive from <see cref="DbException"/>).</summary>
    private sealed class DriverException(string message, bool transient, Exception? inner = null) : DbException(message, inner)
    {
        public override bool IsTransient => transient;
    }

    public static TheoryData<Exception> Busy() => new()
    {
        new DriverException("Exception while reading from stream", transient: true, new TimeoutException("Timeout during reading attempt")),
        new DriverException("The connection pool has been exhausted", transient: true),
        new DriverException("database is locked", transient: false, new TimeoutException()),
        new TimeoutException("The operation has timed out."),
    };

    [Theory]
    [MemberData(nameof(Busy))]
    public async Task TryHandle_BusyDatabase_Is503WithRetryAfter_AndSaysNothingOfTheInsides(Exception exception)
    {
        var (context, body) = await HandleAsync(exception);

        context.Response.StatusCode.ShouldBe(StatusCodes.Status503ServiceUnavailable);
        context.Response.Headers.RetryAfter.ToString().ShouldBe("2");
        body["detail"]!.GetValue<string>().ShouldBe("The database is busy; send the request again in a moment.");
        body.ToJsonString().ShouldNotContain(exception.Message);
    }

    [Fact]
    public async Task TryHandle_OtherDatabaseError_StaysA500WithoutRetryAfter()
    {
        var (context, body) = await HandleAsync(new DriverException("relation \"items\" does not exist", transient: false));

        context.Response.StatusCode.ShouldBe(StatusCodes.Status500InternalServerError);
        context.Response.Headers.ContainsKey("Retry-After").ShouldBeFalse();
        body.ToJsonString().ShouldNotContain("relation");
    }

    private static async Task<(HttpContext Context, JsonNode Body)> HandleAsync(Exception exception)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "GET";
        context.Request.Path = "/api/projects/1/dashboard";
        context.Request.Headers.Accept = "application/json";
        context.Response.Body = new MemoryStream();
        var handler = new SiftExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<SiftExceptionHandler>.Instance);

        (await handler.TryHandleAsync(context, exception, TestContext.Current.CancellationToken)).ShouldBeTrue();

        context.Response.Body.Position = 0;
        return (context, JsonNode.Parse(await new StreamReader(context.Response.Body).ReadToEndAsync(TestContext.Current.CancellationToken))!);
    }
}
