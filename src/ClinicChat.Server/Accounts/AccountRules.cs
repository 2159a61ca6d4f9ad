using System.Net.Mail;
using ClinicChat.Infrastructure;

namespace ClinicChat.Accounts;

/// <summary>Input rules shared by self-registration and staff creation.</summary>
internal static class AccountRules
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;
    public const int MaxDisplayNameLength = 100;

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static void ValidateEmail(string? email, FieldErrors errors)
    {
        var trimmed = email?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors.Add("email", "Email is required.");
        }
        else if (trimmed.Length > 254
                 || !MailAddress.TryCreate(trimmed, out var address)
                 || address.Address != trimmed
                 || !address.Host.Contains('.', StringComparison.Ordinal)
                 || trimmed.Any(char.IsWhiteSpace))
        {
            errors.Add("email", "Email is not a valid address.");
        }
    }

    public static void ValidatePassword(string? password, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(password))
        {
            errors.Add("password", "Password is required.");
        }
        else if (password.Length < MinPasswordLength)
        {
            errors.Add("password", $"Password must be at least {MinPasswordLength} characters.");
        }
        else if (password.Length > MaxPasswordLength)
        {
            errors.Add("password", $"Password must be at most {MaxPasswordLength} characters.");
        }
    }

    public static void ValidateDisplayName(string? displayName, FieldErrors errors)
    {
        var trimmed = displayName?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors.Add("displayName", "Display name is required.");
        }
        else if (trimmed.Length > MaxDisplayNameLength)
        {
            errors.Add("displayName", $"Display name must be at most {MaxDisplayNameLength} characters.");
        }
        else if (trimmed.Any(char.IsControl))
        {
            errors.Add("displayName", "Display name must not contain control characters.");
        }
    }
}
