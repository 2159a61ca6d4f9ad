using System.Text;

namespace ClinicChat.Attachments;

/// <summary>A type the server recognises by its bytes, with the extension a download of it must carry.</summary>
public sealed record FileType(string ContentType, string Extension, bool IsImage)
{
    public static readonly FileType Jpeg = new("image/jpeg", ".jpg", IsImage: true);
    public static readonly FileType Png = new("image/png", ".png", IsImage: true);
    public static readonly FileType Webp = new("image/webp", ".webp", IsImage: true);
    public static readonly FileType Gif = new("image/gif", ".gif", IsImage: true);
    public static readonly FileType Heif = new("image/heif", ".heic", IsImage: true);
    public static readonly FileType Pdf = new("application/pdf", ".pdf", IsImage: false);

    /// <summary>Other spellings of the extension that need no correction.</summary>
    public IReadOnlyList<string> OtherExtensions => ContentType switch
    {
        "image/jpeg" => [".jpeg", ".jpe"],
        "image/heif" => [".heif"],
        _ => [],
    };
}

/// <summary>
/// Decides a file's type from its first bytes alone: the declared Content-Type and the name's extension are the
/// client's claims and are ignored. Only the types listed here are recognised; anything else is refused.
/// </summary>
public static class FileSniffer
{
    /// <summary>How many leading bytes <see cref="Sniff"/> needs.</summary>
    public const int HeaderLength = 32;

    // ISO base media "ftyp" major brands of HEIF still images and sequences (ISO/IEC 23008-12).
    private static readonly string[] HeifBrands = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"];

    public static FileType? Sniff(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return FileType.Jpeg;
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return FileType.Png;
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return FileType.Gif;
        }

        if (header.Length >= 12 && header.StartsWith("RIFF"u8) && header[8..12].SequenceEqual("WEBP"u8))
        {
            return FileType.Webp;
        }

        if (header.Length >= 12 && header[4..8].SequenceEqual("ftyp"u8)
            && HeifBrands.Contains(Encoding.ASCII.GetString(header[8..12]), StringComparer.Ordinal))
        {
            return FileType.Heif;
        }

        // A PDF must begin with its header: readers tolerate leading junk, which is exactly how an HTML or script
        // file poses as a PDF, so none is allowed here.
        if (header.StartsWith("%PDF-1."u8) || header.StartsWith("%PDF-2."u8))
        {
            return FileType.Pdf;
        }

        return null;
    }
}
