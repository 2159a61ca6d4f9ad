using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClinicChat.Infrastructure;

public sealed class ClinicOptions
{
    public const string Section = "Clinic";

    /// <summary>The languages the web client ships; a clinic may start users in either.</summary>
    public static readonly string[] Languages = ["id", "en"];

    [Required, StringLength(100, MinimumLength = 1)]
    public string Name { get; set; } = "ClinicChat";

    [Required]
    public string TimeZone { get; set; } = "Asia/Jakarta";

    /// <summary>What a user sees before choosing a language; each user's own choice is kept by their client.</summary>
    [Required]
    public string DefaultLanguage { get; set; } = "id";

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
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            return ValidateOptionsResult.Fail($"Clinic:TimeZone '{options.TimeZone}' is not a known IANA time zone.");
        }
        return ClinicOptions.Languages.Contains(options.DefaultLanguage)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Clinic:DefaultLanguage '{options.DefaultLanguage}' is not one of {string.Join(", ", ClinicOptions.Languages)}.");
    }
}
