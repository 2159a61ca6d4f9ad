using ClinicChat.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.SignalR;
using Npgsql;

namespace ClinicChat.Realtime;

/// <summary>
/// Presence goes only to the people who share a conversation with the user, never to everyone: who is online
/// at a clinic is itself sensitive (patients' ids), and a broadcast would cost O(connections) per login.
/// Doctors' availability for booking comes from GET /doctors (online) instead.
/// </summary>
public sealed partial class PresenceNotifier(
    NpgsqlDataSource dataSource,
    PresenceTracker tracker,
    IHubContext<ChatHub, IChatClient> hub,
    ILogger<PresenceNotifier> logger)
{
    /// <summary>Counts the connection; true when the user just came online.</summary>
    public async Task<bool> ConnectedAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (!tracker.Connected(userId))
        {
            return false;
        }

        await PublishAsync(userId, cancellationToken);
        return true;
    }

    public async Task DisconnectedAsync(Guid userId)
    {
        if (tracker.Disconnected(userId))
        {
            await PublishAsync(userId, CancellationToken.None);
        }
    }

    public async Task<IReadOnlyList<Guid>> PartnersAsync(Guid userId, CancellationToken cancellationToken)
    {
        const string sql = """
            select distinct other.user_id
            from conversation_members me
            join conversation_members other on other.conversation_id = me.conversation_id and other.user_id <> me.user_id
            where me.user_id = @UserId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(sql, new { UserId = userId }, cancellationToken: cancellationToken))).AsList();
    }

    private async Task PublishAsync(Guid userId, CancellationToken cancellationToken)
    {
        try
        {
            var partners = await PartnersAsync(userId, cancellationToken);
            var online = partners.Where(tracker.IsOnline).Select(p => p.ToString()).ToList();
            if (online.Count > 0)
            {
                // The state now, not the transition that triggered this: a quick connect/disconnect pair whose
                // events overtake each other still ends with the right answer.
                await hub.Clients.Users(online).Presence(new PresenceEvent(userId, tracker.IsOnline(userId)));
            }
        }
        catch (Exception e) when (BestEffort.Tolerates(e))
        {
            LogPresenceFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing presence failed")]
    private partial void LogPresenceFailed(Exception exception);
}
