using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Unread counts: the others' live, non-system messages above a member's read watermark, read from the counters of
/// migration 0009. <see cref="UnreadAnnouncer"/> tells online users when they change.
/// </summary>
public sealed class UnreadCounter([FromKeyedServices(DatabaseExtensions.HotPath)] NpgsqlDataSource dataSource)
{
    private const string UnreadByConversationSql = $"""
        select me.user_id, me.conversation_id, {ConversationQueries.UnreadExpression} as unread
        from conversation_members me join conversations c on c.id = me.conversation_id
        where me.user_id = any(@Users) and {ConversationQueries.UnreadExpression} > 0
        """;

    public async Task<UnreadSummaryDto> SummaryAsync(Guid userId, CancellationToken cancellationToken)
    {
        var counts = await CountAsync([userId], cancellationToken);
        return counts.TryGetValue(userId, out var mine) ? mine.ToSummary() : new UnreadSummaryDto(0, []);
    }

    public async Task<Dictionary<Guid, UserUnread>> CountAsync(Guid[] userIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid UserId, Guid ConversationId, long Unread)>(new CommandDefinition(
            UnreadByConversationSql, new { Users = userIds }, cancellationToken: cancellationToken));
        var result = new Dictionary<Guid, UserUnread>();
        foreach (var (userId, conversationId, unread) in rows)
        {
            if (unread == 0)
            {
                continue;
            }

            if (!result.TryGetValue(userId, out var user))
            {
                result[userId] = user = new UserUnread();
            }

            user.ByConversation[conversationId] = unread;
            user.Total += unread;
        }

        return result;
    }

    public sealed class UserUnread
    {
        public Dictionary<Guid, long> ByConversation { get; } = [];

        public long Total { get; set; }

        public UnreadSummaryDto ToSummary() =>
            new(Total, [.. ByConversation.Select(p => new UnreadCountDto(p.Key, p.Value)).OrderBy(c => c.ConversationId)]);
    }
}
