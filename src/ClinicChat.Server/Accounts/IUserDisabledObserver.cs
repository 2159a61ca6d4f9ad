namespace ClinicChat.Accounts;

/// <summary>
/// Lets another feature react once a disabled account is committed (the support desk hands a disabled admin's
/// rooms to someone else), without Accounts knowing about that feature.
/// </summary>
public interface IUserDisabledObserver
{
    Task OnUserDisabledAsync(Guid userId, CancellationToken cancellationToken);
}
