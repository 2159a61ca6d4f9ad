using System.Security.Claims;
using ClinicChat.Accounts;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Conversations;

/// <summary>Who is asking: the chat services never see a ClaimsPrincipal, so REST and hub share one code path.</summary>
public readonly record struct ChatCaller(Guid UserId, bool IsAdmin)
{
    public static ChatCaller From(ClaimsPrincipal user) => new(user.UserId(), user.IsAdmin());
}

public enum ChatFailureKind
{
    Invalid,
    NotFound,
    Forbidden,
    NotWritable,
    RateLimited,
}

/// <summary>A refusal that REST turns into problem details and the hub into a HubException; the message is safe to show.</summary>
public sealed record ChatFailure(ChatFailureKind Kind, string Message, IDictionary<string, string[]>? Errors = null, TimeSpan? RetryAfter = null)
{
    public static ChatFailure NotFound(string what) => new(ChatFailureKind.NotFound, $"{what} was not found.");

    public static ChatFailure Invalid(FieldErrors errors) =>
        new(ChatFailureKind.Invalid, "The request is not valid.", errors.ToDictionary());

    public static ChatFailure Forbidden(string message) => new(ChatFailureKind.Forbidden, message);

    /// <summary>The hub has no problem details: the field errors go into the one message the client sees.</summary>
    public string HubMessage => Errors is { Count: > 0 }
        ? string.Join(" ", Errors.SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}")))
        : Message;

    public ProblemHttpResult ToProblem(HttpContext? context = null)
    {
        var (status, title) = Kind switch
        {
            ChatFailureKind.Invalid => (StatusCodes.Status400BadRequest, "The request is not valid."),
            ChatFailureKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            ChatFailureKind.Forbidden => (StatusCodes.Status403Forbidden, "Forbidden"),
            ChatFailureKind.NotWritable => (StatusCodes.Status409Conflict, "Conversation not writable"),
            ChatFailureKind.RateLimited => (StatusCodes.Status429TooManyRequests, "Too many messages"),
            _ => (StatusCodes.Status400BadRequest, "Bad request"),
        };
        if (RetryAfter is { } retry && context is not null)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var extensions = Errors is null ? null : new Dictionary<string, object?> { ["errors"] = Errors };
        return TypedResults.Problem(title: title, detail: Kind == ChatFailureKind.Invalid ? null : Message, statusCode: status, extensions: extensions);
    }

    public HubException ToHubException() => new(HubMessage);
}

/// <summary>Either a value or a refusal; services return this instead of throwing for expected outcomes.</summary>
public readonly record struct Outcome<T>(T? Value, ChatFailure? Failure)
{
    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(ChatFailure failure) => new(default, failure);

    /// <summary>For the hub: the value, or the refusal as the HubException the caller will see.</summary>
    public T OrThrow() => Failure is null ? Value! : throw Failure.ToHubException();
}
