using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Sift.Server.Hosting;

/// <summary>
/// Bounds how many of the reads that reviewers poll (agreement, dashboard, the annotation and hand-out logs) run at
/// once, so however many reviewers loop on them, annotators' submits keep the rest of the machine: at most
/// <see cref="SiftServerOptions.ReadConcurrency"/> run, up to <see cref="SiftServerOptions.ReadQueueLimit"/> more
/// wait their turn (oldest first), and beyond that a read is answered 429 ProblemDetails with <c>Retry-After: 1</c>.
/// Writes and task hand-out are never limited.
/// </summary>
internal static class ReadLimiting
{
    /// <summary>The rate-limiting policy name of the limited reads.</summary>
    public const string Policy = "reads";

    public static IServiceCollection AddSiftReadLimiting(this IServiceCollection services, SiftServerOptions options)
    {
        var permits = options.EffectiveReadConcurrency;
        services.AddRateLimiter(o =>
        {
            o.AddConcurrencyLimiter(Policy, c =>
            {
                c.PermitLimit = permits;
                c.QueueLimit = options.ReadQueueLimit;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = static async (context, _) =>
            {
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = "1";
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = "Too many reads of this kind are waiting; try again in a second.",
                    },
                }).ConfigureAwait(false);
            };
        });
        return services;
    }
}
