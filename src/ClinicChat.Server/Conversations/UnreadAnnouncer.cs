using System.Diagnostics;
using ClinicChat.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace ClinicChat.Conversations;

/// <summary>
/// Sends unreadChanged to online members after a change to their counts (a message sent or deleted, a watermark
/// moved, a support room assigned). One loop reads the committed counters for everything announced since its last
/// round, in one statement, and sends the events; what is announced while a round runs, or within
/// <see cref="RoundInterval"/> of its start, goes into the next one. A member who heard from it less than
/// <see cref="MemberInterval"/> ago is counted again and told once that interval has passed. So a burst of messages
/// costs one query per round instead of one per message, a busy member gets a few events a second with the latest
/// count instead of one per message (each a write to their socket), a quiet one hears at once, and because every
/// unreadChanged of the server comes from this loop, one computed after a change is never overtaken by one computed
/// before it. Both intervals are real time, not the injected clock: they pace work, they are not product deadlines.
/// </summary>
public sealed partial class UnreadAnnouncer(
    [FromKeyedServices(DatabaseExtensions.HotPath)] NpgsqlDataSource dataSource,
    IChatEvents chatEvents,
    ILogger<UnreadAnnouncer> logger) : BackgroundService
{
    /// <summary>Rounds start at most this often: a round's statement is paid once for everything in it.</summary>
    public static readonly TimeSpan RoundInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A member hears at most this often, however many messages reach them: at 4,000 msg/s over 500 conversations an
    /// event per message was a quarter of the server's socket writes. A badge may lag its message by this much.
    /// </summary>
    public static readonly TimeSpan MemberInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a failed round waits before its announcements are tried again.</summary>
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

    // Only the loop touches these: when each member last heard, and what waits for their interval to pass; and,
    // kept from round to round so that a round allocates next to nothing, the set a round swaps in for _pending
    // and a round's counts and members told.
    private readonly Dictionary<Guid, long> _lastTold = [];
    private readonly Dictionary<Guid, Deferred> _deferred = [];
    private HashSet<Announcement> _spare = [];
    private readonly Dictionary<(Guid UserId, Guid ConversationId), UnreadChangedEvent> _events = [];
    private readonly HashSet<Guid> _told = [];

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
                if (NextDeferredDue() is { } due)
                {
                    var untilDue = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (untilDue > TimeSpan.Zero)
                    {
                        await _signal.WaitAsync(untilDue, stoppingToken);
                    }
                }
                else
                {
                    await _signal.WaitAsync(stoppingToken);
                }

                var sinceLast = Stopwatch.GetElapsedTime(lastRound);
                if (sinceLast < RoundInterval)
                {
                    await Task.Delay(RoundInterval - sinceLast, stoppingToken);
                }

                lastRound = Stopwatch.GetTimestamp();
                HashSet<Announcement> round;
                lock (_gate)
                {
                    (round, _pending) = (_pending, _spare);
                    _signalled = false;
                }

                TakeDueDeferred(round, lastRound);
                if (round.Count > 0 && !await TryAnnounceAsync(round, lastRound, stoppingToken))
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                    foreach (var announcement in round)
                    {
                        Add(announcement);
                    }
                }

                round.Clear();
                _spare = round;
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

    private long? NextDeferredDue()
    {
        long? next = null;
        foreach (var deferred in _deferred.Values)
        {
            next = next is { } n && n <= deferred.Due ? n : deferred.Due;
        }

        return next;
    }

    private void TakeDueDeferred(HashSet<Announcement> round, long now)
    {
        List<Guid>? due = null;
        foreach (var (userId, deferred) in _deferred)
        {
            if (deferred.Due <= now)
            {
                (due ??= []).Add(userId);
                foreach (var conversationId in deferred.ConversationIds)
                {
                    round.Add(new Announcement(conversationId, userId, Others: false));
                }
            }
        }

        foreach (var userId in due ?? [])
        {
            _deferred.Remove(userId);
        }
    }

    /// <summary>False when the counts could not be read; the round is then tried again.</summary>
    private async Task<bool> TryAnnounceAsync(HashSet<Announcement> round, long now, CancellationToken cancellationToken)
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

        var events = _events;
        events.Clear();
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
                if (chatEvents.IsConnected(userId))
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

        var interval = (long)(MemberInterval.TotalSeconds * Stopwatch.Frequency);
        var told = _told;
        told.Clear();
        foreach (var ((userId, conversationId), unreadChanged) in events)
        {
            if (!told.Contains(userId) && _lastTold.TryGetValue(userId, out var last) && now - last < interval)
            {
                // Heard from us too recently: count again (then send the latest) once the interval has passed.
                if (!_deferred.TryGetValue(userId, out var deferred))
                {
                    _deferred[userId] = deferred = new Deferred(last + interval);
                }

                deferred.ConversationIds.Add(conversationId);
                continue;
            }

            told.Add(userId);
            _lastTold[userId] = now;
            // Not awaited: a slow client must not hold up everyone else's counts (writes to a connection stay in order).
            _ = chatEvents.UnreadChangedAsync(userId, unreadChanged);
        }

        ForgetQuietMembers(now, interval);
        return true;
    }

    /// <summary>Members last told longer than an interval ago would be told at once anyway; dropping them bounds the map.</summary>
    private void ForgetQuietMembers(long now, long interval)
    {
        if (_lastTold.Count < 4096)
        {
            return;
        }

        foreach (var (userId, last) in _lastTold)
        {
            if (now - last >= interval)
            {
                _lastTold.Remove(userId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading unread counts for {Count} announcement(s) failed; retrying")]
    private partial void LogCountFailed(Exception exception, int count);

    private readonly record struct Announcement(Guid ConversationId, Guid UserId, bool Others);

    private sealed class Deferred(long due)
    {
        public long Due { get; } = due;

        public HashSet<Guid> ConversationIds { get; } = [];
    }
}
