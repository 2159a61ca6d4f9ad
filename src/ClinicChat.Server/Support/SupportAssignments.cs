using ClinicChat.Accounts;
using ClinicChat.Audit;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Npgsql;

namespace ClinicChat.Support;

/// <summary>
/// Who answers which room: automatic assignment to the least-loaded online admin (when a room opens, when an admin
/// comes online, when an admin is disabled) and manual re-assignment from the desk.
/// </summary>
public sealed partial class SupportAssignments(
    NpgsqlDataSource dataSource,
    ConversationStore conversations,
    SupportRoomReader reader,
    SupportFanOut fanOut,
    IPresence presence,
    AuditLog audit,
    TimeProvider time,
    ILogger<SupportAssignments> logger) : IUserDisabledObserver, IUserCameOnlineObserver
{
    // Every assignment decision (automatic or manual) runs under this transaction-scoped lock, so that two
    // rooms created at the same instant cannot both see the same admin as least loaded. Any fixed number
    // works as long as every server instance uses the same one.
    private const long AssignmentLockKey = 7_301_554_120_006;

    /// <summary>Manual (re-)assignment by an admin; the previous assignee leaves the room's members.</summary>
    public async Task<Outcome<SupportRoomDto>> AssignAsync(Guid roomId, Guid adminId, Guid actorId, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockAssignmentsAsync(connection, transaction, cancellationToken);
            var room = await SupportRooms.LockRoomAsync(connection, transaction, roomId, cancellationToken);
            if (room is null)
            {
                return SupportRooms.RoomNotFound;
            }

            if (room.ClosedAt is not null)
            {
                return Failure.Conflict("support.room_closed", "A closed support room cannot be assigned.", "Room closed");
            }

            var isEnabledAdmin = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select exists (select 1 from users where id = @Id and role = 'admin' and disabled_at is null)",
                new { Id = adminId }, transaction, cancellationToken: cancellationToken));
            if (!isEnabledAdmin)
            {
                return Failure.Field("adminId", "The assignee must be an enabled admin.");
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
                return (await reader.FindAsync(roomId, actorId, cancellationToken))!;
            }
        }

        await fanOut.PublishAsync([], [new SupportAssignment(roomId, adminId)], cancellationToken);
        return (await reader.FindAsync(roomId, actorId, cancellationToken))!;
    }

    /// <summary>
    /// Raised by Realtime: a user's first connection opened. For an admin, rooms waiting in the queue are assigned now,
    /// oldest first, spread over every online admin. Never throws: a failure here must not break the connection, and
    /// the queue is drained again on the next room or the next admin connection.
    /// </summary>
    public async Task OnUserCameOnlineAsync(Guid userId, bool isAdmin, CancellationToken cancellationToken)
    {
        if (!isAdmin)
        {
            return;
        }

        try
        {
            await DrainQueueAsync(cancellationToken);
        }
        catch (Exception e) when (BestEffort.Tolerates(e))
        {
            LogDrainFailed(e, userId);
        }
    }

    /// <summary>
    /// Raised by Accounts: a disabled admin's open rooms go back to the queue and are assigned again at once (the
    /// disabled admin is no longer a candidate), so no user waits on someone who cannot answer.
    /// </summary>
    public async Task OnUserDisabledAsync(Guid userId, CancellationToken cancellationToken)
    {
        Guid[] released;
        IReadOnlyList<SupportAssignment> assigned;
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

            await conversations.RemoveMemberAsync(connection, transaction, released, userId, cancellationToken);
            assigned = await AssignWaitingAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        LogReleased(released.Length, userId);
        await fanOut.PublishAsync(released, assigned, cancellationToken);
    }

    /// <summary>Assigns every waiting room to the online admins; returns the rooms assigned.</summary>
    public async Task<int> DrainQueueAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<SupportAssignment> assigned;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            assigned = await AssignWaitingAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await fanOut.PublishAsync([], assigned, cancellationToken);
        return assigned.Count;
    }

    /// <summary>
    /// The assignment rule: every waiting room, oldest first, goes to the online, enabled admin with the
    /// fewest open rooms; ties go to the admin whose last assignment is oldest (round robin).
    /// </summary>
    internal async Task<IReadOnlyList<SupportAssignment>> AssignWaitingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
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

        var waiting = await connection.QueryAsync<SupportRooms.RoomState>(new CommandDefinition(
            $"""
            {SupportRooms.RoomStateSelect}
            where closed_at is null and assigned_admin_id is null
            order by opened_at, conversation_id
            """, null, transaction, cancellationToken: cancellationToken));

        var assigned = new List<SupportAssignment>();
        var order = admins.Max(a => a.LastAssignmentNo);
        foreach (var room in waiting)
        {
            var pick = admins.OrderBy(a => a.Load).ThenBy(a => a.LastAssignmentNo).ThenBy(a => a.Id).First();
            if (await SetAssigneeAsync(connection, transaction, room.Id, room.UserId, previousAdminId: null, pick.Id, cancellationToken))
            {
                pick.Load++;
                pick.LastAssignmentNo = ++order;
                assigned.Add(new SupportAssignment(room.Id, pick.Id));
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
            await conversations.RemoveMemberAsync(connection, transaction, [roomId], previous, cancellationToken);
        }

        await conversations.AddMembersAsync(connection, transaction, roomId, [adminId], cancellationToken);
        return true;
    }

    private static Task LockAssignmentsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "select pg_advisory_xact_lock(@Key)", new { Key = AssignmentLockKey }, transaction, cancellationToken: cancellationToken));

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
}
