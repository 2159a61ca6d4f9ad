using System.Collections.Concurrent;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace ClinicChat.Realtime;

/// <summary>
/// The default in-memory lifetime manager, with every server-to-client event going through a bounded outbox per
/// connection, and indexes of each user's and each group's connections.
/// <para>
/// Sends never wait for a client's socket. SignalR's own group send completes only when the bytes are in every
/// member's pipe, and a member that stops reading keeps its pipe full: one stalled subscriber held up another
/// member's acknowledgement for seconds. Here a send hands the event to each connection: if the connection's pipe
/// has room it is written at once (the usual case), otherwise it waits in that connection's outbox, in order, and
/// is written when the pipe drains. An outbox holding more than Limits:HubOutboundQueueBytes closes its connection;
/// the client reconnects and catches up with Sync. Events to one connection keep the order of the calls that sent
/// them, so a conversation's messageCreated stay in seq order (senders call under the conversation's lock).
/// </para>
/// <para>
/// The default manager also answers Clients.User/Users by testing every open connection; here it is a dictionary
/// lookup. The message is serialized once per protocol for all recipients; a queued event is shared, not copied.
/// </para>
/// </summary>
public sealed partial class ChatHubLifetimeManager(
    IOptions<LimitsOptions> limits, ILogger<ChatHubLifetimeManager> logger, ILogger<DefaultHubLifetimeManager<ChatHub>> baseLogger)
    : DefaultHubLifetimeManager<ChatHub>(baseLogger)
{
    private readonly ConcurrentDictionary<string, Outbox> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConnectionSet> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConnectionSet> _groups = new(StringComparer.Ordinal);

    /// <summary>Connections closed because their outbox overflowed, since start.</summary>
    public long SlowConsumersClosed => Interlocked.Read(ref _slowConsumersClosed);

    private long _slowConsumersClosed;

    private long OutboundLimit => limits.Value.HubOutboundQueueBytes;

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        var outbox = new Outbox(connection, this);
        _connections[connection.ConnectionId] = outbox;
        if (connection.UserIdentifier is { } userId)
        {
            Add(_users, userId, outbox);
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (_connections.TryRemove(connection.ConnectionId, out var outbox))
        {
            outbox.Close();
            if (connection.UserIdentifier is { } userId)
            {
                Remove(_users, userId, outbox);
            }

            foreach (var group in outbox.TakeGroups())
            {
                Remove(_groups, group, outbox);
            }
        }

        await base.OnDisconnectedAsync(connection);
    }

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_connections.TryGetValue(connectionId, out var outbox) && outbox.JoinGroup(groupName))
        {
            Add(_groups, groupName, outbox);
            // Disconnected while joining: its groups were already taken, so leave the one just joined here.
            if (outbox.IsClosed)
            {
                Remove(_groups, groupName, outbox);
            }
        }

        return Task.CompletedTask;
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_connections.TryGetValue(connectionId, out var outbox) && outbox.LeaveGroup(groupName))
        {
            Remove(_groups, groupName, outbox);
        }

        return Task.CompletedTask;
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendAllExceptAsync(methodName, args, [], cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        var message = Serialized(methodName, args);
        foreach (var (id, outbox) in _connections)
        {
            if (!excludedConnectionIds.Contains(id))
            {
                outbox.Send(message);
            }
        }

        return Task.CompletedTask;
    }

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendConnectionsAsync([connectionId], methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        SerializedHubMessage? message = null;
        foreach (var id in connectionIds)
        {
            if (_connections.TryGetValue(id, out var outbox))
            {
                outbox.Send(message ??= Serialized(methodName, args));
            }
        }

        return Task.CompletedTask;
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToSets(_groups, [groupName], methodName, args, except: null);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToSets(_groups, groupNames, methodName, args, except: null);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendToSets(_groups, [groupName], methodName, args, excludedConnectionIds);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToSets(_users, [userId], methodName, args, except: null);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToSets(_users, userIds, methodName, args, except: null);

    /// <summary>
    /// Hands the event to every connection of the sets and returns: the task is complete when each connection has
    /// written it or queued it, never later. A connection in two of the sets gets it twice, as with SignalR's own.
    /// </summary>
    private static Task SendToSets(
        ConcurrentDictionary<string, ConnectionSet> index, IReadOnlyList<string> keys, string methodName, object?[] args, IReadOnlyList<string>? except)
    {
        SerializedHubMessage? message = null;
        foreach (var key in keys)
        {
            if (!index.TryGetValue(key, out var set))
            {
                continue;
            }

            foreach (var outbox in set.Snapshot())
            {
                if (except is null || !except.Contains(outbox.ConnectionId))
                {
                    outbox.Send(message ??= Serialized(methodName, args));
                }
            }
        }

        return Task.CompletedTask;
    }

    private static SerializedHubMessage Serialized(string methodName, object?[] args) => new(new InvocationMessage(methodName, args));

    private static void Add(ConcurrentDictionary<string, ConnectionSet> index, string key, Outbox outbox)
    {
        while (true)
        {
            var entry = index.GetOrAdd(key, static _ => new ConnectionSet());
            if (entry.TryAdd(outbox))
            {
                return;
            }

            // The entry emptied and left the index between the lookup and the add: take a fresh one.
            index.TryRemove(new KeyValuePair<string, ConnectionSet>(key, entry));
        }
    }

    private static void Remove(ConcurrentDictionary<string, ConnectionSet> index, string key, Outbox outbox)
    {
        if (index.TryGetValue(key, out var entry) && entry.Remove(outbox))
        {
            index.TryRemove(new KeyValuePair<string, ConnectionSet>(key, entry));
        }
    }

    private void Overflowed(HubConnectionContext connection, long queuedBytes)
    {
        Interlocked.Increment(ref _slowConsumersClosed);
        LogSlowConsumer(logger, connection.ConnectionId, queuedBytes);
        connection.Abort();
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Closed hub connection {ConnectionId}: it stopped reading, and {QueuedBytes} bytes of events waited for it (Limits:HubOutboundQueueBytes)")]
    private static partial void LogSlowConsumer(ILogger logger, string connectionId, long queuedBytes);

    /// <summary>
    /// One connection's events on their way out. While its pipe takes writes at once nothing is queued; once a write
    /// has to wait (the pipe is over its pause threshold: the client reads slower than it is sent to), later events
    /// wait here in order and one drain loop writes them as the pipe frees.
    /// </summary>
    private sealed class Outbox(HubConnectionContext connection, ChatHubLifetimeManager owner)
    {
        private readonly Lock _gate = new();
        private Queue<SerializedHubMessage>? _backlog;
        private long _backlogBytes;
        private bool _draining;
        private bool _closed;
        private HashSet<string>? _groups;

        public string ConnectionId => connection.ConnectionId;

        public bool IsClosed
        {
            get
            {
                lock (_gate)
                {
                    return _closed;
                }
            }
        }

        public void Send(SerializedHubMessage message)
        {
            lock (_gate)
            {
                if (_closed)
                {
                    return;
                }

                if (!_draining)
                {
                    var write = connection.WriteAsync(message, CancellationToken.None);
                    if (!write.IsCompletedSuccessfully)
                    {
                        _draining = true;
                        _ = DrainAsync(write);
                    }

                    return;
                }

                var size = message.GetSerializedMessage(connection.Protocol).Length;
                if (_backlogBytes + size > owner.OutboundLimit)
                {
                    var queued = _backlogBytes + size;
                    CloseLocked();
                    owner.Overflowed(connection, queued);
                    return;
                }

                (_backlog ??= new()).Enqueue(message);
                _backlogBytes += size;
            }
        }

        private async Task DrainAsync(ValueTask write)
        {
            while (true)
            {
                // WriteAsync does not throw: a failed write aborts the connection, after which writes complete at once.
                await write;
                lock (_gate)
                {
                    while (true)
                    {
                        if (_closed || _backlog is not { Count: > 0 })
                        {
                            _draining = false;
                            return;
                        }

                        var next = _backlog.Dequeue();
                        _backlogBytes -= next.GetSerializedMessage(connection.Protocol).Length;
                        write = connection.WriteAsync(next, CancellationToken.None);
                        if (!write.IsCompletedSuccessfully)
                        {
                            break;
                        }
                    }
                }
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                CloseLocked();
            }
        }

        private void CloseLocked()
        {
            _closed = true;
            _backlog = null;
            _backlogBytes = 0;
        }

        public bool JoinGroup(string group)
        {
            lock (_gate)
            {
                return !_closed && (_groups ??= new(StringComparer.Ordinal)).Add(group);
            }
        }

        public bool LeaveGroup(string group)
        {
            lock (_gate)
            {
                return _groups?.Remove(group) == true;
            }
        }

        /// <summary>The groups to leave on disconnect; none can be joined after this.</summary>
        public string[] TakeGroups()
        {
            lock (_gate)
            {
                string[] groups = _groups is null ? [] : [.. _groups];
                _groups = null;
                return groups;
            }
        }
    }

    /// <summary>
    /// The connections of one user or group. The send snapshot is built on the first send after a change, not on
    /// every change: copying the whole array on each connect made N connections of one user cost O(N²) allocation
    /// (19,000 idle connections of one login: 1.4 GB of arrays, most on the large object heap, +12 KB RSS each).
    /// </summary>
    private sealed class ConnectionSet
    {
        private readonly Lock _gate = new();
        private readonly HashSet<Outbox> _connections = new(1);
        private Outbox[]? _snapshot;
        private bool _removed;

        public Outbox[] Snapshot()
        {
            if (Volatile.Read(ref _snapshot) is { } snapshot)
            {
                return snapshot;
            }

            lock (_gate)
            {
                return _snapshot ??= [.. _connections];
            }
        }

        /// <summary>False once the entry has emptied and left the index; the caller then adds to a fresh entry.</summary>
        public bool TryAdd(Outbox connection)
        {
            lock (_gate)
            {
                if (_removed)
                {
                    return false;
                }

                _connections.Add(connection);
                Volatile.Write(ref _snapshot, null);
                return true;
            }
        }

        /// <summary>Removes the connection; true when it was the last, and the entry must leave the index.</summary>
        public bool Remove(Outbox connection)
        {
            lock (_gate)
            {
                _connections.Remove(connection);
                Volatile.Write(ref _snapshot, null);
                _removed = _connections.Count == 0;
                return _removed;
            }
        }
    }
}
