using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Npgsql;

namespace ClinicChat.Support;

/// <summary>An assignment the desk made: the room and the admin who now answers it.</summary>
public sealed record SupportAssignment(Guid RoomId, Guid AdminId);

/// <summary>
/// supportRoomUpdated to every online, enabled admin and to the room's own user, each with their own unread count,
/// after any change to a room (opened, assigned, closed, a new message). Runs after commit and is best effort: the
/// change itself is durable and desks re-read the list on reconnect.
/// </summary>
public sealed partial class SupportFanOut(
    NpgsqlDataSource dataSource,
    SupportRoomReader reader,
    ChatNotifier notifier,
    UnreadAnnouncer unread,
    IPresence presence,
    ILogger<SupportFanOut> logger) : IMessageSentObserver
{
    /// <summary>
    /// Hook for the chat send path, called after a message is committed (REST, hub or the desk's own send). No-op
    /// unless the conversation is a support room; otherwise refreshes every desk (last message, waiting-since).
    /// </summary>
    public Task OnMessageSentAsync(MessageDto message, string conversationKind, CancellationToken cancellationToken) =>
        conversationKind == ConversationKinds.Support && message.Kind != MessageKinds.System
            ? PublishAsync([message.ConversationId], [], cancellationToken)
            : Task.CompletedTask;

    public async Task PublishAsync(IReadOnlyCollection<Guid> changedRoomIds, IReadOnlyList<SupportAssignment> assignments, CancellationToken cancellationToken)
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
        catch (Exception e) when (BestEffort.Tolerates(e))
        {
            LogPublishFailed(e, roomIds.Length);
        }

        // A new assignee has a new member row and so new unread messages.
        foreach (var assignment in assignments)
        {
            unread.AnnounceTo(assignment.RoomId, assignment.AdminId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish supportRoomUpdated for {RoomCount} room(s)")]
    private partial void LogPublishFailed(Exception exception, int roomCount);
}
