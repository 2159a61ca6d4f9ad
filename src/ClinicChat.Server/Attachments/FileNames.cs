using System.Globalization;
using System.Text;

namespace ClinicChat.Attachments;

/// <summary>
/// The name an upload is shown and downloaded under. It is only ever a label (storage is keyed by id), but it ends up
/// in a Content-Disposition header and on the downloader's disk, so it is cut down to a plain, safe file name.
/// </summary>
public static class FileNames
{
    public const int MaxLength = 150;

    private const string Fallback = "file";

    /// <summary>
    /// The client's name without any folder part, control or formatting characters (bidirectional overrides can make
    /// "exe.pdf" read as "fdp.exe"), characters that are special on common file systems, or leading dots; at most
    /// <see cref="MaxLength"/> characters; ending in the extension of the type the bytes really are.
    /// </summary>
    public static string Sanitize(string? clientName, FileType type)
    {
        var name = clientName ?? "";
        var slash = name.LastIndexOfAny(['/', '\\']);
        if (slash >= 0)
        {
            name = name[(slash + 1)..];
        }

        var builder = new StringBuilder(name.Length);
        foreach (var rune in name.Normalize(NormalizationForm.FormC).EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                builder.Append(' ');
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                continue;
            }

            if (rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*' or ';' or '%')
            {
                builder.Append('_');
                continue;
            }

            builder.Append(rune.ToString());
        }

        var cleaned = string.Join(' ', builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)).Trim().TrimStart('.').TrimEnd('.', ' ');
        var extension = Path.GetExtension(cleaned);
        var stem = cleaned;
        if (string.Equals(extension, type.Extension, StringComparison.OrdinalIgnoreCase)
            || type.OtherExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            stem = cleaned[..^extension.Length];
        }
        else
        {
            // A misleading extension stays visible ("scan.html" becomes "scan.html.pdf") so nobody wonders where
            // it went, but the file opens as what it is.
            extension = type.Extension;
        }

        stem = stem.TrimEnd('.', ' ');
        if (stem.Length == 0)
        {
            stem = Fallback;
        }

        var room = MaxLength - extension.Length;
        if (stem.Length > room)
        {
            // Cut on a text element boundary so no surrogate pair or combining sequence is split.
            var info = new StringInfo(stem);
            var take = 0;
            var length = 0;
            while (take < info.LengthInTextElements)
            {
                var element = info.SubstringByTextElements(take, 1);
                if (length + element.Length > room)
                {
                    break;
                }

                length += element.Length;
                take++;
            }

            stem = stem[..length].TrimEnd('.', ' ');
        }

        return stem + extension.ToLowerInvariant();
    }
}
