using System.Security.Claims;

namespace ClinicChat.Accounts;

public static class Roles
{
    public const string Patient = "patient";
    public const string Doctor = "doctor";
    public const string Nurse = "nurse";
    public const string Admin = "admin";

    public static readonly string[] All = [Patient, Doctor, Nurse, Admin];
    public static readonly string[] Staff = [Doctor, Nurse, Admin];
}

public static class ClinicClaims
{
    public const string SessionIdClaim = "sid";
    public const string RefreshTokenIdClaim = "rtid";

    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No user id claim."));

    public static string Role(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Role) ?? "";

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SessionIdClaim), out var id) ? id : null;
}
