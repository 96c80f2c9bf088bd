using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Sift.Projects;
using Sift.Server.Api;
using Sift.Server.Auth;
using Sift.Server.Training;

namespace Sift.Server.Hosting;

/// <summary>
/// The server's parts as ASP.NET Core extensions, so a host stays short:
/// <c>services.AddSiftServer(options); app.UseSiftServer(); app.MapSiftApi(); app.MapSiftUi();</c>
/// (which is what <see cref="SiftServerApp.Build"/> does).
/// </summary>
public static class SiftServerServices
{
    /// <summary>The largest JSON request body, in bytes (imports have their own limit).</summary>
    public const long MaxJsonBodyBytes = 1024 * 1024;

    /// <summary>The API's content security policy: nothing from elsewhere, no plugins, no framing, no base URL.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Registers the store (opened from the options), authentication, authorization, JSON, ProblemDetails, OpenAPI and the live loop.</summary>
    public static IServiceCollection AddSiftServer(this IServiceCollection services, SiftServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton(_ => SiftStores.Open(options));

        // Registered before any other hosted service (the trainer), so the schema exists before anything uses it.
        services.AddHostedService<StoreMigration>();

        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = SiftExceptionHandler.FillIn);
        services.AddExceptionHandler<SiftExceptionHandler>();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(SiftPolicies.Configure);
        services.AddOpenApi(o => o.AddOperationTransformer(DescribeImportBody));
        services.AddSiftLiveLoop(options.ConfigureLiveLoop);
        return services;
    }

    /// <summary>
    /// The middleware, in order: security headers, errors as ProblemDetails, static UI files, authentication,
    /// authorization, project membership (<see cref="ProjectAccess"/>).
    /// </summary>
    public static WebApplication UseSiftServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            // Set when the response starts, so that error responses (whose headers are cleared first) carry them too.
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                if (http.Request.Path.StartsWithSegments("/api")) headers.CacheControl = "no-store";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseProjectMembership();
        return app;
    }

    /// <summary>Maps the REST API under <c>/api</c>, <c>/healthz</c> and the OpenAPI document at <c>/openapi/v1.json</c>.</summary>
    public static IEndpointRouteBuilder MapSiftApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/healthz", () => TypedResults.Ok(new Health("ok"))).AllowAnonymous().WithTags("health");
        routes.MapOpenApi().AllowAnonymous();
        routes.MapUsersApi();
        routes.MapProjectsApi();
        routes.MapItemsApi();
        routes.MapTasksApi();
        routes.MapDashboardApi();
        routes.MapAgreementApi();
        routes.MapMembersApi();

        // An unknown /api path is a 404 ProblemDetails, not the UI's index.html.
        routes.MapFallback("/api/{**path}", () => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such API endpoint."))
            .AllowAnonymous().ExcludeFromDescription();
        return routes;
    }

    /// <summary>Maps the UI: every path that is not an API path or a file gets <c>index.html</c> (the UI routes itself).</summary>
    public static IEndpointRouteBuilder MapSiftUi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapFallbackToFile("index.html").AllowAnonymous();

        // A path that looks like a file but is not one in the web root: 404, not a sign-in challenge.
        routes.MapFallback("{*path:file}", () => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such file."))
            .AllowAnonymous().ExcludeFromDescription();
        return routes;
    }

    /// <summary>The import endpoint reads its body itself; tell the OpenAPI document it is a JSONL or CSV file.</summary>
    private static Task DescribeImportBody(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ItemsApi.ImportBodyMetadata>().Any())
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The file: JSON Lines (one object per line) or CSV with a header row, UTF-8.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/x-ndjson"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                    ["text/csv"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            };
        }

        return Task.CompletedTask;
    }

    /// <summary>The API's JSON conventions: snake_case names, enums as snake_case strings, nullability respected.</summary>
    internal static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
    }

    /// <summary>Migrates the store's schema when the host starts.</summary>
    private sealed class StoreMigration(ISiftStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
