namespace ClinicChat.Conversations;

/// <summary>
/// Lets another feature react to a user's message after it is committed and published (the support desk
/// refreshes its queue), without the send path knowing about that feature.
/// </summary>
public interface IMessageSentObserver
{
    Task OnMessageSentAsync(MessageDto message, string conversationKind, CancellationToken cancellationToken);
}
