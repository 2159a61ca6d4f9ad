using ClinicChat.Infrastructure;

namespace ClinicChat.Conversations;

/// <summary>Text, attachments (ids of the sender's unsent uploads to this conversation, at most 10), or both.</summary>
public sealed record SendMessageRequest(string? ClientMessageId, [MultilineText] string? Text, Guid[]? AttachmentIds = null);

public sealed record MarkReadRequest(long? UpToSeq, Guid[]? MessageIds);

public sealed record DeliveredRequest(long? UpToSeq);

/// <summary>A send's outcome: Created is false when a retry matched an already stored message.</summary>
public sealed record SendResult(MessageDto Message, bool Created);

public sealed record ReadStateDto(Guid ConversationId, long LastReadSeq, long LastDeliveredSeq, long UnreadCount, long TotalUnread);

public sealed record DeliveryStateDto(Guid ConversationId, long LastDeliveredSeq);

public sealed record UnreadCountDto(Guid ConversationId, long UnreadCount);

public sealed record UnreadSummaryDto(long TotalUnread, IReadOnlyList<UnreadCountDto> Conversations);

/// <summary>A search page, best match first; pass NextOffset as offset for the next page.</summary>
public sealed record SearchPage(IReadOnlyList<MessageDto> Messages, bool HasMore, int? NextOffset);
