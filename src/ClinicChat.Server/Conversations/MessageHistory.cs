using ClinicChat.Audit;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// History pages and the hub's Sync: one round trip checks access and reads the page; for clinical conversations
/// (consultation, care) a second one writes, through <see cref="AuditLog"/>, who read which part of the record.
/// </summary>
public sealed class MessageHistory(NpgsqlDataSource dataSource, AuditLog audit)
{
    public const string ReadAction = "conversation.read";

    public Task<Outcome<MessagePage>> SyncAsync(ChatCaller caller, Guid conversationId, long afterSeq, int? limit, CancellationToken cancellationToken) =>
        PageAsync(caller, conversationId, before: null, after: afterSeq, limit, cancellationToken);

    /// <summary>
    /// With <paramref name="after"/>: the oldest messages above it (catch-up). Otherwise the newest below
    /// <paramref name="before"/> (scroll-back). Either way oldest to newest, and HasMore says whether the same
    /// direction has more.
    /// </summary>
    public async Task<Outcome<MessagePage>> PageAsync(ChatCaller caller, Guid conversationId, long? before, long? after, int? limit, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        MessageRules.ValidateSeq(before, "before", errors);
        MessageRules.ValidateSeq(after, "after", errors);
        var size = MessageRules.ValidateLimit(limit, errors);
        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        var forward = after is not null;
        var sql = $"""
            select c.kind from conversations c where c.id = @Id and {ConversationQueries.AccessPredicate};

            select {ConversationQueries.MessageColumns} from messages
            where conversation_id = @Id and seq > @After and seq < @Before
              and exists (select 1 from conversations c where c.id = @Id and {ConversationQueries.AccessPredicate})
            order by seq {(forward ? "asc" : "desc")}
            limit @Take;
            """;
        var args = new
        {
            Id = conversationId,
            caller.UserId,
            caller.IsAdmin,
            After = after ?? 0,
            Before = before ?? long.MaxValue,
            Take = size!.Value + 1,
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string? kind;
        List<MessageDto> messages;
        await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken)))
        {
            kind = await results.ReadSingleOrDefaultAsync<string>();
            messages = kind is null ? [] : (await results.ReadAsync<MessageDto>()).AsList();
        }

        messages = await MessageAttachmentReader.WithAttachmentsAsync(connection, messages, cancellationToken);

        if (kind is null)
        {
            return ConversationFailures.NotFound;
        }

        if (kind is ConversationKinds.Consultation or ConversationKinds.Care)
        {
            await audit.WriteAsync(connection, null, caller.UserId, ReadAction, "conversation", conversationId.ToString(),
                new { before, after, limit = size }, cancellationToken);
        }

        var hasMore = messages.Count > size.Value;
        if (hasMore)
        {
            messages.RemoveAt(messages.Count - 1);
        }

        if (!forward)
        {
            messages.Reverse();
        }

        return new MessagePage(messages, hasMore);
    }
}
