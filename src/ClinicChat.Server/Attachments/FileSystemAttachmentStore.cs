using Microsoft.Extensions.Options;

namespace ClinicChat.Attachments;

/// <summary>
/// Files under Attachments:Path, for clinics that prefer a mounted volume: {path}/{first two hex digits}/{id} and
/// {id}.thumbnail. A file appears under its final name only once complete (written beside it, then renamed). The
/// client's file name is never part of a path.
/// </summary>
public sealed class FileSystemAttachmentStore : IAttachmentStore
{
    private readonly string _root;

    public FileSystemAttachmentStore(IOptions<AttachmentOptions> options)
    {
        _root = Path.GetFullPath(options.Value.Path!);
        Directory.CreateDirectory(_root);
    }

    public async Task SaveAsync(Guid attachmentId, AttachmentPart part, Stream content, CancellationToken cancellationToken)
    {
        var path = PathOf(attachmentId, part);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, 64 * 1024, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public Task<Stream?> OpenReadAsync(Guid attachmentId, AttachmentPart part, long length, CancellationToken cancellationToken)
    {
        try
        {
            Stream stream = new FileStream(PathOf(attachmentId, part), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task DeleteAsync(Guid attachmentId, CancellationToken cancellationToken)
    {
        foreach (var part in (ReadOnlySpan<AttachmentPart>)[AttachmentPart.File, AttachmentPart.Thumbnail])
        {
            try
            {
                File.Delete(PathOf(attachmentId, part));
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        return Task.CompletedTask;
    }

    private string PathOf(Guid attachmentId, AttachmentPart part)
    {
        var name = attachmentId.ToString("N");
        // Version 7 ids start with the time: the last two hex digits (random) spread files across folders.
        return Path.Combine(_root, name[^2..], part == AttachmentPart.File ? name : name + ".thumbnail");
    }
}
