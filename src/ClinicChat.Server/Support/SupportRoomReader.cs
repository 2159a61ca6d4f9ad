using ClinicChat.Conversations;
using Dapper;
using Npgsql;

namespace ClinicChat.Support;

/// <summary>
/// Reads support rooms in the desk's shape. A handful of set-based queries per call (rooms, members, last
/// messages, unread counts), never one query per room, so a desk of many rooms stays cheap to refresh.
/// </summary>
public sealed class SupportRoomReader(NpgsqlDataSource dataSource)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    // Waiting-since is derived from the messages themselves rather than stored, so it cannot drift when
    // sends and replies commit out of order: the oldest user message after the last admin reply.
    private const string RoomSelect = """
        select r.conversation_id as id, c.status, c.last_seq, r.user_id, r.assigned_admin_id, r.opened_at,
               r.assigned_at, r.closed_at, r.close_note, w.waiting_since
        from support_rooms r
        join conversations c on c.id = r.conversation_id
        left join lateral (
            select min(m.created_at) as waiting_since
            from messages m
            where m.conversation_id = r.conversation_id
              and m.sender_id = r.user_id
              and m.seq > coalesce((
                  select max(a.seq) from messages a
                  where a.conversation_id = r.conversation_id and a.sender_id is not null and a.sender_id <> r.user_id), 0)
        ) w on true
        """;

    public async Task<IReadOnlyList<SupportRoomDto>> ListAsync(string status, Guid viewerId, int limit, CancellationToken cancellationToken)
    {
        var (filter, order) = status switch
        {
            SupportRoomFilters.Closed => ("r.closed_at is not null", "r.closed_at desc, r.conversation_id"),
            SupportRoomFilters.Unassigned => ("r.closed_at is null and r.assigned_admin_id is null", "r.opened_at, r.conversation_id"),
            _ => ("r.closed_at is null", "r.opened_at, r.conversation_id"),
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RoomRow>(new CommandDefinition(
            $"{RoomSelect} where {filter} order by {order} limit @Limit",
            new { Limit = limit }, cancellationToken: cancellationToken));
        var views = await ComposeAsync(connection, rows.AsList(), [viewerId], cancellationToken);
        return [.. views.Select(v => v[viewerId])];
    }

    public async Task<SupportRoomDto?> FindAsync(Guid roomId, Guid viewerId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var views = await FindForViewersAsync(connection, [roomId], [viewerId], cancellationToken);
        return views.Count == 1 ? views[0][viewerId] : null;
    }

    /// <summary>The user's open room, else their most recent one.</summary>
    public async Task<SupportRoomDto?> FindCurrentForUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RoomRow>(new CommandDefinition(
            $"{RoomSelect} where r.user_id = @UserId order by r.closed_at is null desc, r.opened_at desc limit 1",
            new { UserId = userId }, cancellationToken: cancellationToken));
        var views = await ComposeAsync(connection, rows.AsList(), [userId], cancellationToken);
        return views.Count == 1 ? views[0][userId] : null;
    }

    /// <summary>Each room as each viewer sees it (unread counts and the close note differ per viewer).</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<Guid, SupportRoomDto>>> FindForViewersAsync(
        NpgsqlConnection connection, IReadOnlyCollection<Guid> roomIds, IReadOnlyCollection<Guid> viewerIds, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<RoomRow>(new CommandDefinition(
            $"{RoomSelect} where r.conversation_id = any(@Ids) order by r.opened_at, r.conversation_id",
            new { Ids = roomIds.ToArray() }, cancellationToken: cancellationToken));
        return await ComposeAsync(connection, rows.AsList(), viewerIds, cancellationToken);
    }

    private static async Task<IReadOnlyList<IReadOnlyDictionary<Guid, SupportRoomDto>>> ComposeAsync(
        NpgsqlConnection connection, List<RoomRow> rooms, IReadOnlyCollection<Guid> viewerIds, CancellationToken cancellationToken)
    {
        if (rooms.Count == 0)
        {
            return [];
        }

        var ids = rooms.Select(r => r.Id).ToArray();
        var members = (await connection.QueryAsync<MemberRow>(new CommandDefinition(
            """
            select cm.conversation_id, u.id as user_id, u.display_name, u.role
            from conversation_members cm join users u on u.id = cm.user_id
            where cm.conversation_id = any(@Ids)
            order by cm.joined_at, u.id
            """, new { Ids = ids }, cancellationToken: cancellationToken))).ToLookup(m => m.ConversationId);

        var userIds = rooms.Select(r => r.UserId).Concat(rooms.Where(r => r.AssignedAdminId is not null).Select(r => r.AssignedAdminId!.Value)).Distinct().ToArray();
        var people = (await connection.QueryAsync<PersonRow>(new CommandDefinition(
            "select id, display_name, role from users where id = any(@Ids)",
            new { Ids = userIds }, cancellationToken: cancellationToken))).ToDictionary(p => p.Id, p => new MemberDto(p.Id, p.DisplayName, p.Role));

        var lastMessageRows = (await connection.QueryAsync<MessageDto>(new CommandDefinition(
            $"""
            select {ConversationQueries.MessageColumns} from messages
            where (conversation_id, seq) in (select id, last_seq from conversations where id = any(@Ids))
            """, new { Ids = ids }, cancellationToken: cancellationToken))).AsList();
        var lastMessages = (await MessageAttachmentReader.WithAttachmentsAsync(connection, lastMessageRows, cancellationToken)).ToDictionary(m => m.ConversationId);

        // Unread = messages from others above the viewer's watermark; a desk admin who is not a member has
        // watermark 0, so the whole room is unread for them.
        var unread = (await connection.QueryAsync<UnreadRow>(new CommandDefinition(
            """
            select room.id as conversation_id, viewer.id as viewer_id,
                   (select count(*) from messages m
                    where m.conversation_id = room.id
                      and m.seq > coalesce((select cm.last_read_seq from conversation_members cm
                                            where cm.conversation_id = room.id and cm.user_id = viewer.id), 0)
                      and m.sender_id is distinct from viewer.id) as unread
            from unnest(@Ids) as room(id) cross join unnest(@Viewers) as viewer(id)
            """, new { Ids = ids, Viewers = viewerIds.ToArray() }, cancellationToken: cancellationToken)))
            .ToDictionary(u => (u.ConversationId, u.ViewerId), u => u.Unread);

        var result = new List<IReadOnlyDictionary<Guid, SupportRoomDto>>(rooms.Count);
        foreach (var room in rooms)
        {
            var perViewer = new Dictionary<Guid, SupportRoomDto>(viewerIds.Count);
            foreach (var viewer in viewerIds)
            {
                // The close note is the desk's internal record; the room's own user does not see it.
                var showNote = viewer != room.UserId;
                perViewer[viewer] = new SupportRoomDto(
                    room.Id,
                    ConversationKinds.Support,
                    room.Status,
                    [.. members[room.Id].Select(m => new MemberDto(m.UserId, m.DisplayName, m.Role))],
                    room.LastSeq,
                    lastMessages.GetValueOrDefault(room.Id),
                    unread.GetValueOrDefault((room.Id, viewer)),
                    ConsultationId: null,
                    people[room.UserId],
                    room.AssignedAdminId is { } admin ? people[admin] : null,
                    room.OpenedAt,
                    room.AssignedAt,
                    room.ClosedAt,
                    showNote ? room.CloseNote : null,
                    room.WaitingSince);
            }

            result.Add(perViewer);
        }

        return result;
    }

    private sealed record RoomRow(
        Guid Id,
        string Status,
        long LastSeq,
        Guid UserId,
        Guid? AssignedAdminId,
        DateTimeOffset OpenedAt,
        DateTimeOffset? AssignedAt,
        DateTimeOffset? ClosedAt,
        string? CloseNote,
        DateTimeOffset? WaitingSince);

    private sealed record MemberRow(Guid ConversationId, Guid UserId, string DisplayName, string Role);

    private sealed record PersonRow(Guid Id, string DisplayName, string Role);

    private sealed record UnreadRow(Guid ConversationId, Guid ViewerId, long Unread);
}
