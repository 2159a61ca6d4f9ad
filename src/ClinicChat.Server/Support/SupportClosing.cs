using ClinicChat.Audit;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Support;

/// <summary>Closing a room from the desk: status closed, a system note, no more writes from anyone.</summary>
public sealed class SupportClosing(
    NpgsqlDataSource dataSource,
    ConversationStore conversations,
    SystemNotes notes,
    SupportRoomReader reader,
    SupportFanOut fanOut,
    AuditLog audit,
    TimeProvider time)
{
    public const string ClosedText = "This support chat was closed. Send a new message to start a new one.";

    /// <summary>Idempotent: closing a closed room answers the room as it is.</summary>
    public async Task<Outcome<SupportRoomDto>> CloseAsync(Guid roomId, Guid actorId, string? note, CancellationToken cancellationToken)
    {
        using (var scope = notes.Begin())
        {
            // The ordering lock before the room's rows: a send holding it may be waiting on the conversation row.
            await scope.LockAsync(roomId, cancellationToken);
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                var room = await SupportRooms.LockRoomAsync(connection, transaction, roomId, cancellationToken);
                if (room is null)
                {
                    return SupportRooms.RoomNotFound;
                }

                if (room.ClosedAt is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                    return (await reader.FindAsync(roomId, actorId, cancellationToken))!;
                }

                await connection.ExecuteAsync(new CommandDefinition(
                    "update support_rooms set closed_at = @Now, closed_by = @ActorId, close_note = @Note where conversation_id = @Id",
                    new { Id = roomId, ActorId = actorId, Note = note, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
                await conversations.SetStatusAsync(connection, transaction, roomId, ConversationStatuses.Closed, cancellationToken);
                await scope.AppendAsync(connection, transaction, roomId, ClosedText, cancellationToken);
                await audit.WriteAsync(connection, transaction, actorId, "support.closed", "conversation", roomId.ToString(), null, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            await scope.PublishAsync();
        }

        await fanOut.PublishAsync([roomId], [], cancellationToken);
        return (await reader.FindAsync(roomId, actorId, cancellationToken))!;
    }
}
