using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace ClinicChat.Accounts;

/// <summary>
/// Slows password guessing against one account without letting a stranger lock its owner out. Failures are counted
/// per email address (normalized), whether or not an account has it, so the answers never tell which emails exist.
/// After <see cref="FreeFailures"/> failures in a row, every further attempt for that email is refused (429 with
/// Retry-After) until a delay has passed: 30 s after the fifth failure, doubling with each failure after it, at most
/// 15 minutes. The count is forgotten 15 minutes after the last failure (or the end of its delay) and on a successful login. A client that has
/// signed in to the account before (it holds a recognised-device cookie, see <see cref="RecognisedDevices"/>) is never
/// refused here, so its owner can still sign in while someone else is guessing.
/// <para>
/// Kept in memory: several instances each count on their own, which slows a guesser by at most that factor less.
/// The table is bounded; it only ever holds emails that failed recently.
/// </para>
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int FreeFailures = 5;
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);
    private const int MaxTracked = 100_000;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>How long until this email may be tried again; null when it may be tried now.</summary>
    public TimeSpan? RetryAfter(string normalizedEmail)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _entries.TryGetValue(Key(normalizedEmail), out var entry) && entry.BlockedUntil > now ? entry.BlockedUntil - now : null;
        }
    }

    public void RecordFailure(string normalizedEmail)
    {
        var now = time.GetUtcNow();
        var key = Key(normalizedEmail);
        lock (_gate)
        {
            var failures = _entries.TryGetValue(key, out var entry) && !entry.IsForgotten(now) ? entry.Failures + 1 : 1;
            var blockedUntil = failures < FreeFailures
                ? DateTimeOffset.MinValue
                : now + TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(failures - FreeFailures, 20)));
            if (_entries.Count >= MaxTracked && !_entries.ContainsKey(key))
            {
                Prune(now);
            }

            _entries[key] = new Entry(failures, now, blockedUntil);
        }
    }

    public void RecordSuccess(string normalizedEmail)
    {
        lock (_gate)
        {
            _entries.Remove(Key(normalizedEmail));
        }
    }

    /// <summary>Drops what is forgotten anyway; if a flood of distinct emails still fills the table, the oldest half goes.</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.IsForgotten(now))
            {
                _entries.Remove(key);
            }
        }

        if (_entries.Count >= MaxTracked)
        {
            foreach (var key in _entries.OrderBy(e => e.Value.LastFailure).Take(_entries.Count / 2).Select(e => e.Key).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    // A hash, not the email: the table lives as long as the process and may be dumped with it.
    private static string Key(string normalizedEmail) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedEmail)));

    private readonly record struct Entry(int Failures, DateTimeOffset LastFailure, DateTimeOffset BlockedUntil)
    {
        /// <summary>Counted from the end of the delay, not the failure: otherwise the longest delay would also end the count.</summary>
        public bool IsForgotten(DateTimeOffset now) => now - (BlockedUntil > LastFailure ? BlockedUntil : LastFailure) >= ForgetAfter;
    }
}

/// <summary>
/// The recognised-device cookie: set on every successful login, it names the account (protected with Data
/// Protection, so it cannot be forged or moved to another account) and lets that browser or client sign in to that
/// account while the <see cref="LoginThrottle"/> refuses others. It grants nothing else: the password is still checked.
/// </summary>
public sealed class RecognisedDevices(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "clinicchat_device";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(180);

    private readonly IDataProtector _protector = protection.CreateProtector("ClinicChat.Accounts.RecognisedDevice.v1");

    public void Remember(HttpContext context, Guid userId)
    {
        var expires = time.GetUtcNow() + Lifetime;
        var value = _protector.Protect($"{userId:N}|{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}");
        context.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            // Only the auth endpoints ever see it.
            Path = "/api/v1/auth",
            MaxAge = Lifetime,
            IsEssential = true,
        });
    }

    /// <summary>The account this request's cookie was issued to, if it carries a valid, unexpired one.</summary>
    public Guid? RecognisedUser(HttpContext context)
    {
        if (context.Request.Cookies[CookieName] is not { Length: > 0 and < 1024 } value)
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(value).Split('|');
            return parts.Length == 2 && Guid.TryParseExact(parts[0], "N", out var userId)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
                && DateTimeOffset.FromUnixTimeSeconds(expires) > time.GetUtcNow()
                    ? userId
                    : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
