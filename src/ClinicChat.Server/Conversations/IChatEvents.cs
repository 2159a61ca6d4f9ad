namespace ClinicChat.Conversations;

/// <summary>
/// How the chat tells connected clients what changed, raised only after the change is committed. Conversations owns
/// the interface and Realtime implements it over the hub, so the chat core does not depend on the transport.
/// Implementations are best effort: the returned task never faults (a client that missed an event recovers through
/// Sync), and an event is queued before the call returns, so calls made in order reach each connection in order.
/// </summary>
public interface IChatEvents
{
    /// <summary>To the conversation's subscribers, but the connection that sent it (it has the message as its call's result).</summary>
    Task MessageCreatedAsync(MessageDto message, string? exceptConnectionId = null);

    Task MessageDeletedAsync(MessageDeletedEvent deleted);

    Task ReadReceiptAsync(ReadReceiptEvent receipt);

    Task DeliveryReceiptAsync(IReadOnlyCollection<Guid> userIds, DeliveryReceiptEvent receipt);

    Task UnreadChangedAsync(Guid userId, UnreadChangedEvent unread);

    /// <summary>Whether the user has a connection to this instance that could hear a per-user event.</summary>
    bool IsConnected(Guid userId);
}

public sealed record MessageDeletedEvent(Guid ConversationId, Guid MessageId, long Seq);

public sealed record ReadReceiptEvent(Guid ConversationId, Guid UserId, long LastReadSeq);

public sealed record DeliveryReceiptEvent(Guid ConversationId, Guid UserId, long LastDeliveredSeq);

public sealed record UnreadChangedEvent(Guid ConversationId, long UnreadCount, long TotalUnread);
