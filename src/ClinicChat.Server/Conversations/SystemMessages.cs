using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>Lifecycle notes ("consultation started", "ends in 5 minutes") written into a conversation.</summary>
public sealed class SystemMessages(NpgsqlDataSource dataSource, MessageLog log, ChatNotifier notifier, ConversationLocks locks)
{
    /// <summary>Appends, commits, then publishes the message to subscribers.</summary>
    public async Task<MessageDto> PostAsync(Guid conversationId, string text, CancellationToken cancellationToken)
    {
        MessageDto message;
        Task publish;

        // The same lock as user sends, so subscribers see system notes in seq order among the messages.
        using (await locks.AcquireAsync(conversationId, cancellationToken))
        {
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                message = await log.AppendAsync(connection, transaction, conversationId, senderId: null, MessageKinds.System, text, clientMessageId: null, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            publish = notifier.MessageCreatedAsync(message);
        }

        await publish;
        return message;
    }
}
