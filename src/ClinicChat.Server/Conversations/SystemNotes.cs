using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// The append path for system notes ("Consultation started.", "This support chat was closed."). A note is written
/// in the caller's transaction, so a lifecycle change and its note commit together or not at all; the conversation's
/// ordering lock is held from before the change until messageCreated is queued after commit, so subscribers see
/// notes in seq order among user messages (which go through <see cref="MessageSender"/> under the same lock).
/// </summary>
/// <remarks>
/// Usage: <c>using var notes = systemNotes.Begin();</c>, then inside the transaction <c>LockAsync</c> each
/// conversation before changing its row (taking the lock after a row lock could deadlock with a send waiting on that
/// row), <c>AppendAsync</c> the notes, commit, and <c>PublishAsync</c>. Disposing without publishing (a rollback)
/// just releases the locks.
/// </remarks>
public sealed class SystemNotes(NpgsqlDataSource dataSource, ConversationLocks locks, IChatEvents events, TimeProvider time)
{
    public Scope Begin() => new(locks.NewSet(), events, time);

    /// <summary>A note on its own: appends, commits, then publishes.</summary>
    public async Task<MessageDto> PostAsync(Guid conversationId, string text, CancellationToken cancellationToken)
    {
        using var notes = Begin();
        await notes.LockAsync(conversationId, cancellationToken);
        MessageDto message;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            message = await notes.AppendAsync(connection, transaction, conversationId, text, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await notes.PublishAsync();
        return message;
    }

    public sealed class Scope(ConversationLocks.Set locks, IChatEvents events, TimeProvider time) : IDisposable
    {
        private readonly List<MessageDto> _appended = [];

        /// <summary>Takes the conversation's ordering lock; call it before the transaction touches the conversation.</summary>
        public ValueTask LockAsync(Guid conversationId, CancellationToken cancellationToken) => locks.AcquireAsync(conversationId, cancellationToken);

        /// <summary>
        /// Takes the next seq (the increment of last_seq serialises concurrent appends on the row lock, and rolls back
        /// with the insert, so seqs stay gap-free) and inserts the note. A system note is not counted as unread.
        /// </summary>
        public async Task<MessageDto> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid conversationId, string text, CancellationToken cancellationToken)
        {
            if (!locks.Holds(conversationId))
            {
                throw new InvalidOperationException("Lock the conversation (LockAsync) before the transaction changes it.");
            }

            const string sql = $"""
                with next as (
                    update conversations set last_seq = last_seq + 1, last_activity_at = @Now
                    where id = @ConversationId
                    returning last_seq
                )
                insert into messages (id, conversation_id, seq, sender_id, kind, text, client_message_id, created_at)
                select @Id, @ConversationId, next.last_seq, null, '{MessageKinds.System}', @Text, null, @Now from next
                returning {ConversationQueries.MessageColumns}
                """;
            var message = await connection.QuerySingleOrDefaultAsync<MessageDto>(new CommandDefinition(sql, new
            {
                Id = Guid.CreateVersion7(),
                ConversationId = conversationId,
                Text = text,
                Now = time.GetUtcNow(),
            }, transaction, cancellationToken: cancellationToken))
                ?? throw new InvalidOperationException($"Conversation {conversationId} does not exist.");
            _appended.Add(message);
            return message;
        }

        /// <summary>After commit: queues messageCreated for every note in order, releases the locks, then awaits delivery.</summary>
        public async Task PublishAsync()
        {
            var publishes = new Task[_appended.Count];
            for (var i = 0; i < publishes.Length; i++)
            {
                publishes[i] = events.MessageCreatedAsync(_appended[i]);
            }

            _appended.Clear();
            Dispose();
            await Task.WhenAll(publishes);
        }

        public void Dispose() => locks.Dispose();
    }
}
