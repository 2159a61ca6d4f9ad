using ClinicChat.Infrastructure;
using System.Security.Claims;
using ClinicChat.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ClinicChat.Attachments;

public static class AttachmentsSetup
{
    public static WebApplicationBuilder AddAttachments(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AttachmentOptions>, AttachmentOptionsValidator>();
        builder.Services.AddSingleton<IAttachmentStore>(services =>
            services.GetRequiredService<IOptions<AttachmentOptions>>().Value.Store == AttachmentOptions.FileSystemStore
                ? ActivatorUtilities.CreateInstance<FileSystemAttachmentStore>(services)
                : ActivatorUtilities.CreateInstance<PostgresAttachmentStore>(services));
        builder.Services.AddSingleton<AttachmentRecords>();
        builder.Services.AddSingleton<ImageProcessor>();
        builder.Services.AddSingleton<ClamAvScanner>();
        builder.Services.AddSingleton<AttachmentUploads>();
        builder.Services.AddSingleton<AttachmentDownloads>();
        builder.Services.AddSingleton<AttachmentCleanup>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AttachmentCleanup>());
        return builder;
    }
}

/// <summary>
/// Upload into a conversation, download and preview. Like messages, an attachment the caller may not read answers
/// 404, exactly like one that does not exist.
/// </summary>
public static class AttachmentEndpoints
{
    /// <summary>The download routes' prefix; browsers may authenticate there with ?access_token= (see AccountsSetup).</summary>
    public const string DownloadPathPrefix = "/api/v1/attachments";

    /// <summary>POST {conversations}/{id}/attachments: multipart/form-data with one part named <c>file</c>.</summary>
    public static RouteGroupBuilder MapAttachmentUploads(this RouteGroupBuilder group)
    {
        group.WithTags("Attachments");
        group.MapPost("/{id:guid}/attachments", async Task<Results<Created<AttachmentDto>, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, AttachmentUploads uploads, HttpContext http, CancellationToken ct) =>
        {
            var outcome = await uploads.UploadAsync(ChatCaller.From(user), id, http.Request, ct);
            return outcome.Failure is { } failure
                ? failure.ToProblem(http)
                : TypedResults.Created($"{DownloadPathPrefix}/{outcome.Value!.Id}", outcome.Value);
        }).WithSummary("Upload a photo or document (multipart/form-data, one part named 'file')");
        return group;
    }

    /// <summary>GET {attachments}/{id} and {attachments}/{id}/thumbnail.</summary>
    public static RouteGroupBuilder MapAttachments(this RouteGroupBuilder group)
    {
        group.WithTags("Attachments");
        group.MapGet("/{id:guid}", (Guid id, ClaimsPrincipal user, AttachmentDownloads downloads, HttpContext http, CancellationToken ct) =>
            DownloadAsync(id, AttachmentPart.File, user, downloads, http, ct))
            .WithSummary("Download an attachment");
        group.MapGet("/{id:guid}/thumbnail", (Guid id, ClaimsPrincipal user, AttachmentDownloads downloads, HttpContext http, CancellationToken ct) =>
            DownloadAsync(id, AttachmentPart.Thumbnail, user, downloads, http, ct))
            .WithSummary("Download an image attachment's preview");
        return group;
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadAsync(
        Guid id, AttachmentPart part, ClaimsPrincipal user, AttachmentDownloads downloads, HttpContext http, CancellationToken ct)
    {
        var outcome = await downloads.OpenAsync(ChatCaller.From(user), id, part, ct);
        if (outcome.Failure is { } failure)
        {
            return failure.ToProblem(http);
        }

        var download = outcome.Value!;
        // Disposed with the response whatever it turns out to be (a 304 or a failed range never reads the stream).
        http.Response.RegisterForDisposeAsync(download.Content);
        var headers = http.Response.Headers;
        var disposition = new ContentDispositionHeaderValue(download.Inline ? "inline" : "attachment");
        // filename (ASCII, other characters replaced) for old clients, filename* (RFC 6266/5987, UTF-8) for the rest.
        disposition.SetHttpFileName(download.FileName);
        headers.ContentDisposition = disposition.ToString();
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "private";
        // Should a browser render it anyway, it runs no script and reaches nothing.
        headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";
        return TypedResults.Stream(download.Content, download.ContentType, lastModified: download.CreatedAt,
            entityTag: new EntityTagHeaderValue(download.ETag), enableRangeProcessing: true);
    }
}
