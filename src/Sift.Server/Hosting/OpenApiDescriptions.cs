using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Sift.Server.Hosting;

/// <summary>
/// What the generated OpenAPI document would otherwise leave out: the bearer token scheme and which operations need
/// it, the error answers every endpoint can give (ProblemDetails: 400, 401, 403, 404), and summaries with their XML
/// entities decoded (a doc comment's "&amp;amp;" is the reader's "&amp;").
/// </summary>
internal static class OpenApiDescriptions
{
    /// <summary>The security scheme's name in the document.</summary>
    public const string Scheme = "Bearer";

    private const string Problem = "application/problem+json";

    /// <summary>Declares HTTP bearer authentication (the user's token) in the document's components.</summary>
    public static Task DeclareBearer(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "sift_ token",
            Description = "A user's token: 'Authorization: Bearer sift_…'. Admins issue tokens (POST /api/users, POST /api/users/{id}/token); the server keeps only their hashes.",
        };
        return Task.CompletedTask;
    }

    /// <summary>
    /// Per operation: the bearer requirement unless it is anonymous, and the ProblemDetails answers it can give: 400
    /// (bad input: the field named), 401 (no or an unknown token) and 403 (the role may not) when it needs a token,
    /// 404 when its path names something by id.
    /// </summary>
    public static Task DescribeAuthAndErrors(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var secured = !anonymous && metadata.OfType<IAuthorizeData>().Any();
        operation.Summary = Decode(operation.Summary);
        operation.Description = Decode(operation.Description);
        foreach (var parameter in operation.Parameters ?? [])
            if (parameter is OpenApiParameter p) p.Description = Decode(p.Description);

        operation.Responses ??= new OpenApiResponses();
        Add(operation, "400", "Bad input: a ProblemDetails naming the field (and the file line) at fault.");
        if (secured)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [] }];
            Add(operation, "401", "No token, or one this server does not accept (unknown, rotated, or its user disabled).");
            Add(operation, "403", "The token's role may not do this, or the user is not a member of the project.");
        }
        var path = context.Description.RelativePath ?? "";
        if (path.Contains("id}", StringComparison.OrdinalIgnoreCase) || path.Contains("id:", StringComparison.OrdinalIgnoreCase))
            Add(operation, "404", "No such project (or item, task, user, annotation) — or one the caller may not see.");
        return Task.CompletedTask;
    }

    /// <summary>Schema and property descriptions with XML entities decoded.</summary>
    public static Task DecodeSchemaText(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        schema.Description = Decode(schema.Description);
        return Task.CompletedTask;
    }

    private static void Add(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status)) return;
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [Problem] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Description = "RFC 9457 problem details.",
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["field"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                        },
                    },
                },
            },
        };
    }

    private static string? Decode(string? text) => text is null ? null : WebUtility.HtmlDecode(text);
}
