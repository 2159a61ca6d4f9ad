using System.Security.Claims;
using ClinicChat.Audit;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Accounts;

public sealed partial class AccountService(
    NpgsqlDataSource dataSource,
    TimeProvider time,
    UserStore users,
    SessionStore sessions,
    SessionRevocations revocations,
    AuditLog audit,
    IEnumerable<IUserDisabledObserver> disabledObservers,
    LoginThrottle throttle,
    IOptionsMonitor<BearerTokenOptions> bearerOptions,
    IOptions<PasswordHasherOptions> hasherOptions,
    ILogger<AccountService> logger)
{
    // Identity's defaults (PBKDF2-SHA512, 100,000 iterations) unless PasswordHasherOptions says otherwise; only
    // the tests lower the count, to keep hundreds of sign-ups cheap. Stored hashes carry their own count.
    private readonly PasswordHasher<UserRow> _hasher = new(hasherOptions);

    // Verified against when the email is unknown, so that a miss costs as long as a hit.
    private string? _unknownUserHash;

    public Task<Outcome<UserDto>> RegisterPatientAsync(RegisterRequest request, CancellationToken cancellationToken) =>
        CreateUserAsync(request.Email, request.Password, request.DisplayName, Roles.Patient, actorId: null, cancellationToken);

    public Task<Outcome<UserDto>> CreateStaffAsync(CreateStaffRequest request, Guid adminId, CancellationToken cancellationToken)
    {
        if (request.Role is null || !Roles.Staff.Contains(request.Role))
        {
            // Every problem with the request at once, not just the role.
            var errors = new FieldErrors().Add("role", "Role must be one of: doctor, nurse, admin.");
            AccountRules.ValidateEmail(request.Email, errors);
            AccountRules.ValidatePassword(request.Password, errors);
            AccountRules.ValidateDisplayName(request.DisplayName, errors);
            return Task.FromResult<Outcome<UserDto>>(Failure.Invalid(errors));
        }

        return CreateUserAsync(request.Email, request.Password, request.DisplayName, request.Role, adminId, cancellationToken);
    }

    internal async Task<Outcome<UserDto>> CreateUserAsync(string? email, string? password, string? displayName, string role, Guid? actorId, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        AccountRules.ValidateEmail(email, errors);
        AccountRules.ValidatePassword(password, errors);
        AccountRules.ValidateDisplayName(displayName, errors);
        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        var user = new UserRow(Guid.CreateVersion7(), email!.Trim(), displayName!.Trim(), role, "", null, time.GetUtcNow());
        user = user with { PasswordHash = _hasher.HashPassword(user, password!) };

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await users.TryInsertAsync(connection, transaction, user, cancellationToken))
        {
            return EmailTaken;
        }

        if (role == Roles.Doctor)
        {
            await using var profile = new NpgsqlCommand("insert into doctor_profiles (doctor_id) values (@id)", connection, transaction);
            profile.Parameters.AddWithValue("id", user.Id);
            await profile.ExecuteNonQueryAsync(cancellationToken);
        }

        await audit.WriteAsync(connection, transaction, actorId ?? user.Id, "user.created", "user", user.Id.ToString(), new { role }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return UserDto.From(user);
    }

    /// <param name="recognisedUser">The account this client has signed in to before (its recognised-device cookie), if any.</param>
    public async Task<Outcome<ClaimsPrincipal>> LoginAsync(LoginRequest request, Guid? recognisedUser, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            var errors = new FieldErrors();
            if (string.IsNullOrWhiteSpace(request.Email))
            {
                errors.Add("email", "Email is required.");
            }

            if (string.IsNullOrEmpty(request.Password))
            {
                errors.Add("password", "Password is required.");
            }

            return Failure.Invalid(errors);
        }

        // Every answer below is the same for an email with an account and one without (status, body, and the work
        // done: one lookup, then one hash unless refused), so login tells no one which emails are registered.
        var email = AccountRules.NormalizeEmail(request.Email);
        var wait = throttle.RetryAfter(email);
        var user = await users.FindByEmailAsync(request.Email, cancellationToken);
        if (wait is { } delay && (user is null || user.Id != recognisedUser))
        {
            if (user is not null)
            {
                LogThrottled(user.Id);
            }

            return Throttled(delay);
        }

        if (user is null)
        {
            _unknownUserHash ??= _hasher.HashPassword(null!, Guid.NewGuid().ToString());
            _hasher.VerifyHashedPassword(null!, _unknownUserHash, request.Password);
            throttle.RecordFailure(email);
            return BadCredentials();
        }

        var verdict = _hasher.VerifyHashedPassword(user, user.PasswordHash, request.Password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            throttle.RecordFailure(email);
            LogFailedLogin(user.Id);
            return BadCredentials();
        }

        if (user.DisabledAt is not null)
        {
            return new Failure("auth.account_disabled", FailureKind.Forbidden, "This account has been disabled.", Title: "Account disabled");
        }

        throttle.RecordSuccess(email);
        var (sessionId, refreshTokenId) = await sessions.CreateAsync(user.Id, cancellationToken);
        LogLoggedIn(user.Id, sessionId);
        return CreatePrincipal(user.Id, user.Role, sessionId, refreshTokenId);
    }

    public async Task<Outcome<ClaimsPrincipal>> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken))
        {
            return Failure.Field("refreshToken", "Refresh token is required.");
        }

        var options = bearerOptions.Get(BearerTokenDefaults.AuthenticationScheme);
        var ticket = options.RefreshTokenProtector.Unprotect(request.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || expires <= time.GetUtcNow()
            || ticket.Principal.SessionId() is not { } sessionId
            || !Guid.TryParse(ticket.Principal.FindFirstValue(ClinicClaims.RefreshTokenIdClaim), out var presented))
        {
            return InvalidRefresh();
        }

        var (outcome, userId, newRefreshTokenId) = await sessions.RotateAsync(sessionId, presented, cancellationToken);
        if (outcome == SessionStore.RotateOutcome.Reused)
        {
            LogRefreshReuse(sessionId);
        }

        if (outcome != SessionStore.RotateOutcome.Rotated)
        {
            return InvalidRefresh();
        }

        // The role is re-read so that a refreshed token never carries a stale one.
        var user = await users.FindByIdAsync(userId, cancellationToken);
        return user is null ? InvalidRefresh() : CreatePrincipal(user.Id, user.Role, sessionId, newRefreshTokenId);
    }

    public async Task LogoutAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (principal.SessionId() is { } sessionId)
        {
            await sessions.RevokeAsync(sessionId, cancellationToken);
        }
    }

    public async Task<bool> DisableAsync(Guid userId, Guid adminId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await users.DisableAsync(connection, transaction, userId, time.GetUtcNow(), cancellationToken))
        {
            return false;
        }

        var revoked = await sessions.RevokeAllForUserAsync(connection, transaction, userId, cancellationToken);
        await audit.WriteAsync(connection, transaction, adminId, "user.disabled", "user", userId.ToString(), null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        revocations.Publish(revoked);
        foreach (var observer in disabledObservers)
        {
            // The account is disabled and its sessions revoked either way; a follow-up failing must not undo that.
            await BestEffort.RunAsync(observer.OnUserDisabledAsync(userId, CancellationToken.None), logger, "user-disabled observer");
        }

        return true;
    }

    public async Task<UserDto?> FindAsync(Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId, cancellationToken);
        return user is null ? null : UserDto.From(user);
    }

    public Task<IReadOnlyList<AdminUserDto>> ListAsync(string? role, CancellationToken cancellationToken) => users.ListAsync(role, cancellationToken);

    private static ClaimsPrincipal CreatePrincipal(Guid userId, string role, Guid sessionId, Guid refreshTokenId) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, userId.ToString()),
                new Claim(ClaimTypes.Role, role),
                new Claim(ClinicClaims.SessionIdClaim, sessionId.ToString()),
                new Claim(ClinicClaims.RefreshTokenIdClaim, refreshTokenId.ToString()),
            ],
            BearerTokenDefaults.AuthenticationScheme));

    /// <summary>A conflict that also names the field, so a form can show it beside the email box.</summary>
    public static readonly Failure EmailTaken = new("auth.email_taken", FailureKind.Conflict, "An account with this email already exists.",
        Title: "Email already registered", Errors: new FieldErrors().Add("email", "An account with this email already exists.").ToDictionary());

    private static Failure BadCredentials() =>
        new("auth.invalid_credentials", FailureKind.Unauthorized, "Email or password is incorrect.", Title: "Login failed");

    private static Failure Throttled(TimeSpan delay) =>
        new("auth.too_many_failures", FailureKind.RateLimited,
            "Too many failed logins for this email; wait before trying again, or sign in from a device that has signed in to this account before.",
            Title: "Too many failed logins", RetryAfter: delay);

    private static Failure InvalidRefresh() =>
        new("auth.invalid_refresh_token", FailureKind.Unauthorized, "The refresh token is invalid, expired or already used.", Title: "Invalid refresh token");

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} logged in, session {SessionId}")]
    private partial void LogLoggedIn(Guid userId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed login for user {UserId}")]
    private partial void LogFailedLogin(Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login refused for user {UserId}: too many recent failures from unrecognised clients")]
    private partial void LogThrottled(Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refresh token reused for session {SessionId}; session revoked")]
    private partial void LogRefreshReuse(Guid sessionId);
}
