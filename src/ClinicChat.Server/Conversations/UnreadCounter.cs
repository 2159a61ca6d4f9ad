using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Unread counts per member, kept by database triggers (migration 0009) equal to the others' live, non-system
/// messages above the member's read watermark, and announced to their online users as unreadChanged.
/// </summary>
public sealed partial class UnreadCounter([FromKeyedServices(DatabaseExtensions.HotPath)] NpgsqlDataSource dataSource, ChatNotifier notifier, ILogger<UnreadCounter> logger)
{
    private const string UnreadByConversationSql = """
        select user_id, conversation_id, unread_count from conversation_members
        where user_id = any(@Users) and unread_count > 0
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

    /// <summary>
    /// Counts, then starts sending unreadChanged to each user's connections. The sends are queued before this
    /// returns (so callers holding a conversation lock keep event order) and the returned task completes once written.
    /// </summary>
    public async Task<Task> StartUnreadChangedAsync(Guid[] userIds, Guid conversationId, CancellationToken cancellationToken)
    {
        if (userIds.Length == 0)
        {
            return Task.CompletedTask;
        }

        var counts = await CountAsync(userIds, cancellationToken);
        var sends = new List<Task>(userIds.Length);
        foreach (var userId in userIds)
        {
            var (inConversation, total) = counts.TryGetValue(userId, out var user)
                ? (user.ByConversation.GetValueOrDefault(conversationId), user.Total)
                : (0L, 0L);
            sends.Add(notifier.User(userId).UnreadChanged(new UnreadChangedEvent(conversationId, inConversation, total)));
        }

        return ObserveAsync(Task.WhenAll(sends));
    }

    /// <summary>Starts sending counts computed elsewhere (the message writer's, after its commit); the sends are queued before this returns.</summary>
    public Task PublishAsync(IReadOnlyList<(Guid UserId, UnreadChangedEvent Event)> events)
    {
        if (events.Count == 0)
        {
            return Task.CompletedTask;
        }

        var sends = new Task[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            sends[i] = notifier.User(events[i].UserId).UnreadChanged(events[i].Event);
        }

        return ObserveAsync(Task.WhenAll(sends));
    }

    /// <summary>Awaits event sends whose failure must not fail the committed operation that caused them.</summary>
    public async Task ObserveAsync(Task publish)
    {
        try
        {
            await publish;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPublishFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a chat event failed; clients recover through Sync")]
    private partial void LogPublishFailed(Exception exception);

    public sealed class UserUnread
    {
        public Dictionary<Guid, long> ByConversation { get; } = [];

        public long Total { get; set; }

        public UnreadSummaryDto ToSummary() =>
            new(Total, [.. ByConversation.Select(p => new UnreadCountDto(p.Key, p.Value)).OrderBy(c => c.ConversationId)]);
    }
}
