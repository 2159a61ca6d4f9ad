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
        ChatCaller caller, Guid conversationId, string? clientMessageId, string? text, Guid[]? attachmentIds, string? originConnectionId,
        CancellationToken cancellationToken)
    {
        if (Admit(caller, clientMessageId, text, attachmentIds, out var content) is { } refused)
        {
            return refused;
        }

        return await AppendAdmittedAsync(caller, conversationId, clientMessageId!, content, originConnectionId, cancellationToken);
    }

    /// <summary>
    /// The rules every user message passes, whichever path it came by: text and attachments and clientMessageId
    /// valid, and a token of the sender's rate limit. Split from the append only for callers that must pick the
    /// conversation in between (the support desk opens a room only for a message it will accept).
    /// </summary>
    public Failure? Admit(ChatCaller caller, string? clientMessageId, string? text, Guid[]? attachmentIds, out MessageContent content)
    {
        var errors = new FieldErrors();
        var body = MessageRules.ValidateContent(text, attachmentIds, errors, out var attachments);
        MessageRules.ValidateClientMessageId(clientMessageId, errors);
        content = new MessageContent(body, attachments);
        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        return rateLimiter.TryAcquire(caller.UserId, out var retryAfter) ? null : rateLimiter.Refusal(retryAfter);
    }

    /// <summary>Appends a message that <see cref="Admit"/> accepted.</summary>
    public async Task<Outcome<SendResult>> AppendAdmittedAsync(
        ChatCaller caller, Guid conversationId, string clientMessageId, MessageContent content, string? originConnectionId, CancellationToken cancellationToken)
    {
        // Uploads are checked once before queueing, so a bad id is answered without taking a place in a batch (and
        // their details are at hand for the answer and the event); the statement locks and re-checks them.
        IReadOnlyList<MessageAttachmentDto> attachments = [];
        if (content.AttachmentIds.Length > 0)
        {
            attachments = await UnsentUploadsAsync(caller, conversationId, content.AttachmentIds, cancellationToken);
            if (attachments.Count != content.AttachmentIds.Length)
            {
                return await NotStoredAsync(caller, conversationId, clientMessageId, content.AttachmentIds, cancellationToken);
            }
        }

        var kind = MessageAttachmentReader.KindOf(attachments);
        Task publish;
        MessageDto message;
        string conversationKind;
        // One send per conversation in flight: events go out in seq order, and a batch never holds two sends of a conversation.
        using (await locks.AcquireAsync(conversationId, cancellationToken))
        {
            var id = Guid.CreateVersion7();
            var appended = await writer.AppendAsync(
                new PendingAppend(id, conversationId, caller.UserId, caller.IsAdmin, clientMessageId, content.Text, kind, content.AttachmentIds), cancellationToken);
            if (appended is null)
            {
                return await NotStoredAsync(caller, conversationId, clientMessageId, content.AttachmentIds, cancellationToken);
            }

            message = new MessageDto(id, conversationId, appended.Seq, caller.UserId, kind, content.Text, clientMessageId, appended.CreatedAt, DeletedAt: null)
            {
                Attachments = attachments,
            };
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

    /// <summary>Those of the requested uploads the caller may still send here: their own, to this conversation, stored and not sent.</summary>
    private async Task<IReadOnlyList<MessageAttachmentDto>> UnsentUploadsAsync(ChatCaller caller, Guid conversationId, Guid[] ids, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select {MessageAttachmentReader.Columns} from attachments a
            where a.id = any(@Ids) and a.uploader_id = @UserId and a.conversation_id = @ConversationId and a.message_id is null and a.stored
            order by {MessageAttachmentReader.Order}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<MessageAttachmentDto>(new CommandDefinition(sql,
            new { Ids = ids, caller.UserId, ConversationId = conversationId }, cancellationToken: cancellationToken))).AsList();
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
    /// original, not created, even though its uploads are now sent), a conversation that refuses messages (a
    /// consultation names its own status), or uploads that cannot be sent (not the caller's, another conversation's,
    /// already sent or gone).
    /// </summary>
    private async Task<Outcome<SendResult>> NotStoredAsync(
        ChatCaller caller, Guid conversationId, string clientMessageId, Guid[] attachmentIds, CancellationToken cancellationToken)
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
            var original = new MessageDto(id, conversationId, row.Seq, caller.UserId, row.MessageKind!, row.Text, clientMessageId, row.CreatedAt, row.DeletedAt);
            return new SendResult((await MessageAttachmentReader.WithAttachmentsAsync(connection, original, cancellationToken))!, Created: false);
        }

        if (row.Status == ConversationStatuses.Open && attachmentIds.Length > 0
            && (await UnsentUploadsAsync(caller, conversationId, attachmentIds, cancellationToken)).Count != attachmentIds.Length)
        {
            return Failure.Field("attachmentIds",
                "Each attachment must be an upload of yours to this conversation that has not been sent yet (uploads not sent within a day are removed).");
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

    /// <summary>What <see cref="Admit"/> accepted: the text to store (null beside attachments) and the uploads to link.</summary>
    public readonly record struct MessageContent(string? Text, Guid[] AttachmentIds);

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
