using ClinicChat.Consultations;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// The send path shared by REST, the hub and care chat. One statement checks access and writability, finds an
/// earlier send with the same clientMessageId, takes the next seq and inserts; <see cref="MessageWriter"/> runs it
/// for many concurrent sends at once (group commit) and answers each only after the commit, so the caller is
/// acknowledged only after its message is durable.
/// </summary>
public sealed partial class MessageSender(
    NpgsqlDataSource dataSource,
    SendRateLimiter rateLimiter,
    ConversationLocks locks,
    MessageWriter writer,
    ChatNotifier notifier,
    UnreadCounter unread,
    IEnumerable<IMessageSentObserver> observers,
    ILogger<MessageSender> logger)
{
    public async Task<Outcome<SendResult>> SendAsync(ChatCaller caller, Guid conversationId, string? clientMessageId, string? text, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var body = MessageRules.ValidateText(text, errors);
        MessageRules.ValidateClientMessageId(clientMessageId, errors);
        if (errors.Any)
        {
            return ChatFailure.Invalid(errors);
        }

        if (!rateLimiter.TryAcquire(caller.UserId, out var retryAfter))
        {
            return new ChatFailure(ChatFailureKind.RateLimited,
                $"Too many messages: {rateLimiter.Describe()}. This message was not stored; send it again in a moment.",
                RetryAfter: retryAfter);
        }

        Task publish;
        SendResult result;
        string conversationKind;
        // One send per conversation in flight: events go out in seq order, and a batch never holds two sends of a conversation.
        using (await locks.AcquireAsync(conversationId, cancellationToken))
        {
            var row = await writer.AppendAsync(
                new PendingAppend(Guid.CreateVersion7(), conversationId, caller.UserId, caller.IsAdmin, clientMessageId!, body!), cancellationToken);
            if (row is null || !(row.IsMember || (row.ConversationKind == ConversationKinds.Support && caller.IsAdmin)))
            {
                return ChatFailure.NotFound("Conversation");
            }

            if (row.Id is not { } id)
            {
                return await RefusalAsync(conversationId, cancellationToken);
            }

            var message = new MessageDto(id, conversationId, row.Seq!.Value, caller.UserId, row.Kind!, row.Text, clientMessageId, row.CreatedAt!.Value, row.DeletedAt);
            result = new SendResult(message, row.Created);
            conversationKind = row.ConversationKind;
            if (!row.Created)
            {
                return result;
            }

            // Committed: from here on the caller's cancellation must not stop the others from hearing about it. Both
            // event kinds are queued before the lock is released, so every connection sees them in seq order.
            var created = notifier.MessageCreatedAsync(message);
            var unreadChanged = unread.PublishAsync(row.UnreadChanged);
            publish = Task.WhenAll(unread.ObserveAsync(created), unreadChanged);
        }

        await publish;
        await NotifyObserversAsync(result.Message, conversationKind);
        return result;
    }

    private async Task NotifyObserversAsync(MessageDto message, string conversationKind)
    {
        foreach (var observer in observers)
        {
            try
            {
                await observer.OnMessageSentAsync(message, conversationKind, CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The message is committed and acknowledged either way; a side effect failing must not turn it into an error.
                LogObserverFailed(e, observer.GetType().Name);
            }
        }
    }

    /// <summary>Names why the conversation refuses messages; a consultation names its own status.</summary>
    private async Task<ChatFailure> RefusalAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var state = await connection.QuerySingleOrDefaultAsync<(string Kind, string Status, string? ConsultationStatus)>(new CommandDefinition(
            """
            select c.kind, c.status, co.status as consultation_status
            from conversations c left join consultations co on co.conversation_id = c.id
            where c.id = @Id
            """, new { Id = conversationId }, cancellationToken: cancellationToken));
        return new ChatFailure(ChatFailureKind.NotWritable, DescribeRefusal(state.Kind, state.Status, state.ConsultationStatus));
    }

    public static string DescribeRefusal(string kind, string status, string? consultationStatus)
    {
        if (kind == ConversationKinds.Consultation && consultationStatus is not null && consultationStatus != ConsultationStatuses.Active)
        {
            return $"This consultation is {consultationStatus.Replace('_', ' ')} (not active); messages can be sent only while it is active.";
        }

        return status == ConversationStatuses.Open
            ? "The conversation changed while the message was being sent; send it again."
            : $"This conversation is {status.Replace('_', '-')}; messages can be sent only while it is open.";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Post-send observer {Observer} failed")]
    private partial void LogObserverFailed(Exception exception, string observer);
}
