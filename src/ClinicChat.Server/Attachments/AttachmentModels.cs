using ClinicChat.Infrastructure;

namespace ClinicChat.Attachments;

/// <summary>An upload as its uploader sees it; width and height are set for images only. sha256 is lowercase hex of the stored bytes.</summary>
public sealed record AttachmentDto(Guid Id, string FileName, string ContentType, long Size, int? Width, int? Height, string Sha256);

/// <summary>
/// The refusals of uploads that are about the uploaded file: each names the field <c>file</c> in <c>errors</c>, so a
/// client can show it beside the file it picked, whatever the status.
/// </summary>
public static class AttachmentFailures
{
    public const string FileField = "file";

    public static Failure About(string code, FailureKind kind, string title, string message, TimeSpan? retryAfter = null) =>
        new(code, kind, message, title, new FieldErrors().Add(FileField, message).ToDictionary(), retryAfter);
}

/// <summary>What a download needs: the bytes (seekable, for Range) and how to label them.</summary>
public sealed record AttachmentDownload(Stream Content, string ContentType, string FileName, bool Inline, string ETag, DateTimeOffset CreatedAt);
