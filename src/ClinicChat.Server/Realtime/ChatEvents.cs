namespace ClinicChat.Realtime;

public sealed record MessageDeletedEvent(Guid ConversationId, Guid MessageId, long Seq);

public sealed record ReadReceiptEvent(Guid ConversationId, Guid UserId, long LastReadSeq);

public sealed record DeliveryReceiptEvent(Guid ConversationId, Guid UserId, long LastDeliveredSeq);

public sealed record TypingEvent(Guid ConversationId, Guid UserId, bool IsTyping);

public sealed record PresenceEvent(Guid UserId, bool Online);

public sealed record UnreadChangedEvent(Guid ConversationId, long UnreadCount, long TotalUnread);
