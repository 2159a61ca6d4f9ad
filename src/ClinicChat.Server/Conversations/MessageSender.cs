using ClinicChat.Consultations;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// The send path shared by REST, the hub and care chat. One statement checks access and writability, skips a
/// clientMessageId already stored, takes the next seq and inserts; <see cref="MessageWriter"/> runs it for many
/// concurrent sends at once (group commit) and answers each only after the commit, so the caller is acknowledged only
/// after its message is durable.
/// </summary>
public sealed partial class MessageSender(
    NpgsqlDataSource dataSource,
    SendRateLimiter rateLimiter,
    ConversationLocks locks,
    MessageWriter writer,
    IChatEvents events,
    UnreadAnnouncer unread,
    IEnumerable<IMessageSentObserver> observers,
    ILogger<MessageSender> logger)
{
    /// <param name="originConnectionId">
    /// The hub connection the send came from, if any: it gets the message as the invocation's result, so messageCreated
    /// skips it (every other connection of the sender still hears it).
    /// </param>
    public async Task<Outcome<SendResult>> SendAsync(
        ChatCaller caller, Guid conversationId, string? clientMessageId, string? text, string? originConnectionId, CancellationToken cancellationToken)
    {
        if (Admit(caller, clientMessageId, text, out var body) is { } refused)
        {
            return refused;
        }

        return await AppendAdmittedAsync(caller, conversationId, clientMessageId!, body, originConnectionId, cancellationToken);
    }

    /// <summary>
    /// The rules every user message passes, whichever path it came by: text and clientMessageId valid, and a token of
    /// the sender's rate limit. Split from the append only for callers that must pick the conversation in between
    /// (the support desk opens a room only for a message it will accept).
    /// </summary>
    public Failure? Admit(ChatCaller caller, string? clientMessageId, string? text, out string body)
    {
        var errors = new FieldErrors();
        body = MessageRules.ValidateText(text, errors)!;
        MessageRules.ValidateClientMessageId(clientMessageId, errors);
        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        return rateLimiter.TryAcquire(caller.UserId, out var retryAfter) ? null : rateLimiter.Refusal(retryAfter);
    }

    /// <summary>Appends a message that <see cref="Admit"/> accepted.</summary>
    public async Task<Outcome<SendResult>> AppendAdmittedAsync(
        ChatCaller caller, Guid conversationId, string clientMessageId, string body, string? originConnectionId, CancellationToken cancellationToken)
    {
        Task publish;
        MessageDto message;
        string conversationKind;
        // One send per conversation in flight: events go out in seq order, and a batch never holds two sends of a conversation.
        using (await locks.AcquireAsync(conversationId, cancellationToken))
        {
            var id = Guid.CreateVersion7();
            var appended = await writer.AppendAsync(new PendingAppend(id, conversationId, caller.UserId, caller.IsAdmin, clientMessageId, body), cancellationToken);
            if (appended is null)
            {
                return await NotStoredAsync(caller, conversationId, clientMessageId, cancellationToken);
            }

            message = new MessageDto(id, conversationId, appended.Seq, caller.UserId, MessageKinds.Text, body, clientMessageId, appended.CreatedAt, DeletedAt: null);
            conversationKind = appended.ConversationKind;
            // Committed: from here on the caller's cancellation must not stop the others from hearing about it. The
            // event is queued before the lock is released, so every connection sees messages in seq order; queueing
            // never waits for a client's socket, so the acknowledgement does not either.
            publish = events.MessageCreatedAsync(message, originConnectionId);
            unread.AnnounceToOthers(conversationId, caller.UserId);
        }

        await publish;
        await NotifyObserversAsync(message, conversationKind);
        return new SendResult(message, Created: true);
    }

    private async Task NotifyObserversAsync(MessageDto message, string conversationKind)
    {
        // The message is committed and acknowledged either way; a side effect failing must not turn it into an error.
        foreach (var observer in observers)
        {
            await BestEffort.RunAsync(observer.OnMessageSentAsync(message, conversationKind, CancellationToken.None), logger, "post-send observer");
        }
    }

    /// <summary>
    /// Why the writer stored nothing, read after the fact: no access (not found), a retry of a stored message (the
    /// original, not created), or a conversation that refuses messages (a consultation names its own status).
    /// </summary>
    private async Task<Outcome<SendResult>> NotStoredAsync(ChatCaller caller, Guid conversationId, string clientMessageId, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select c.kind, c.status, co.status as consultation_status, {ConversationQueries.AccessPredicate} as has_access,
                   m.id, m.seq, m.kind as message_kind, m.text, m.created_at, m.deleted_at
            from conversations c
            left join consultations co on co.conversation_id = c.id
            left join messages m on m.conversation_id = c.id and m.sender_id = @UserId and m.client_message_id = @ClientMessageId
            where c.id = @Id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<NotStoredRow>(new CommandDefinition(sql,
            new { Id = conversationId, caller.UserId, caller.IsAdmin, ClientMessageId = clientMessageId }, cancellationToken: cancellationToken));
        if (row is null || !row.HasAccess)
        {
            return ConversationFailures.NotFound;
        }

        if (row.Id is { } id)
        {
            return new SendResult(
                new MessageDto(id, conversationId, row.Seq, caller.UserId, row.MessageKind!, row.Text, clientMessageId, row.CreatedAt, row.DeletedAt),
                Created: false);
        }

        return Refusal(row.Kind, row.Status, row.ConsultationStatus);
    }

    public static Failure Refusal(string kind, string status, string? consultationStatus)
    {
        if (kind == ConversationKinds.Consultation && consultationStatus is not null && consultationStatus != ConsultationStatuses.Active)
        {
            return Failure.Conflict("consultation.not_active",
                $"This consultation is {consultationStatus.Replace('_', ' ')} (not active); messages can be sent only while it is active.", NotWritableTitle);
        }

        return status == ConversationStatuses.Open
            ? Failure.Conflict("conversation.changed", "The conversation changed while the message was being sent; send it again.", NotWritableTitle)
            : Failure.Conflict("conversation.not_writable", $"This conversation is {status.Replace('_', '-')}; messages can be sent only while it is open.", NotWritableTitle);
    }

    private const string NotWritableTitle = "Conversation not writable";

    private sealed class NotStoredRow
    {
        public string Kind { get; init; } = "";

        public string Status { get; init; } = "";

        public string? ConsultationStatus { get; init; }

        public bool HasAccess { get; init; }

        public Guid? Id { get; init; }

        public long Seq { get; init; }

        public string? MessageKind { get; init; }

        public string? Text { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? DeletedAt { get; init; }
    }
}
