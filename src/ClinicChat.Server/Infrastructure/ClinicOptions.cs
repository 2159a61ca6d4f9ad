using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClinicChat.Infrastructure;

public sealed class ClinicOptions
{
    public const string Section = "Clinic";

    [Required]
    public string TimeZone { get; set; } = "Asia/Jakarta";

    /// <summary>
    /// The clinic's zone. Never throws: options validation reads every property, and an unknown zone must surface
    /// as the validator's one-line message rather than an exception from here. ValidateOnStart guarantees that a
    /// running server never reaches the UTC fallback.
    /// </summary>
    public TimeZoneInfo TimeZoneInfo => TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;
}

internal sealed class ClinicOptionsValidator : IValidateOptions<ClinicOptions>
{
    public ValidateOptionsResult Validate(string? name, ClinicOptions options)
    {
        return TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Clinic:TimeZone '{options.TimeZone}' is not a known IANA time zone.");
    }
}
