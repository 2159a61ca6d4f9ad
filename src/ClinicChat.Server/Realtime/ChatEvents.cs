namespace ClinicChat.Realtime;

public sealed record TypingEvent(Guid ConversationId, Guid UserId, bool IsTyping);

public sealed record PresenceEvent(Guid UserId, bool Online);
