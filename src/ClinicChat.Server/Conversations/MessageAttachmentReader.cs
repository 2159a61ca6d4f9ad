using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Fills <see cref="MessageDto.Attachments"/> for messages read from their rows: one query for a whole page, and
/// none at all when no message of it is an image or file message (a text-only page costs no extra round trip).
/// </summary>
public static class MessageAttachmentReader
{
    /// <summary>The columns of a <see cref="MessageAttachmentDto"/>, for a select from <c>attachments a</c>.</summary>
    public const string Columns = "a.id, a.file_name, a.content_type, a.size, a.width, a.height";

    /// <summary>Upload order: the order a message shows its files in, whichever path reads them.</summary>
    public const string Order = "a.created_at, a.id";

    public static bool IsImage(MessageAttachmentDto attachment) => attachment.ContentType.StartsWith("image/", StringComparison.Ordinal);

    /// <summary>The kind of a user message carrying these attachments (in the order <see cref="Order"/> gives).</summary>
    public static string KindOf(IReadOnlyList<MessageAttachmentDto> attachments) =>
        attachments.Count == 0 ? MessageKinds.Text : attachments.All(IsImage) ? MessageKinds.Image : MessageKinds.File;

    public static async Task<List<MessageDto>> WithAttachmentsAsync(NpgsqlConnection connection, List<MessageDto> messages, CancellationToken cancellationToken)
    {
        var ids = CarryingIds(messages);
        if (ids is null)
        {
            return messages;
        }

        var found = await ReadAsync(connection, ids, cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            if (found.TryGetValue(messages[i].Id, out var attachments))
            {
                messages[i] = messages[i] with { Attachments = attachments };
            }
        }

        return messages;
    }

    public static async Task<MessageDto?> WithAttachmentsAsync(NpgsqlConnection connection, MessageDto? message, CancellationToken cancellationToken) =>
        message is null ? null : (await WithAttachmentsAsync(connection, [message], cancellationToken))[0];

    public static async Task<MessageDto?> WithAttachmentsAsync(NpgsqlDataSource dataSource, MessageDto? message, CancellationToken cancellationToken)
    {
        if (message is null || CarryingIds([message]) is null)
        {
            return message;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await WithAttachmentsAsync(connection, message, cancellationToken);
    }

    /// <summary>The same for the last messages of conversation shapes: <paramref name="lastMessage"/> picks it, <paramref name="replace"/> puts it back.</summary>
    public static async Task<List<T>> WithLastMessageAttachmentsAsync<T>(
        NpgsqlConnection connection, List<T> items, Func<T, MessageDto?> lastMessage, Func<T, MessageDto, T> replace, CancellationToken cancellationToken)
    {
        var ids = CarryingIds(items.Select(lastMessage).OfType<MessageDto>());
        if (ids is null)
        {
            return items;
        }

        var found = await ReadAsync(connection, ids, cancellationToken);
        for (var i = 0; i < items.Count; i++)
        {
            if (lastMessage(items[i]) is { } message && found.TryGetValue(message.Id, out var attachments))
            {
                items[i] = replace(items[i], message with { Attachments = attachments });
            }
        }

        return items;
    }

    private static Guid[]? CarryingIds(IEnumerable<MessageDto> messages)
    {
        List<Guid>? ids = null;
        foreach (var message in messages)
        {
            // A deleted message's files are gone with its text (downloads answer 404 too).
            if (message.DeletedAt is null && message.Kind is MessageKinds.Image or MessageKinds.File)
            {
                (ids ??= []).Add(message.Id);
            }
        }

        return ids?.ToArray();
    }

    private static async Task<Dictionary<Guid, IReadOnlyList<MessageAttachmentDto>>> ReadAsync(NpgsqlConnection connection, Guid[] messageIds, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select a.message_id, {Columns}
            from attachments a
            where a.message_id = any(@Ids)
            order by a.message_id, {Order}
            """;
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, new { Ids = messageIds }, cancellationToken: cancellationToken));
        return rows.GroupBy(r => r.MessageId).ToDictionary(
            g => g.Key,
            g => (IReadOnlyList<MessageAttachmentDto>)[.. g.Select(r => new MessageAttachmentDto(r.Id, r.FileName, r.ContentType, r.Size, r.Width, r.Height))]);
    }

    private sealed class Row
    {
        public Guid MessageId { get; init; }

        public Guid Id { get; init; }

        public string FileName { get; init; } = "";

        public string ContentType { get; init; } = "";

        public long Size { get; init; }

        public int? Width { get; init; }

        public int? Height { get; init; }
    }
}
