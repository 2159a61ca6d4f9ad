using ClinicChat.Infrastructure;
using System.Security.Cryptography;
using ClinicChat.Conversations;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ClinicChat.Attachments;

/// <summary>
/// An upload from request to stored attachment. The multipart body is streamed section by section into a temporary
/// file while it is counted, so an oversize file is refused as soon as it passes the limit and no file is ever held
/// in memory whole. Then, in order: the type from the bytes, the quota, the malware scan (when configured), the
/// clean re-encode of images (or the PDF check), and finally the row and the bytes in the store.
/// </summary>
public sealed partial class AttachmentUploads(
    ConversationQueries conversations,
    AttachmentRecords records,
    IAttachmentStore store,
    ImageProcessor images,
    ClamAvScanner scanner,
    TimeProvider time,
    IOptions<AttachmentOptions> options,
    ILogger<AttachmentUploads> logger)
{
    public const string FileField = "file";

    // Room for the multipart framing and part headers around the file itself.
    private const long MultipartOverhead = 64 * 1024;
    private const int CopyBufferSize = 64 * 1024;

    private AttachmentOptions Options => options.Value;

    public async Task<Outcome<AttachmentDto>> UploadAsync(ChatCaller caller, Guid conversationId, HttpRequest request, CancellationToken cancellationToken)
    {
        // Who may write is settled before a byte of the body is read.
        var access = await conversations.FindWriteAccessAsync(caller, conversationId, cancellationToken);
        if (access is null)
        {
            return Failure.NotFound("conversation.not_found", "Conversation");
        }

        if (access.Refusal is { } refusal)
        {
            return refusal;
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary) is not { Length: > 0 and <= 200 } boundary)
        {
            return AttachmentFailures.About("attachment.not_multipart", FailureKind.UnsupportedMediaType, "Unsupported media type",
                "Send the file as multipart/form-data with one part named 'file'.");
        }

        if (request.ContentLength > Options.MaxBytes + MultipartOverhead)
        {
            return TooLarge();
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // The server-wide limit is for JSON; this route takes files up to Attachments:MaxBytes.
            limit.MaxRequestBodySize = Options.MaxBytes + MultipartOverhead;
        }

        await using var received = TemporaryFile();
        var (fileName, failure) = await ReceiveAsync(request, boundary.ToString(), received, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        return await AcceptAsync(caller, conversationId, received, fileName, cancellationToken);
    }

    private async Task<(string? FileName, Failure? Failure)> ReceiveAsync(HttpRequest request, string boundary, Stream destination, CancellationToken cancellationToken)
    {
        var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 16, HeadersLengthLimit = 16 * 1024 };
        string? fileName = null;
        var seen = false;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFileDisposition()
                    || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, FileField, StringComparison.Ordinal))
                {
                    // Other parts are not used; reading past them is bounded by the request body limit.
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                    continue;
                }

                if (seen)
                {
                    return (null, Invalid("Send exactly one file per upload."));
                }

                seen = true;
                fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                if (!await CopyWithinLimitAsync(section.Body, destination, cancellationToken))
                {
                    return (null, TooLarge());
                }
            }
        }
        catch (InvalidDataException)
        {
            return (null, Invalid("The multipart body is malformed."));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }

        if (!seen)
        {
            return (null, Invalid("A part named 'file' with a file name is required."));
        }

        if (destination.Length == 0)
        {
            return (null, Invalid("The file is empty."));
        }

        return (fileName, null);
    }

    /// <summary>Copies until the end or until the limit is passed (false); the bytes past it are never read.</summary>
    private async Task<bool> CopyWithinLimitAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
            {
                total += read;
                if (total > Options.MaxBytes)
                {
                    return false;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<Outcome<AttachmentDto>> AcceptAsync(
        ChatCaller caller, Guid conversationId, FileStream received, string? clientFileName, CancellationToken cancellationToken)
    {
        received.Position = 0;
        var header = new byte[FileSniffer.HeaderLength];
        var headerLength = await received.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        var type = FileSniffer.Sniff(header.AsSpan(0, headerLength));
        if (type is null)
        {
            return Unsupported("Only JPEG, PNG, WebP and GIF images and PDF documents are accepted, judged by the file's content "
                + "(not its name or declared type); this file is none of them.");
        }

        if (type == FileType.Heif)
        {
            return Unsupported("HEIC/HEIF photos are not accepted: this server cannot remove the location and camera data they carry. "
                + "Send the photo as JPEG (phone browsers usually convert it when a photo is chosen for upload; on an iPhone, "
                + "Settings > Camera > Formats > Most Compatible takes JPEG photos).");
        }

        if (await records.UsedBytesAsync(caller.UserId, cancellationToken) + received.Length > Options.QuotaBytesPerUser)
        {
            return QuotaExceeded();
        }

        if (scanner.Enabled)
        {
            received.Position = 0;
            try
            {
                var (verdict, signature) = await scanner.ScanAsync(received, cancellationToken);
                if (verdict == ScanVerdict.Infected)
                {
                    LogInfected(caller.UserId, conversationId, signature ?? "");
                    return AttachmentFailures.About("attachment.infected", FailureKind.Unprocessable, "Malware detected",
                        $"The malware scanner found {signature} in this file; it was not stored.");
                }
            }
            catch (ScannerUnavailableException e)
            {
                return new Failure("attachment.scanner_unavailable", FailureKind.Unavailable, e.Message, "Malware scanner unavailable", RetryAfter: TimeSpan.FromSeconds(30));
            }
        }

        received.Position = 0;
        await using var cleaned = type.IsImage ? TemporaryFile() : null;
        ProcessedImage? image = null;
        if (cleaned is not null)
        {
            try
            {
                image = await images.ProcessAsync(received, type, cleaned, cancellationToken);
            }
            catch (ImageRejectedException e)
            {
                return Unsupported(e.Message);
            }
        }
        else if (!await HasPdfTrailerAsync(received, cancellationToken))
        {
            return Unsupported("The file starts like a PDF but has no end-of-file marker; it is damaged or not really a PDF.");
        }

        var content = (Stream?)cleaned ?? received;
        content.Position = 0;
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken));
        var attachment = new AttachmentRecords.NewAttachment(
            Guid.CreateVersion7(), conversationId, caller.UserId, FileNames.Sanitize(clientFileName, type), type.ContentType, content.Length,
            image?.Width, image?.Height, sha256, image is null ? null : ImageProcessor.ThumbnailContentType, image?.Thumbnail.Length, time.GetUtcNow());
        if (!await records.TryInsertAsync(attachment, Options.QuotaBytesPerUser, cancellationToken))
        {
            return QuotaExceeded();
        }

        try
        {
            content.Position = 0;
            await store.SaveAsync(attachment.Id, AttachmentPart.File, content, cancellationToken);
            if (image is not null)
            {
                await store.SaveAsync(attachment.Id, AttachmentPart.Thumbnail, new MemoryStream(image.Thumbnail, writable: false), cancellationToken);
            }

            await records.MarkStoredAsync(attachment.Id, cancellationToken);
        }
        catch
        {
            // Nothing half-stored stays behind (a crash here leaves a row that the unsent cleanup removes).
            await store.DeleteAsync(attachment.Id, CancellationToken.None);
            await records.DeleteAsync(attachment.Id, CancellationToken.None);
            throw;
        }

        return new AttachmentDto(attachment.Id, attachment.FileName, attachment.ContentType, attachment.Size, attachment.Width, attachment.Height, sha256);
    }

    /// <summary>A PDF ends with %%EOF (followed at most by line ends); readers look for it in the last kilobyte.</summary>
    private static async Task<bool> HasPdfTrailerAsync(Stream pdf, CancellationToken cancellationToken)
    {
        var tail = new byte[(int)Math.Min(1024, pdf.Length)];
        pdf.Position = pdf.Length - tail.Length;
        await pdf.ReadExactlyAsync(tail, cancellationToken);
        return tail.AsSpan().IndexOf("%%EOF"u8) >= 0;
    }

    private static FileStream TemporaryFile() => new(
        Path.Combine(Path.GetTempPath(), $"clinicchat-upload-{Guid.NewGuid():N}"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, CopyBufferSize, FileOptions.Asynchronous | FileOptions.DeleteOnClose);

    private Failure TooLarge() => AttachmentFailures.About("attachment.too_large", FailureKind.PayloadTooLarge, "File too large",
        $"The file is larger than the {Options.MaxBytes:N0} bytes this server accepts; it was refused as it arrived.");

    private Failure QuotaExceeded() => AttachmentFailures.About("attachment.quota_exceeded", FailureKind.PayloadTooLarge, "Storage quota exceeded",
        $"Your uploads would exceed your storage quota of {Options.QuotaBytesPerUser:N0} bytes; this file was not stored.");

    private static Failure Unsupported(string message) =>
        AttachmentFailures.About("attachment.unsupported_type", FailureKind.UnsupportedMediaType, "Unsupported file type", message);

    private static Failure Invalid(string message) => Failure.Field(AttachmentFailures.FileField, message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an infected upload by {UserId} in {ConversationId}: {Signature}")]
    private partial void LogInfected(Guid userId, Guid conversationId, string signature);
}
