namespace ClinicChat.Attachments;

/// <summary>The stored bytes of an attachment: the file itself, and for images the preview.</summary>
public enum AttachmentPart
{
    File,
    Thumbnail,
}

/// <summary>
/// Where attachment bytes live, keyed by attachment id. Neither direction holds a whole file in memory: writes copy
/// from the given stream in chunks, reads return a seekable stream (for Range requests) that fetches as it goes.
/// The attachment's metadata row exists before anything is saved and the store never decides who may read.
/// </summary>
public interface IAttachmentStore
{
    Task SaveAsync(Guid attachmentId, AttachmentPart part, Stream content, CancellationToken cancellationToken);

    /// <summary>A seekable stream of <paramref name="length"/> bytes, or null when nothing is stored.</summary>
    Task<Stream?> OpenReadAsync(Guid attachmentId, AttachmentPart part, long length, CancellationToken cancellationToken);

    /// <summary>Removes every part; nothing stored is not an error.</summary>
    Task DeleteAsync(Guid attachmentId, CancellationToken cancellationToken);
}
