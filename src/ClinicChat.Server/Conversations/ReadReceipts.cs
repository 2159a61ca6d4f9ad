using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Read and delivery watermarks. Both only move forward and never past the conversation's last seq; reading up to
/// a seq also means it was delivered.
/// </summary>
public sealed class ReadReceipts(
    [FromKeyedServices(DatabaseExtensions.HotPath)] NpgsqlDataSource dataSource,
    IChatEvents events,
    UnreadCounter unread,
    UnreadAnnouncer announcer,
    ConversationQueries queries)
{
    public const int MaxMessageIds = 100;

    // Locks the member row, so concurrent marks serialise and "old" is the value this update replaced.
    // Commits without waiting for the WAL flush (set_config is transaction-local; this statement is its own
    // transaction): a watermark acknowledges no message, and a crash can lose only the last few hundred ms of
    // watermark moves, leaving them at an earlier committed value (still never past last_seq, still only moved
    // forward by later marks). Messages keep durable commits: their statement never runs with this setting, and
    // their flush also flushes every earlier watermark commit, since WAL is written in order.
    private const string MoveSql = $"""
        with async_commit as (
            select set_config('synchronous_commit', 'off', true)
        ),
        target as (
            select case when @UseIds
                then (select max(seq) from messages where conversation_id = @Id and id = any(@Ids))
                else @UpTo end as seq
        ),
        old as (
            select me.last_read_seq, me.last_delivered_seq from conversation_members me
            where me.conversation_id = @Id and me.user_id = @UserId
            for update
        ),
        moved as (
            update conversation_members me set
                last_read_seq = case when @Read then greatest(me.last_read_seq, least(coalesce(t.seq, 0), c.last_seq)) else me.last_read_seq end,
                last_delivered_seq = greatest(me.last_delivered_seq, least(coalesce(t.seq, 0), c.last_seq))
            from conversations c, target t, old
            where me.conversation_id = @Id and me.user_id = @UserId and c.id = me.conversation_id
            returning me.last_read_seq, me.last_delivered_seq, {ConversationQueries.UnreadExpression} as unread_count
        )
        select old.last_read_seq as old_read, old.last_delivered_seq as old_delivered,
               moved.last_read_seq as new_read, moved.last_delivered_seq as new_delivered,
               -- This conversation as moved (the watermark trigger updated the counters); the others as of this statement.
               moved.unread_count,
               moved.unread_count + (select coalesce(sum(c.countable_total - me.read_countable - me.own_unread), 0)
                                     from conversation_members me join conversations c on c.id = me.conversation_id
                                     where me.user_id = @UserId and me.conversation_id <> @Id) as unread_total,
               (select array_agg(m.user_id) from conversation_members m where m.conversation_id = @Id) as member_ids
        from old join moved on true cross join async_commit
        """;

    public async Task<Outcome<ReadStateDto>> MarkReadAsync(ChatCaller caller, Guid conversationId, long? upToSeq, Guid[]? messageIds, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (upToSeq is null == messageIds is null)
        {
            errors.Add("upToSeq", "Give either upToSeq or messageIds (not both).");
        }

        MessageRules.ValidateSeq(upToSeq, "upToSeq", errors);
        if (messageIds is { Length: 0 or > MaxMessageIds })
        {
            errors.Add("messageIds", $"messageIds must list 1 to {MaxMessageIds} message ids.");
        }

        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        var moved = await MoveAsync(caller, conversationId, read: true, upToSeq, messageIds, cancellationToken);
        if (moved.Failure is { } failure)
        {
            return failure;
        }

        var row = moved.Value!;
        var (inConversation, total) = (row.UnreadCount, row.UnreadTotal);
        if (row.NewRead > row.OldRead)
        {
            // Committed: the caller's cancellation must not stop the events.
            announcer.AnnounceTo(conversationId, caller.UserId);
            var read = events.ReadReceiptAsync(new ReadReceiptEvent(conversationId, caller.UserId, row.NewRead));
            var delivered = row.NewDelivered > row.OldDelivered ? DeliveryReceiptAsync(caller.UserId, conversationId, row) : Task.CompletedTask;
            await Task.WhenAll(read, delivered);
        }

        return new ReadStateDto(conversationId, row.NewRead, row.NewDelivered, inConversation, total);
    }

    public async Task<Outcome<DeliveryStateDto>> AckDeliveredAsync(ChatCaller caller, Guid conversationId, long? upToSeq, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (upToSeq is null)
        {
            errors.Add("upToSeq", "upToSeq is required.");
        }

        MessageRules.ValidateSeq(upToSeq, "upToSeq", errors);
        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        var moved = await MoveAsync(caller, conversationId, read: false, upToSeq, null, cancellationToken);
        if (moved.Failure is { } failure)
        {
            return failure;
        }

        var row = moved.Value!;
        if (row.NewDelivered > row.OldDelivered)
        {
            await DeliveryReceiptAsync(caller.UserId, conversationId, row);
        }

        return new DeliveryStateDto(conversationId, row.NewDelivered);
    }

    public async Task<Outcome<UnreadCountDto>> UnreadCountAsync(ChatCaller caller, Guid conversationId, CancellationToken cancellationToken)
    {
        if (await queries.FindAccessAsync(caller, conversationId, cancellationToken) is null)
        {
            return ConversationFailures.NotFound;
        }

        var counts = await unread.CountAsync([caller.UserId], cancellationToken);
        return new UnreadCountDto(conversationId, counts.TryGetValue(caller.UserId, out var mine) ? mine.ByConversation.GetValueOrDefault(conversationId) : 0);
    }

    /// <summary>Delivery receipts go to the other members' connections, subscribed to the conversation or not.</summary>
    private Task DeliveryReceiptAsync(Guid userId, Guid conversationId, MoveRow row)
    {
        var others = row.MemberIds?.Where(m => m != userId).ToArray() ?? [];
        return others.Length == 0
            ? Task.CompletedTask
            : events.DeliveryReceiptAsync(others, new DeliveryReceiptEvent(conversationId, userId, row.NewDelivered));
    }

    private async Task<Outcome<MoveRow>> MoveAsync(ChatCaller caller, Guid conversationId, bool read, long? upToSeq, Guid[]? messageIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<MoveRow>(new CommandDefinition(MoveSql, new
        {
            Id = conversationId,
            caller.UserId,
            Read = read,
            UseIds = messageIds is not null,
            Ids = messageIds ?? [],
            UpTo = upToSeq ?? 0,
        }, cancellationToken: cancellationToken));
        if (row is not null)
        {
            return row;
        }

        // Not a member: an admin looking at a support room has no watermark to move; anyone else learns nothing.
        if (await queries.FindAccessAsync(connection, caller, conversationId, cancellationToken) is null)
        {
            return ConversationFailures.NotFound;
        }

        return new MoveRow { UnreadTotal = (await unread.SummaryAsync(caller.UserId, cancellationToken)).TotalUnread };
    }

    private sealed class MoveRow
    {
        public long OldRead { get; init; }

        public long OldDelivered { get; init; }

        public long NewRead { get; init; }

        public long NewDelivered { get; init; }

        public long UnreadCount { get; init; }

        public long UnreadTotal { get; init; }

        public Guid[]? MemberIds { get; init; }
    }
}
