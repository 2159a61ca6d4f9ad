using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Attachments;

/// <summary>An upload as its uploader sees it; width and height are set for images only. sha256 is lowercase hex of the stored bytes.</summary>
public sealed record AttachmentDto(Guid Id, string FileName, string ContentType, long Size, int? Width, int? Height, string Sha256);

/// <summary>A refusal of an upload or download; every one names the field it is about (the upload's is <c>file</c>).</summary>
public sealed record AttachmentFailure(int Status, string Title, string Message, string? Field = "file")
{
    public static AttachmentFailure NotFound(string what) => new(StatusCodes.Status404NotFound, "Not found", $"{what} was not found.", Field: null);

    public ProblemHttpResult ToProblem(HttpContext http)
    {
        if (Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "30";
        }

        return Field is null ? Problems.Status(Status, Title, Message) : Problems.Field(Status, Title, Field, Message);
    }
}

/// <summary>Either a value or a refusal, for the attachment services.</summary>
public readonly record struct AttachmentOutcome<T>(T? Value, AttachmentFailure? Failure)
{
    public static implicit operator AttachmentOutcome<T>(T value) => new(value, null);

    public static implicit operator AttachmentOutcome<T>(AttachmentFailure failure) => new(default, failure);
}

/// <summary>What a download needs: the bytes (seekable, for Range) and how to label them.</summary>
public sealed record AttachmentDownload(Stream Content, string ContentType, string FileName, bool Inline, string ETag, DateTimeOffset CreatedAt);
