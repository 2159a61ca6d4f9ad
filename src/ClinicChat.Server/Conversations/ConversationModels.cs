using System.ComponentModel.DataAnnotations;

namespace ClinicChat.Conversations;

public static class ConversationKinds
{
    public const string Consultation = "consultation";
    public const string Care = "care";
    public const string Support = "support";
}

public static class ConversationStatuses
{
    public const string Open = "open";
    public const string ReadOnly = "read_only";
    public const string Closed = "closed";
}

public static class MessageKinds
{
    public const string Text = "text";
    public const string Image = "image";
    public const string File = "file";
    public const string System = "system";
}

public sealed record MessageDto(
    Guid Id,
    Guid ConversationId,
    long Seq,
    Guid? SenderId,
    string Kind,
    string? Text,
    string? ClientMessageId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeletedAt)
{
    /// <summary>
    /// The files the message carries, in upload order; empty for text and system messages and once deleted. Not a
    /// constructor parameter, so the many readers that build a message from its row stay as they are and
    /// <see cref="MessageAttachmentReader"/> fills it in one query per page.
    /// </summary>
    [Required]
    public IReadOnlyList<MessageAttachmentDto> Attachments { get; init; } = [];

    // Value equality for the list too (a record compares it by reference), so a message read back equals the one sent.
    public bool Equals(MessageDto? other) =>
        other is not null
        && (Id, ConversationId, Seq, SenderId, Kind, Text, ClientMessageId, CreatedAt, DeletedAt)
            == (other.Id, other.ConversationId, other.Seq, other.SenderId, other.Kind, other.Text, other.ClientMessageId, other.CreatedAt, other.DeletedAt)
        && Attachments.SequenceEqual(other.Attachments);

    public override int GetHashCode() => HashCode.Combine(Id, Seq, Kind, Text, CreatedAt, DeletedAt, Attachments.Count);
}

/// <summary>A sent attachment as every member sees it; width and height are set for images only.</summary>
public sealed record MessageAttachmentDto(Guid Id, string FileName, string ContentType, long Size, int? Width, int? Height);

/// <summary>
/// A member and their receipts watermarks (so a client can draw read ticks after a reload). The watermarks are
/// optional trailing parameters so that features building a MemberDto without them keep compiling.
/// </summary>
public sealed record MemberDto(Guid UserId, string DisplayName, string Role, long LastReadSeq = 0, long LastDeliveredSeq = 0);

public sealed record ConversationDto(
    Guid Id,
    string Kind,
    string Status,
    IReadOnlyList<MemberDto> Members,
    long LastSeq,
    MessageDto? LastMessage,
    long UnreadCount,
    Guid? ConsultationId);

/// <summary>A history page or a Sync result: oldest to newest.</summary>
public sealed record MessagePage(IReadOnlyList<MessageDto> Messages, bool HasMore);
