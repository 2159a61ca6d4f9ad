using System.Diagnostics;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Npgsql;
using NpgsqlTypes;

namespace ClinicChat.Conversations;

/// <summary>
/// Sends unreadChanged to online members after a change to their counts (a message sent or deleted, a watermark
/// moved, a support room assigned). One loop reads the committed counters for everything announced since its last
/// round, in one statement, and sends the events; what is announced while a round runs, or within
/// <see cref="RoundInterval"/> of its start, goes into the next one. So a burst of messages costs one query per
/// round instead of one per message, a member hears only the latest count, and because every unreadChanged of the
/// server comes from this loop, one computed after a change is never overtaken by one computed before it.
/// </summary>
public sealed partial class UnreadAnnouncer(
    [FromKeyedServices(DatabaseExtensions.HotPath)] NpgsqlDataSource dataSource,
    ChatNotifier notifier,
    IPresence presence,
    ILogger<UnreadAnnouncer> logger) : BackgroundService
{
    /// <summary>
    /// Rounds start at most this often. A round's statement is paid once for everything in it, and a member who
    /// receives many messages a second gets one event per round instead of one per message (each a write to their
    /// socket); the price is that a badge may lag its message by this much. Real time, not the injected clock: this
    /// paces work, it is not a product deadline.
    /// </summary>
    public static readonly TimeSpan RoundInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a failed round waits before its announcements are tried again (real time, as above).</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    // Others: every member but UserId (a send, a deletion); otherwise UserId alone (their own watermark moved).
    private const string CountsSql = $"""
        select me.conversation_id, me.user_id, {ConversationQueries.UnreadExpression},
               (select sum(oc.countable_total - o.read_countable - o.own_unread)
                from conversation_members o join conversations oc on oc.id = o.conversation_id
                where o.user_id = me.user_id)::bigint
        from unnest($1::uuid[], $2::uuid[], $3::boolean[]) as a(conversation_id, user_id, others)
        join conversation_members me on me.conversation_id = a.conversation_id and (me.user_id = a.user_id) <> a.others
        join conversations c on c.id = me.conversation_id
        """;

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private HashSet<Announcement> _pending = [];
    private bool _signalled;

    /// <summary>The counts of every member but <paramref name="userId"/> changed (they sent or deleted a message).</summary>
    public void AnnounceToOthers(Guid conversationId, Guid userId) => Add(new Announcement(conversationId, userId, Others: true));

    /// <summary>The counts of <paramref name="userId"/> in the conversation changed.</summary>
    public void AnnounceTo(Guid conversationId, Guid userId) => Add(new Announcement(conversationId, userId, Others: false));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var lastRound = 0L;
            while (true)
            {
                await _signal.WaitAsync(stoppingToken);
                var sinceLast = Stopwatch.GetElapsedTime(lastRound);
                if (sinceLast < RoundInterval)
                {
                    await Task.Delay(RoundInterval - sinceLast, stoppingToken);
                }

                lastRound = Stopwatch.GetTimestamp();
                HashSet<Announcement> round;
                lock (_gate)
                {
                    (round, _pending) = (_pending, []);
                    _signalled = false;
                }

                if (!await TryAnnounceAsync(round, stoppingToken))
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                    foreach (var announcement in round)
                    {
                        Add(announcement);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    private void Add(Announcement announcement)
    {
        lock (_gate)
        {
            _pending.Add(announcement);
            if (_signalled)
            {
                return;
            }

            _signalled = true;
        }

        _signal.Release();
    }

    /// <summary>False when the counts could not be read; the round is then tried again.</summary>
    private async Task<bool> TryAnnounceAsync(HashSet<Announcement> round, CancellationToken cancellationToken)
    {
        var conversationIds = new Guid[round.Count];
        var userIds = new Guid[round.Count];
        var others = new bool[round.Count];
        var i = 0;
        foreach (var (conversationId, userId, toOthers) in round)
        {
            (conversationIds[i], userIds[i], others[i]) = (conversationId, userId, toOthers);
            i++;
        }

        var events = new Dictionary<(Guid UserId, Guid ConversationId), UnreadChangedEvent>();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(CountsSql, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid[]> { TypedValue = conversationIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                    new NpgsqlParameter<Guid[]> { TypedValue = userIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                    new NpgsqlParameter<bool[]> { TypedValue = others, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean },
                },
            };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var (conversationId, userId) = (reader.GetGuid(0), reader.GetGuid(1));
                // Only users connected to this instance can hear it (there is no backplane).
                if (presence.IsOnline(userId))
                {
                    events[(userId, conversationId)] = new UnreadChangedEvent(conversationId, reader.GetInt64(2), reader.GetInt64(3));
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogCountFailed(e, round.Count);
            return false;
        }

        foreach (var ((userId, _), unreadChanged) in events)
        {
            // Not awaited: a slow client must not hold up everyone else's counts (writes to a connection stay in order).
            _ = notifier.ObserveAsync(notifier.User(userId).UnreadChanged(unreadChanged));
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading unread counts for {Count} announcement(s) failed; retrying")]
    private partial void LogCountFailed(Exception exception, int count);

    private readonly record struct Announcement(Guid ConversationId, Guid UserId, bool Others);
}
