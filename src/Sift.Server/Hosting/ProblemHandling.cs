using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Sift.Projects;

namespace Sift.Server.Hosting;

/// <summary>A request that is wrong in one field: HTTP 400 with that field named.</summary>
internal sealed class RequestValidationException(string field, string message) : SiftException(message)
{
    /// <summary>The field (JSON path without <c>$.</c>, or query parameter) at fault.</summary>
    public string Field { get; } = field;
}

/// <summary>
/// Turns every exception that reaches the top into ProblemDetails: Sift's own errors into 400/404/409 with the field
/// (and line) at fault, malformed requests into 400/413/415, anything else into a 500 that says nothing about the
/// server's insides (the details go to the log).
/// </summary>
internal sealed partial class SiftExceptionHandler(IProblemDetailsService problems, ILogger<SiftExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Describe(exception);
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning(exception, "Database busy on {Method} {Path}; answered 503", httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (problem.Status >= 500)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }
        httpContext.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = null });
    }

    /// <summary>
    /// Gives the bare status codes that ASP.NET Core answers by itself (no route, body too large for a JSON endpoint,
    /// wrong media type) one sentence, like every other error.
    /// </summary>
    internal static void FillIn(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Detail is not null) return;
        switch (problem.Status)
        {
            case StatusCodes.Status404NotFound:
                problem.Detail = "There is no such resource.";
                break;
            case StatusCodes.Status405MethodNotAllowed:
                problem.Detail = $"This resource does not accept {context.HttpContext.Request.Method}.";
                break;
            case StatusCodes.Status413PayloadTooLarge:
                problem.Detail = "The request body is larger than this endpoint accepts.";
                problem.Extensions["field"] = "body";
                break;
            case StatusCodes.Status415UnsupportedMediaType:
                problem.Detail = "Send the body as application/json.";
                problem.Extensions["field"] = "body";
                break;
            case StatusCodes.Status400BadRequest:
                problem.Detail = "The request is malformed.";
                break;
        }
    }

    /// <summary>The Retry-After a 503 for a busy database suggests, in seconds.</summary>
    internal const int RetryAfterSeconds = 2;

    /// <summary>
    /// Whether <paramref name="exception"/> is the database being momentarily unable to answer (a command or lock time-out,
    /// an exhausted pool, a failover): the request was fine and may simply be sent again.
    /// </summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        System.Data.Common.DbException { IsTransient: true } => true,
        TimeoutException => true,
        System.Data.Common.DbException { InnerException: TimeoutException } => true,
        _ => false,
    };

    internal static ProblemDetails Describe(Exception exception) => exception switch
    {
        _ when IsTransient(exception) => Problem(503, "Service unavailable", "The database is busy; send the request again in a moment.", null),
        RequestValidationException e => Problem(400, "Invalid request", e.Message, e.Field),
        ImportException e => WithLine(Problem(400, "Import failed", e.Message, e.Field), e.Line),
        ConfigurationException e => Problem(400, "Invalid request", e.Message, null),
        NotFoundException e => Problem(404, "Not found", e.Message, null),
        ConflictException e => Problem(409, "Conflict", e.Message, null),
        SiftException e => Problem(400, "Invalid request", e.Message, null),
        BadHttpRequestException e => FromBadRequest(e),
        _ => Problem(500, "Internal server error", "An unexpected error occurred; it has been logged on the server.", null),
    };

    private static ProblemDetails FromBadRequest(BadHttpRequestException e)
    {
        if (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return Problem(413, "Request too large", "The request body is larger than this endpoint accepts.", "body");
        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
            return Problem(415, "Unsupported media type", "Send the body as application/json.", "body");
        if (e.InnerException is JsonException json) return FromJson(json);

        var parameter = ParameterName().Match(e.Message);
        if (e.Message.Contains("no body was provided", StringComparison.Ordinal) || (parameter.Success && e.Message.Contains("from body", StringComparison.Ordinal)))
            return Problem(400, "Invalid request", "The request needs a JSON body.", "body");
        if (parameter.Success)
        {
            var name = parameter.Groups["name"].Value;
            return e.Message.StartsWith("Required", StringComparison.Ordinal)
                ? Problem(400, "Invalid request", $"'{name}' is required.", name)
                : Problem(400, "Invalid request", $"'{name}' has an invalid value.", name);
        }

        return Problem(e.StatusCode, "Bad request", "The request is malformed.", null);
    }

    private static ProblemDetails FromJson(JsonException e)
    {
        if (e is EnumValueException && FieldPath(e.Path) is { } enumField)
            return Problem(400, "Invalid request", $"{enumField}: {e.Message}.", enumField);

        if (DuplicateProperty().IsMatch(e.Message))
        {
            var duplicate = FieldPath(e.Path) ?? "body";
            return Problem(400, "Invalid request", $"'{duplicate}' appears more than once in its object; send each key once.", duplicate);
        }

        var missing = MissingProperty().Match(e.Message);
        if (missing.Success)
        {
            var name = missing.Groups["name"].Value;
            var path = FieldPath(e.Path);
            var field = path is null ? name : path + "." + name;
            return Problem(400, "Invalid request", $"'{field}' is required.", field);
        }

        var at = FieldPath(e.Path);
        return at is null
            ? Problem(400, "Invalid request", "The request body is not valid JSON of the expected shape.", "body")
            : Problem(400, "Invalid request", $"'{at}' is missing, null, or of the wrong type.", at);
    }

    /// <summary><c>$.settings.labels[0]</c> → <c>settings.labels[0]</c>; null for the root.</summary>
    private static string? FieldPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static ProblemDetails Problem(int status, string title, string detail, string? field)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (field is not null) problem.Extensions["field"] = field;
        return problem;
    }

    private static ProblemDetails WithLine(ProblemDetails problem, long line)
    {
        if (line > 0) problem.Extensions["line"] = line;
        return problem;
    }

    [GeneratedRegex("parameter \"[^\" ]+ (?<name>[^\" ]+)\"")]
    private static partial Regex ParameterName();

    [GeneratedRegex("missing required properties including: '(?<name>[^']+)'")]
    private static partial Regex MissingProperty();

    [GeneratedRegex("^Duplicate property '")]
    private static partial Regex DuplicateProperty();
}
