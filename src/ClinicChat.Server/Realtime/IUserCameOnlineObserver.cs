namespace ClinicChat.Realtime;

/// <summary>
/// Lets another feature react when a user's first hub connection opens (the support desk assigns waiting rooms to an
/// admin who came online), without Realtime knowing about that feature. Implementations must not throw.
/// </summary>
public interface IUserCameOnlineObserver
{
    Task OnUserCameOnlineAsync(Guid userId, bool isAdmin, CancellationToken cancellationToken);
}
