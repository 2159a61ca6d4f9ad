using ClinicChat.Infrastructure;

namespace ClinicChat.Accounts;

/// <summary>Creates the first admin from CLINICCHAT_ADMIN_EMAIL / CLINICCHAT_ADMIN_PASSWORD when no admin exists.</summary>
internal sealed partial class AdminBootstrap(IConfiguration configuration, AccountService accounts, UserStore users, ILogger<AdminBootstrap> logger) : IDatabaseInitializer
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var email = configuration["CLINICCHAT_ADMIN_EMAIL"];
        var password = configuration["CLINICCHAT_ADMIN_PASSWORD"];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            return;
        }

        if (await users.AnyAdminAsync(cancellationToken))
        {
            return;
        }

        var outcome = await accounts.CreateUserAsync(email, password, "Administrator", Roles.Admin, actorId: null, cancellationToken);
        if (outcome.Failure?.Code == AccountService.EmailTaken.Code && await users.AnyAdminAsync(cancellationToken))
        {
            // Another instance starting at the same moment created it first.
            return;
        }

        if (outcome.Failure is { } failure)
        {
            throw new StartupException($"CLINICCHAT_ADMIN_EMAIL/CLINICCHAT_ADMIN_PASSWORD were rejected: {string.Join(" ", failure.Errors?.SelectMany(e => e.Value) ?? [failure.Message])}");
        }

        LogCreated(outcome.Value!.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bootstrap admin {UserId} created")]
    private partial void LogCreated(Guid userId);
}
