using System.Buffers;
using System.Text;
using ClinicChat.Infrastructure;

namespace ClinicChat.Articles;

/// <summary>Input checks shared by the article and category endpoints; each names the field it refuses.</summary>
public static class ArticleRules
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 100_000;
    public const int MaxCategoryNameLength = 100;
    public const int MaxQueryLength = 200;
    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;

    public static string? Title(string? title, FieldErrors errors) =>
        Line(title, "title", "Title", MaxTitleLength, errors);

    public static string? CategoryName(string? name, FieldErrors errors) =>
        Line(name, "name", "Name", MaxCategoryNameLength, errors);

    /// <summary>Null when absent (generate or keep); otherwise the slug, or null with the error recorded.</summary>
    public static string? OptionalSlug(string? slug, FieldErrors errors)
    {
        if (slug is null)
        {
            return null;
        }

        if (slug.Any(char.IsControl))
        {
            errors.Add("slug", "Slug must not contain control characters.");
            return null;
        }

        var trimmed = slug.Trim();
        if (!Slugs.IsValid(trimmed))
        {
            errors.Add("slug", $"Slug must be 1 to {Slugs.MaxLength} lowercase letters, digits and single hyphens, such as 'demam-pada-anak'.");
            return null;
        }

        return trimmed;
    }

    /// <summary>The Markdown as stored (CRLF folded to LF), or null with the error recorded.</summary>
    public static string? Body(string? body, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            errors.Add("body", "Body is required.");
            return null;
        }

        // Only the end is trimmed: leading spaces can be Markdown (an indented code block).
        var normalized = body.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
        if (normalized.Length > MaxBodyLength)
        {
            errors.Add("body", $"Body must be at most {MaxBodyLength:N0} characters.");
            return null;
        }

        return CheckText(normalized, allowLayout: true) is { } problem ? Fail(errors, "body", $"Body {problem}.") : normalized;
    }

    public static int Limit(int? limit, int max, int fallback, FieldErrors errors)
    {
        if (limit is < 1 || limit > max)
        {
            errors.Add("limit", $"limit must be between 1 and {max}.");
        }

        return limit ?? fallback;
    }

    /// <summary>A search or filter term from the query string: null when blank.</summary>
    public static string? Term(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length > MaxQueryLength)
        {
            errors.Add(field, $"{field} must be at most {MaxQueryLength} characters.");
            return null;
        }

        return CheckText(trimmed, allowLayout: false) is { } problem ? Fail(errors, field, $"{field} {problem}.") : trimmed;
    }

    private static string? Line(string? value, string field, string label, int maxLength, FieldErrors errors)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            errors.Add(field, $"{label} is required.");
            return null;
        }

        if (trimmed.Length > maxLength)
        {
            errors.Add(field, $"{label} must be at most {maxLength} characters.");
            return null;
        }

        return CheckText(trimmed, allowLayout: false) is { } problem ? Fail(errors, field, $"{label} {problem}.") : trimmed;
    }

    /// <summary>
    /// Why the text cannot be stored, or null. PostgreSQL refuses NUL and unpaired surrogates outright, so both are
    /// caught here rather than surfacing as a server error.
    /// </summary>
    private static string? CheckText(string text, bool allowLayout)
    {
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != OperationStatus.Done)
            {
                return "contains an invalid character sequence";
            }

            if (Rune.IsControl(rune) && !(allowLayout && rune.Value is '\n' or '\t'))
            {
                return allowLayout ? "must not contain control characters other than newline and tab" : "must not contain control characters";
            }

            span = span[consumed..];
        }

        return null;
    }

    private static string? Fail(FieldErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return null;
    }
}

/// <summary>An opaque keyset position: the (time, id) of the last item of a page, base64url-encoded.</summary>
public readonly record struct ArticleCursor(DateTimeOffset At, Guid Id)
{
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[24];
        BitConverter.TryWriteBytes(bytes[..8], At.UtcTicks);
        Id.TryWriteBytes(bytes[8..]);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ArticleCursor? Parse(string? cursor, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[24];
        if (cursor.Length != 32 || !Convert.TryFromBase64String(base64, bytes, out var written) || written != 24)
        {
            errors.Add("cursor", "cursor is not one this server gave out; start again without it.");
            return null;
        }

        var ticks = BitConverter.ToInt64(bytes[..8]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            errors.Add("cursor", "cursor is not one this server gave out; start again without it.");
            return null;
        }

        return new ArticleCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..]));
    }
}
