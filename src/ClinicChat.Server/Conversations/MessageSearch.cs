using ClinicChat.Audit;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Full-text search with the 'simple' configuration (no stemming, so Indonesian and English words match alike),
/// only over conversations the caller is a member of. Admins' access to support rooms they are not in does not
/// extend to search: the desk has its own views.
/// </summary>
public sealed class MessageSearch(NpgsqlDataSource dataSource, AuditLog audit)
{
    public const int MaxQueryLength = 200;
    public const int DefaultLimit = 20;

    private const string MessageColumns =
        "m.id, m.conversation_id, m.seq, m.sender_id, m.kind, m.text, m.client_message_id, m.created_at, m.deleted_at";

    public async Task<Outcome<SearchPage>> SearchAsync(ChatCaller caller, string? q, int? limit, int? offset, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var query = q?.Trim() ?? "";
        if (query.Length is 0 or > MaxQueryLength)
        {
            errors.Add("q", $"q is required: 1 to {MaxQueryLength} characters of words to look for.");
        }

        var size = MessageRules.ValidateLimit(limit ?? DefaultLimit, errors);
        if (offset is < 0 or > 10_000)
        {
            errors.Add("offset", "offset must be between 0 and 10000.");
        }

        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        const string sql = $"""
            select {MessageColumns}, c.kind as conversation_kind
            from messages m
            join conversation_members me on me.conversation_id = m.conversation_id and me.user_id = @UserId
            join conversations c on c.id = m.conversation_id
            cross join plainto_tsquery('simple', @Q) as q
            where m.search @@ q and m.deleted_at is null
            order by ts_rank(m.search, q) desc, m.created_at desc, m.id desc
            limit @Take offset @Offset
            """;
        var start = offset ?? 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<Hit>(new CommandDefinition(sql,
            new { caller.UserId, Q = query, Take = size!.Value + 1, Offset = start }, cancellationToken: cancellationToken))).AsList();
        var hasMore = rows.Count > size.Value;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var clinical = rows.Where(r => r.ConversationKind is ConversationKinds.Consultation or ConversationKinds.Care)
            .Select(r => r.ConversationId).Distinct().ToArray();
        if (clinical.Length > 0)
        {
            // Which clinical conversations the results exposed; never the query, which may itself be sensitive.
            await audit.WriteAsync(connection, null, caller.UserId, "messages.searched", "user", caller.UserId.ToString(),
                new { conversationIds = clinical, results = rows.Count }, cancellationToken);
        }

        var messages = await MessageAttachmentReader.WithAttachmentsAsync(connection, [.. rows.Select(r => r.ToDto())], cancellationToken);
        return new SearchPage(messages, hasMore, hasMore ? start + rows.Count : null);
    }

    private sealed class Hit
    {
        public Guid Id { get; init; }

        public Guid ConversationId { get; init; }

        public long Seq { get; init; }

        public Guid? SenderId { get; init; }

        public string Kind { get; init; } = "";

        public string? Text { get; init; }

        public string? ClientMessageId { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? DeletedAt { get; init; }

        public string ConversationKind { get; init; } = "";

        public MessageDto ToDto() => new(Id, ConversationId, Seq, SenderId, Kind, Text, ClientMessageId, CreatedAt, DeletedAt);
    }
}
