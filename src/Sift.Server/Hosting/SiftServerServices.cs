using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Sift.Projects;
using Sift.Server.Api;
using Sift.Server.Embedding;
using Sift.Server.Auth;
using Sift.Server.Import;
using Sift.Server.Models;
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

    /// <summary>
    /// Registers authentication, authorization, JSON, ProblemDetails, OpenAPI, the live loop and the schema migration
    /// at start. The store is registered by the caller (<c>AddSiftSqlite</c>, <c>AddSiftPostgres</c>, or any backend's
    /// registration of <see cref="ISiftStore"/> and its roles).
    /// </summary>
    public static IServiceCollection AddSiftServer(this IServiceCollection services, SiftServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(options.TimeProvider);

        // Registered before any other hosted service (the trainer), so the schema exists before anything uses it.
        services.AddHostedService<StoreMigration>();
        services.AddHostedService<StaleSpoolCleanup>();

        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = SiftExceptionHandler.FillIn);
        services.AddExceptionHandler<SiftExceptionHandler>();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(SiftPolicies.Configure);
        services.AddOpenApi(o =>
        {
            o.AddOperationTransformer(DescribeImportBody);
            o.AddOperationTransformer(OpenApiDescriptions.DescribeAuthAndErrors);
            o.AddSchemaTransformer(DescribeEnum);
            o.AddSchemaTransformer(OpenApiDescriptions.DecodeSchemaText);
            o.AddDocumentTransformer(OpenApiDescriptions.DeclareBearer);

            // The document would name the server after the request's Host header (which any client sets): name none,
            // so clients resolve paths against the address they fetched the document from.
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Servers = null;
                return Task.CompletedTask;
            });
        });
        services.AddSiftLiveLoop(options.ConfigureLiveLoop);
        AddEmbedding(services, options);
        var modelWorker = options.ConfigureModelWorker?.Invoke(new ModelWorkerOptions()) ?? new ModelWorkerOptions();
        modelWorker.Validate();
        services.AddSingleton(modelWorker);
        services.AddSingleton<ModelWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelWorker>());
        services.AddSingleton(options.ReportCache);
        services.AddSingleton<AgreementReports>();
        services.AddSiftReadLimiting(options);
        if (options.Checkpoints is { } checkpoints)
        {
            services.AddSingleton(checkpoints);
            services.AddSingleton<Governance.CheckpointWriter>();
            services.AddHostedService(sp => sp.GetRequiredService<Governance.CheckpointWriter>());
        }
        return services;
    }

    /// <summary>
    /// The background embedding of projects' items (<see cref="EmbeddingWorker"/>) and what the live loop and the
    /// dashboard read of it. The embedding store is the backend's, when it keeps one (<see cref="Sift.Storage.IEmbeddingStore"/>).
    /// </summary>
    private static void AddEmbedding(IServiceCollection services, SiftServerOptions options)
    {
        services.AddSingleton(options.Embedding);
        services.AddSingleton<SentenceEncoderHost>();
        services.AddSingleton<EmbeddingStatus>();
        services.AddSingleton(sp => new ProjectVectors(sp.GetService<Sift.Storage.IEmbeddingStore>(), sp.GetRequiredService<SentenceEncoderHost>(), sp.GetRequiredService<EmbeddingStatus>()));
        services.AddSingleton(sp => new EmbeddingWorker(sp.GetRequiredService<ISiftStore>(), sp.GetService<Sift.Storage.IEmbeddingStore>(), sp.GetRequiredService<SentenceEncoderHost>(),
            sp.GetRequiredService<EmbeddingStatus>(), sp.GetRequiredService<TimeProvider>(), options.Embedding,
            sp.GetService<Microsoft.Extensions.Logging.ILogger<EmbeddingWorker>>()));
        services.AddHostedService<EmbeddingWorkerService>();
    }

    /// <summary>
    /// The middleware, in order: security headers, errors as ProblemDetails, static UI files, authentication,
    /// authorization, project membership (<see cref="ProjectAccess"/>), the polled reads' limiter.
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
                // An endpoint that set a stricter policy of its own (the datasheet page) keeps it.
                if (!headers.ContainsKey("Content-Security-Policy")) headers.ContentSecurityPolicy = ContentSecurityPolicy;
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
        // After authorization and membership: a request that will be refused does not wait for a read permit.
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Maps the REST API under <c>/api</c>, <c>/healthz</c> and the OpenAPI document at <c>/openapi/v1.json</c>.</summary>
    public static IEndpointRouteBuilder MapSiftApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/healthz", () => TypedResults.Ok(new Health("ok"))).AllowAnonymous().WithTags("health");
        routes.MapOpenApi().AllowAnonymous();
        var api = routes.MapGroup("");
        api.MapUsersApi();
        api.MapProjectsApi();
        api.MapPreferencesApi();
        api.MapItemsApi();
        api.MapTasksApi();
        api.MapHistoryApi();
        api.MapAnnotatorStatsApi();
        api.MapDashboardApi();
        api.MapAgreementApi();
        api.MapMembersApi();
        api.MapEvidenceApi();
        api.MapReportApi();
        api.MapPrivacyApi();
        api.MapModelAnnotatorsApi();
        api.MapGoldApi();
        api.MapReviewApi();

        // Left in the metadata, "accepts application/json" would make routing skip an endpoint whose request has another
        // media type, and the /api fallback below would answer 404; without it, the endpoint's JSON binding answers 415.
        ((IEndpointConventionBuilder)api).Finally(static endpoint =>
        {
            for (var i = endpoint.Metadata.Count - 1; i >= 0; i--)
            {
                if (endpoint.Metadata[i] is IAcceptsMetadata) endpoint.Metadata.RemoveAt(i);
            }
        });

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

    /// <summary>Enums are strings in the document too (<see cref="ExactEnumConverter"/> is opaque to the schema generator).</summary>
    private static Task DescribeEnum(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type.IsEnum)
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = ExactEnumConverter.Names(type).Select(name => (JsonNode)JsonValue.Create(name)).ToList();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The API's JSON conventions: snake_case names, enums as snake_case strings read exactly as written (not
    /// ignoring case), no key twice in one object, nullability respected.
    /// </summary>
    internal static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new ExactEnumConverter());
        options.AllowDuplicateProperties = false;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
    }

    /// <summary>Removes import spool files a killed process of an older version left in the temporary folder.</summary>
    private sealed class StaleSpoolCleanup : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            ImportSpool.DeleteStale(Path.GetTempPath());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Migrates the store's schema when the host starts.</summary>
    private sealed class StoreMigration(ISiftStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
