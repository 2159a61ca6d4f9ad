using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// The one-at-a-time append path, for system messages and the support desk's own sends (MessageWriter batches the
/// rest). The seq comes from incrementing the conversation's last_seq in the same transaction as the insert: the row
/// lock on the conversation serialises concurrent senders, and a rolled-back insert rolls the increment back too, so
/// seqs stay gap-free.
/// </summary>
public sealed class MessageLog(TimeProvider time)
{
    public const string MessageColumns =
        "id, conversation_id, seq, sender_id, kind, text, client_message_id, created_at, deleted_at";

    public async Task<MessageDto> AppendAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        Guid conversationId,
        Guid? senderId,
        string kind,
        string text,
        string? clientMessageId,
        CancellationToken cancellationToken)
    {
        // The unread counters of migration 0009 as MessageWriter keeps them: every message but a system note counts,
        // and a new one lies above its sender's read watermark. Conversation row first, then the member row.
        const string sql = $"""
            with next as (
                update conversations set last_seq = last_seq + 1, last_activity_at = @Now,
                    countable_total = countable_total + case when @Kind = 'system' then 0 else 1 end
                where id = @ConversationId
                returning last_seq
            ),
            own as (
                update conversation_members set own_unread = own_unread + 1
                where @Kind <> 'system' and conversation_id = @ConversationId and user_id = @SenderId
                  and exists (select 1 from next)
            )
            insert into messages (id, conversation_id, seq, sender_id, kind, text, client_message_id, created_at)
            select @Id, @ConversationId, next.last_seq, @SenderId, @Kind, @Text, @ClientMessageId, @Now from next
            returning {MessageColumns}
            """;
        var message = await connection.QuerySingleOrDefaultAsync<MessageDto>(new CommandDefinition(sql, new
        {
            Id = Guid.CreateVersion7(),
            ConversationId = conversationId,
            SenderId = senderId,
            Kind = kind,
            Text = text,
            ClientMessageId = clientMessageId,
            Now = time.GetUtcNow(),
        }, transaction, cancellationToken: cancellationToken));
        return message ?? throw new InvalidOperationException($"Conversation {conversationId} does not exist.");
    }

    public async Task<IReadOnlyList<Guid>> MemberIdsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid conversationId, CancellationToken cancellationToken)
    {
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition(
            "select user_id from conversation_members where conversation_id = @Id",
            new { Id = conversationId }, transaction, cancellationToken: cancellationToken));
        return ids.AsList();
    }
}
