using ClinicChat.Audit;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Soft delete: the text goes, the row stays (with its seq, so history keeps no gap) and others see a tombstone.
/// The sender may delete within the window; an admin may delete any message (moderation), always audited.
/// </summary>
public sealed class MessageDeletion(
    NpgsqlDataSource dataSource,
    TimeProvider time,
    AuditLog audit,
    IChatEvents events,
    UnreadAnnouncer unread)
{
    public static readonly TimeSpan SenderWindow = TimeSpan.FromMinutes(15);

    public async Task<Outcome<MessageDto>> DeleteAsync(ChatCaller caller, Guid messageId, CancellationToken cancellationToken)
    {
        const string findSql = $"""
            select m.id, m.conversation_id, m.seq, m.sender_id, m.kind, m.created_at, m.deleted_at,
                   {ConversationQueries.AccessPredicate} as has_access
            from messages m join conversations c on c.id = m.conversation_id
            where m.id = @Id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.QuerySingleOrDefaultAsync<FoundRow>(new CommandDefinition(findSql,
            new { Id = messageId, caller.UserId, caller.IsAdmin }, cancellationToken: cancellationToken));
        if (found is null || !(found.HasAccess || caller.IsAdmin))
        {
            return Failure.NotFound("message.not_found", "Message");
        }

        if (found.Kind == MessageKinds.System)
        {
            return Failure.Forbidden("message.system_not_deletable", "System messages cannot be deleted.");
        }

        if (!caller.IsAdmin)
        {
            if (found.SenderId != caller.UserId)
            {
                return Failure.Forbidden("message.not_sender", "Only the sender or an admin can delete a message.");
            }

            if (found.DeletedAt is null && time.GetUtcNow() - found.CreatedAt > SenderWindow)
            {
                return Failure.Forbidden("message.delete_window_passed", $"Messages can be deleted only within {SenderWindow.TotalMinutes:0} minutes of sending.");
            }
        }

        MessageDto? deleted;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            deleted = await connection.QuerySingleOrDefaultAsync<MessageDto>(new CommandDefinition(
                $"""
                update messages set text = null, deleted_at = @Now
                where id = @Id and deleted_at is null
                returning {ConversationQueries.MessageColumns}
                """, new { Id = messageId, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
            if (deleted is not null)
            {
                await audit.WriteAsync(connection, transaction, caller.UserId, "message.deleted", "message", messageId.ToString(),
                    new { conversationId = found.ConversationId, seq = found.Seq, bySender = found.SenderId == caller.UserId }, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (deleted is null)
        {
            // Already deleted (a retry, or two admins at once): the tombstone again, and no second event.
            return await connection.QuerySingleAsync<MessageDto>(new CommandDefinition(
                $"select {ConversationQueries.MessageColumns} from messages where id = @Id", new { Id = messageId }, cancellationToken: cancellationToken));
        }

        var tombstone = events.MessageDeletedAsync(new MessageDeletedEvent(found.ConversationId, messageId, found.Seq));
        // The sender's own count never included it; everyone else's may have.
        unread.AnnounceToOthers(found.ConversationId, found.SenderId ?? Guid.Empty);
        await tombstone;
        return deleted;
    }

    private sealed class FoundRow
    {
        public Guid Id { get; init; }

        public Guid ConversationId { get; init; }

        public long Seq { get; init; }

        public Guid? SenderId { get; init; }

        public string Kind { get; init; } = "";

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? DeletedAt { get; init; }

        public bool HasAccess { get; init; }
    }
}
