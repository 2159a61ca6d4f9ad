using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Conversations;

/// <summary>
/// Publishes chat events after the change is committed. Message events go to the connections subscribed to
/// the conversation (its SignalR group); per-user events go to every connection of that user.
/// </summary>
public sealed class ChatNotifier(IHubContext<ChatHub, IChatClient> hub, ILogger<ChatNotifier> logger)
{
    public static string ConversationGroup(Guid conversationId) => $"c:{conversationId}";

    public Task MessageCreatedAsync(MessageDto message) =>
        hub.Clients.Group(ConversationGroup(message.ConversationId)).MessageCreated(message);

    /// <summary>To the conversation's subscribers but the connection that sent it, which already has it as the send's result.</summary>
    public Task MessageCreatedAsync(MessageDto message, string? exceptConnectionId) =>
        exceptConnectionId is null
            ? MessageCreatedAsync(message)
            : hub.Clients.GroupExcept(ConversationGroup(message.ConversationId), exceptConnectionId).MessageCreated(message);

    public IChatClient User(Guid userId) => hub.Clients.User(userId.ToString());

    public IChatClient Users(IEnumerable<Guid> userIds) => hub.Clients.Users([.. userIds.Select(id => id.ToString())]);

    public IChatClient Conversation(Guid conversationId) => hub.Clients.Group(ConversationGroup(conversationId));

    /// <summary>Awaits event sends whose failure must not fail the committed operation that caused them.</summary>
    public Task ObserveAsync(Task publish) => BestEffort.RunAsync(publish, logger, "chat event");
}
