using ClinicChat.Conversations;
using ClinicChat.Infrastructure;

namespace ClinicChat.Support;

/// <summary>
/// A support room as the desk sees it. It carries every field of a conversation (same names, so a client can
/// treat it as one and send to <c>id</c> through the chat routes) plus the desk's own fields.
/// </summary>
public sealed record SupportRoomDto(
    Guid Id,
    string Kind,
    string Status,
    IReadOnlyList<MemberDto> Members,
    long LastSeq,
    MessageDto? LastMessage,
    long UnreadCount,
    Guid? ConsultationId,
    MemberDto User,
    MemberDto? Assignee,
    DateTimeOffset OpenedAt,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? ClosedAt,
    string? CloseNote,
    DateTimeOffset? WaitingSince)
{
    public ConversationDto ToConversation() =>
        new(Id, Kind, Status, Members, LastSeq, LastMessage, UnreadCount, ConsultationId);
}

public sealed record AssignRoomRequest(Guid? AdminId);

public sealed record CloseRoomRequest([MultilineText] string? Note);

public sealed record SupportMessageRequest(string? ClientMessageId, [MultilineText] string? Text, Guid[]? AttachmentIds = null);

public sealed record SupportStatsDto(
    DateTimeOffset From,
    DateTimeOffset To,
    string TimeZone,
    DateTimeOffset TodayStartsAt,
    long Open,
    long Unassigned,
    long ClosedToday,
    long MessagesToday,
    double? MedianFirstResponseSeconds,
    long RespondedRooms,
    double? MedianResolutionSeconds,
    long ResolvedRooms);

public static class SupportRoomFilters
{
    public const string Open = "open";
    public const string Closed = "closed";
    public const string Unassigned = "unassigned";

    public static readonly string[] All = [Open, Closed, Unassigned];
}
