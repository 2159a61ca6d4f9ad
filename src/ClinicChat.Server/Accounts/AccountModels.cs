namespace ClinicChat.Accounts;

public sealed record UserDto(Guid Id, string Email, string DisplayName, string Role)
{
    internal static UserDto From(UserRow row) => new(row.Id, row.Email, row.DisplayName, row.Role);
}

public sealed record AdminUserDto(Guid Id, string Email, string DisplayName, string Role, bool Disabled, DateTimeOffset CreatedAt);

public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName);

public sealed record CreateStaffRequest(string? Email, string? Password, string? DisplayName, string? Role);

public sealed record LoginRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

internal sealed record UserRow(
    Guid Id,
    string Email,
    string DisplayName,
    string Role,
    string PasswordHash,
    DateTimeOffset? DisabledAt,
    DateTimeOffset CreatedAt);
