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

    /// <summary>For handlers whose signature names ValidationProblem; the same JSON as <see cref="Failure.Invalid(FieldErrors)"/>.</summary>
    public ValidationProblem ToProblem() => FailureResults.ToValidationProblem(ToDictionary());

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}

/// <summary>Single-error shortcuts that keep handlers short and every answer in RFC 9457 form.</summary>
public static class Problems
{
    public static ValidationProblem Field(string field, string message) => new FieldErrors().Add(field, message).ToProblem();

    public static ProblemHttpResult NotFound(string code, string what) => Failure.NotFound(code, what).ToProblem();

    public static ProblemHttpResult Forbidden(string code, string detail) => Failure.Forbidden(code, detail).ToProblem();

    public static ProblemHttpResult Conflict(string code, string detail) => Failure.Conflict(code, detail).ToProblem();
}

/// <summary>
/// The one translation of a <see cref="Failure"/> into RFC 9457 problem details: the HTTP status of each kind, the
/// title, the <c>code</c> extension member, the <c>errors</c> field map and Retry-After. Handlers (TypedResults) and
/// middleware (IProblemDetailsService) both go through here, so every refusal has the same shape.
/// </summary>
public static class FailureResults
{
    public const string CodeMember = "code";

    public static int StatusOf(FailureKind kind) => kind switch
    {
        FailureKind.Invalid => StatusCodes.Status400BadRequest,
        FailureKind.Unauthorized => StatusCodes.Status401Unauthorized,
        FailureKind.Forbidden => StatusCodes.Status403Forbidden,
        FailureKind.NotFound => StatusCodes.Status404NotFound,
        FailureKind.Conflict => StatusCodes.Status409Conflict,
        FailureKind.Locked => StatusCodes.Status423Locked,
        FailureKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        FailureKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        FailureKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        FailureKind.RateLimited => StatusCodes.Status429TooManyRequests,
        FailureKind.BadGateway => StatusCodes.Status502BadGateway,
        FailureKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string DefaultTitle(FailureKind kind) => kind switch
    {
        FailureKind.Invalid => Failure.InvalidTitle,
        FailureKind.Unauthorized => "Unauthorized",
        FailureKind.Forbidden => "Forbidden",
        FailureKind.NotFound => "Not found",
        FailureKind.Conflict => "Conflict",
        FailureKind.Locked => "Locked",
        FailureKind.PayloadTooLarge => "Request body too large",
        FailureKind.UnsupportedMediaType => "Unsupported media type",
        FailureKind.Unprocessable => "Unprocessable content",
        FailureKind.RateLimited => "Too many requests",
        FailureKind.BadGateway => "Bad gateway",
        FailureKind.Unavailable => "Service temporarily unavailable",
        _ => "Bad request",
    };

    /// <param name="context">Where to set Retry-After; without it the header is left out.</param>
    public static ProblemHttpResult ToProblem(this Failure failure, HttpContext? context = null)
    {
        SetRetryAfter(failure, context);
        return TypedResults.Problem(
            title: failure.Title ?? DefaultTitle(failure.Kind),
            detail: failure.Kind == FailureKind.Invalid ? null : failure.Message,
            statusCode: StatusOf(failure.Kind),
            extensions: Extensions(failure));
    }

    public static ValidationProblem ToValidationProblem(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: Failure.InvalidTitle,
            extensions: new Dictionary<string, object?> { [CodeMember] = Failure.InvalidCode });

    /// <summary>For middleware that answers before (or instead of) an endpoint.</summary>
    public static async Task<bool> TryWriteAsync(this IProblemDetailsService problems, HttpContext context, Failure failure, Exception? exception = null)
    {
        SetRetryAfter(failure, context);
        var status = StatusOf(failure.Kind);
        context.Response.StatusCode = status;
        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = failure.Title ?? DefaultTitle(failure.Kind),
            Detail = failure.Kind == FailureKind.Invalid ? null : failure.Message,
        };
        foreach (var (key, value) in Extensions(failure))
        {
            details.Extensions[key] = value;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }

    /// <summary>
    /// The code of a problem the application did not write itself (status-code pages, the authorization middleware's
    /// 401/403, an unhandled exception): every problem a client sees carries one.
    /// </summary>
    public static string FallbackCode(int? status, bool hasErrors) => status switch
    {
        400 when hasErrors => Failure.InvalidCode,
        400 => "request.bad",
        401 => "auth.required",
        403 => "auth.forbidden",
        404 => "route.not_found",
        405 => "route.method_not_allowed",
        413 => "request.too_large",
        415 => "request.unsupported_media_type",
        429 => "request.rate_limited",
        503 => "server.unavailable",
        _ => "server.error",
    };

    private static Dictionary<string, object?> Extensions(Failure failure)
    {
        var extensions = new Dictionary<string, object?> { [CodeMember] = failure.Code };
        if (failure.Errors is { } errors)
        {
            extensions["errors"] = errors;
        }

        if (failure.Extensions is { } more)
        {
            foreach (var (key, value) in more)
            {
                extensions[key] = value;
            }
        }

        return extensions;
    }

    private static void SetRetryAfter(Failure failure, HttpContext? context)
    {
        if (failure.RetryAfter is { } retry && context is not null)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

public static class ProblemDetailsSetup
{
    public static WebApplicationBuilder AddApiProblemDetails(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.Remove("exception");
            if (!problem.Extensions.ContainsKey(FailureResults.CodeMember))
            {
                var hasErrors = problem is HttpValidationProblemDetails || problem.Extensions.ContainsKey("errors");
                problem.Extensions[FailureResults.CodeMember] = FailureResults.FallbackCode(problem.Status ?? context.HttpContext.Response.StatusCode, hasErrors);
                if (hasErrors)
                {
                    problem.Title = Failure.InvalidTitle;
                }
            }
        });

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

        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return await problems.TryWriteAsync(httpContext,
                new Failure("request.too_large", FailureKind.PayloadTooLarge, "The request body is larger than this server accepts."), exception);
        }

        if (bad.StatusCode == StatusCodes.Status400BadRequest)
        {
            var (field, message) = Describe(bad);
            return await problems.TryWriteAsync(httpContext, Failure.Field(field, message), exception);
        }

        // Any other status the server's request parsing chose (408, 431...): its status, the fallback code.
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Title = "Bad request" },
        });
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
/// process stays up until PostgreSQL is back (/health/ready reports the same). Logged once per outage by
/// <see cref="DatabaseOutage"/>, not once per request.
/// </summary>
internal sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, DatabaseOutage outage) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseOutage.IsOutage(exception))
        {
            return false;
        }

        // The path only, never the query string: the hub's access_token travels there.
        outage.Report(exception, $"{httpContext.Request.Method} {httpContext.Request.Path}");
        return await problems.TryWriteAsync(httpContext, DatabaseOutage.Refusal, exception);
    }
}
