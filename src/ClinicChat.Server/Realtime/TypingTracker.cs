using ClinicChat.Infrastructure;
using System.Collections.Concurrent;
using ClinicChat.Conversations;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>
/// Ephemeral typing state per (connection, conversation), never stored. Only transitions are broadcast: the first
/// isTyping=true, then isTyping=false on an explicit stop, on disconnect, or when no refresh came for
/// <see cref="Expiry"/> (a TimeProvider timer, so a client that vanishes mid-word does not type forever).
/// </summary>
public sealed partial class TypingTracker(IHubContext<ChatHub, IChatClient> hub, TimeProvider time, ILogger<TypingTracker> logger)
{
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(string ConnectionId, Guid ConversationId), State> _typing = new();

    public int ActiveCount => _typing.Count;

    public Task SetAsync(string connectionId, Guid userId, Guid conversationId, bool isTyping)
    {
        var key = (connectionId, conversationId);
        if (!isTyping)
        {
            return _typing.TryRemove(key, out var stopped) ? StopAsync(key, stopped) : Task.CompletedTask;
        }

        if (_typing.TryGetValue(key, out var current))
        {
            current.Timer?.Change(Expiry, Timeout.InfiniteTimeSpan);
            return Task.CompletedTask;
        }

        var state = new State(userId);
        if (!_typing.TryAdd(key, state))
        {
            return Task.CompletedTask;
        }

        state.Timer = time.CreateTimer(static s => ((Expiring)s!).Fire(), new Expiring(this, key, state), Expiry, Timeout.InfiniteTimeSpan);
        return BroadcastAsync(key, userId, true);
    }

    /// <summary>Ends every typing state of a closed connection.</summary>
    public Task ConnectionClosedAsync(string connectionId)
    {
        var stops = new List<Task>();
        foreach (var (key, state) in _typing)
        {
            if (key.ConnectionId == connectionId && _typing.TryRemove(new KeyValuePair<(string, Guid), State>(key, state)))
            {
                stops.Add(StopAsync(key, state));
            }
        }

        return Task.WhenAll(stops);
    }

    private Task StopAsync((string ConnectionId, Guid ConversationId) key, State state)
    {
        state.Timer?.Dispose();
        return BroadcastAsync(key, state.UserId, false);
    }

    private Task BroadcastAsync((string ConnectionId, Guid ConversationId) key, Guid userId, bool isTyping) =>
        BestEffort.RunAsync(
            () => hub.Clients.GroupExcept(ChatNotifier.ConversationGroup(key.ConversationId), key.ConnectionId).Typing(new TypingEvent(key.ConversationId, userId, isTyping)),
            logger, "typing event");

    private sealed class State(Guid userId)
    {
        public Guid UserId { get; } = userId;

        public ITimer? Timer { get; set; }
    }

    private sealed class Expiring(TypingTracker owner, (string ConnectionId, Guid ConversationId) key, State state)
    {
        public void Fire()
        {
            if (owner._typing.TryRemove(new KeyValuePair<(string, Guid), State>(key, state)))
            {
                _ = owner.StopAsync(key, state);
            }
        }
    }
}
