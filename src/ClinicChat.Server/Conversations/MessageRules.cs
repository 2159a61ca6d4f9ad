using System.Buffers;
using System.Text;
using ClinicChat.Infrastructure;

namespace ClinicChat.Conversations;

/// <summary>What a message and its client id must look like: the same rules for every send path.</summary>
public static class MessageRules
{
    public const int MaxTextLength = 5000;
    public const int MaxClientMessageIdLength = 100;
    public const int MaxAttachments = 10;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    /// <summary>The text as it will be stored (trimmed, CRLF folded to LF), or null with the errors recorded.</summary>
    public static string? ValidateText(string? text, FieldErrors errors)
    {
        if (text is null)
        {
            errors.Add("text", "Text is required.");
            return null;
        }

        // Windows clients send CRLF; folding it keeps "no control characters but newline and tab" practical.
        var normalized = text.Contains('\r', StringComparison.Ordinal) ? text.Replace("\r\n", "\n", StringComparison.Ordinal) : text;
        normalized = normalized.Trim();
        if (normalized.Length == 0)
        {
            errors.Add("text", "Text must not be empty or only whitespace.");
            return null;
        }

        var span = normalized.AsSpan();
        var count = 0;
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != OperationStatus.Done)
            {
                errors.Add("text", "Text contains an invalid character sequence.");
                return null;
            }

            if (Rune.IsControl(rune) && rune.Value is not ('\n' or '\t'))
            {
                errors.Add("text", "Text must not contain control characters other than newline and tab.");
                return null;
            }

            count++;
            span = span[consumed..];
        }

        if (count > MaxTextLength)
        {
            errors.Add("text", $"Text must be at most {MaxTextLength} characters.");
            return null;
        }

        return normalized;
    }

    /// <summary>
    /// A message's text and attachments: text, at least one attachment, or both. Text is optional only beside
    /// attachments (blank text then stores none). Returns the text to store.
    /// </summary>
    public static string? ValidateContent(string? text, Guid[]? attachmentIds, FieldErrors errors, out Guid[] attachments)
    {
        attachments = attachmentIds ?? [];
        if (attachments.Length > MaxAttachments)
        {
            errors.Add("attachmentIds", $"A message carries at most {MaxAttachments} attachments.");
        }
        else if (attachments.Contains(Guid.Empty))
        {
            errors.Add("attachmentIds", "attachmentIds must be ids of uploads.");
        }
        else if (attachments.Length > 1 && attachments.Distinct().Count() != attachments.Length)
        {
            errors.Add("attachmentIds", "attachmentIds must not name an upload twice.");
        }

        if (attachments.Length > 0 && string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text is null)
        {
            errors.Add("text", "Text is required unless the message carries attachments (attachmentIds).");
            return null;
        }

        return ValidateText(text, errors);
    }

    public static void ValidateClientMessageId(string? clientMessageId, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(clientMessageId))
        {
            errors.Add("clientMessageId", "clientMessageId is required: a unique id the client chooses per message, reused on retries.");
        }
        else if (clientMessageId.Length > MaxClientMessageIdLength)
        {
            errors.Add("clientMessageId", $"clientMessageId must be at most {MaxClientMessageIdLength} characters.");
        }
        else if (clientMessageId.Any(char.IsControl))
        {
            errors.Add("clientMessageId", "clientMessageId must not contain control characters.");
        }
    }

    /// <summary>The page size to use, or null with the error recorded.</summary>
    public static int? ValidateLimit(int? limit, FieldErrors errors)
    {
        if (limit is null)
        {
            return DefaultPageSize;
        }

        if (limit < 1 || limit > MaxPageSize)
        {
            errors.Add("limit", $"limit must be between 1 and {MaxPageSize}.");
            return null;
        }

        return limit;
    }

    public static void ValidateSeq(long? seq, string field, FieldErrors errors)
    {
        if (seq < 0)
        {
            errors.Add(field, $"{field} must be zero or a positive seq.");
        }
    }
}
