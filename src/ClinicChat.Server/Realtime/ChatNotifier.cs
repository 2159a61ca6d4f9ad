using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>
/// Publishes events after the change is committed: the chat core's through <see cref="IChatEvents"/>, and other
/// features' (support desk, consultations) through the typed client. Message events go to the connections subscribed
/// to the conversation (its SignalR group); per-user events go to every connection of that user.
/// </summary>
public sealed class ChatNotifier(IHubContext<ChatHub, IChatClient> hub, IPresence presence, ILogger<ChatNotifier> logger) : IChatEvents
{
    private const string Operation = "chat event";

    public static string ConversationGroup(Guid conversationId) => $"c:{conversationId}";

    public Task MessageCreatedAsync(MessageDto message, string? exceptConnectionId = null) =>
        BestEffort.RunAsync(exceptConnectionId is null
            ? hub.Clients.Group(ConversationGroup(message.ConversationId)).MessageCreated(message)
            : hub.Clients.GroupExcept(ConversationGroup(message.ConversationId), exceptConnectionId).MessageCreated(message), logger, Operation);

    public Task MessageDeletedAsync(MessageDeletedEvent deleted) =>
        BestEffort.RunAsync(Conversation(deleted.ConversationId).MessageDeleted(deleted), logger, Operation);

    public Task ReadReceiptAsync(ReadReceiptEvent receipt) =>
        BestEffort.RunAsync(Conversation(receipt.ConversationId).ReadReceipt(receipt), logger, Operation);

    public Task DeliveryReceiptAsync(IReadOnlyCollection<Guid> userIds, DeliveryReceiptEvent receipt) =>
        BestEffort.RunAsync(Users(userIds).DeliveryReceipt(receipt), logger, Operation);

    public Task UnreadChangedAsync(Guid userId, UnreadChangedEvent unread) =>
        BestEffort.RunAsync(User(userId).UnreadChanged(unread), logger, Operation);

    public bool IsConnected(Guid userId) => presence.IsOnline(userId);

    public IChatClient User(Guid userId) => hub.Clients.User(userId.ToString());

    public IChatClient Users(IEnumerable<Guid> userIds) => hub.Clients.Users([.. userIds.Select(id => id.ToString())]);

    public IChatClient Conversation(Guid conversationId) => hub.Clients.Group(ConversationGroup(conversationId));

    /// <summary>Awaits event sends whose failure must not fail the committed operation that caused them.</summary>
    public Task ObserveAsync(Task publish) => BestEffort.RunAsync(publish, logger, Operation);
}
