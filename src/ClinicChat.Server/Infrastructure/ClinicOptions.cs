using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClinicChat.Infrastructure;

public sealed class ClinicOptions
{
    public const string Section = "Clinic";

    [Required]
    public string TimeZone { get; set; } = "Asia/Jakarta";

    public TimeZoneInfo TimeZoneInfo => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
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
