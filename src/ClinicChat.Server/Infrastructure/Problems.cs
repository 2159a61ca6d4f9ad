using System.Text.Json;
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
        {
            // A malformed body surfaces as BadHttpRequestException wrapping the JsonException: name the field it broke on.
            var error = context.HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
            if (error is BadHttpRequestException bad)
            {
                context.ProblemDetails.Status = bad.StatusCode;
                context.HttpContext.Response.StatusCode = bad.StatusCode;
                if (bad.InnerException is JsonException json)
                {
                    var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');
                    context.ProblemDetails.Title = "The request body is not valid JSON for this endpoint.";
                    context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]>
                    {
                        [field] = [$"Malformed or wrongly typed JSON near '{field}'."],
                    };
                }
                else
                {
                    context.ProblemDetails.Title = "Bad request";
                    context.ProblemDetails.Detail = bad.Message;
                }
            }

            context.ProblemDetails.Extensions.Remove("exception");
        });
        return builder;
    }
}
