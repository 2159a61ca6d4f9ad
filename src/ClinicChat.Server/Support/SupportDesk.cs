using ClinicChat.Accounts;
using ClinicChat.Audit;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Npgsql;

namespace ClinicChat.Support;

/// <summary>
/// Support rooms: opening (one open room per user), automatic assignment to the least-loaded online admin,
/// manual re-assignment, closing, and the supportRoomUpdated events that keep every admin's desk live.
/// </summary>
public sealed partial class SupportDesk(
    NpgsqlDataSource dataSource,
    ConversationStore conversations,
    MessageLog log,
    ChatNotifier notifier,
    UnreadAnnouncer unread,
    IPresence presence,
    SupportRoomReader reader,
    SendRateLimiter rateLimiter,
    AuditLog audit,
    TimeProvider time,
    ILogger<SupportDesk> logger) : IMessageSentObserver, IUserDisabledObserver
{
    public const string ClosedText = "This support chat was closed. Send a new message to start a new one.";

    // Every assignment decision (automatic or manual) runs under this transaction-scoped lock, so that two
    // rooms created at the same instant cannot both see the same admin as least loaded. Any fixed number
    // works as long as every server instance uses the same one.
    private const long AssignmentLockKey = 7_301_554_120_006;

    // Two-key advisory locks (namespace, hash of the user id) serialise one user's room opening and support
    // sends; hash collisions only make two users wait for each other briefly.
    private const int UserLockNamespace = 730_155_006;

    private const string RoomStateSelect = "select conversation_id as id, user_id, assigned_admin_id, closed_at from support_rooms";

    public abstract record Outcome;

    public sealed record Done(SupportRoomDto Room, bool Created) : Outcome;

    public sealed record NotFound : Outcome;

    public sealed record Refused(int StatusCode, string Title, string Detail, string? Field = null) : Outcome;

    /// <summary>The caller's open room, creating a fresh one (and assigning it) when they have none open.</summary>
    public async Task<Done> OpenRoomAsync(Guid userId, CancellationToken cancellationToken)
    {
        Guid roomId;
        bool created;
        IReadOnlyList<Assignment> assigned;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockUserAsync(connection, transaction, userId, cancellationToken);
            (roomId, created) = await EnsureOpenRoomAsync(connection, transaction, userId, cancellationToken);
            assigned = created ? await AssignWaitingAsync(connection, transaction, cancellationToken) : [];
            await transaction.CommitAsync(cancellationToken);
        }

        if (created)
        {
            await PublishAsync([roomId], assigned, cancellationToken);
        }

        var room = await reader.FindAsync(roomId, userId, cancellationToken);
        return new Done(room!, created);
    }

    /// <summary>
    /// A user's message to the desk: goes into their open room, or opens a fresh one when the last was closed.
    /// Idempotent per clientMessageId across all of the user's support rooms, so a retry after a close does
    /// not post twice. The chat core's text rules and send rate limit apply, so refusals read as on any send.
    /// </summary>
    public async Task<Outcome<SendResult>> SendAsync(Guid userId, string? clientMessageId, string? text, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var body = MessageRules.ValidateText(text, errors);
        MessageRules.ValidateClientMessageId(clientMessageId, errors);
        if (errors.Any)
        {
            return ChatFailure.Invalid(errors);
        }

        if (rateLimiter.TryAdmit(userId) is { } refused)
        {
            return refused;
        }

        return await AppendAsync(userId, clientMessageId!, body!, cancellationToken);
    }

    private async Task<SendResult> AppendAsync(Guid userId, string clientMessageId, string text, CancellationToken cancellationToken)
    {
        MessageDto message;
        Guid roomId;
        bool created;
        IReadOnlyList<Assignment> assigned = [];
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockUserAsync(connection, transaction, userId, cancellationToken);
            var original = await connection.QuerySingleOrDefaultAsync<MessageDto>(new CommandDefinition(
                $"""
                select {MessageLog.MessageColumns} from messages
                where sender_id = @UserId and client_message_id = @ClientMessageId
                  and conversation_id in (select conversation_id from support_rooms where user_id = @UserId)
                """,
                new { UserId = userId, ClientMessageId = clientMessageId }, transaction, cancellationToken: cancellationToken));
            if (original is not null)
            {
                await transaction.CommitAsync(cancellationToken);
                return new SendResult(original, Created: false);
            }

            (roomId, created) = await EnsureOpenRoomAsync(connection, transaction, userId, cancellationToken);
            if (created)
            {
                assigned = await AssignWaitingAsync(connection, transaction, cancellationToken);
            }

            message = await log.AppendAsync(connection, transaction, roomId, userId, MessageKinds.Text, text, clientMessageId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await notifier.MessageCreatedAsync(message);
        unread.AnnounceToOthers(roomId, userId);
        await PublishAsync([roomId], assigned, cancellationToken);
        return new SendResult(message, Created: true);
    }

    /// <summary>Manual (re-)assignment by an admin; the previous assignee leaves the room's members.</summary>
    public async Task<Outcome> AssignAsync(Guid roomId, Guid adminId, Guid actorId, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockAssignmentsAsync(connection, transaction, cancellationToken);
            var room = await LockRoomAsync(connection, transaction, roomId, cancellationToken);
            if (room is null)
            {
                return new NotFound();
            }

            if (room.ClosedAt is not null)
            {
                return new Refused(StatusCodes.Status409Conflict, "Room closed", "A closed support room cannot be assigned.");
            }

            var isEnabledAdmin = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select exists (select 1 from users where id = @Id and role = 'admin' and disabled_at is null)",
                new { Id = adminId }, transaction, cancellationToken: cancellationToken));
            if (!isEnabledAdmin)
            {
                return new Refused(StatusCodes.Status400BadRequest, "One or more validation errors occurred.", "See errors.", "adminId");
            }

            if (room.AssignedAdminId != adminId)
            {
                await SetAssigneeAsync(connection, transaction, roomId, room.UserId, room.AssignedAdminId, adminId, cancellationToken);
                await audit.WriteAsync(connection, transaction, actorId, "support.assigned", "conversation", roomId.ToString(),
                    new { adminId, previousAdminId = room.AssignedAdminId }, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (room.AssignedAdminId == adminId)
            {
                return new Done((await reader.FindAsync(roomId, actorId, cancellationToken))!, Created: false);
            }
        }

        await PublishAsync([], [new Assignment(roomId, adminId)], cancellationToken);
        return new Done((await reader.FindAsync(roomId, actorId, cancellationToken))!, Created: false);
    }

    /// <summary>Closes the room (idempotent): status closed, a system message, no more writes from anyone.</summary>
    public async Task<Outcome> CloseAsync(Guid roomId, Guid actorId, string? note, CancellationToken cancellationToken)
    {
        MessageDto closedMessage;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var room = await LockRoomAsync(connection, transaction, roomId, cancellationToken);
            if (room is null)
            {
                return new NotFound();
            }

            if (room.ClosedAt is not null)
            {
                await transaction.CommitAsync(cancellationToken);
                return new Done((await reader.FindAsync(roomId, actorId, cancellationToken))!, Created: false);
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "update support_rooms set closed_at = @Now, closed_by = @ActorId, close_note = @Note where conversation_id = @Id",
                new { Id = roomId, ActorId = actorId, Note = note, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
            await conversations.SetStatusAsync(connection, transaction, roomId, ConversationStatuses.Closed, cancellationToken);
            closedMessage = await log.AppendAsync(connection, transaction, roomId, senderId: null, MessageKinds.System, ClosedText, clientMessageId: null, cancellationToken);
            await audit.WriteAsync(connection, transaction, actorId, "support.closed", "conversation", roomId.ToString(), null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await notifier.MessageCreatedAsync(closedMessage);
        await PublishAsync([roomId], [], cancellationToken);
        return new Done((await reader.FindAsync(roomId, actorId, cancellationToken))!, Created: false);
    }

    /// <summary>
    /// Hook for the chat send path, called after a message is committed (REST or hub). No-op unless the
    /// conversation is a support room; otherwise refreshes every admin's desk (last message, waiting-since).
    /// </summary>
    public Task OnMessageSentAsync(MessageDto message, string conversationKind, CancellationToken cancellationToken) =>
        conversationKind == ConversationKinds.Support && message.Kind != MessageKinds.System
            ? PublishAsync([message.ConversationId], [], cancellationToken)
            : Task.CompletedTask;

    /// <summary>
    /// Hook for the hub: an admin just came online, so rooms waiting in the queue are assigned now, oldest
    /// first, spread over every online admin. Never throws: a failure here must not break the connection,
    /// and the queue is drained again on the next room or the next admin connection.
    /// </summary>
    public async Task AdminCameOnlineAsync(Guid adminId, CancellationToken cancellationToken)
    {
        try
        {
            await DrainQueueAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogDrainFailed(e, adminId);
        }
    }

    /// <summary>
    /// Hook for Accounts: a disabled admin's open rooms go back to the queue and are assigned again at once
    /// (the disabled admin is no longer a candidate), so no user waits on someone who cannot answer.
    /// </summary>
    public async Task OnUserDisabledAsync(Guid userId, CancellationToken cancellationToken)
    {
        Guid[] released;
        IReadOnlyList<Assignment> assigned;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockAssignmentsAsync(connection, transaction, cancellationToken);
            released = [.. await connection.QueryAsync<Guid>(new CommandDefinition(
                """
                update support_rooms set assigned_admin_id = null, assigned_at = null
                where assigned_admin_id = @UserId and closed_at is null
                returning conversation_id
                """, new { UserId = userId }, transaction, cancellationToken: cancellationToken))];
            if (released.Length == 0)
            {
                return;
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "delete from conversation_members where conversation_id = any(@Ids) and user_id = @UserId",
                new { Ids = released, UserId = userId }, transaction, cancellationToken: cancellationToken));
            assigned = await AssignWaitingAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        LogReleased(released.Length, userId);
        await PublishAsync(released, assigned, cancellationToken);
    }

    /// <summary>Assigns every waiting room to the online admins; returns the rooms assigned.</summary>
    public async Task<int> DrainQueueAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Assignment> assigned;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            assigned = await AssignWaitingAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await PublishAsync([], assigned, cancellationToken);
        return assigned.Count;
    }

    private async Task<(Guid RoomId, bool Created)> EnsureOpenRoomAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        // The row lock makes a concurrent close wait for this transaction (or, if the close came first, makes
        // this read see the room closed and open a fresh one), so a user message never lands in a closed room.
        var open = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "select conversation_id from support_rooms where user_id = @UserId and closed_at is null for update",
            new { UserId = userId }, transaction, cancellationToken: cancellationToken));
        if (open is { } existing)
        {
            return (existing, false);
        }

        var roomId = await conversations.CreateAsync(connection, transaction, ConversationKinds.Support, ConversationStatuses.Open, [userId], cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "insert into support_rooms (conversation_id, user_id, opened_at) values (@Id, @UserId, @Now)",
            new { Id = roomId, UserId = userId, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
        return (roomId, true);
    }

    /// <summary>
    /// The assignment rule: every waiting room, oldest first, goes to the online, enabled admin with the
    /// fewest open rooms; ties go to the admin whose last assignment is oldest (round robin).
    /// </summary>
    private async Task<IReadOnlyList<Assignment>> AssignWaitingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await LockAssignmentsAsync(connection, transaction, cancellationToken);
        var online = presence.OnlineUsers.ToArray();
        if (online.Length == 0)
        {
            return [];
        }

        var admins = (await connection.QueryAsync<Candidate>(new CommandDefinition(
            """
            select u.id,
                   (select count(*) from support_rooms r where r.assigned_admin_id = u.id and r.closed_at is null) as load,
                   coalesce(d.last_assignment_no, 0) as last_assignment_no
            from users u left join support_desk_admins d on d.admin_id = u.id
            where u.id = any(@Online) and u.role = 'admin' and u.disabled_at is null
            """, new { Online = online }, transaction, cancellationToken: cancellationToken))).AsList();
        if (admins.Count == 0)
        {
            return [];
        }

        var waiting = await connection.QueryAsync<RoomState>(new CommandDefinition(
            $"""
            {RoomStateSelect}
            where closed_at is null and assigned_admin_id is null
            order by opened_at, conversation_id
            """, null, transaction, cancellationToken: cancellationToken));

        var assigned = new List<Assignment>();
        var order = admins.Max(a => a.LastAssignmentNo);
        foreach (var room in waiting)
        {
            var pick = admins.OrderBy(a => a.Load).ThenBy(a => a.LastAssignmentNo).ThenBy(a => a.Id).First();
            if (await SetAssigneeAsync(connection, transaction, room.Id, room.UserId, previousAdminId: null, pick.Id, cancellationToken))
            {
                pick.Load++;
                pick.LastAssignmentNo = ++order;
                assigned.Add(new Assignment(room.Id, pick.Id));
            }
        }

        return assigned;
    }

    private async Task<bool> SetAssigneeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid roomId, Guid userId, Guid? previousAdminId, Guid adminId, CancellationToken cancellationToken)
    {
        // The guard on the previous assignee makes a concurrent close or re-assignment win instead of being overwritten.
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            with changed as (
                update support_rooms set assigned_admin_id = @AdminId, assigned_at = @Now
                where conversation_id = @Id and closed_at is null and assigned_admin_id is not distinct from @PreviousAdminId
                returning conversation_id
            )
            insert into support_desk_admins (admin_id, last_assignment_no)
            select @AdminId, nextval('support_assignment_seq') from changed
            on conflict (admin_id) do update set last_assignment_no = excluded.last_assignment_no
            """, new { Id = roomId, AdminId = adminId, PreviousAdminId = previousAdminId, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            return false;
        }

        if (previousAdminId is { } previous && previous != userId)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "delete from conversation_members where conversation_id = @Id and user_id = @UserId",
                new { Id = roomId, UserId = previous }, transaction, cancellationToken: cancellationToken));
        }

        await conversations.AddMembersAsync(connection, transaction, roomId, [adminId], cancellationToken);
        return true;
    }

    private static Task<RoomState?> LockRoomAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid roomId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<RoomState>(new CommandDefinition(
            $"{RoomStateSelect} where conversation_id = @Id for update", new { Id = roomId }, transaction, cancellationToken: cancellationToken));

    private static Task LockAssignmentsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "select pg_advisory_xact_lock(@Key)", new { Key = AssignmentLockKey }, transaction, cancellationToken: cancellationToken));

    private static Task LockUserAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "select pg_advisory_xact_lock(@Namespace, hashtext(@UserId::text))",
            new { Namespace = UserLockNamespace, UserId = userId }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// supportRoomUpdated to every online, enabled admin and to the room's own user, each with their own
    /// unread count. Runs after commit; a failure is logged, never reported as a failed request, because
    /// the change itself is durable and desks re-read the list on reconnect.
    /// </summary>
    private async Task PublishAsync(IReadOnlyCollection<Guid> changedRoomIds, IReadOnlyList<Assignment> assignments, CancellationToken cancellationToken)
    {
        Guid[] roomIds = [.. changedRoomIds.Concat(assignments.Select(a => a.RoomId)).Distinct()];
        if (roomIds.Length == 0)
        {
            return;
        }

        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var admins = (await connection.QueryAsync<Guid>(new CommandDefinition(
                "select id from users where id = any(@Online) and role = 'admin' and disabled_at is null",
                new { Online = presence.OnlineUsers.ToArray() }, cancellationToken: cancellationToken))).AsList();
            var owners = (await connection.QueryAsync<Guid>(new CommandDefinition(
                "select distinct user_id from support_rooms where conversation_id = any(@Ids)",
                new { Ids = roomIds }, cancellationToken: cancellationToken))).AsList();
            var viewers = admins.Concat(owners).Distinct().ToArray();
            var views = await reader.FindForViewersAsync(connection, roomIds, viewers, cancellationToken);
            foreach (var room in views)
            {
                foreach (var (viewer, dto) in room)
                {
                    if (admins.Contains(viewer) || dto.User.UserId == viewer)
                    {
                        await notifier.User(viewer).SupportRoomUpdated(dto.ToConversation());
                    }
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            LogPublishFailed(e, roomIds.Length);
        }

        // A new assignee has a new member row and so new unread messages.
        foreach (var assignment in assignments)
        {
            unread.AnnounceTo(assignment.RoomId, assignment.AdminId);
        }
    }

    private sealed record RoomState(Guid Id, Guid UserId, Guid? AssignedAdminId, DateTimeOffset? ClosedAt);


    private sealed record Assignment(Guid RoomId, Guid AdminId);

    private sealed class Candidate
    {
        public Guid Id { get; init; }

        public long Load { get; set; }

        public long LastAssignmentNo { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{RoomCount} support room(s) of disabled admin {AdminId} went back to the queue")]
    private partial void LogReleased(int roomCount, Guid adminId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not drain the support queue when admin {AdminId} came online")]
    private partial void LogDrainFailed(Exception exception, Guid adminId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish supportRoomUpdated for {RoomCount} room(s)")]
    private partial void LogPublishFailed(Exception exception, int roomCount);
}
