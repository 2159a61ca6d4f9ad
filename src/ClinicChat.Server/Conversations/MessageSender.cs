using ClinicChat.Consultations;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// The send path shared by REST, the hub and care chat. One statement checks access and writability, finds an
/// earlier send with the same clientMessageId, takes the next seq and inserts; as a single autocommit statement
/// it is durable when it returns, so the caller is acknowledged only after the commit.
/// </summary>
public sealed partial class MessageSender(
    NpgsqlDataSource dataSource,
    SendRateLimiter rateLimiter,
    ConversationLocks locks,
    ChatNotifier notifier,
    UnreadCounter unread,
    IPresence presence,
    IEnumerable<IMessageSentObserver> observers,
    TimeProvider time,
    ILogger<MessageSender> logger)
{
    private const string Columns = MessageLog.MessageColumns;

    // The update re-checks status = 'open' on the latest row version after waiting for the row lock, so a
    // conversation turning read-only concurrently refuses the send instead of racing it.
    private const string SendSql = $"""
        with conv as (
            select c.id, c.kind, c.status,
                   exists (select 1 from conversation_members m where m.conversation_id = c.id and m.user_id = @SenderId) as is_member
            from conversations c where c.id = @ConversationId
        ),
        existing as (
            select {Columns} from messages
            where conversation_id = @ConversationId and sender_id = @SenderId and client_message_id = @ClientMessageId
        ),
        next as (
            update conversations c set last_seq = c.last_seq + 1, last_activity_at = @Now
            from conv
            where c.id = conv.id and c.status = 'open'
              and (conv.is_member or (conv.kind = 'support' and @IsAdmin))
              and not exists (select 1 from existing)
            returning c.last_seq
        ),
        inserted as (
            insert into messages (id, conversation_id, seq, sender_id, kind, text, client_message_id, created_at)
            select @Id, @ConversationId, next.last_seq, @SenderId, 'text', @Text, @ClientMessageId, @Now from next
            returning {Columns}
        )
        select conv.kind as conversation_kind, conv.status as conversation_status, conv.is_member,
               (i.id is not null) as created,
               coalesce(i.id, e.id) as id, coalesce(i.seq, e.seq) as seq, coalesce(i.kind, e.kind) as kind,
               coalesce(i.text, e.text) as text, coalesce(i.created_at, e.created_at) as created_at,
               coalesce(i.deleted_at, e.deleted_at) as deleted_at,
               case when i.id is not null then
                   (select array_agg(m.user_id) from conversation_members m where m.conversation_id = @ConversationId)
               end as member_ids
        from conv left join inserted i on true left join existing e on true
        """;

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
        using (await locks.AcquireAsync(conversationId, cancellationToken))
        {
            var row = await AppendAsync(caller, conversationId, clientMessageId!, body!, cancellationToken);
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

            // Committed: from here on the caller's cancellation must not stop the others from hearing about it.
            var created = notifier.MessageCreatedAsync(message);

            // Only locally connected users can receive the event (no backplane yet), so only they are counted.
            var recipients = row.MemberIds?.Where(m => m != caller.UserId && presence.IsOnline(m)).ToArray() ?? [];
            var unreadChanged = await unread.StartUnreadChangedAsync(recipients, conversationId, CancellationToken.None);
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

    private async Task<SendRow?> AppendAsync(ChatCaller caller, Guid conversationId, string clientMessageId, string text, CancellationToken cancellationToken)
    {
        var args = new
        {
            Id = Guid.CreateVersion7(),
            ConversationId = conversationId,
            SenderId = caller.UserId,
            caller.IsAdmin,
            ClientMessageId = clientMessageId,
            Text = text,
            Now = time.GetUtcNow(),
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.QuerySingleOrDefaultAsync<SendRow>(new CommandDefinition(SendSql, args, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "messages_client_id_key" })
        {
            // Two identical retries raced past the lookup (another server instance, or the same one bypassing the
            // lock). The loser's statement rolled back whole, its seq increment included, so no gap: re-read.
            LogDuplicateRace();
            const string reread = $"""
                select c.kind as conversation_kind, c.status as conversation_status, true as is_member, false as created,
                       m.id, m.seq, m.kind, m.text, m.created_at, m.deleted_at
                from messages m join conversations c on c.id = m.conversation_id
                where m.conversation_id = @ConversationId and m.sender_id = @SenderId and m.client_message_id = @ClientMessageId
                """;
            return await connection.QuerySingleAsync<SendRow>(new CommandDefinition(reread, args, cancellationToken: cancellationToken));
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Concurrent retries of one message; the later one returned the stored original")]
    private partial void LogDuplicateRace();

    private sealed class SendRow
    {
        public string ConversationKind { get; init; } = "";

        public string ConversationStatus { get; init; } = "";

        public bool IsMember { get; init; }

        public bool Created { get; init; }

        public Guid? Id { get; init; }

        public long? Seq { get; init; }

        public string? Kind { get; init; }

        public string? Text { get; init; }

        public DateTimeOffset? CreatedAt { get; init; }

        public DateTimeOffset? DeletedAt { get; init; }

        public Guid[]? MemberIds { get; init; }
    }
}
