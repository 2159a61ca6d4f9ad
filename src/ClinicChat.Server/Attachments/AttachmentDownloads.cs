using ClinicChat.Infrastructure;
using ClinicChat.Audit;
using ClinicChat.Conversations;

namespace ClinicChat.Attachments;

/// <summary>
/// Reading an attachment or its preview. Who may read is <see cref="AttachmentRecords.FindReadableAsync"/>; every
/// read of an attachment of a clinical conversation (consultation, care) is recorded in the audit log: who, which
/// attachment, which part. Never any of its content.
/// </summary>
public sealed class AttachmentDownloads(AttachmentRecords records, IAttachmentStore store, AuditLog audit)
{
    public const string DownloadAction = "attachment.downloaded";

    public async Task<Outcome<AttachmentDownload>> OpenAsync(ChatCaller caller, Guid attachmentId, AttachmentPart part, CancellationToken cancellationToken)
    {
        var attachment = await records.FindReadableAsync(caller, attachmentId, cancellationToken);
        if (attachment is null || (part == AttachmentPart.Thumbnail && attachment.ThumbnailContentType is null))
        {
            return Failure.NotFound("attachment.not_found", part == AttachmentPart.Thumbnail && attachment is not null ? "A preview of this attachment" : "Attachment");
        }

        var thumbnail = part == AttachmentPart.Thumbnail;
        var content = await store.OpenReadAsync(attachment.Id, part, thumbnail ? attachment.ThumbnailSize ?? 0 : attachment.Size, cancellationToken);
        if (content is null)
        {
            return Failure.NotFound("attachment.not_found", "Attachment");
        }

        if (attachment.ConversationKind is ConversationKinds.Consultation or ConversationKinds.Care)
        {
            try
            {
                await audit.WriteAsync(caller.UserId, DownloadAction, "attachment", attachment.Id.ToString(),
                    new { conversationId = attachment.ConversationId, part = thumbnail ? "thumbnail" : "file" }, cancellationToken);
            }
            catch
            {
                // No record, no read.
                await content.DisposeAsync();
                throw;
            }
        }

        return thumbnail
            ? new AttachmentDownload(content, attachment.ThumbnailContentType!, Path.ChangeExtension(attachment.FileName, null) + "-preview.jpg",
                Inline: true, $"\"{attachment.Sha256}-preview\"", attachment.CreatedAt)
            : new AttachmentDownload(content, attachment.ContentType, attachment.FileName,
                Inline: attachment.ContentType.StartsWith("image/", StringComparison.Ordinal), $"\"{attachment.Sha256}\"", attachment.CreatedAt);
    }
}
