using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Reading conversations as their members see them. The access rule everyone relies on lives here: a member may
/// access a conversation, and so may an admin when it is a support room.
/// </summary>
public sealed class ConversationQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The columns of a <see cref="MessageDto"/>, for a select from <c>messages</c>.</summary>
    public const string MessageColumns =
        "id, conversation_id, seq, sender_id, kind, text, client_message_id, created_at, deleted_at";

    /// <summary>SQL predicate on a conversation aliased <c>c</c>, with @UserId and @IsAdmin bound.</summary>
    public const string AccessPredicate = """
        (exists (select 1 from conversation_members acc where acc.conversation_id = c.id and acc.user_id = @UserId)
         or (c.kind = 'support' and @IsAdmin))
        """;

    /// <summary>Unread for member row <c>me</c> of conversation <c>c</c>, from the counters the triggers of migration 0009 keep.</summary>
    public const string UnreadExpression = "(c.countable_total - me.read_countable - me.own_unread)";

    /// <summary>The last message of conversation <c>c</c> (join <see cref="LastMessageJoin"/>), read into a <see cref="LastMessageRow"/>.</summary>
    public const string LastMessageColumns = """
        lm.id as lm_id, lm.seq as lm_seq, lm.sender_id as lm_sender_id, lm.kind as lm_kind, lm.text as lm_text,
        lm.client_message_id as lm_client_message_id, lm.created_at as lm_created_at, lm.deleted_at as lm_deleted_at
        """;

    public const string LastMessageJoin = "left join messages lm on lm.conversation_id = c.id and lm.seq = c.last_seq";

    private const string ConversationColumns = $"""
        c.id, c.kind, c.status, c.last_seq, c.last_activity_at, co.id as consultation_id,
        coalesce({UnreadExpression}, 0) as unread_count,
        {LastMessageColumns}
        """;

    private const string ConversationJoins = $"""
        left join consultations co on co.conversation_id = c.id
        {LastMessageJoin}
        """;

    private const string MemberColumns = """
        cm.conversation_id, u.id as user_id, u.display_name, u.role, cm.last_read_seq, cm.last_delivered_seq
        """;

    /// <summary>The conversation's kind and status if the caller may access it.</summary>
    public async Task<AccessRow?> FindAccessAsync(NpgsqlConnection connection, ChatCaller caller, Guid conversationId, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select c.kind, c.status, c.last_seq from conversations c
            where c.id = @Id and {AccessPredicate}
            """;
        return await connection.QuerySingleOrDefaultAsync<AccessRow>(new CommandDefinition(sql,
            new { Id = conversationId, caller.UserId, caller.IsAdmin }, cancellationToken: cancellationToken));
    }

    public async Task<AccessRow?> FindAccessAsync(ChatCaller caller, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAccessAsync(connection, caller, conversationId, cancellationToken);
    }

    /// <summary>
    /// Whether the caller may write to the conversation, by the rule the send path applies (access, and status
    /// open): null when the caller has no access (answer 404), otherwise why not (null Refusal: writable).
    /// </summary>
    public async Task<WriteAccess?> FindWriteAccessAsync(ChatCaller caller, Guid conversationId, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select c.kind, c.status, co.status as consultation_status from conversations c
            left join consultations co on co.conversation_id = c.id
            where c.id = @Id and {AccessPredicate}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<WriteAccessRow>(new CommandDefinition(sql,
            new { Id = conversationId, caller.UserId, caller.IsAdmin }, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new WriteAccess(row.Kind, row.Status == ConversationStatuses.Open ? null : MessageSender.Refusal(row.Kind, row.Status, row.ConsultationStatus));
    }

    public async Task<ConversationDto?> GetAsync(ChatCaller caller, Guid conversationId, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select {ConversationColumns}
            from conversations c
            left join conversation_members me on me.conversation_id = c.id and me.user_id = @UserId
            {ConversationJoins}
            where c.id = @Id and (me.user_id is not null or (c.kind = 'support' and @IsAdmin));

            select {MemberColumns}
            from conversation_members cm join users u on u.id = cm.user_id
            where cm.conversation_id = @Id
            order by cm.joined_at, u.id;
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql,
            new { Id = conversationId, caller.UserId, caller.IsAdmin }, cancellationToken: cancellationToken));
        var row = await results.ReadSingleOrDefaultAsync<ConversationRow>();
        var members = await results.ReadAsync<MemberRow>();
        if (row is null)
        {
            return null;
        }

        var conversation = row.ToDto([.. members.Select(m => m.ToDto())]);
        return conversation with { LastMessage = await MessageAttachmentReader.WithAttachmentsAsync(connection, conversation.LastMessage, cancellationToken) };
    }

    /// <summary>The caller's conversations, newest activity first.</summary>
    public async Task<IReadOnlyList<ConversationDto>> ListAsync(ChatCaller caller, int limit, int offset, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select {ConversationColumns}
            from conversation_members me
            join conversations c on c.id = me.conversation_id
            {ConversationJoins}
            where me.user_id = @UserId
            order by c.last_activity_at desc, c.id desc
            limit @Limit offset @Offset
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<ConversationRow>(new CommandDefinition(sql,
            new { caller.UserId, Limit = limit, Offset = offset }, cancellationToken: cancellationToken))).AsList();
        var members = await MembersAsync(connection, [.. rows.Select(r => r.Id)], cancellationToken);
        List<ConversationDto> conversations = [.. rows.Select(r => r.ToDto(members.TryGetValue(r.Id, out var list) ? list : []))];
        return await MessageAttachmentReader.WithLastMessageAttachmentsAsync(connection, conversations, c => c.LastMessage, (c, m) => c with { LastMessage = m }, cancellationToken);
    }

    public static async Task<Dictionary<Guid, List<MemberDto>>> MembersAsync(NpgsqlConnection connection, Guid[] conversationIds, CancellationToken cancellationToken)
    {
        if (conversationIds.Length == 0)
        {
            return [];
        }

        const string sql = $"""
            select {MemberColumns}
            from conversation_members cm join users u on u.id = cm.user_id
            where cm.conversation_id = any(@Ids)
            order by cm.joined_at, u.id
            """;
        var rows = await connection.QueryAsync<MemberRow>(new CommandDefinition(sql, new { Ids = conversationIds }, cancellationToken: cancellationToken));
        return rows.GroupBy(r => r.ConversationId).ToDictionary(g => g.Key, g => g.Select(m => m.ToDto()).ToList());
    }

    /// <summary>
    /// A message this sender already stored under <paramref name="clientMessageId"/> in any conversation of this kind:
    /// for a retry that must not post twice even though its first try went to a conversation since closed.
    /// </summary>
    public async Task<MessageDto?> FindSentAsync(Guid senderId, string clientMessageId, string conversationKind, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var message = await connection.QuerySingleOrDefaultAsync<MessageDto>(new CommandDefinition(
            $"""
            select {MessageColumns} from messages
            where sender_id = @SenderId and client_message_id = @ClientMessageId
              and conversation_id in (
                  select cm.conversation_id from conversation_members cm join conversations c on c.id = cm.conversation_id
                  where cm.user_id = @SenderId and c.kind = @Kind)
            limit 1
            """,
            new { SenderId = senderId, ClientMessageId = clientMessageId, Kind = conversationKind }, cancellationToken: cancellationToken));
        return await MessageAttachmentReader.WithAttachmentsAsync(connection, message, cancellationToken);
    }

    public sealed record AccessRow(string Kind, string Status, long LastSeq);

    /// <summary>The conversation's kind, and why it refuses new messages (null: it accepts them).</summary>
    public sealed record WriteAccess(string Kind, Failure? Refusal);

    private sealed record WriteAccessRow(string Kind, string Status, string? ConsultationStatus);

    internal sealed class ConversationRow : LastMessageRow
    {
        public Guid Id { get; init; }

        public string Kind { get; init; } = "";

        public string Status { get; init; } = "";

        public long LastSeq { get; init; }

        public DateTimeOffset LastActivityAt { get; init; }

        public Guid? ConsultationId { get; init; }

        public long UnreadCount { get; init; }

        public ConversationDto ToDto(IReadOnlyList<MemberDto> members) =>
            new(Id, Kind, Status, members, LastSeq, LastMessageIn(Id), UnreadCount, ConsultationId);
    }

    internal sealed class MemberRow
    {
        public Guid ConversationId { get; init; }

        public Guid UserId { get; init; }

        public string DisplayName { get; init; } = "";

        public string Role { get; init; } = "";

        public long LastReadSeq { get; init; }

        public long LastDeliveredSeq { get; init; }

        public MemberDto ToDto() => new(UserId, DisplayName, Role, LastReadSeq, LastDeliveredSeq);
    }
}

/// <summary>A row that selected <see cref="ConversationQueries.LastMessageColumns"/>; null fields mean no message yet.</summary>
public abstract class LastMessageRow
{
    public Guid? LmId { get; init; }

    public long LmSeq { get; init; }

    public Guid? LmSenderId { get; init; }

    public string? LmKind { get; init; }

    public string? LmText { get; init; }

    public string? LmClientMessageId { get; init; }

    public DateTimeOffset LmCreatedAt { get; init; }

    public DateTimeOffset? LmDeletedAt { get; init; }

    public MessageDto? LastMessageIn(Guid conversationId) => LmId is { } id
        ? new MessageDto(id, conversationId, LmSeq, LmSenderId, LmKind!, LmText, LmClientMessageId, LmCreatedAt, LmDeletedAt)
        : null;
}
