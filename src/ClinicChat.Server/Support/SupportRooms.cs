using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Support;

/// <summary>
/// Support rooms from the user's side: one open room per user, opened (and assigned) on demand, and the user's
/// messages to the desk, which go through the chat's normal send path once the room exists.
/// </summary>
public sealed class SupportRooms(
    NpgsqlDataSource dataSource,
    ConversationStore conversations,
    ConversationQueries queries,
    MessageSender sender,
    SupportRoomReader reader,
    SupportAssignments assignments,
    SupportFanOut fanOut,
    TimeProvider time)
{
    public static readonly Failure RoomNotFound = Failure.NotFound("support.room_not_found", "Support room");

    internal const string RoomStateSelect = "select conversation_id as id, user_id, assigned_admin_id, closed_at from support_rooms";

    // Two-key advisory locks (namespace, hash of the user id) serialise one user's room opening; hash collisions only
    // make two users wait for each other briefly.
    private const int UserLockNamespace = 730_155_006;

    // A close can land between opening the room and sending into it; the send is then refused as not writable and the
    // next try opens a fresh room. Two tries suffice unless an admin closes rooms as fast as they open.
    private const int SendAttempts = 3;

    internal sealed record RoomState(Guid Id, Guid UserId, Guid? AssignedAdminId, DateTimeOffset? ClosedAt);

    public sealed record Opened(SupportRoomDto Room, bool Created);

    /// <summary>The caller's open room, creating a fresh one (and assigning it) when they have none open.</summary>
    public async Task<Opened> OpenRoomAsync(Guid userId, CancellationToken cancellationToken)
    {
        var (roomId, created, assigned) = await EnsureOpenRoomAsync(userId, cancellationToken);
        if (created)
        {
            await fanOut.PublishAsync([roomId], assigned, cancellationToken);
        }

        var room = await reader.FindAsync(roomId, userId, cancellationToken);
        return new Opened(room!, created);
    }

    /// <summary>
    /// A user's message to the desk: goes into their open room, or opens a fresh one when the last was closed.
    /// Idempotent per clientMessageId across all of the user's support rooms, so a retry after a close does not post
    /// twice. The send itself is the chat's (same rules, rate limit, ordering lock and events as any send).
    /// </summary>
    public async Task<Outcome<SendResult>> SendAsync(Guid userId, string? clientMessageId, string? text, Guid[]? attachmentIds, CancellationToken cancellationToken)
    {
        var caller = new ChatCaller(userId, IsAdmin: false);
        if (sender.Admit(caller, clientMessageId, text, attachmentIds, out var content) is { } refused)
        {
            return refused;
        }

        if (await queries.FindSentAsync(userId, clientMessageId!, ConversationKinds.Support, cancellationToken) is { } original)
        {
            return new SendResult(original, Created: false);
        }

        Outcome<SendResult> sent = default;
        for (var attempt = 0; attempt < SendAttempts; attempt++)
        {
            var (roomId, created, assigned) = await EnsureOpenRoomAsync(userId, cancellationToken);
            sent = await sender.AppendAdmittedAsync(caller, roomId, clientMessageId!, content, originConnectionId: null, cancellationToken);
            if (created)
            {
                // A stored message already told every desk about its room (the send path's observer), with the message
                // as the room's last; what is left are the other waiting rooms this opening assigned.
                await fanOut.PublishAsync(sent.Succeeded ? [] : [roomId], sent.Succeeded ? [.. assigned.Where(a => a.RoomId != roomId)] : assigned, cancellationToken);
            }

            if (sent.Failure is not { Kind: FailureKind.Conflict })
            {
                return sent;
            }
        }

        return sent;
    }

    /// <summary>The user's open room, or a fresh one (assigned if an admin is online); the caller publishes a new room.</summary>
    private async Task<(Guid RoomId, bool Created, IReadOnlyList<SupportAssignment> Assigned)> EnsureOpenRoomAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "select pg_advisory_xact_lock(@Namespace, hashtext(@UserId::text))",
                new { Namespace = UserLockNamespace, UserId = userId }, transaction, cancellationToken: cancellationToken));
            var open = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
                "select conversation_id from support_rooms where user_id = @UserId and closed_at is null",
                new { UserId = userId }, transaction, cancellationToken: cancellationToken));
            if (open is { } existing)
            {
                await transaction.CommitAsync(cancellationToken);
                return (existing, false, []);
            }

            var roomId = await conversations.CreateAsync(connection, transaction, ConversationKinds.Support, ConversationStatuses.Open, [userId], cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "insert into support_rooms (conversation_id, user_id, opened_at) values (@Id, @UserId, @Now)",
                new { Id = roomId, UserId = userId, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
            var assigned = await assignments.AssignWaitingAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (roomId, true, assigned);
        }
    }

    internal static Task<RoomState?> LockRoomAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid roomId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<RoomState>(new CommandDefinition(
            $"{RoomStateSelect} where conversation_id = @Id for update", new { Id = roomId }, transaction, cancellationToken: cancellationToken));
}
