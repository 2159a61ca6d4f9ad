using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Infrastructure;

/// <summary>Collects field errors so that a handler answers every problem with the request at once.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    public ValidationProblem ToProblem() =>
        TypedResults.ValidationProblem(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}

/// <summary>Single-error shortcuts that keep handlers short and every answer in RFC 9457 form.</summary>
public static class Problems
{
    public static ValidationProblem Field(string field, string message) => new FieldErrors().Add(field, message).ToProblem();

    /// <summary>A problem other than 400 that is still about one field (413, 415, 422 for an upload's <c>file</c>).</summary>
    public static ProblemHttpResult Field(int statusCode, string title, string field, string message) =>
        TypedResults.Problem(title: title, detail: message, statusCode: statusCode,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(title: "Not found", detail: $"{what} was not found.", statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(title: "Forbidden", detail: detail, statusCode: StatusCodes.Status403Forbidden);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(title: "Conflict", detail: detail, statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(title: "Unauthorized", detail: detail, statusCode: StatusCodes.Status401Unauthorized);

    public static ProblemHttpResult Status(int statusCode, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: statusCode);
}

public static class ProblemDetailsSetup
{
    public static WebApplicationBuilder AddApiProblemDetails(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.Remove("exception"));

        // Minimal APIs answer a malformed body with a bare 400 outside Development; throwing instead lets
        // BadRequestHandler name the field in every environment.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        return builder;
    }
}

/// <summary>
/// Turns request-binding failures (malformed or wrongly typed JSON, a missing body, an unparsable query value,
/// a body over the size limit) into problem details that name the field. Handled here, they are not logged as
/// server errors; the exception message never carries the body's values, but it is not echoed for JSON either.
/// </summary>
internal sealed partial class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = bad.StatusCode };
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            problem.Title = "Request body too large";
            problem.Detail = "The request body is larger than this server accepts.";
        }
        else if (bad.StatusCode == StatusCodes.Status400BadRequest)
        {
            var (field, message) = Describe(bad);
            problem.Title = "One or more validation errors occurred.";
            problem.Detail = message;
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [message] };
        }
        else
        {
            problem.Title = "Bad request";
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static (string Field, string Message) Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');
            if (json is InputRejectedException rejected)
            {
                return (field, $"'{field}' {rejected.Reason}");
            }

            return field == "body"
                ? (field, "The request body is not valid JSON of the expected shape.")
                : (field, $"'{field}' is malformed or has the wrong JSON type.");
        }

        // The framework's messages name the parameter: 'Failed to bind parameter "int limit" from "abc".',
        // 'Required parameter "RegisterRequest request" was not provided from body.'
        if (bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
        {
            return ("body", "A JSON request body is required.");
        }

        return ParameterName().Match(bad.Message) is { Success: true } match
            ? (match.Groups["name"].Value, $"'{match.Groups["name"].Value}' is missing or malformed.")
            : ("request", "The request could not be read.");
    }

    [System.Text.RegularExpressions.GeneratedRegex("parameter \"[^\"]* (?<name>[^\" ]+)\"")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();
}

/// <summary>
/// A database outage answers 503 with Retry-After instead of a 500: the request may simply be retried, and the
/// process stays up until PostgreSQL is back (/health/ready reports the same). Logged as one warning line.
/// </summary>
internal sealed partial class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not Npgsql.NpgsqlException { IsTransient: true } database)
        {
            return false;
        }

        LogUnavailable(httpContext.Request.Method, httpContext.Request.Path, database.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service temporarily unavailable",
                Detail = "The database is not reachable right now. Try again shortly.",
            },
        });
    }

    // The path only, never the query string: the hub's access_token travels there.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable during {Method} {Path}: {Reason}")]
    private partial void LogUnavailable(string method, string path, string reason);
}
