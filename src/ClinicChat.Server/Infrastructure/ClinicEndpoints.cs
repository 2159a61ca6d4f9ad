using Microsoft.Extensions.Options;

namespace ClinicChat.Infrastructure;

/// <summary>What every client needs before anyone signs in: whose clinic this is, its zone, its language and money.</summary>
public sealed record ClinicInfo(string Name, string TimeZone, string DefaultLanguage, IReadOnlyList<string> Languages, string Currency);

public static class ClinicEndpoints
{
    public static RouteGroupBuilder MapClinic(this RouteGroupBuilder group)
    {
        group.MapGet("/clinic", (IOptions<ClinicOptions> options) =>
        {
            var clinic = options.Value;
            return TypedResults.Ok(new ClinicInfo(clinic.Name, clinic.TimeZone, clinic.DefaultLanguage, ClinicOptions.Languages, "IDR"));
        })
        .WithTags("Clinic")
        .WithSummary("The clinic's name, time zone, default language and currency (no sign-in needed).");
        return group;
    }
}
