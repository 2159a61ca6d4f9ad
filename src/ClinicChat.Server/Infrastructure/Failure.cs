using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Infrastructure;

/// <summary>
/// What kind of refusal a failure is. Services name only the kind; the HTTP status it maps to lives in
/// <see cref="FailureResults"/>, the one REST translation, and the hub never sees a status at all.
/// </summary>
public enum FailureKind
{
    Invalid,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Locked,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unprocessable,
    RateLimited,
    BadGateway,
    Unavailable,
}

/// <summary>
/// The one refusal type of every service: a stable machine-readable <see cref="Code"/> (listed in README.md)
/// that clients translate, a message that is safe to show, and optionally field errors, a retry delay and extra
/// problem-details members. REST turns it into problem details and the hub into a HubException, each in one place.
/// </summary>
public sealed record Failure(
    string Code,
    FailureKind Kind,
    string Message,
    string? Title = null,
    IDictionary<string, string[]>? Errors = null,
    TimeSpan? RetryAfter = null,
    IReadOnlyDictionary<string, object?>? Extensions = null)
{
    /// <summary>The code of every validation refusal, whichever path found it (handler, service or request binding).</summary>
    public const string InvalidCode = "request.invalid";

    /// <summary>The framework's own title for validation problems, so that every 400 with field errors reads the same.</summary>
    public const string InvalidTitle = "One or more validation errors occurred.";

    public static Failure Invalid(FieldErrors errors) => Invalid(errors.ToDictionary());

    public static Failure Invalid(IDictionary<string, string[]> errors) => new(InvalidCode, FailureKind.Invalid, InvalidTitle, InvalidTitle, errors);

    public static Failure Field(string field, string message) => Invalid(new FieldErrors().Add(field, message));

    public static Failure NotFound(string code, string what) => new(code, FailureKind.NotFound, $"{what} was not found.");

    public static Failure Forbidden(string code, string message) => new(code, FailureKind.Forbidden, message);

    public static Failure Conflict(string code, string message, string? title = null) => new(code, FailureKind.Conflict, message, title);

    /// <summary>
    /// The hub has no problem details: the message is "[code] text", which JS, .NET and Dart clients can split,
    /// and field errors are folded into the text.
    /// </summary>
    public string HubMessage => Errors is { Count: > 0 }
        ? $"[{Code}] {string.Join(" ", Errors.SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}")))}"
        : $"[{Code}] {Message}";

    /// <summary>The one translation to what hub callers see.</summary>
    public HubException ToHubException() => new(HubMessage);
}

/// <summary>Either a value or a refusal; services return this instead of throwing for expected outcomes.</summary>
public readonly record struct Outcome<T>(T? Value, Failure? Failure)
{
    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);

    /// <summary>For the hub: the value, or the refusal as the HubException the caller will see.</summary>
    public T OrThrow() => Failure is null ? Value! : throw Failure.ToHubException();
}
